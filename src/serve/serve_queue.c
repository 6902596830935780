/*
** The queue: invocations wait here for a worker, are taken by a worker's
** /next, finish with its /response or /error, or time out.
*/
#include "serve_locked.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lambda_limits.h"
#include "request_id.h"
#include "serve_errors.h"
#include "serve_worker_output.h"

static void fail_shut_down_locked (struct emulator *emu,
                                   struct emu_job *job);
static void time_out_locked (struct emulator *emu, struct emu_job *job);

int emu_init (struct emulator *emu, const struct serve_config *cfg) {
  memset(emu, 0, sizeof(*emu));
  emu->cfg = *cfg;
  buffer_init(&emu->init_error);
  /* Lambda gives a function 1,024 file descriptors; serve itself may
     raise its own limit for its connections, its runtimes keep this. */
  if (getrlimit(RLIMIT_NOFILE, &emu->runtime_files) == 0 &&
      emu->runtime_files.rlim_cur > LAMBDA_FILE_DESCRIPTORS)
    emu->runtime_files.rlim_cur = LAMBDA_FILE_DESCRIPTORS;
  if (pthread_mutex_init(&emu->lock, NULL) != 0 ||
      pthread_cond_init(&emu->changed, NULL) != 0)
    return -1;
  return 0;
}

