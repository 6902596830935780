#include "runtime_loop.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deadline_watchdog.h"
#include "clock.h"
#include "error_body.h"
#include "lambda_limits.h"
#include "log_stderr.h"
#include "lua_host.h"
#include "shutdown.h"

#define RESPONSE_LIMIT LAMBDA_RESPONSE_LIMIT

/* How long freeing a state and loading a fresh one may take: Lambda's
   limit for an init on demand. */
#define REBUILD_LIMIT_MS 10000

/*
** Managed Instances: a worker that stops ends the process, and nothing
** may be posted once it has said so. A worker counts itself in while it
** runs an invocation and posts its answer; the one that stops shuts the
** door (no invocation starts after) and waits for those in before its
** "exiting" line. A worker at the shut door waits for the process's end.
*/
static struct {
  pthread_mutex_t lock;
  pthread_cond_t idle;
  int in;          /* workers between /next's answer and their post's */
  int shut;        /* a worker said "exiting" */
} posts = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };

static void posts_begin (int many) {
  if (!many)
    return;
  pthread_mutex_lock(&posts.lock);
  while (posts.shut)  /* the process is ending: woken by nothing */
    pthread_cond_wait(&posts.idle, &posts.lock);
  posts.in++;
  pthread_mutex_unlock(&posts.lock);
}

static void posts_end (int many) {
  if (!many)
    return;
  pthread_mutex_lock(&posts.lock);
  posts.in--;
  pthread_cond_broadcast(&posts.idle);
  pthread_mutex_unlock(&posts.lock);
}

static int posts_shut (void) {
  int shut;
  pthread_mutex_lock(&posts.lock);
  shut = posts.shut;
  pthread_mutex_unlock(&posts.lock);
  return shut;
}

/* The loop stops: with many workers, no post starts from here on. */
static void say_exiting (struct runtime_api *api, int many) {
  if (many) {
    pthread_mutex_lock(&posts.lock);
    posts.shut = 1;
    while (posts.in > 0)
      pthread_cond_wait(&posts.idle, &posts.lock);
    pthread_mutex_unlock(&posts.lock);
  }
  log_stderr("%s; exiting", runtime_api_last_error(api));
}

/* Says what a post's status means for the loop: 0 go on, 1 exit. */
static int after_post (struct runtime_api *api, enum runtime_api_status st,
                       const struct invocation *inv) {
  switch (st) {
    case RUNTIME_API_OK:
      return 0;
    case RUNTIME_API_GONE:
      log_stderr("invocation %s had already timed out (%s); going on",
                 inv->request_id.data, runtime_api_last_error(api));
      return 0;
    case RUNTIME_API_TOO_LARGE:
    case RUNTIME_API_REJECTED:
      log_stderr("invocation %s: the Runtime API refused the post (%s)",
                 inv->request_id.data, runtime_api_last_error(api));
      return 0;
    case RUNTIME_API_FATAL:
      break;
  }
  return 1;
}

/* 413: the result was over the limit; say so as the invocation's error. */
static enum runtime_api_status report_too_large (struct runtime_api *api,
                                          const struct invocation *inv,
                                          size_t len,
                                          struct buffer *scratch) {
  static const char type[] = "Function.ResponseSizeTooLarge";
  char msg[160];
  int n = snprintf(msg, sizeof(msg),
                   "Response payload size (%zu bytes) exceeded maximum "
                   "allowed payload size (%d bytes).", len, RESPONSE_LIMIT);
  if (error_body_build(scratch, type, msg, (size_t)n, NULL) != 0) {
    log_stderr("out of memory reporting an oversized response");
    return RUNTIME_API_FATAL;
  }
  return runtime_api_fail(api, inv, type, scratch->data, scratch->len);
}

/* The body of a streamed response, pulled from the handler as sent. */
struct stream_source {
  struct lua_host *host;
  struct host_outcome *out;
};

