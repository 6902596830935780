/*
** The workers: runtime processes started when an invocation finds none
** free, restarted after they exit (later and later when they die in
** their init), and shut down with serve as Lambda shuts them down.
*/
#include "serve_locked.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "serve_worker_output.h"

void emu_destroy (struct emulator *emu) {
  struct timespec until;
  int64_t now = clock_now_us(), phase_ms = 500;
  int i, w, running;
  char event[128];
  pthread_mutex_lock(&emu->lock);
  emu->shutting_down = 1;
  /* What no worker took yet will not run: say so to whoever waits. */
  emu_fail_queue_exit_locked(emu, "lua-lambda serve is stopping: the "
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
    emu_ext_broadcast_locked(emu, worker, 0, event);
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
    emu_fail_running_shut_down_locked(emu, worker);
  }
  emu->stopping = 1;
  pthread_cond_broadcast(&emu->changed);
  pthread_mutex_unlock(&emu->lock);
}

/* Whether NAME=... in env is one of the n names in set. */
static int set_here (const char *var, const char *const set[][2], size_t n) {
  size_t j;
  for (j = 0; j < n; j++) {
    size_t len = strlen(set[j][0]);
    if (strncmp(var, set[j][0], len) == 0 && var[len] == '=')
      return 1;
  }
  return 0;
}

/* In the child: the runtime, on the pipes' write ends. Never returns. */
static void exec_runtime (const struct emulator *emu, char **env,
                          int pipes[2][2]) {
  const struct serve_config *cfg = &emu->cfg;
  char *argv[4];
  sigset_t none;
  int i = 0;
  /* A runtime of the other architecture runs under qemu-user. */
  if (cfg->emulator != NULL)
    argv[i++] = (char *)cfg->emulator;
  argv[i++] = (char *)cfg->bootstrap;
  argv[i++] = (char *)cfg->handler;
  argv[i] = NULL;
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

/*
** Forks the runtime with env, its stdout and stderr on pipes whose read
** ends go to out[0] and out[1]. Its pid, or -1 (errno says why).
*/
static pid_t fork_runtime (const struct emulator *emu, char **env,
                           int out[2]) {
  int pipes[2][2] = { { -1, -1 }, { -1, -1 } };  /* stdout's, stderr's */
  pid_t pid;
  int i;
  if (pipe(pipes[0]) != 0 || pipe(pipes[1]) != 0) {
    if (pipes[0][0] >= 0 && pipes[0][1] >= 0) {
      close(pipes[0][0]);
      close(pipes[0][1]);
    }
    return -1;
  }
  /* Other workers started later must not hold these pipes open. */
  for (i = 0; i < 4; i++)
    fcntl(pipes[i / 2][i % 2], F_SETFD, FD_CLOEXEC);
  pid = fork();
  if (pid == 0)
    exec_runtime(emu, env, pipes);
  close(pipes[0][1]);
  close(pipes[1][1]);
  if (pid < 0) {
    close(pipes[0][0]);
    close(pipes[1][0]);
    return -1;
  }
  out[0] = pipes[0][0];
  out[1] = pipes[1][0];
  return pid;
}

/* Worker w runs as pid from now on, with nothing of its last run. */
static void worker_started (struct emulator *emu, int w, pid_t pid,
                            const int fds[2]) {
  struct emu_worker *worker = &emu->workers[w];
  struct worker_output *out = worker_output_start(fds[0], fds[1]);
  int i;
  if (worker->out != NULL)
    worker_output_release(worker->out);
  worker->out = out;
  worker->pid = pid;
  worker->generation++;
  worker->n_jobs = 0;
  worker->slots = emu->cfg.managed_instances > 0
                  ? emu->cfg.managed_instances : 1;
  for (i = 0; i < worker->n_ext; i++)
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
}

/*
** Starts worker w's runtime. Its environment is the function's, with
** what differs from one runtime process to the next set here; the
** strings made for that are freed here, and only those (spawn_oom_spec).
*/
static int spawn_worker (struct emulator *emu, int w) {
  const struct serve_config *cfg = &emu->cfg;
  char api[64], stream[64], slots[16];
  const char *set[][2] = {
    {"AWS_LAMBDA_RUNTIME_API", api},
    {"AWS_LAMBDA_LOG_STREAM_NAME", stream},
    /* Managed Instances only: its absence is on-demand (README). */
    {"AWS_LAMBDA_MAX_CONCURRENCY", slots},
  };
  size_t n_set = sizeof(set) / sizeof(set[0]), n_env = 0, i, k, kept;
  char **env;
  int fds[2];
  pid_t pid = -1;
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
    if (!set_here(cfg->env[i], set, n_set))
      env[k++] = cfg->env[i];
  }
  kept = k;  /* borrowed from cfg->env up to here; made below */
  for (i = 0; i < n_set; i++) {
    size_t len = strlen(set[i][0]) + strlen(set[i][1]) + 2;
    env[k] = malloc(len);
    if (env[k] == NULL)
      break;
    snprintf(env[k++], len, "%s=%s", set[i][0], set[i][1]);
  }
  if (i == n_set)  /* every one made */
    pid = fork_runtime(emu, env, fds);
  for (i = kept; i < k; i++)
    free(env[i]);
  free(env);
  if (pid < 0)
    return -1;
  worker_started(emu, w, pid, fds);
  return 0;
}

