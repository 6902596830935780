#include "serve_queue.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "json_quote.h"
#include "request_id.h"
#include "serve_worker_output.h"

/* File descriptors a function has on Lambda (its quotas page). */
#define LAMBDA_FILES 1024

extern char **environ;

static void ext_broadcast (struct emulator *emu, struct emu_worker *worker,
                           int invoke, const char *json);
static int extensions_ready (const struct emu_worker *worker);
static void retire_locked (struct emulator *emu, int w);
static void fail_queue_exit_locked (struct emulator *emu,
                                    const char *message);
static void fail_shut_down_locked (struct emulator *emu,
                                   struct emu_job *job);
static void fail_running_shut_down_locked (struct emulator *emu,
                                           struct emu_worker *worker);

int emu_init (struct emulator *emu, const struct emu_config *cfg) {
  memset(emu, 0, sizeof(*emu));
  emu->cfg = *cfg;
  buffer_init(&emu->init_error);
  /* Lambda gives a function 1,024 file descriptors; serve itself may
     raise its own limit for its connections, its runtimes keep this. */
  if (getrlimit(RLIMIT_NOFILE, &emu->runtime_files) == 0 &&
      emu->runtime_files.rlim_cur > LAMBDA_FILES)
    emu->runtime_files.rlim_cur = LAMBDA_FILES;
  if (pthread_mutex_init(&emu->lock, NULL) != 0 ||
      pthread_cond_init(&emu->changed, NULL) != 0)
    return -1;
  return 0;
}

void emu_destroy (struct emulator *emu) {
  struct timespec until;
  int64_t now = clock_now_us(), phase_ms = 500;
  int i, w, running;
  char event[128];
  pthread_mutex_lock(&emu->lock);
  emu->shutting_down = 1;
  /* What no worker took yet will not run: say so to whoever waits. */
  fail_queue_exit_locked(emu, "lua-lambda serve is stopping: the "
                         "invocation was shut down before it started");
  snprintf(event, sizeof(event),
           "{\"eventType\":\"SHUTDOWN\",\"shutdownReason\":\"spindown\","
           "\"deadlineMs\":%lld}", (long long)(now / 1000 + 2000));
  for (w = 0; w < emu->cfg.concurrency; w++) {
    struct emu_worker *worker = &emu->workers[w];
    if (worker->pid <= 0)
      continue;
    for (i = 0; i < worker->n_ext; i++) {
      if (worker->ext[i].wants_shutdown)
        phase_ms = 2000;
    }
    ext_broadcast(emu, worker, 0, event);
    kill(worker->pid, worker->n_ext > 0 ? SIGTERM : SIGKILL);
  }
  until = clock_timespec(now / 1000 + phase_ms);
  for (;;) {
    for (w = 0, running = 0; w < emu->cfg.concurrency; w++)
      running += emu->workers[w].pid > 0;
    if (running == 0 ||
        pthread_cond_timedwait(&emu->changed, &emu->lock, &until) ==
        ETIMEDOUT)
      break;
  }
  for (w = 0; w < emu->cfg.concurrency; w++) {
    struct emu_worker *worker = &emu->workers[w];
    if (worker->pid > 0) {
      printf("lua-lambda: worker %d outlived the shutdown phase: SIGKILL\n",
             w);
      kill(worker->pid, SIGKILL);
    }
    fail_running_shut_down_locked(emu, worker);
  }
  emu->stopping = 1;
  pthread_cond_broadcast(&emu->changed);
  pthread_mutex_unlock(&emu->lock);
}

long emu_worker_max_rss_mb (struct emulator *emu, int w) {
  char path[64], line[128];
  long kb = 0;
  FILE *f;
  if (w < 0 || emu->workers[w].pid <= 0)
    return 0;
  snprintf(path, sizeof(path), "/proc/%d/status", (int)emu->workers[w].pid);
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
      break;
  }
  fclose(f);
  return (kb + 1023) / 1024;
}

/*
** END and REPORT, as Lambda writes them; called as a job becomes done.
** Billed Duration is the duration rounded up to the next millisecond,
** capped at the timeout; the first invocation of a worker also carries
** its Init Duration, which provided.al2023 bills with it.
*/
static void report (struct emulator *emu, struct emu_job *job,
                    const char *status) {
  double ms = (double)(clock_now_us() - job->started_us) / 1000.0;
  long billed = (long)ceil(ms), cap = emu->cfg.timeout_s * 1000L;
  char init[64] = "", lines[512];
  int n;
  struct emu_worker *worker = job->worker >= 0
                              ? &emu->workers[job->worker] : NULL;
  if (billed > cap)
    billed = cap;
  if (worker != NULL && worker->init_ms > 0) {
    billed += (long)ceil(worker->init_ms);
    snprintf(init, sizeof(init), "\tInit Duration: %.2f ms", worker->init_ms);
    worker->init_ms = 0;  /* once per worker */
  }
  /* What the function wrote before it finished goes out before END, and
     into the invocation's log (one invocation at a time: with several,
     no line can be told apart). */
  if (worker != NULL && worker->out != NULL && worker->slots == 1) {
    worker_output_drain(worker->out);
    worker_output_take(worker->out, &job->log);
  }
  n = snprintf(lines, sizeof(lines), "END RequestId: %s\n"
               "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: "
               "%ld ms\tMemory Size: %d MB\tMax Memory Used: %ld MB%s%s%s\n",
               job->request_id, job->request_id, ms, billed,
               emu->cfg.memory_mb, emu_worker_max_rss_mb(emu, job->worker),
               init, status ? "\tStatus: " : "", status ? status : "");
  if (n > 0) {
    fputs(lines, stdout);
    buffer_append(&job->log, lines, (size_t)n < sizeof(lines)
                  ? (size_t)n : sizeof(lines) - 1);
  }
}

