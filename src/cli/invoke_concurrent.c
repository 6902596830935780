#include "invoke_concurrent.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buffer.h"
#include "clock.h"
#include "deadline_watchdog.h"
#include "invocation.h"
#include "invoke_watch.h"
#include "lua_host.h"
#include "request_id.h"

/* An event's line when memory ran out writing its outcome */
#define NO_MEMORY_LINE "{\"error\":{\"errorType\":\"Runtime.OutOfMemory\"}}\n"

/* One event: where its text is, and what came of it. */
struct job {
  const char *event;
  size_t len;
  struct buffer line;        /* {"result": ...} or {"error": ...} */
};

struct run {
  const struct host_config *cfg;
  struct job *jobs;
  size_t n_jobs;
  atomic_size_t next;        /* the next job to take */
  long timeout_s;
  atomic_int load_failed;
  /* No state takes an event before all are loaded: then they run at
     once, not one after another as they happen to start. */
  pthread_mutex_t lock;
  pthread_cond_t all_loaded;
  int loaded, n_states;
};

/* Counts this state as loaded (or failed) and waits for the others. */
static void loaded_wait (struct run *r) {
  pthread_mutex_lock(&r->lock);
  r->loaded++;
  pthread_cond_broadcast(&r->all_loaded);
  while (r->loaded < r->n_states)
    pthread_cond_wait(&r->all_loaded, &r->lock);
  pthread_mutex_unlock(&r->lock);
}

static void record (struct job *job, const struct host_outcome *out) {
  const char *key = out->failed ? "{\"error\":" : "{\"result\":";
  if (buffer_set(&job->line, key, strlen(key)) != 0 ||
      buffer_append(&job->line, out->body, out->len) != 0 ||
      buffer_append_literal(&job->line, "}\n") != 0)
    buffer_set(&job->line, NO_MEMORY_LINE, sizeof(NO_MEMORY_LINE) - 1);
}

/* A state of its own: loads the module, then takes events until none is
   left. */
static void *state (void *arg) {
  struct run *r = arg;
  struct host_outcome out;
  struct invocation inv;
  struct lua_host *host;
  struct deadline_watchdog *dog;
  char err[256], id[40];
  size_t i;
  host = lua_host_new(r->cfg, err, sizeof(err));
  if (host == NULL) {
    fprintf(stderr, "lua-lambda: %s\n", err);
    atomic_store(&r->load_failed, 1);
    loaded_wait(r);
    return NULL;
  }
  if (lua_host_load(host, r->cfg, &out) != 0) {
    fprintf(stderr, "%s: %.*s\n", out.error_type, (int)out.len, out.body);
    atomic_store(&r->load_failed, 1);
    lua_host_free(host);
    loaded_wait(r);
    return NULL;
  }
  loaded_wait(r);
  if (atomic_load(&r->load_failed)) {  /* the run fails as a whole */
    lua_host_free(host);
    return NULL;
  }
  invocation_init(&inv);
  dog = invoke_watch_start(r->cfg);
  /* Once a watchdog fired the process ends: no job starts after. */
  while (!deadline_watchdog_draining() &&
         (i = atomic_fetch_add(&r->next, 1)) < r->n_jobs) {
    struct job *job = &r->jobs[i];
    invocation_reset(&inv);
    request_id_make(id);
    buffer_set(&inv.request_id, id, strlen(id));
    buffer_set(&inv.payload, job->event, job->len);
    inv.deadline_ms = clock_now_ms() + r->timeout_s * 1000;
    invoke_watched(dog, host, &inv, &out);
    record(job, &out);
    lua_host_forget_invocation(host);
  }
  deadline_watchdog_free(dog);
  invocation_free(&inv);
  lua_host_free(host);
  return NULL;
}

/* Splits events into its non-blank lines. */
static struct job *split_lines (const char *events, size_t len, size_t *n) {
  struct job *jobs = NULL;
  size_t cap = 0, start = 0, i;
  *n = 0;
  for (i = 0; i <= len; i++) {
    if (i < len && events[i] != '\n')
      continue;
    if (i > start && strspn(events + start, " \t\r") < i - start) {
      if (*n == cap) {
        struct job *grown;
        cap = cap ? 2 * cap : 16;
        grown = realloc(jobs, cap * sizeof(*jobs));
        if (grown == NULL) {
          free(jobs);
          return NULL;
        }
        jobs = grown;
      }
      jobs[*n].event = events + start;
      jobs[*n].len = i - start;
      buffer_init(&jobs[*n].line);
      (*n)++;
    }
    start = i + 1;
  }
  return jobs;
}

int invoke_concurrently (const struct host_config *cfg, const char *events,
                         size_t len, long timeout_s, int result_fd) {
  struct run r;
  pthread_t *threads;
  int n = cfg->max_concurrency, k, started = 0, status = 0;
  size_t i;
  memset(&r, 0, sizeof(r));
  r.cfg = cfg;
  r.timeout_s = timeout_s;
  atomic_init(&r.next, 0);
  atomic_init(&r.load_failed, 0);
  pthread_mutex_init(&r.lock, NULL);
  pthread_cond_init(&r.all_loaded, NULL);
  r.n_states = n;
  r.jobs = split_lines(events, len, &r.n_jobs);
  threads = calloc((size_t)n, sizeof(*threads));
  if (threads == NULL || (r.jobs == NULL && r.n_jobs > 0)) {
    fprintf(stderr, "lua-lambda: out of memory\n");
    free(threads);
    free(r.jobs);
    return 1;
  }
  for (k = 0; k < n; k++) {
    if (pthread_create(&threads[k], NULL, state, &r) != 0)
      break;
    started++;
  }
  if (started < n) {  /* those that did start must not wait for the rest */
    pthread_mutex_lock(&r.lock);
    atomic_store(&r.load_failed, 1);
    r.n_states = started;
    pthread_cond_broadcast(&r.all_loaded);
    pthread_mutex_unlock(&r.lock);
  }
  for (k = 0; k < started; k++)
    pthread_join(threads[k], NULL);
  if (atomic_load(&r.load_failed) || started < n)
    status = 1;
  for (i = 0; i < r.n_jobs; i++) {
    const struct buffer *line = &r.jobs[i].line;
    if (status == 0 && line->len > 0 &&
        write(result_fd, line->data, line->len) != (ssize_t)line->len)
      status = 1;
    buffer_free(&r.jobs[i].line);
  }
  free(r.jobs);
  free(threads);
  pthread_mutex_destroy(&r.lock);
  pthread_cond_destroy(&r.all_loaded);
  return status;
}
