#include "emulator.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error_body.h"
#include "request_id.h"

extern char **environ;

int64_t emu_now_us (void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int emu_init (struct emulator *emu, const struct emu_config *cfg) {
  memset(emu, 0, sizeof(*emu));
  emu->cfg = *cfg;
  buffer_init(&emu->init_error);
  if (pthread_mutex_init(&emu->lock, NULL) != 0 ||
      pthread_cond_init(&emu->changed, NULL) != 0)
    return -1;
  return 0;
}

void emu_destroy (struct emulator *emu) {
  int i;
  pthread_mutex_lock(&emu->lock);
  emu->stopping = 1;
  for (i = 0; i < emu->cfg.concurrency; i++) {
    if (emu->workers[i].pid > 0)
      kill(emu->workers[i].pid, SIGKILL);
  }
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

/* END and REPORT, as Lambda writes them; called as a job becomes done. */
static void report (struct emulator *emu, struct emu_job *job,
                    const char *status) {
  double ms = (double)(emu_now_us() - job->started_us) / 1000.0;
  long billed = (long)ms + 1;
  printf("END RequestId: %s\n", job->request_id);
  printf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %ld ms"
         "\tMemory Size: %d MB\tMax Memory Used: %ld MB%s%s\n",
         job->request_id, ms, billed, emu->cfg.memory_mb,
         emu_worker_max_rss_mb(emu, job->worker), status ? "\tStatus: " : "",
         status ? status : "");
}

/* Marks a job done with an error document of the emulator's own. */
static void fail_job (struct emulator *emu, struct emu_job *job,
                      const char *type, const char *message) {
  job->failed = 1;
  job->streaming = 0;
  snprintf(job->error_type, sizeof(job->error_type), "%s", type);
  if (error_body_build(&job->body, type, message, strlen(message), NULL) != 0)
    buffer_set(&job->body, "{}", 2);
  job->state = JOB_DONE;
  pthread_cond_broadcast(&emu->changed);
}

static int spawn_worker (struct emulator *emu, int w) {
  const struct emu_config *cfg = &emu->cfg;
  char api[64], concurrency[16], memory[16], group[256], stream[64];
  const char *set[][2] = {
    {"AWS_LAMBDA_RUNTIME_API", api},
    {"_HANDLER", cfg->handler},
    {"LAMBDA_TASK_ROOT", cfg->task_root},
    {"AWS_LAMBDA_FUNCTION_NAME", cfg->function_name},
    {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
    {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory},
    {"AWS_LAMBDA_LOG_GROUP_NAME", group},
    {"AWS_LAMBDA_LOG_STREAM_NAME", stream},
    {"AWS_LAMBDA_MAX_CONCURRENCY", concurrency},
    {"AWS_REGION", "us-east-1"},
  };
  size_t n_set = sizeof(set) / sizeof(set[0]), n_env = 0, i, k;
  char **env, *argv[3];
  pid_t pid;
  snprintf(api, sizeof(api), "127.0.0.1:%d", cfg->api_port + w);
  snprintf(concurrency, sizeof(concurrency), "%d", cfg->concurrency);
  snprintf(memory, sizeof(memory), "%d", cfg->memory_mb);
  snprintf(group, sizeof(group), "/aws/lambda/%s", cfg->function_name);
  snprintf(stream, sizeof(stream), "local/[$LATEST]worker-%d", w);
  while (environ[n_env] != NULL)
    n_env++;
  env = calloc(n_env + n_set + 1, sizeof(*env));
  if (env == NULL)
    return -1;
  for (i = 0, k = 0; i < n_env; i++) {
    size_t j, keep = 1;
    for (j = 0; j < n_set; j++) {
      size_t len = strlen(set[j][0]);
      if (strncmp(environ[i], set[j][0], len) == 0 && environ[i][len] == '=')
        keep = 0;
    }
    if (keep)
      env[k++] = environ[i];
  }
  for (i = 0; i < n_set; i++) {
    size_t len = strlen(set[i][0]) + strlen(set[i][1]) + 2;
    env[k] = malloc(len);
    if (env[k] == NULL)
      break;
    snprintf(env[k++], len, "%s=%s", set[i][0], set[i][1]);
  }
  argv[0] = (char *)cfg->bootstrap;
  argv[1] = (char *)cfg->handler;
  argv[2] = NULL;
  pid = fork();
  if (pid == 0) {
    if (chdir(cfg->task_root) != 0)
      _exit(126);
    execve(cfg->bootstrap, argv, env);
    _exit(127);
  }
  for (i = k - n_set; i < k; i++)
    free(env[i]);
  free(env);
  if (pid < 0)
    return -1;
  emu->workers[w].pid = pid;
  emu->workers[w].generation++;
  emu->workers[w].job = NULL;
  return 0;
}

void emu_start_workers_locked (struct emulator *emu) {
  int w;
  if (emu->stopping)
    return;
  for (w = 0; w < emu->cfg.concurrency; w++) {
    if (emu->workers[w].pid == 0 && spawn_worker(emu, w) != 0)
      fprintf(stderr, "lua-lambda: cannot start %s: %s\n",
              emu->cfg.bootstrap, strerror(errno));
  }
}

struct emu_job *emu_submit (struct emulator *emu, const char *event,
                            size_t len, const char *client_context,
                            size_t cc_len, const char *trace_id) {
  struct emu_job *job = calloc(1, sizeof(*job));
  if (job == NULL)
    return NULL;
  request_id_make(job->request_id);
  buffer_init(&job->event);
  buffer_init(&job->client_context);
  buffer_init(&job->trace_id);
  buffer_init(&job->body);
  if (buffer_set(&job->event, event, len) != 0 ||
      buffer_set(&job->client_context, client_context, cc_len) != 0 ||
      buffer_set(&job->trace_id, trace_id, strlen(trace_id)) != 0) {
    emu_release(emu, job);  /* refs is 0: frees it */
    return NULL;
  }
  job->worker = -1;
  job->refs = 1;
  job->started_us = emu_now_us();
  job->deadline_ms = job->started_us / 1000 + emu->cfg.timeout_s * 1000LL;
  pthread_mutex_lock(&emu->lock);
  if (emu->init_error.len > 0) {
    /* The code may have been fixed: try a fresh init. */
    buffer_clear(&emu->init_error);
  }
  emu_start_workers_locked(emu);
  if (emu->queue_tail != NULL)
    emu->queue_tail->next = job;
  else
    emu->queue_head = job;
  emu->queue_tail = job;
  job->refs++;  /* the queue's */
  pthread_cond_broadcast(&emu->changed);
  pthread_mutex_unlock(&emu->lock);
  return job;
}

struct emu_job *emu_take (struct emulator *emu, int w, int generation) {
  struct emu_job *job = NULL;
  pthread_mutex_lock(&emu->lock);
  while (!emu->stopping && emu->workers[w].generation == generation &&
         emu->queue_head == NULL)
    pthread_cond_wait(&emu->changed, &emu->lock);
  if (!emu->stopping && emu->workers[w].generation == generation) {
    job = emu->queue_head;
    emu->queue_head = job->next;
    if (emu->queue_head == NULL)
      emu->queue_tail = NULL;
    job->next = NULL;
    job->state = JOB_RUNNING;
    job->worker = w;
    emu->workers[w].job = job;   /* the queue's reference moves here */
    job->refs++;                 /* and one for the caller */
    printf("START RequestId: %s Version: $LATEST\n", job->request_id);
  }
  pthread_mutex_unlock(&emu->lock);
  return job;
}

struct emu_job *emu_find (struct emulator *emu, const char *request_id) {
  struct emu_job *found = NULL;
  int w;
  pthread_mutex_lock(&emu->lock);
  for (w = 0; w < emu->cfg.concurrency; w++) {
    struct emu_job *job = emu->workers[w].job;
    if (job != NULL && strcmp(job->request_id, request_id) == 0) {
      found = job;
      found->refs++;
      break;
    }
  }
  pthread_mutex_unlock(&emu->lock);
  return found;
}

/* Detaches the job from its worker; the worker's reference is dropped. */
static void detach_locked (struct emulator *emu, struct emu_job *job) {
  if (job->worker >= 0 && emu->workers[job->worker].job == job) {
    emu->workers[job->worker].job = NULL;
    job->refs--;
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
  (void)w;
  pthread_mutex_lock(&emu->lock);
  snprintf(emu->init_error_type, sizeof(emu->init_error_type), "%s",
           type != NULL ? type : "Runtime.Unknown");
  buffer_set(&emu->init_error, body, len);
  fail_queue_locked(emu);
  pthread_mutex_unlock(&emu->lock);
}

enum job_state emu_wait (struct emulator *emu, struct emu_job *job) {
  struct timespec until;
  enum job_state state;
  until.tv_sec = (time_t)(job->deadline_ms / 1000);
  until.tv_nsec = (long)(job->deadline_ms % 1000) * 1000000L;
  pthread_mutex_lock(&emu->lock);
  while (job->state != JOB_DONE && !job->streaming && !emu->stopping) {
    if (pthread_cond_timedwait(&emu->changed, &emu->lock, &until) ==
        ETIMEDOUT)
      break;
  }
  if (job->state != JOB_DONE && !job->streaming) {
    char message[160];
    int w = job->worker;
    snprintf(message, sizeof(message),
             "RequestId: %s Error: Task timed out after %d.00 seconds",
             job->request_id, emu->cfg.timeout_s);
    if (job->state == JOB_RUNNING) {
      report(emu, job, "timeout");
      detach_locked(emu, job);
      if (w >= 0 && emu->workers[w].pid > 0)
        kill(emu->workers[w].pid, SIGKILL);  /* restarted on next invoke */
    } else {
      /* Never taken: no worker became ready in time. */
      struct emu_job **p = &emu->queue_head;
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
  state = job->state;
  pthread_mutex_unlock(&emu->lock);
  return state;
}

ssize_t emu_read_stream (struct emulator *emu, struct emu_job *job,
                         size_t *pos, char *out, size_t cap) {
  struct timespec until;
  ssize_t n = -1;
  until.tv_sec = (time_t)(job->deadline_ms / 1000);
  until.tv_nsec = (long)(job->deadline_ms % 1000) * 1000000L;
  pthread_mutex_lock(&emu->lock);
  while (job->body.len == *pos && job->state != JOB_DONE &&
         !emu->stopping) {
    if (pthread_cond_timedwait(&emu->changed, &emu->lock, &until) ==
        ETIMEDOUT) {
      int w = job->worker;
      report(emu, job, "timeout");
      detach_locked(emu, job);
      if (w >= 0 && emu->workers[w].pid > 0)
        kill(emu->workers[w].pid, SIGKILL);
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
    free(job);
  }
}

void emu_worker_exited (struct emulator *emu, pid_t pid, int status) {
  int w;
  pthread_mutex_lock(&emu->lock);
  for (w = 0; w < emu->cfg.concurrency; w++) {
    struct emu_worker *worker = &emu->workers[w];
    if (worker->pid != pid)
      continue;
    worker->pid = 0;
    worker->generation++;  /* a /next still waiting must not take work */
    if (worker->job != NULL) {
      struct emu_job *job = worker->job;
      char message[160];
      if (WIFSIGNALED(status))
        snprintf(message, sizeof(message),
                 "RequestId: %s Error: Runtime exited with signal %d",
                 job->request_id, WTERMSIG(status));
      else
        snprintf(message, sizeof(message),
                 "RequestId: %s Error: Runtime exited with error: "
                 "exit status %d", job->request_id, WEXITSTATUS(status));
      report(emu, job, "error");
      detach_locked(emu, job);
      fail_job(emu, job, "Runtime.ExitError", message);
    } else if (!emu->stopping && emu->init_error.len > 0) {
      fail_queue_locked(emu);
    }
    if (!emu->stopping && !WIFSIGNALED(status))
      printf("lua-lambda: runtime worker %d exited with status %d\n", w,
             WEXITSTATUS(status));
    /* Work is waiting (say, queued just after a timeout): start again. */
    if (!emu->stopping && emu->queue_head != NULL &&
        emu->init_error.len == 0 && spawn_worker(emu, w) != 0)
      fprintf(stderr, "lua-lambda: cannot restart the runtime: %s\n",
              strerror(errno));
    break;
  }
  pthread_cond_broadcast(&emu->changed);
  pthread_mutex_unlock(&emu->lock);
}

void emu_restart_workers (struct emulator *emu, const char *why) {
  int w;
  pthread_mutex_lock(&emu->lock);
  printf("lua-lambda: %s: restarting the runtime\n", why);
  for (w = 0; w < emu->cfg.concurrency; w++) {
    if (emu->workers[w].pid > 0)
      kill(emu->workers[w].pid, SIGKILL);
  }
  buffer_clear(&emu->init_error);
  pthread_mutex_unlock(&emu->lock);
}