static long stream_pull (void *ud, char *buf, size_t cap) {
  struct stream_source *src = ud;
  return lua_host_stream_pull(src->host, buf, cap);
}

static const char *stream_error_type (void *ud) {
  struct stream_source *src = ud;
  return src->out->failed ? src->out->error_type : NULL;
}

static const char *stream_error_body (void *ud, size_t *len) {
  struct stream_source *src = ud;
  *len = src->out->len;
  return src->out->body;
}

/* One invocation of a streaming handler: the response goes out as the
   handler writes it; an error before the first byte goes to /error. */
static enum runtime_api_status stream_invocation (struct runtime_api *api,
                                           struct lua_host *host,
                                           const struct invocation *inv,
                                           struct host_outcome *out,
                                           int close_after) {
  struct stream_source src;
  struct runtime_api_stream stream;
  enum runtime_api_status st;
  const char *content_type;
  if (lua_host_stream_begin(host, inv, out, &content_type) != 0) {
    lua_host_log_failure(host, out);
    return runtime_api_fail(api, inv, out->error_type, out->body, out->len);
  }
  src.host = host;
  src.out = out;
  stream.content_type = content_type;
  stream.pull = stream_pull;
  stream.error_type = stream_error_type;
  stream.error_body = stream_error_body;
  stream.ud = &src;
  stream.close_after = close_after;
  st = runtime_api_stream(api, inv, &stream);
  if (out->failed)
    lua_host_log_failure(host, out);
  return st;
}


/*
** After the Lua heap ran out (or, with many states, a handler was stopped
** at its deadline), a fresh state with the module loaded again (its init
** code run again) serves the next invocation: the old one may hold user
** state half-updated. Returns the new host, or NULL (exit).
*/
static struct lua_host *rebuild (struct lua_host *old,
                                 const struct host_config *cfg,
                                 const char *why) {
  struct host_outcome out;
  struct lua_host *fresh;
  char err[256];
  log_stderr("%s: starting a fresh state", why);
  lua_host_free(old);
  fresh = lua_host_new(cfg, err, sizeof(err));
  if (fresh == NULL) {
    log_stderr("%s; exiting", err);
    return NULL;
  }
  if (lua_host_load(fresh, cfg, &out) != 0) {
    log_stderr("init failed again: %s: %.*s; exiting", out.error_type,
               (int)out.len, out.body);
    lua_host_free(fresh);
    return NULL;
  }
  return fresh;
}

/*
** The watchdog's report (deadline_watchdog.h), on its own connection: the
** loop's may be in the middle of a request of the stuck thread's.
*/
static int report_stuck (void *ud, const char *request_id, int answered) {
  static const char type[] = "Runtime.Timeout";
  static const char msg[] = DEADLINE_WATCHDOG_MESSAGE;
  struct runtime_api *api = ud;
  struct invocation inv;
  struct buffer body;
  if (answered) {
    log_stderr("invocation %s: work after its response (after_response "
               "functions, or a fresh state's init) ran past its time; "
               "ending the process", request_id);
    return 1;
  }
  if (posts_shut())  /* another worker said "exiting": nothing is posted */
    return 1;
  log_stderr("invocation %s: stuck past its deadline where no hook runs; "
             "reporting %s and ending the process", request_id, type);
  invocation_init(&inv);
  buffer_init(&body);
  if (buffer_set(&inv.request_id, request_id, strlen(request_id)) == 0 &&
      error_body_build(&body, type, msg, sizeof(msg) - 1, NULL) == 0 &&
      runtime_api_fail(api, &inv, type, body.data, body.len)
        != RUNTIME_API_OK)
    log_stderr("%s", runtime_api_last_error(api));
  return 1;
}

/* A watchdog reporting through a client of its own (NULL: none). */
static struct deadline_watchdog *watchdog_new (struct runtime_api *api,
                                               const struct host_config *cfg) {
  struct deadline_watchdog *dog;
  if (api == NULL)
    return NULL;
  dog = deadline_watchdog_start(report_stuck, api, cfg->timeout_margin_ms);
  if (dog == NULL)
    log_stderr("cannot start the deadline watchdog: only the hook "
               "stops handlers at their deadline");
  return dog;
}