/* Marks a job done with an error document of the emulator's own. */
void emu_fail_job_locked (struct emulator *emu, struct emu_job *job,
                          const char *type, const char *message) {
  job->failed = 1;
  job->streaming = 0;
  snprintf(job->error_type, sizeof(job->error_type), "%s", type);
  if (serve_error_doc(&job->body, type, message) != 0)
    buffer_set(&job->body, "{}", 2);
  job->state = JOB_DONE;
  pthread_cond_broadcast(&emu->changed);
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

/* A trace id for a caller that sent none, in X-Ray's form: the time,
   then 96 bits that tell invocations apart (a count, so two in the same
   second differ). */
static void make_trace_id (char *out, size_t cap) {
  static atomic_ullong made;
  int64_t now = clock_now_us();
  snprintf(out, cap, "Root=1-%08llx-%08llx%016llx;Sampled=0",
           (unsigned long long)(now / 1000000),
           (unsigned long long)(now % 1000000),
           (unsigned long long)atomic_fetch_add(&made, 1) + 1);
}

/* fn on each of the job's buffers: one list of them to init and free. */
static void each_buffer (struct emu_job *job, void (*fn) (struct buffer *)) {
  struct buffer *all[] = { &job->event, &job->client_context,
                           &job->trace_id, &job->body, &job->error_doc,
                           &job->log };
  size_t i;
  for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    fn(all[i]);
}

/* A new job, not queued yet, with one reference; NULL when memory runs
   out. */
static struct emu_job *new_job (struct emulator *emu, const char *event,
                                size_t len, const char *client_context,
                                size_t cc_len, const char *trace_id) {
  struct emu_job *job = calloc(1, sizeof(*job));
  char made_trace[96];
  if (job == NULL)
    return NULL;
  request_id_make(job->request_id);
  each_buffer(job, buffer_init);
  if (trace_id == NULL) {
    make_trace_id(made_trace, sizeof(made_trace));
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
  return job;
}

struct emu_job *emu_submit (struct emulator *emu, const char *event,
                            size_t len, const char *client_context,
                            size_t cc_len, const char *trace_id,
                            int *throttled) {
  struct emu_job *job;
  int64_t wait_us;
  *throttled = 0;
  job = new_job(emu, event, len, client_context, cc_len, trace_id);
  if (job == NULL)
    return NULL;
  pthread_mutex_lock(&emu->lock);
  wait_us = emu_backoff_left_us(emu);
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
    emu_start_needed_locked(emu);
  pthread_cond_broadcast(&emu->changed);
  pthread_mutex_unlock(&emu->lock);
  return job;
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
    if (!worker->init_done && emu_extensions_ready(worker)) {
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
    emu_ext_broadcast_locked(emu, worker, 1, event);
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
void emu_detach_locked (struct emulator *emu, struct emu_job *job) {
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
        emu_retire_locked(emu, job->worker);
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
    emu_report_locked(emu, job, NULL);
    job->state = JOB_DONE;
    emu_detach_locked(emu, job);
    pthread_cond_broadcast(&emu->changed);
  }
  pthread_mutex_unlock(&emu->lock);
}

/* Fails every queued job with the init error (no worker can take them). */
void emu_fail_queue_locked (struct emulator *emu) {
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
  emu_fail_queue_locked(emu);
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
    emu_report_locked(emu, job, "timeout");
    emu_detach_locked(emu, job);
    if (w >= 0)
      emu_retire_locked(emu, w);
    job->failed = 1;
    job->state = JOB_DONE;
    pthread_cond_broadcast(&emu->changed);
    return;
  }
  if (job->state == JOB_RUNNING) {
    emu_report_locked(emu, job, "timeout");
    emu_detach_locked(emu, job);
    if (w >= 0)
      emu_retire_locked(emu, w);  /* restarted on next invoke */
  } else {
    /* Never taken: no worker became ready in time. */
    struct emu_job **p = &emu->queue_head;
    int i;
    for (i = 0; i < emu->cfg.concurrency; i++) {
      const struct emu_worker *worker = &emu->workers[i];
      if (worker->pid > 0 && !worker->init_done && worker->n_ext > 0 &&
          !emu_extensions_ready(worker)) {
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
  emu_fail_job_locked(emu, job, "Sandbox.Timedout", message);
}

/* A running job whose runtime serve shut down: it fails, saying so. */
static void fail_shut_down_locked (struct emulator *emu,
                                   struct emu_job *job) {
  char message[160];
  snprintf(message, sizeof(message), "RequestId: %s Error: the runtime "
           "was shut down (lua-lambda serve is stopping)", job->request_id);
  emu_report_locked(emu, job, "error");
  emu_detach_locked(emu, job);
  emu_fail_job_locked(emu, job, "Runtime.ExitError", message);
}

/* Every running job of a worker serve shut down fails, saying so. */
void emu_fail_running_shut_down_locked (struct emulator *emu,
                                        struct emu_worker *worker) {
  int i;
  for (i = worker->n_jobs - 1; i >= 0 && i < worker->n_jobs; i--) {
    if (worker->jobs[i]->state == JOB_RUNNING)
      fail_shut_down_locked(emu, worker->jobs[i]);
  }
}

/* Fails every queued job with the message (no worker will take them). */
void emu_fail_queue_exit_locked (struct emulator *emu,
                                 const char *message) {
  while (emu->queue_head != NULL) {
    struct emu_job *job = emu->queue_head;
    emu->queue_head = job->next;
    job->next = NULL;
    emu_fail_job_locked(emu, job, "Runtime.ExitError", message);
    job->refs--;  /* the queue's */
  }
  emu->queue_tail = NULL;
}

/* One pass of the watchdog (serve_queue.h), with the lock held. */
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
      emu_retire_locked(emu, w);
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
  ssize_t n = EMU_STREAM_END;
  pthread_mutex_lock(&emu->lock);
  until = clock_timespec(job->deadline_ms);
  while (job->body.len == *pos && job->state != JOB_DONE &&
         !emu->stopping) {
    if (pthread_cond_timedwait(&emu->changed, &emu->lock, &until) ==
        ETIMEDOUT) {
      int w = job->worker;
      emu_report_locked(emu, job, "timeout");
      emu_detach_locked(emu, job);
      if (w >= 0)
        emu_retire_locked(emu, w);
      job->state = JOB_DONE;
      pthread_mutex_unlock(&emu->lock);
      return EMU_STREAM_CUT;
    }
  }
  if (job->body.len > *pos) {
    size_t left = job->body.len - *pos;
    n = (ssize_t)(left < cap ? left : cap);
    memcpy(out, job->body.data + *pos, (size_t)n);
    *pos += (size_t)n;
  } else if (job->failed) {
    n = EMU_STREAM_CUT;  /* an error after the body began */
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
    each_buffer(job, buffer_free);
    free(job);
  }
}
