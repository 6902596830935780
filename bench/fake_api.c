/*
** bench_fake_api: a fast fake Lambda Runtime API for benchmarks. It starts
** the runtime it is given, feeds it N invocations of one event over
** keep-alive, and reports invocations per second, per-invocation latency
** percentiles (from sending /next's reply to receiving the post) and the
** runtime's peak RSS; or, with --cold, the time from exec to the first
** /next, over several starts.
**
**   bench_fake_api [-n N] [-e EVENT] [-c CONNS] [--max-growth-kb K]
**                  [--end-with-500] -- RUNTIME [ARGS...]
**   bench_fake_api --cold RUNS -- RUNTIME [ARGS...]
** Results are printed as name=value lines. --max-growth-kb fails the run
** if the runtime's RSS grew more than K kB from the first 1% of the
** invocations to the end (a soak). --end-with-500 answers a last /next
** with 500, waits for the runtime to exit and fails unless it exits 1
** (under valgrind --error-exitcode=99, errors make that 99). -c CONNS
** serves a runtime that keeps CONNS connections with a /next each
** (Managed Instances: set AWS_LAMBDA_MAX_CONCURRENCY for it), a thread per
** connection, handing the N invocations to whichever asks.
*/
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int listen_loopback (int *port) {
  struct sockaddr_in addr;
  socklen_t len = sizeof(addr);
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
      listen(fd, 4) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
    perror("listen");
    exit(2);
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

static pid_t start_runtime (char **argv, int port) {
  char api[64];
  pid_t pid;
  snprintf(api, sizeof(api), "127.0.0.1:%d", port);
  pid = fork();
  if (pid == 0) {
    /* A group of its own: stop_runtime signals a wrapper (strace, say)
       and what it runs alike. */
    setpgid(0, 0);
    setenv("AWS_LAMBDA_RUNTIME_API", api, 1);
    execvp(argv[0], argv);
    perror(argv[0]);
    _exit(127);
  }
  return pid;
}

/*
** SIGTERM first, as Lambda stops a runtime, so one run under valgrind
** (bench/per_invoke.sh) ends its way and writes its counts; SIGKILL
** after 5 s if it has not gone.
*/
static void stop_runtime (pid_t pid) {
  int tries;
  kill(-pid, SIGTERM);
  for (tries = 0; tries < 500; tries++) {
    struct timespec pause = { 0, 10 * 1000 * 1000 };
    if (waitpid(pid, NULL, WNOHANG) == pid)
      return;
    nanosleep(&pause, NULL);
  }
  kill(-pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

/* A connection's input, read in large pieces. */
struct conn {
  int fd;
  char *buf;
  size_t len, cap;
};

static int fill (struct conn *c) {
  ssize_t n;
  if (c->len == c->cap) {
    c->cap *= 2;
    c->buf = realloc(c->buf, c->cap);
  }
  n = read(c->fd, c->buf + c->len, c->cap - c->len);
  if (n <= 0)
    return -1;
  c->len += (size_t)n;
  return 0;
}

/* Skips a chunked body at off: returns the offset past its trailers. */
static long chunked_end (struct conn *c, size_t off) {
  for (;;) {
    char *eol;
    size_t size;
    while ((eol = memmem(c->buf + off, c->len - off, "\r\n", 2)) == NULL) {
      if (fill(c) != 0)
        return -1;
    }
    size = strtoul(c->buf + off, NULL, 16);
    off = (size_t)(eol - c->buf) + 2;
    if (size == 0)
      break;
    while (c->len < off + size + 2) {
      if (fill(c) != 0)
        return -1;
    }
    off += size + 2;
  }
  /* Trailer lines, if any, then an empty line. */
  for (;;) {
    char *eol;
    while ((eol = memmem(c->buf + off, c->len - off, "\r\n", 2)) == NULL) {
      if (fill(c) != 0)
        return -1;
    }
    if (eol == c->buf + off)
      return (long)off + 2;
    off = (size_t)(eol - c->buf) + 2;
  }
}

/* Reads one request; returns its total length, or -1 when closed. */
static long read_request (struct conn *c) {
  char *end;
  size_t head, body = 0;
  int chunked = 0;
  while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL) {
    if (fill(c) != 0)
      return -1;
  }
  head = (size_t)(end - c->buf) + 4;
  {
    char *p = c->buf;
    while (p < end) {
      char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
      if (eol == NULL)
        break;
      if (strncasecmp(p, "Content-Length:", 15) == 0)
        body = strtoul(p + 15, NULL, 10);
      else if (strncasecmp(p, "Transfer-Encoding:", 18) == 0 &&
               strstr(p, "chunked") != NULL && strstr(p, "chunked") < eol)
        chunked = 1;
      p = eol + 2;
    }
  }
  if (chunked)
    return chunked_end(c, head);
  while (c->len < head + body) {
    if (fill(c) != 0)
      return -1;
  }
  return (long)(head + body);
}

static void consume (struct conn *c, size_t n) {
  memmove(c->buf, c->buf + n, c->len - n);
  c->len -= n;
}

static void write_all (int fd, const char *s, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    if (n <= 0) {
      perror("write");
      exit(2);
    }
    s += n;
    len -= (size_t)n;
  }
}

static int accept_one (int lfd) {
  int one = 1, fd = accept(lfd, NULL, NULL);
  if (fd < 0) {
    perror("accept");
    exit(2);
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

/* A "Vm...:" field of /proc/PID/status in kB (VmHWM: peak, VmRSS: now). */
static long status_kb (pid_t pid, const char *field) {
  char path[64], line[256], fmt[32];
  long kb = 0;
  FILE *f;
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  snprintf(fmt, sizeof(fmt), "%s: %%ld kB", field);
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  while (fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, fmt, &kb) == 1)
      break;
  fclose(f);
  return kb;
}

static int cmp_double (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static char *read_file (const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *data;
  long n;
  if (f == NULL) {
    perror(path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = malloc((size_t)n + 1);
  if (fread(data, 1, (size_t)n, f) != (size_t)n) {
    perror(path);
    exit(2);
  }
  fclose(f);
  *len = (size_t)n;
  return data;
}

/* Answers a /next with invocation i (request id req-i) of event. */
static void send_invocation (int fd, long i, const char *event,
                             size_t elen) {
  char head[512];
  int hl = snprintf(head, sizeof(head),
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "Lambda-Runtime-Aws-Request-Id: req-%ld\r\n"
                    "Lambda-Runtime-Deadline-Ms: 4102444800000\r\n"
                    "Lambda-Runtime-Invoked-Function-Arn: "
                    "arn:aws:lambda:us-east-1:000000000000:function:bench\r\n"
                    "Lambda-Runtime-Trace-Id: "
                    "Root=1-00000000-000000000000000000000000\r\n"
                    "Content-Length: %zu\r\n\r\n", i, elen);
  write_all(fd, head, (size_t)hl);
  write_all(fd, event, elen);
}

static long max_growth_kb = -1;
static int end_with_500;

static int throughput (char **argv, long n, const char *event, size_t elen) {
  struct conn c;
  int port, lfd = listen_loopback(&port);
  pid_t pid = start_runtime(argv, port);
  double *lat = malloc(sizeof(double) * (size_t)n), started, t0;
  long i, req, rss_start = 0;
  int rc = 0;
  c.fd = accept_one(lfd);
  c.cap = 1 << 16;
  c.buf = malloc(c.cap);
  c.len = 0;
  started = now_us();
  for (i = 0; i < n; i++) {
    if ((req = read_request(&c)) < 0) {
      fprintf(stderr, "runtime closed the connection at invocation %ld\n", i);
      stop_runtime(pid);
      return 1;
    }
    consume(&c, (size_t)req);                       /* GET /next */
    t0 = now_us();
    send_invocation(c.fd, i, event, elen);
    if ((req = read_request(&c)) < 0) {
      fprintf(stderr, "runtime closed the connection at invocation %ld\n", i);
      stop_runtime(pid);
      return 1;
    }
    lat[i] = now_us() - t0;
    if (i == n / 100)
      rss_start = status_kb(pid, "VmRSS");
    consume(&c, (size_t)req);                       /* POST /response */
    write_all(c.fd, "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}",
              46);
  }
  {
    double total = now_us() - started;
    printf("invocations=%ld\n", n);
    printf("invocations_per_second=%.0f\n", (double)n / (total / 1e6));
    printf("mean_us=%.1f\n", total / (double)n);
    long rss_end = status_kb(pid, "VmRSS");
    printf("max_rss_kb=%ld\n", status_kb(pid, "VmHWM"));
    printf("rss_start_kb=%ld\nrss_end_kb=%ld\n", rss_start, rss_end);
    qsort(lat, (size_t)n, sizeof(double), cmp_double);
    printf("p50_us=%.1f\np90_us=%.1f\np99_us=%.1f\n", lat[n / 2],
           lat[n * 9 / 10], lat[n * 99 / 100]);
    if (max_growth_kb >= 0 && rss_end - rss_start > max_growth_kb) {
      fprintf(stderr, "RSS grew %ld kB, more than %ld kB\n",
              rss_end - rss_start, max_growth_kb);
      rc = 1;
    }
  }
  if (end_with_500) {
    static const char fail[] = "HTTP/1.1 500 Internal Server Error\r\n"
                               "Content-Length: 2\r\n\r\n{}";
    int status;
    if (read_request(&c) >= 0)
      write_all(c.fd, fail, sizeof(fail) - 1);
    waitpid(pid, &status, 0);
    printf("runtime_exit_status=%d\n",
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
      rc = 1;
  } else {
    stop_runtime(pid);
  }
  close(c.fd);
  close(lfd);
  free(c.buf);
  free(lat);
  return rc;
}

/* -c: the invocations all connections share out. */
struct shared {
  atomic_long next;        /* the next invocation's number */
  long n;
  const char *event;
  size_t elen;
};

struct server_thread {
  struct shared *shared;
  int fd;
  long served;
  int failed;
};

/* Serves one connection until the invocations run out; its last /next is
   left waiting, as Lambda leaves a frozen runtime's. */
static void *serve_conn (void *arg) {
  struct server_thread *t = arg;
  struct conn c;
  long req;
  c.fd = t->fd;
  c.cap = 1 << 16;
  c.buf = malloc(c.cap);
  c.len = 0;
  for (;;) {
    long i;
    if ((req = read_request(&c)) < 0) {
      t->failed = 1;
      break;
    }
    consume(&c, (size_t)req);                       /* GET /next */
    i = atomic_fetch_add(&t->shared->next, 1);
    if (i >= t->shared->n)
      break;
    send_invocation(c.fd, i, t->shared->event, t->shared->elen);
    if ((req = read_request(&c)) < 0) {
      t->failed = 1;
      break;
    }
    consume(&c, (size_t)req);                       /* POST /response */
    write_all(c.fd, "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}",
              46);
    t->served++;
  }
  free(c.buf);
  return NULL;
}

static int many_throughput (char **argv, long n, const char *event,
                            size_t elen, int conns) {
  struct shared shared;
  struct server_thread *threads = calloc((size_t)conns, sizeof(*threads));
  pthread_t *ids = calloc((size_t)conns, sizeof(*ids));
  int port, lfd = listen_loopback(&port), k, rc = 0;
  pid_t pid = start_runtime(argv, port);
  double started;
  long served = 0;
  atomic_init(&shared.next, 0);
  shared.n = n;
  shared.event = event;
  shared.elen = elen;
  for (k = 0; k < conns; k++)
    threads[k].fd = accept_one(lfd);   /* each worker's first /next */
  started = now_us();
  for (k = 0; k < conns; k++) {
    threads[k].shared = &shared;
    pthread_create(&ids[k], NULL, serve_conn, &threads[k]);
  }
  for (k = 0; k < conns; k++) {
    pthread_join(ids[k], NULL);
    served += threads[k].served;
    if (threads[k].failed)
      rc = 1;
  }
  {
    double total = now_us() - started;
    printf("invocations=%ld\n", served);
    struct rusage self;
    printf("connections=%d\n", conns);
    printf("invocations_per_second=%.0f\n", (double)served / (total / 1e6));
    /* What serving cost this fake, as a share of one CPU over the run. */
    getrusage(RUSAGE_SELF, &self);
    printf("fake_cpu_share=%.2f\n",
           ((double)self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
            (double)self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6) /
           (total / 1e6));
    printf("max_rss_kb=%ld\n", status_kb(pid, "VmHWM"));
  }
  stop_runtime(pid);
  for (k = 0; k < conns; k++)
    close(threads[k].fd);
  close(lfd);
  free(threads);
  free(ids);
  if (served != n)
    rc = 1;
  return rc;
}

static int cold (char **argv, int runs) {
  double *t = malloc(sizeof(double) * (size_t)runs);
  int r;
  for (r = 0; r < runs; r++) {
    struct conn c;
    int port, lfd = listen_loopback(&port);
    double t0 = now_us();
    pid_t pid = start_runtime(argv, port);
    c.fd = accept_one(lfd);
    c.cap = 4096;
    c.buf = malloc(c.cap);
    c.len = 0;
    if (read_request(&c) < 0) {
      fprintf(stderr, "no /next from the runtime\n");
      return 1;
    }
    t[r] = (now_us() - t0) / 1000.0;
    stop_runtime(pid);
    close(c.fd);
    close(lfd);
    free(c.buf);
  }
  qsort(t, (size_t)runs, sizeof(double), cmp_double);
  printf("cold_start_runs=%d\ncold_start_median_ms=%.2f\n", runs,
         t[runs / 2]);
  free(t);
  return 0;
}

int main (int argc, char **argv) {
  long n = 10000;
  int runs = 0, conns = 0, i;
  const char *event_path = NULL;
  char *event;
  size_t elen;
  for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
      n = atol(argv[++i]);
    else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc)
      event_path = argv[++i];
    else if (strcmp(argv[i], "--cold") == 0 && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if (strcmp(argv[i], "--max-growth-kb") == 0 && i + 1 < argc)
      max_growth_kb = atol(argv[++i]);
    else if (strcmp(argv[i], "--end-with-500") == 0)
      end_with_500 = 1;
    else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
      conns = atoi(argv[++i]);
  }
  if (i + 1 >= argc || n <= 0) {
    fprintf(stderr, "usage: bench_fake_api [-n N] [-e EVENT] [--cold RUNS]"
            " -- RUNTIME [ARGS...]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (runs > 0)
    return cold(argv + i + 1, runs);
  if (event_path != NULL) {
    event = read_file(event_path, &elen);
  } else {
    event = strdup("{}");
    elen = 2;
  }
  i = conns > 0 ? many_throughput(argv + i + 1, n, event, elen, conns)
                : throughput(argv + i + 1, n, event, elen);
  free(event);
  return i;
}