/* Takes no invocation once a watchdog fired: the process is draining. */
static void park_if_draining (void) {
  if (deadline_watchdog_draining())
    for (;;)
      pause();
}

/* The watchdog's calls, for a loop that may have none (NULL). */
static void dog_answering (struct deadline_watchdog *dog) {
  if (dog != NULL)
    deadline_watchdog_answering(dog);
}

static void dog_disarm (struct deadline_watchdog *dog) {
  if (dog != NULL)
    deadline_watchdog_disarm(dog);
}

/* What serve works with, from one invocation to the next. */
struct loop {
  struct runtime_api *api;
  struct lua_guard *guard;         /* guard->host: the state serving */
  const struct host_config *cfg;
  int many;                        /* other states serve too (serve) */
  struct deadline_watchdog *dog;   /* or NULL */
  struct invocation inv;
  struct host_outcome out;
  struct buffer scratch;           /* a too-large report's document */
};

/* Under the guard's lock: runs the invocation /next gave and posts its
   answer; returns the post's status. */
static enum runtime_api_status run_and_post (struct loop *lp) {
  struct lua_host *host = lp->guard->host;
  struct runtime_api *api = lp->api;
  struct host_outcome *out = &lp->out;
  enum runtime_api_status st;
  lua_host_prepare(host, lp->inv.deadline_ms);
  if (lp->dog != NULL)
    deadline_watchdog_arm(lp->dog, lp->inv.request_id.data,
                          lua_host_deadline(host), lua_host_stopping(host),
                          lua_host_in_user_code(host));
  if (lua_host_is_streaming(host)) {
    st = stream_invocation(api, host, &lp->inv, out, lp->many);
    dog_answering(lp->dog);
    return st;
  }
  lua_host_invoke(host, &lp->inv, out);
  dog_answering(lp->dog);
  if (out->failed) {
    lua_host_log_failure(host, out);
    return runtime_api_fail(api, &lp->inv, out->error_type, out->body,
                            out->len);
  }
  st = runtime_api_respond(api, &lp->inv, out->body, out->len);
  if (st == RUNTIME_API_TOO_LARGE)
    st = report_too_large(api, &lp->inv, out->len, &lp->scratch);
  return st;
}

/*
** Under the guard's lock, after the invocation: on demand, Lambda ends an
** environment whose invocation timed out; with many states that would
** take the others' invocations with it, so only the state that was
** stopped starts again (as after the heap ran out). Returns 0, or -1
** when no fresh state could be made (guard->host is then NULL).
*/
static int restart_if_lost (struct loop *lp) {
  struct lua_guard *guard = lp->guard;
  int64_t rebuilt_by;
  if (!lp->out.state_lost && !(lp->many && lp->out.timed_out))
    return 0;
  rebuilt_by = clock_now_ms() + REBUILD_LIMIT_MS;
  /* Freeing the old state runs its finalizers (hooks off), and the new
     one's init runs: watched too, as long as Lambda's init. */
  if (lp->dog != NULL) {
    deadline_watchdog_disarm(lp->dog);
    deadline_watchdog_arm(lp->dog, lp->inv.request_id.data, &rebuilt_by,
                          NULL, NULL);
    deadline_watchdog_answering(lp->dog);
  }
  guard->host = rebuild(guard->host, lp->cfg, lp->out.state_lost
    ? "the Lua heap ran out of memory"
    : "a handler was stopped at its deadline");
  return guard->host != NULL ? 0 : -1;
}