/* {"errorType": type, "errorMessage": message}: Lambda's own errors
   carry no stackTrace. */
static int lambda_error_body (struct buffer *out, const char *type,
                              const char *message) {
  buffer_clear(out);
  if (buffer_append(out, "{\"errorType\":", 13) != 0 ||
      json_quote(out, type, strlen(type)) != 0 ||
      buffer_append(out, ",\"errorMessage\":", 16) != 0 ||
      json_quote(out, message, strlen(message)) != 0 ||
      buffer_append(out, "}", 1) != 0)
    return -1;
  return 0;
}

/* Marks a job done with an error document of the emulator's own. */
static void fail_job (struct emulator *emu, struct emu_job *job,
                      const char *type, const char *message) {
  job->failed = 1;
  job->streaming = 0;
  snprintf(job->error_type, sizeof(job->error_type), "%s", type);
  if (lambda_error_body(&job->body, type, message) != 0)
    buffer_set(&job->body, "{}", 2);
  job->state = JOB_DONE;
  pthread_cond_broadcast(&emu->changed);
}

static int spawn_worker (struct emulator *emu, int w) {
  const struct emu_config *cfg = &emu->cfg;
  char api[64], stream[64], slots[16];
  /* What differs from one runtime process to the next; the rest of the
     environment is the function's (local_function.h). */
  const char *set[][2] = {
    {"AWS_LAMBDA_RUNTIME_API", api},
    {"AWS_LAMBDA_LOG_STREAM_NAME", stream},
    /* Managed Instances only: its absence is on-demand (README). */
    {"AWS_LAMBDA_MAX_CONCURRENCY", slots},
  };
  size_t n_set = sizeof(set) / sizeof(set[0]), n_env = 0, i, k, kept;
  char **env, *argv[4];
  struct emu_worker *worker = &emu->workers[w];
  struct worker_output *out;
  int pipes[2][2] = { { -1, -1 }, { -1, -1 } };  /* stdout's, stderr's */
  pid_t pid;
  snprintf(api, sizeof(api), "127.0.0.1:%d", emu->api_ports[w]);
  snprintf(slots, sizeof(slots), "%d", cfg->managed_instances);
  if (cfg->managed_instances <= 0)
    n_set--;  /* the last entry: AWS_LAMBDA_MAX_CONCURRENCY, left out */
  snprintf(stream, sizeof(stream), "local/[$LATEST]worker-%d", w);
  while (cfg->env[n_env] != NULL)
    n_env++;
  env = calloc(n_env + n_set + 1, sizeof(*env));
  if (env == NULL)
    return -1;
  for (i = 0, k = 0; i < n_env; i++) {
    size_t j, keep = 1;
    for (j = 0; j < n_set; j++) {
      size_t len = strlen(set[j][0]);
      if (strncmp(cfg->env[i], set[j][0], len) == 0 &&
          cfg->env[i][len] == '=')
        keep = 0;
    }
    if (keep)
      env[k++] = cfg->env[i];
  }
  kept = k;  /* borrowed from cfg->env up to here; made below */
  for (i = 0; i < n_set; i++) {
    size_t len = strlen(set[i][0]) + strlen(set[i][1]) + 2;
    env[k] = malloc(len);
    if (env[k] == NULL) {
      while (k > kept)
        free(env[--k]);
      free(env);
      return -1;
    }
    snprintf(env[k++], len, "%s=%s", set[i][0], set[i][1]);
  }
  /* A runtime of the other architecture runs under qemu-user. */
  i = 0;
  if (cfg->emulator != NULL)
    argv[i++] = (char *)cfg->emulator;
  argv[i++] = (char *)cfg->bootstrap;
  argv[i++] = (char *)cfg->handler;
  argv[i] = NULL;
  if (pipe(pipes[0]) != 0 || pipe(pipes[1]) != 0) {
    if (pipes[0][0] >= 0 && pipes[0][1] >= 0) {
      close(pipes[0][0]);
      close(pipes[0][1]);
    }
    for (i = kept; i < k; i++)
      free(env[i]);
    free(env);
    return -1;
  }
  /* Other workers started later must not hold these pipes open. */
  for (i = 0; i < 4; i++)
    fcntl(pipes[i / 2][i % 2], F_SETFD, FD_CLOEXEC);
  pid = fork();
  if (pid == 0) {
    sigset_t none;
    /* serve blocks SIGINT/SIGTERM for its threads; a runtime must not
       inherit that: Lambda's SIGTERM has to reach it. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (emu->runtime_files.rlim_max > 0)
      setrlimit(RLIMIT_NOFILE, &emu->runtime_files);
    if (dup2(pipes[0][1], STDOUT_FILENO) < 0 ||
        dup2(pipes[1][1], STDERR_FILENO) < 0 || chdir(cfg->task_root) != 0)
      _exit(126);
    execve(argv[0], argv, env);
    _exit(127);
  }
  close(pipes[0][1]);
  close(pipes[1][1]);
  for (i = kept; i < k; i++)
    free(env[i]);
  free(env);
  if (pid < 0) {
    close(pipes[0][0]);
    close(pipes[1][0]);
    return -1;
  }
  out = worker_output_start(pipes[0][0], pipes[1][0]);
  if (worker->out != NULL)
    worker_output_release(worker->out);
  worker->out = out;
  worker->pid = pid;
  worker->generation++;
  worker->n_jobs = 0;
  worker->slots = cfg->managed_instances > 0 ? cfg->managed_instances : 1;
  for (i = 0; i < (size_t)worker->n_ext; i++)
    buffer_free(&worker->ext[i].events);
  worker->n_ext = 0;
  worker->init_done = 0;
  worker->init_failed = 0;
  worker->retiring = 0;
  worker->stale = 0;
  worker->init_ms = 0;
  worker->spawned_us = clock_now_us();
  worker->idle_since_us = worker->spawned_us;
  worker->n_next = 0;
  return 0;
}

/*
** Lazy, like Lambda: a worker starts only when an invocation finds no
** worker free (running and idle, or still in its init) to take it.
*/
static void start_needed_locked (struct emulator *emu) {
  int w, free_workers = 0, queued = 0;
  struct emu_job *j;
  for (j = emu->queue_head; j != NULL; j = j->next)
    queued++;
  for (w = 0; w < emu->cfg.concurrency; w++) {
    const struct emu_worker *worker = &emu->workers[w];
    if (worker->pid > 0 && !worker->init_failed && !worker->retiring &&
        !worker->stale)
      free_workers += worker->slots - worker->n_jobs;  /* free slots */
  }
  for (w = 0; w < emu->cfg.concurrency && queued > free_workers; w++) {
    if (emu->workers[w].pid != 0)
      continue;
    if (spawn_worker(emu, w) != 0) {
      fprintf(stderr, "lua-lambda: cannot start %s: %s\n",
              emu->cfg.bootstrap, strerror(errno));
      break;
    }
    free_workers += emu->workers[w].slots;
  }
}

/*
** A runtime that dies in its init again and again is started again later
** each time (0.1 s, doubling, at most 5 s), never in a hot loop.
*/
static int64_t backoff_left_us (struct emulator *emu) {
  int64_t now = clock_now_us(), left = 0;
  int w;
  for (w = 0; w < emu->cfg.concurrency; w++) {
    const struct emu_worker *worker = &emu->workers[w];
    if (worker->pid == 0 && worker->not_before_us > now &&
        (left == 0 || worker->not_before_us - now < left))
      left = worker->not_before_us - now;
  }
  return left;
}

/* Whether as many invocations wait as serve lets wait. */
static int queue_full_locked (struct emulator *emu) {
  const struct emu_job *j;
  int n = 0;
  for (j = emu->queue_head; j != NULL; j = j->next)
    n++;
  return n >= EMU_QUEUE_PER_WORKER * emu->cfg.concurrency *
              (emu->cfg.managed_instances > 0 ? emu->cfg.managed_instances
                                              : 1);
}

struct emu_job *emu_submit (struct emulator *emu, const char *event,
                            size_t len, const char *client_context,
                            size_t cc_len, const char *trace_id,
                            int *throttled) {
  struct emu_job *job;
  int64_t wait_us;
  char made_trace[96];
  *throttled = 0;
  job = calloc(1, sizeof(*job));
  if (job == NULL)
    return NULL;
  request_id_make(job->request_id);
  buffer_init(&job->event);
  buffer_init(&job->client_context);
  buffer_init(&job->trace_id);
  buffer_init(&job->body);
  buffer_init(&job->error_doc);
  buffer_init(&job->log);
  if (trace_id == NULL) {
    /* X-Ray's form: the time, then 96 bits that tell invocations apart
       (a count, so two in the same second differ). */
    static atomic_ullong made;
    int64_t now = clock_now_us();
    snprintf(made_trace, sizeof(made_trace),
             "Root=1-%08llx-%08llx%016llx;Sampled=0",
             (unsigned long long)(now / 1000000),
             (unsigned long long)(now % 1000000),
             (unsigned long long)atomic_fetch_add(&made, 1) + 1);
    trace_id = made_trace;
  }
  if (buffer_set(&job->event, event, len) != 0 ||
      buffer_set(&job->client_context, client_context, cc_len) != 0 ||
      buffer_set(&job->trace_id, trace_id, strlen(trace_id)) != 0) {
    emu_release(emu, job);  /* refs is 0: frees it */
    return NULL;
  }
  job->worker = -1;
  job->refs = 1;
  pthread_mutex_lock(&emu->lock);
  wait_us = backoff_left_us(emu);
  pthread_mutex_unlock(&emu->lock);
  clock_sleep_ms((wait_us + 999) / 1000);
  job->started_us = clock_now_us();
  /*
  ** In the queue, a job may wait for a worker's init, which has a limit
  ** of its own (--init-timeout) and is not the invocation's time, and for
  ** the invocation ahead of it; taking the job restarts the clock.
  */
  job->deadline_ms = job->started_us / 1000 +
                     (emu->cfg.init_timeout_s + emu->cfg.timeout_s) * 1000LL;
  pthread_mutex_lock(&emu->lock);
  /* Checked where it is queued, so callers at once cannot overfill it. */
  if (queue_full_locked(emu)) {
    pthread_mutex_unlock(&emu->lock);
    *throttled = 1;
    emu_release(emu, job);  /* refs 1 -> 0: frees it */
    return NULL;
  }
  if (emu->init_error.len > 0) {
    /* The code may have been fixed: try a fresh init. */
    buffer_clear(&emu->init_error);
  }
  if (emu->queue_tail != NULL)
    emu->queue_tail->next = job;
  else
    emu->queue_head = job;
  emu->queue_tail = job;
  job->refs++;  /* the queue's */
  if (!emu->stopping && !emu->shutting_down)
    start_needed_locked(emu);
  pthread_cond_broadcast(&emu->changed);
  pthread_mutex_unlock(&emu->lock);
  return job;
}

/* Whether every extension worker w registered waits in event/next. */
static int extensions_ready (const struct emu_worker *worker) {
  int i;
  for (i = 0; i < worker->n_ext; i++) {
    if (!worker->ext[i].waiting)
      return 0;
  }
  return 1;
}

/* Queues an event for each extension of the worker that asked for it. */
static void ext_broadcast (struct emulator *emu, struct emu_worker *worker,
                           int invoke, const char *json) {
  int i;
  for (i = 0; i < worker->n_ext; i++) {
    struct emu_extension *ext = &worker->ext[i];
    if (invoke ? ext->wants_invoke : ext->wants_shutdown) {
      buffer_append(&ext->events, json, strlen(json));
      buffer_append(&ext->events, "\n", 1);
    }
  }
  pthread_cond_broadcast(&emu->changed);
}

struct emu_job *emu_take (struct emulator *emu, int w, int generation) {
  struct emu_job *job = NULL;
  struct emu_worker *worker = &emu->workers[w];
  pthread_mutex_lock(&emu->lock);
  if (worker->generation == generation)
    worker->n_next++;
  for (;;) {
    if (emu->stopping || worker->generation != generation)
      break;
    /* The Init barrier: Init ends when the runtime waits here and every
       extension it registered waits in event/next. */
    if (!worker->init_done && extensions_ready(worker)) {
      worker->init_done = 1;
      worker->failures = 0;
      worker->init_ms = (double)(clock_now_us() - worker->spawned_us) / 1000.0;
    }
    /* A runtime may keep more /next calls waiting than it has slots:
       those wait here until one frees, and no job is lost. */
    if (worker->init_done && emu->queue_head != NULL &&
        worker->n_jobs < worker->slots && !worker->stale &&
        !emu->shutting_down)
      break;
    pthread_cond_wait(&emu->changed, &emu->lock);
  }
  if (worker->generation == generation)
    worker->n_next--;
  if (!emu->stopping && worker->generation == generation) {
    char event[512];
    job = emu->queue_head;
    emu->queue_head = job->next;
    if (emu->queue_head == NULL)
      emu->queue_tail = NULL;
    job->next = NULL;
    job->state = JOB_RUNNING;
    job->worker = w;
    job->started_us = clock_now_us();
    /* The timeout runs from here: Lambda's init has a limit of its own. */
    job->deadline_ms = job->started_us / 1000 + emu->cfg.timeout_s * 1000LL;
    worker->jobs[worker->n_jobs++] = job;  /* the queue's reference moves */
    job->refs++;                 /* and one for the caller */
    snprintf(event, sizeof(event), "START RequestId: %s Version: $LATEST\n",
             job->request_id);
    fputs(event, stdout);
    buffer_set(&job->log, event, strlen(event));
    if (worker->out != NULL && worker->slots == 1)
      worker_output_capture(worker->out);
    snprintf(event, sizeof(event),
             "{\"eventType\":\"INVOKE\",\"deadlineMs\":%lld,"
             "\"requestId\":\"%s\",\"invokedFunctionArn\":"
             "\"arn:aws:lambda:us-east-1:000000000000:function:%s\"}",
             (long long)job->deadline_ms, job->request_id,
             emu->cfg.function_name);
    ext_broadcast(emu, worker, 1, event);
  }
  pthread_mutex_unlock(&emu->lock);
  return job;
}

struct emu_job *emu_find (struct emulator *emu, const char *request_id) {
  struct emu_job *found = NULL;
  int w;
  pthread_mutex_lock(&emu->lock);
  for (w = 0; w < emu->cfg.concurrency && found == NULL; w++) {
    const struct emu_worker *worker = &emu->workers[w];
    int i;
    for (i = 0; i < worker->n_jobs; i++) {
      if (strcmp(worker->jobs[i]->request_id, request_id) == 0) {
        found = worker->jobs[i];
        found->refs++;
        break;
      }
    }
  }
  pthread_mutex_unlock(&emu->lock);
  return found;
}

/* Detaches the job from its worker; the worker's reference is dropped. */
static void detach_locked (struct emulator *emu, struct emu_job *job) {
  struct emu_worker *worker;
  int i;
  if (job->worker < 0)
    return;
  worker = &emu->workers[job->worker];
  for (i = 0; i < worker->n_jobs; i++) {
    if (worker->jobs[i] == job) {
      worker->jobs[i] = worker->jobs[--worker->n_jobs];
      worker->idle_since_us = clock_now_us();
      job->refs--;
      if (worker->stale && worker->n_jobs == 0)
        retire_locked(emu, job->worker);
      pthread_cond_broadcast(&emu->changed);  /* a slot is free */
      return;
    }
  }
}

void emu_stream (struct emulator *emu, struct emu_job *job,
                 const char *content_type, const char *data, size_t len) {
  pthread_mutex_lock(&emu->lock);
  if (job->state == JOB_RUNNING) {
    if (!job->streaming && content_type != NULL)
      snprintf(job->content_type, sizeof(job->content_type), "%s",
               content_type);
    job->streaming = 1;
    buffer_append(&job->body, data, len);
    pthread_cond_broadcast(&emu->changed);
  }
  pthread_mutex_unlock(&emu->lock);
}

void emu_finish (struct emulator *emu, struct emu_job *job, int failed,
                 const char *error_type, const char *body, size_t len) {
  pthread_mutex_lock(&emu->lock);
  if (job->state == JOB_RUNNING) {
    job->failed = failed;
    if (error_type != NULL)
      snprintf(job->error_type, sizeof(job->error_type), "%s", error_type);
    if (!job->streaming)
      buffer_set(&job->body, body, len);
    else if (failed)
      buffer_set(&job->error_doc, body, len);
    report(emu, job, NULL);
    job->state = JOB_DONE;
    detach_locked(emu, job);
    pthread_cond_broadcast(&emu->changed);
  }
  pthread_mutex_unlock(&emu->lock);
}

/* Fails every queued job with the init error (no worker can take them). */
static void fail_queue_locked (struct emulator *emu) {
  while (emu->queue_head != NULL) {
    struct emu_job *job = emu->queue_head;
    emu->queue_head = job->next;
    job->next = NULL;
    job->failed = 1;
    snprintf(job->error_type, sizeof(job->error_type), "%s",
             emu->init_error_type);
    buffer_set(&job->body, emu->init_error.data, emu->init_error.len);
    job->state = JOB_DONE;
    job->refs--;  /* the queue's */
  }
  emu->queue_tail = NULL;
  pthread_cond_broadcast(&emu->changed);
}

void emu_init_error (struct emulator *emu, int w, const char *type,
                     const char *body, size_t len) {
  pthread_mutex_lock(&emu->lock);
  emu->workers[w].init_failed = 1;
  snprintf(emu->init_error_type, sizeof(emu->init_error_type), "%s",
           type != NULL ? type : "Runtime.Unknown");
  buffer_set(&emu->init_error, body, len);
  fail_queue_locked(emu);
  pthread_mutex_unlock(&emu->lock);
}

/*
** A job past its deadline: stopped as Lambda's timeout stops it. A
** running one has its worker killed; a streamed one is cut where it is
** (its reader ends the response); a queued one never started.
*/
static void time_out_locked (struct emulator *emu, struct emu_job *job) {
  char message[256];
  int w = job->worker;
  snprintf(message, sizeof(message),
           "RequestId: %s Error: Task timed out after %d.00 seconds",
           job->request_id, emu->cfg.timeout_s);
  if (job->state == JOB_RUNNING && job->streaming) {
    report(emu, job, "timeout");
    detach_locked(emu, job);
    if (w >= 0)
      retire_locked(emu, w);
    job->failed = 1;
    job->state = JOB_DONE;
    pthread_cond_broadcast(&emu->changed);
    return;
  }
  if (job->state == JOB_RUNNING) {
    report(emu, job, "timeout");
    detach_locked(emu, job);
    if (w >= 0)
      retire_locked(emu, w);  /* restarted on next invoke */
  } else {
    /* Never taken: no worker became ready in time. */
    struct emu_job **p = &emu->queue_head;
    int i;
    for (i = 0; i < emu->cfg.concurrency; i++) {
      const struct emu_worker *worker = &emu->workers[i];
      if (worker->pid > 0 && !worker->init_done && worker->n_ext > 0 &&
          !extensions_ready(worker)) {
        snprintf(message, sizeof(message),
                 "RequestId: %s Error: Init did not finish: an extension "
                 "registered and is not waiting in "
                 "/2020-01-01/extension/event/next", job->request_id);
        break;
      }
    }
    while (*p != NULL && *p != job)
      p = &(*p)->next;
    if (*p == job) {
      *p = job->next;
      emu->queue_tail = NULL;
      for (p = &emu->queue_head; *p != NULL; p = &(*p)->next)
        emu->queue_tail = *p;
      job->refs--;
    }
  }
  fail_job(emu, job, "Sandbox.Timedout", message);
}

/* A running job whose runtime serve shut down: it fails, saying so. */
static void fail_shut_down_locked (struct emulator *emu,
                                   struct emu_job *job) {
  char message[160];
  snprintf(message, sizeof(message), "RequestId: %s Error: the runtime "
           "was shut down (lua-lambda serve is stopping)", job->request_id);
  report(emu, job, "error");
  detach_locked(emu, job);
  fail_job(emu, job, "Runtime.ExitError", message);
}

/* Every running job of a worker serve shut down fails, saying so. */
static void fail_running_shut_down_locked (struct emulator *emu,
                                           struct emu_worker *worker) {
  int i;
  for (i = worker->n_jobs - 1; i >= 0 && i < worker->n_jobs; i--) {
    if (worker->jobs[i]->state == JOB_RUNNING)
      fail_shut_down_locked(emu, worker->jobs[i]);
  }
}

/* One pass of the watchdog (emulator.h), with the lock held. */
static void watch_locked (struct emulator *emu) {
  int64_t now = clock_now_us();
  struct emu_job *job, *next;
  int w;
  for (w = 0; w < emu->cfg.concurrency; w++) {
    struct emu_worker *worker = &emu->workers[w];
    int64_t limit_s;
    if (worker->pid <= 0 || worker->retiring)
      continue;
    if (worker->n_jobs > 0) {
      int i;
      /* from the end: a timeout takes the job out of the array */
      for (i = worker->n_jobs - 1; i >= 0 && i < worker->n_jobs; i--) {
        job = worker->jobs[i];
        if (job->state == JOB_RUNNING && now / 1000 >= job->deadline_ms)
          time_out_locked(emu, job);
      }
      continue;
    }
    if (worker->n_next > 0)
      continue;
    /* Busy with no job: in its init, or in work after its response. */
    limit_s = worker->init_done ? emu->cfg.timeout_s
                                : emu->cfg.init_timeout_s;
    if (now - worker->idle_since_us > limit_s * 1000000LL) {
      printf("lua-lambda: worker %d %s for over %lld s: killing it\n", w,
             worker->init_done ? "kept busy after its invocation"
                               : "stuck in its init",
             (long long)limit_s);
      retire_locked(emu, w);
    }
  }
  for (job = emu->queue_head; job != NULL; job = next) {
    next = job->next;
    if (now / 1000 >= job->deadline_ms)
      time_out_locked(emu, job);
  }
}

void *emu_watchdog (void *arg) {
  struct emulator *emu = arg;
  pthread_mutex_lock(&emu->lock);
  while (!emu->stopping) {
    struct timespec until = clock_timespec(clock_now_ms() + 50);
    watch_locked(emu);
    pthread_cond_timedwait(&emu->changed, &emu->lock, &until);
  }
  pthread_mutex_unlock(&emu->lock);
  return NULL;
}

enum job_state emu_wait (struct emulator *emu, struct emu_job *job,
                         int whole) {
  struct timespec until;
  enum job_state state;
  pthread_mutex_lock(&emu->lock);
  while (job->state != JOB_DONE && (whole || !job->streaming) &&
         !emu->stopping) {
    /* read again each time: taking the job moves the deadline */
    until = clock_timespec(job->deadline_ms);
    if (pthread_cond_timedwait(&emu->changed, &emu->lock, &until) ==
        ETIMEDOUT && clock_now_us() / 1000 >= job->deadline_ms)
      break;
  }
  if (job->state != JOB_DONE && (whole || !job->streaming)) {
    if (emu->stopping && job->state == JOB_RUNNING)
      fail_shut_down_locked(emu, job);
    else
      time_out_locked(emu, job);
  }
  state = job->state;
  pthread_mutex_unlock(&emu->lock);
  return state;
}

ssize_t emu_read_stream (struct emulator *emu, struct emu_job *job,
                         size_t *pos, char *out, size_t cap) {
  struct timespec until;
  ssize_t n = -1;
  pthread_mutex_lock(&emu->lock);
  until = clock_timespec(job->deadline_ms);
  while (job->body.len == *pos && job->state != JOB_DONE &&
         !emu->stopping) {
    if (pthread_cond_timedwait(&emu->changed, &emu->lock, &until) ==
        ETIMEDOUT) {
      int w = job->worker;
      report(emu, job, "timeout");
      detach_locked(emu, job);
      if (w >= 0)
        retire_locked(emu, w);
      job->state = JOB_DONE;
      pthread_mutex_unlock(&emu->lock);
      return -2;  /* cut the stream */
    }
  }
  if (job->body.len > *pos) {
    size_t left = job->body.len - *pos;
    n = (ssize_t)(left < cap ? left : cap);
    memcpy(out, job->body.data + *pos, (size_t)n);
    *pos += (size_t)n;
  } else if (job->failed) {
    n = -2;  /* an error after the body began: the stream is cut */
  }
  pthread_mutex_unlock(&emu->lock);
  return n;
}

void emu_release (struct emulator *emu, struct emu_job *job) {
  int free_it;
  pthread_mutex_lock(&emu->lock);
  free_it = --job->refs <= 0;
  pthread_mutex_unlock(&emu->lock);
  if (free_it) {
    buffer_free(&job->event);
    buffer_free(&job->client_context);
    buffer_free(&job->trace_id);
    buffer_free(&job->body);
    buffer_free(&job->error_doc);
    buffer_free(&job->log);
    free(job);
  }
}

/* "Runtime exited with error: exit status 1" or "... signal 9". */
static void describe_exit (char *out, size_t cap, const char *request_id,
                           int status, struct worker_output *output) {
  char tail[WORKER_STDERR_TAIL + 2] = "";
  int n;
  if (output != NULL)
    worker_output_stderr_tail(output, tail, sizeof(tail));
  if (WIFSIGNALED(status))
    n = snprintf(out, cap, "%s%s%sRuntime exited with signal: %d",
                 request_id ? "RequestId: " : "", request_id ? request_id : "",
                 request_id ? " Error: " : "", WTERMSIG(status));
  else
    n = snprintf(out, cap, "%s%s%sRuntime exited with error: exit status %d",
                 request_id ? "RequestId: " : "", request_id ? request_id : "",
                 request_id ? " Error: " : "", WEXITSTATUS(status));
  if (n > 0 && (size_t)n < cap)
    snprintf(out + n, cap - (size_t)n, "%s", tail);
}

/* Fails every queued job with the message (no worker will take them). */
static void fail_queue_exit_locked (struct emulator *emu,
                                    const char *message) {
  while (emu->queue_head != NULL) {
    struct emu_job *job = emu->queue_head;
    emu->queue_head = job->next;
    job->next = NULL;
    fail_job(emu, job, "Runtime.ExitError", message);
    job->refs--;  /* the queue's */
  }
  emu->queue_tail = NULL;
}

void emu_worker_exited (struct emulator *emu, pid_t pid, int status) {
  char message[WORKER_STDERR_TAIL + 256];
  int w;
  pthread_mutex_lock(&emu->lock);
  for (w = 0; w < emu->cfg.concurrency; w++) {
    struct emu_worker *worker = &emu->workers[w];
    struct worker_output *out = worker->out;
    int i;
    if (worker->pid != pid)
      continue;
    if (emu->shutting_down && out != NULL) {
      /* Its last words (on_shutdown's logs) out before serve ends. */
      pthread_mutex_unlock(&emu->lock);
      worker_output_wait_closed(out);
      pthread_mutex_lock(&emu->lock);
    }
    worker->pid = 0;
    worker->generation++;  /* a /next still waiting must not take work */
    worker->out = NULL;
    for (i = 0; i < worker->n_ext; i++)
      buffer_free(&worker->ext[i].events);
    worker->n_ext = 0;
    if (emu->stopping || emu->shutting_down) {
      /* Stopped with serve: what it was running fails, and says why. */
      fail_running_shut_down_locked(emu, worker);
    } else if (worker->n_jobs > 0) {
      /* Each invocation it was running fails with its exit. */
      while (worker->n_jobs > 0) {
        struct emu_job *job = worker->jobs[worker->n_jobs - 1];
        job->refs++;  /* kept while the lock is let go */
        pthread_mutex_unlock(&emu->lock);
        describe_exit(message, sizeof(message), job->request_id, status,
                      out);
        pthread_mutex_lock(&emu->lock);
        if (job->state == JOB_RUNNING)
          report(emu, job, "error");
        detach_locked(emu, job);  /* whatever its state: off the worker */
        if (job->state == JOB_RUNNING)
          fail_job(emu, job, "Runtime.ExitError", message);
        pthread_mutex_unlock(&emu->lock);
        emu_release(emu, job);
        pthread_mutex_lock(&emu->lock);
      }
    } else if (emu->init_error.len > 0) {
      fail_queue_locked(emu);
    } else if (!worker->init_done && !worker->init_failed &&
               !WIFSIGNALED(status)) {
      /* Died in its init without /init/error: the invocations waiting
         for it get what it said, and it is started later, not at once. */
      int64_t delay = 100000LL << (worker->failures < 6 ? worker->failures
                                                         : 6);
      if (delay > 5000000)
        delay = 5000000;
      worker->failures++;
      worker->not_before_us = clock_now_us() + delay;
      pthread_mutex_unlock(&emu->lock);
      describe_exit(message, sizeof(message), NULL, status, out);
      pthread_mutex_lock(&emu->lock);
      printf("lua-lambda: the runtime exited during its init (%s)\n",
             strchr(message, '\n') ? "see above" : message);
      fail_queue_exit_locked(emu, message);
    }
    if (!emu->stopping && !emu->shutting_down && !WIFSIGNALED(status))
      printf("lua-lambda: runtime worker %d exited with status %d\n", w,
             WEXITSTATUS(status));
    /* Work is waiting (say, queued just after a timeout): start again. */
    if (!emu->stopping && !emu->shutting_down && emu->queue_head != NULL &&
        emu->init_error.len == 0 && worker->pid == 0 &&
        worker->not_before_us <= clock_now_us())
      start_needed_locked(emu);
    if (out != NULL) {
      pthread_mutex_unlock(&emu->lock);
      worker_output_release(out);
      pthread_mutex_lock(&emu->lock);
    }
    break;
  }
  pthread_cond_broadcast(&emu->changed);
  pthread_mutex_unlock(&emu->lock);
}

/*
** Kills worker w (SIGKILL) and retires it at once: its /next takes no
** more work and it no longer counts as free, so an invocation that comes
** before the reaper sees the exit waits for a fresh worker instead of
** going to a dying one.
*/
static void retire_locked (struct emulator *emu, int w) {
  struct emu_worker *worker = &emu->workers[w];
  if (worker->pid <= 0)
    return;
  kill(worker->pid, SIGKILL);
  worker->retiring = 1;
  worker->generation++;
  pthread_cond_broadcast(&emu->changed);
}

/* --- the Extensions API -------------------------------------------------- */

int emu_ext_register (struct emulator *emu, int w, const char *body,
                      char id[40]) {
  struct emu_worker *worker = &emu->workers[w];
  struct emu_extension *ext;
  int rc = 0;
  pthread_mutex_lock(&emu->lock);
  if (worker->init_done) {
    rc = -1;  /* registration closes with Init */
  } else if (worker->n_ext == EMU_MAX_EXTENSIONS) {
    rc = -2;
  } else {
    ext = &worker->ext[worker->n_ext++];
    memset(ext, 0, sizeof(*ext));
    buffer_init(&ext->events);
    request_id_make(ext->id);
    ext->wants_invoke = strstr(body, "\"INVOKE\"") != NULL;
    ext->wants_shutdown = strstr(body, "\"SHUTDOWN\"") != NULL;
    memcpy(id, ext->id, sizeof(ext->id));
    pthread_cond_broadcast(&emu->changed);
  }
  pthread_mutex_unlock(&emu->lock);
  return rc;
}

static struct emu_extension *find_ext (struct emu_worker *worker,
                                       const char *id) {
  int i;
  for (i = 0; id != NULL && i < worker->n_ext; i++) {
    if (strcmp(worker->ext[i].id, id) == 0)
      return &worker->ext[i];
  }
  return NULL;
}

int emu_ext_known (struct emulator *emu, int w, const char *id) {
  int known;
  pthread_mutex_lock(&emu->lock);
  known = find_ext(&emu->workers[w], id) != NULL;
  pthread_mutex_unlock(&emu->lock);
  return known;
}

int emu_ext_next (struct emulator *emu, int w, const char *id,
                  struct buffer *event) {
  struct emu_worker *worker = &emu->workers[w];
  struct emu_extension *ext;
  int generation, rc = -2;
  pthread_mutex_lock(&emu->lock);
  generation = worker->generation;
  ext = find_ext(worker, id);
  if (ext == NULL) {
    pthread_mutex_unlock(&emu->lock);
    return -1;
  }
  ext->waiting = 1;
  pthread_cond_broadcast(&emu->changed);  /* the Init barrier may pass */
  for (;;) {
    if (emu->stopping || worker->generation != generation)
      break;
    ext = find_ext(worker, id);
    if (ext != NULL && ext->events.len > 0) {
      char *nl = memchr(ext->events.data, '\n', ext->events.len);
      size_t n = (size_t)(nl - ext->events.data);
      buffer_set(event, ext->events.data, n);
      memmove(ext->events.data, nl + 1, ext->events.len - n - 1);
      ext->events.len -= n + 1;
      ext->waiting = 0;
      rc = 0;
      break;
    }
    pthread_cond_wait(&emu->changed, &emu->lock);
  }
  pthread_mutex_unlock(&emu->lock);
  return rc;
}

void emu_restart_workers (struct emulator *emu, const char *why) {
  int w;
  pthread_mutex_lock(&emu->lock);
  printf("lua-lambda: %s: restarting the runtime\n", why);
  /* An invocation under way finishes on the code it started with; the
     next one waits for the new runtime. */
  for (w = 0; w < emu->cfg.concurrency; w++) {
    if (emu->workers[w].n_jobs > 0)
      emu->workers[w].stale = 1;
    else
      retire_locked(emu, w);
  }
  buffer_clear(&emu->init_error);
  pthread_mutex_unlock(&emu->lock);
}
