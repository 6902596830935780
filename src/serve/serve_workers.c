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

static int spawn_worker (struct emulator *emu, int w) {
  const struct serve_config *cfg = &emu->cfg;
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
      emu_fail_running_shut_down_locked(emu, worker);
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
          emu_report_locked(emu, job, "error");
        emu_detach_locked(emu, job);  /* whatever its state: off the worker */
        if (job->state == JOB_RUNNING)
          emu_fail_job_locked(emu, job, "Runtime.ExitError", message);
        pthread_mutex_unlock(&emu->lock);
        emu_release(emu, job);
        pthread_mutex_lock(&emu->lock);
      }
    } else if (emu->init_error.len > 0) {
      emu_fail_queue_locked(emu);
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
      emu_fail_queue_exit_locked(emu, message);
    }
    if (!emu->stopping && !emu->shutting_down && !WIFSIGNALED(status))
      printf("lua-lambda: runtime worker %d exited with status %d\n", w,
             WEXITSTATUS(status));
    /* Work is waiting (say, queued just after a timeout): start again. */
    if (!emu->stopping && !emu->shutting_down && emu->queue_head != NULL &&
        emu->init_error.len == 0 && worker->pid == 0 &&
        worker->not_before_us <= clock_now_us())
      emu_start_needed_locked(emu);
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