/*
** Serves invocations until the Runtime API says stop; returns 1, the
** status to exit with. guard is the Lua state shared with the shutdown
** threads: the loop holds its lock for an invocation, its posts and its
** after_response work, and lets go only while it waits on /next. many:
** other states serve at the same time in this process (Managed
** Instances).
*/
static int serve (struct runtime_api *api, struct lua_guard *guard,
                  const struct host_config *cfg, int many,
                  struct deadline_watchdog *dog) {
  struct loop lp;
  memset(&lp, 0, sizeof(lp));
  lp.api = api;
  lp.guard = guard;
  lp.cfg = cfg;
  lp.many = many;
  lp.dog = dog;
  invocation_init(&lp.inv);
  buffer_init(&lp.scratch);
  for (;;) {
    enum runtime_api_status st;
    park_if_draining();
    if (runtime_api_next(api, &lp.inv) != RUNTIME_API_OK) {
      say_exiting(api, many);
      break;
    }
    posts_begin(many);  /* before the guard: one order of the two locks */
    pthread_mutex_lock(&guard->lock);
    st = run_and_post(&lp);
    posts_end(many);
    if (after_post(api, st, &lp.inv) != 0) {
      dog_disarm(dog);
      lua_host_end_invocation(guard->host);
      pthread_mutex_unlock(&guard->lock);
      say_exiting(api, many);
      break;
    }
    /* Background work queued with context:after_response(fn). */
    lua_host_after_response(guard->host);
    /* inv's buffers are refilled by the next /next, outside the lock,
       while on_shutdown may run Lua: the host must not look at it. */
    lua_host_end_invocation(guard->host);
    if (restart_if_lost(&lp) != 0) {
      dog_disarm(dog);
      pthread_mutex_unlock(&guard->lock);
      break;
    }
    dog_disarm(dog);
    pthread_mutex_unlock(&guard->lock);
  }
  buffer_free(&lp.scratch);
  /* Under the lock: a SIGTERM now must not find a freed state. */
  pthread_mutex_lock(&guard->lock);
  if (guard->host != NULL)
    lua_host_free(guard->host);
  guard->host = NULL;
  pthread_mutex_unlock(&guard->lock);
  invocation_free(&lp.inv);
  return 1;
}

/* Reports a failed init (the one report of the process). */
static void report_init_error (struct runtime_api *api,
                               const struct host_outcome *out) {
  enum runtime_api_status st;
  log_stderr("init failed: %s: %.*s", out->error_type, (int)out->len,
             out->body);
  st = runtime_api_init_error(api, out->error_type, out->body, out->len);
  if (st != RUNTIME_API_OK)
    log_stderr("%s", runtime_api_last_error(api));
}

int runtime_loop_run (struct runtime_api *api, struct lua_host *host,
                      const struct host_config *cfg) {
  static struct lua_guard guard = { PTHREAD_MUTEX_INITIALIZER, NULL };
  struct host_outcome out;
  struct runtime_api *dog_api;
  struct deadline_watchdog *dog;
  char err[256];
  int status;
  if (lua_host_load(host, cfg, &out) != 0) {
    report_init_error(api, &out);
    lua_host_free(host);
    return 1;
  }
  guard.host = host;
  if (lua_host_has_shutdown_hooks(host) &&
      shutdown_watch_start(&guard, 1, runtime_api_endpoint(api)) != 0) {
    lua_host_free(host);
    return 1;
  }
  dog_api = runtime_api_new(runtime_api_endpoint(api), err, sizeof(err));
  if (dog_api == NULL)
    log_stderr("deadline watchdog: %s", err);
  dog = watchdog_new(dog_api, cfg);
  status = serve(api, &guard, cfg, 0, dog);
  deadline_watchdog_free(dog);
  runtime_api_free(dog_api);
  return status;
}

/* --- Managed Instances: many invocations at once -------------------------- */

/*
** The workers' common state. Every worker inits its own Lua state; none
** takes an invocation until all have (the start gate), and after a failed
** init none does: the first failure is reported, the process ends.
*/
struct many {
  const struct host_config *cfg;
  int n;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int inits_done;          /* workers past their init, well or not */
  int init_failed;         /* one init failed: nobody serves */
  int init_reported;       /* its /init/error went out (or failed) */
  int open;                /* the gate: all inits done, none failed */
  int shut;                /* the gate never opens: every worker ends */
  int ended;               /* a worker stopped serving: the process ends */
  int status;              /* of the first worker to stop */
  struct lua_guard *guards;
};