/*
** Lazy, like Lambda: a worker starts only when an invocation finds no
** worker free (running and idle, or still in its init) to take it.
*/
void emu_start_needed_locked (struct emulator *emu) {
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
int64_t emu_backoff_left_us (struct emulator *emu) {
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

/* "Runtime exited with error: exit status 1" or "... signal: 9", then
   what it said last on stderr (tail); for a job, after its RequestId. */
static void describe_exit (char *out, size_t cap, const char *request_id,
                           int status, const char *tail) {
  int n;
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

/* A worker that exited is gone: its /next takes nothing, its extensions
   are forgotten. */
static void forget_worker_locked (struct emu_worker *worker) {
  int i;
  worker->pid = 0;
  worker->generation++;  /* a /next still waiting must not take work */
  worker->out = NULL;
  for (i = 0; i < worker->n_ext; i++)
    buffer_free(&worker->ext[i].events);
  worker->n_ext = 0;
}

/*
** Each invocation the worker was running fails with its exit. Each is
** kept in ended (with a reference, for the caller to release unlocked):
** the worker's reference goes, and it may have been the last.
*/
static void fail_jobs_exited_locked (struct emulator *emu,
                                     struct emu_worker *worker, int status,
                                     const char *tail,
                                     struct emu_job **ended, int *n_ended) {
  char message[WORKER_STDERR_TAIL + 256];
  while (worker->n_jobs > 0) {
    struct emu_job *job = worker->jobs[worker->n_jobs - 1];
    job->refs++;
    ended[(*n_ended)++] = job;
    describe_exit(message, sizeof(message), job->request_id, status, tail);
    if (job->state == JOB_RUNNING)
      emu_report_locked(emu, job, "error");
    emu_detach_locked(emu, job);  /* whatever its state: off the worker */
    if (job->state == JOB_RUNNING)
      emu_fail_job_locked(emu, job, "Runtime.ExitError", message);
  }
}

/*
** Died in its init without /init/error: the invocations waiting for it
** get what it said, and it is started again later, not at once (0.1 s,
** doubling with each exit in a row, at most 5 s).
*/
#define BACKOFF_FIRST_US 100000LL
#define BACKOFF_MAX_DOUBLINGS 6
#define BACKOFF_MAX_US 5000000LL

static void init_exited_locked (struct emulator *emu,
                                struct emu_worker *worker, int status,
                                const char *tail) {
  char message[WORKER_STDERR_TAIL + 256];
  int doublings = worker->failures < BACKOFF_MAX_DOUBLINGS
                  ? worker->failures : BACKOFF_MAX_DOUBLINGS;
  int64_t delay = BACKOFF_FIRST_US << doublings;
  if (delay > BACKOFF_MAX_US)
    delay = BACKOFF_MAX_US;
  worker->failures++;
  worker->not_before_us = clock_now_us() + delay;
  describe_exit(message, sizeof(message), NULL, status, tail);
  printf("lua-lambda: the runtime exited during its init (%s)\n",
         strchr(message, '\n') ? "see above" : message);
  emu_fail_queue_exit_locked(emu, message);
}

/* Whether the exit fails anything with what the runtime said last. */
static int needs_tail_locked (const struct emulator *emu,
                              const struct emu_worker *worker, int status) {
  return worker->n_jobs > 0 ||
         (emu->init_error.len == 0 && !worker->init_done &&
          !worker->init_failed && !WIFSIGNALED(status));
}

/* Whether serve still serves (is not shutting down). */
static int serving_locked (const struct emulator *emu) {
  return !emu->stopping && !emu->shutting_down;
}

/*
** What the worker's exit fails (its invocations, or those waiting for
** its init) and whether another starts. Its pipes may take a while to
** close: what it said last is waited for without the lock.
*/
static void exited_locked (struct emulator *emu, struct emu_worker *worker,
                           int status, struct worker_output *out,
                           struct emu_job **ended, int *n_ended) {
  char tail[WORKER_STDERR_TAIL + 2] = "";
  if (out != NULL && needs_tail_locked(emu, worker, status)) {
    pthread_mutex_unlock(&emu->lock);
    worker_output_stderr_tail(out, tail, sizeof(tail));
    pthread_mutex_lock(&emu->lock);
  }
  if (worker->n_jobs > 0)
    fail_jobs_exited_locked(emu, worker, status, tail, ended, n_ended);
  else if (emu->init_error.len > 0)
    emu_fail_queue_locked(emu);
  else if (!worker->init_done && !worker->init_failed &&
           !WIFSIGNALED(status))
    init_exited_locked(emu, worker, status, tail);
}

void emu_worker_exited (struct emulator *emu, pid_t pid, int status) {
  struct emu_worker *worker = NULL;
  struct worker_output *out = NULL;
  struct emu_job *ended[SERVE_MAX_SLOTS];
  int w, n_ended = 0;
  pthread_mutex_lock(&emu->lock);
  for (w = 0; w < emu->cfg.concurrency && worker == NULL; w++) {
    if (emu->workers[w].pid == pid)
      worker = &emu->workers[w];
  }
  if (worker != NULL) {
    w--;
    out = worker->out;
    if (!serving_locked(emu) && out != NULL) {
      /* Its last words (on_shutdown's logs) out before serve ends. */
      pthread_mutex_unlock(&emu->lock);
      worker_output_wait_closed(out);
      pthread_mutex_lock(&emu->lock);
    }
    forget_worker_locked(worker);
    if (!serving_locked(emu))  /* stopped with serve: its jobs say why */
      emu_fail_running_shut_down_locked(emu, worker);
    else
      exited_locked(emu, worker, status, out, ended, &n_ended);
    if (serving_locked(emu) && !WIFSIGNALED(status))
      printf("lua-lambda: runtime worker %d exited with status %d\n", w,
             WEXITSTATUS(status));
    /* Work is waiting (say, queued just after a timeout): start again. */
    if (serving_locked(emu) && emu->queue_head != NULL &&
        emu->init_error.len == 0 && worker->pid == 0 &&
        worker->not_before_us <= clock_now_us())
      emu_start_needed_locked(emu);
  }
  pthread_cond_broadcast(&emu->changed);
  pthread_mutex_unlock(&emu->lock);
  while (n_ended > 0)
    emu_release(emu, ended[--n_ended]);
  if (out != NULL)
    worker_output_release(out);
}

/*
** Kills worker w (SIGKILL) and retires it at once: its /next takes no
** more work and it no longer counts as free, so an invocation that comes
** before the reaper sees the exit waits for a fresh worker instead of
** going to a dying one.
*/
void emu_retire_locked (struct emulator *emu, int w) {
  struct emu_worker *worker = &emu->workers[w];
  if (worker->pid <= 0)
    return;
  kill(worker->pid, SIGKILL);
  worker->retiring = 1;
  worker->generation++;
  pthread_cond_broadcast(&emu->changed);
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
      emu_retire_locked(emu, w);
  }
  buffer_clear(&emu->init_error);
  pthread_mutex_unlock(&emu->lock);
}