/*
** Static, not a local of runtime_loop_run_many: a worker may still lock
** it, or wait on it, after that function is done with it (the process
** ends with workers running), so it must outlive them all.
*/
static struct many shared = {
  NULL, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
  0, 0, 0, 0, 0, 0, 0, NULL
};

struct worker {
  struct many *many;
  int index;
  struct runtime_api *api;  /* its own client and connection */
  struct runtime_api *dog_api;  /* its deadline watchdog's, or NULL */
};

static void finish (struct many *m, int failed_init, int status) {
  pthread_mutex_lock(&m->lock);
  if (failed_init < 0) {           /* a worker stopped serving */
    if (!m->ended) {
      m->ended = 1;
      m->status = status;
    }
  } else {
    m->inits_done++;
    if (failed_init) {
      m->init_failed = 1;
      m->shut = 1;
    }
  }
  pthread_cond_broadcast(&m->changed);
  pthread_mutex_unlock(&m->lock);
}

static void *work (void *arg) {
  struct worker *w = arg;
  struct many *m = w->many;
  struct lua_guard *guard = &m->guards[w->index];
  struct host_outcome out;
  struct runtime_api *api = w->api;
  struct lua_host *host;
  char err[256];
  int go;
  host = lua_host_new(m->cfg, err, sizeof(err));
  if (host == NULL) {
    log_stderr("worker %d: %s", w->index, err);
    runtime_api_free(api);
    runtime_api_free(w->dog_api);
    finish(m, 1, 1);
    return NULL;
  }
  if (lua_host_load(host, m->cfg, &out) != 0) {
    int first;
    pthread_mutex_lock(&m->lock);
    first = !m->init_reported;
    m->init_reported = 1;
    pthread_mutex_unlock(&m->lock);
    /* Once for the environment: another worker's would get a 403. */
    if (first)
      report_init_error(api, &out);
    lua_host_free(host);
    runtime_api_free(api);
    runtime_api_free(w->dog_api);
    finish(m, 1, 1);
    return NULL;
  }
  pthread_mutex_lock(&guard->lock);
  guard->host = host;
  pthread_mutex_unlock(&guard->lock);
  finish(m, 0, 0);
  pthread_mutex_lock(&m->lock);
  while (!m->open && !m->shut)  /* the main thread opens or shuts it */
    pthread_cond_wait(&m->changed, &m->lock);
  go = m->open;
  pthread_mutex_unlock(&m->lock);
  if (go) {
    /* The first worker to stop ends the process (runtime_loop_run_many). */
    struct deadline_watchdog *dog = watchdog_new(w->dog_api, m->cfg);
    finish(m, -1, serve(api, guard, m->cfg, 1, dog));  /* frees host */
    deadline_watchdog_free(dog);
  } else {
    pthread_mutex_lock(&guard->lock);
    guard->host = NULL;
    pthread_mutex_unlock(&guard->lock);
    lua_host_free(host);
  }
  runtime_api_free(api);
  runtime_api_free(w->dog_api);
  return NULL;
}

/* Shuts the gate on workers waiting at it and waits for all of them. */
static void stop_at_gate (struct many *m, pthread_t *threads, int started) {
  int i;
  pthread_mutex_lock(&m->lock);
  m->shut = 1;
  pthread_cond_broadcast(&m->changed);
  pthread_mutex_unlock(&m->lock);
  for (i = 0; i < started; i++)
    pthread_join(threads[i], NULL);
}

/*
** Every worker's Runtime API clients, made here before any thread starts:
** curl's global init is not for threads. Returns 0, or -1 (said why)
** with none left.
*/
static int make_clients (struct worker *workers, int n,
                         const char *endpoint) {
  int i;
  for (i = 0; i < n; i++) {
    char err[256];
    workers[i].api = runtime_api_new(endpoint, err, sizeof(err));
    if (workers[i].api == NULL) {
      log_stderr("%s", err);
      while (i-- > 0) {
        runtime_api_free(workers[i].api);
        runtime_api_free(workers[i].dog_api);
      }
      return -1;
    }
    workers[i].dog_api = runtime_api_new(endpoint, err, sizeof(err));
    if (workers[i].dog_api == NULL)
      log_stderr("deadline watchdog: %s", err);
  }
  return 0;
}

/* Starts a thread for each worker; returns how many started (one that
   did not counts as a failed init). */
static int start_workers (struct many *m, struct worker *workers,
                          pthread_t *threads) {
  int i, started = 0;
  for (i = 0; i < m->n; i++) {
    pthread_mutex_init(&m->guards[i].lock, NULL);
    workers[i].many = m;
    workers[i].index = i;
    if (pthread_create(&threads[started], NULL, work, &workers[i]) != 0) {
      log_stderr("cannot start worker %d", i);
      runtime_api_free(workers[i].api);
      runtime_api_free(workers[i].dog_api);
      finish(m, 1, 1);
      continue;
    }
    started++;
  }
  return started;
}

int runtime_loop_run_many (const char *endpoint,
                           const struct host_config *cfg) {
  struct many *m = &shared;
  struct worker *workers;
  pthread_t *threads;
  int i, started, hooks;
  m->cfg = cfg;
  m->n = cfg->max_concurrency;
  /* Never freed: a shutdown thread may hold them to the process's end. */
  m->guards = calloc((size_t)m->n, sizeof(*m->guards));
  workers = calloc((size_t)m->n, sizeof(*workers));
  threads = calloc((size_t)m->n, sizeof(*threads));
  if (m->guards == NULL || workers == NULL || threads == NULL) {
    log_stderr("out of memory starting %d workers", m->n);
    free(workers);
    free(threads);
    return 1;
  }
  /* Before any worker starts, so none ever takes SIGTERM (shutdown.h). */
  shutdown_block_sigterm();
  if (make_clients(workers, m->n, endpoint) != 0) {
    free(workers);
    free(threads);
    return 1;
  }
  started = start_workers(m, workers, threads);
  pthread_mutex_lock(&m->lock);
  while (m->inits_done < m->n)
    pthread_cond_wait(&m->changed, &m->lock);
  pthread_mutex_unlock(&m->lock);
  if (m->init_failed) {
    /* Reported (if it could be) by the worker that failed; the others
       stop at the gate. Nothing of theirs is left behind. */
    stop_at_gate(m, threads, started);
    free(threads);
    free(workers);
    return 1;
  }
  /* Every state loaded the same module: one has hooks, all have. */
  hooks = lua_host_has_shutdown_hooks(m->guards[0].host);
  if ((hooks ? shutdown_watch_start(m->guards, m->n, endpoint)
             : shutdown_default_start()) != 0) {
    /* Said why; nobody has served: the workers end, then the process. */
    stop_at_gate(m, threads, started);
    free(threads);
    free(workers);
    return 1;
  }
  /* From here no worker is joined: the process ends with them. */
  for (i = 0; i < started; i++)
    pthread_detach(threads[i]);
  pthread_mutex_lock(&m->lock);
  m->open = 1;
  pthread_cond_broadcast(&m->changed);
  while (!m->ended)
    pthread_cond_wait(&m->changed, &m->lock);
  pthread_mutex_unlock(&m->lock);
  /*
  ** A worker stopped (and said "exiting"): the process ends now, before
  ** any other can post again. The others are in /next, in a handler or
  ** in a post, using their states, their clients and cfg (the caller's):
  ** _exit, not a return into exit(), which would run cleanup under them
  ** (and end main's frame, where cfg lives). Our output is unbuffered.
  */
  _exit(m->status);
}
