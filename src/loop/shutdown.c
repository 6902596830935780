#include "shutdown.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "extension_api.h"
#include "log_stderr.h"

#define EXTENSION_NAME "lua-lambda-shutdown"

/*
** No events: AWS does not let an internal extension register for
** SHUTDOWN (the runtime process starts and stops it; SIGTERM is how it
** learns), and INVOKE would wake this thread at every invocation for
** nothing (Managed Instances refuses INVOKE outright). event/next then
** simply blocks, which is all the Init barrier asks of it.
*/
#define EXTENSION_EVENTS "[]"

/* The loop may be mid-invocation at SIGTERM: wait this long for it. */
#define LOCK_WAIT_MS 300

struct watch {
  struct lua_guard *guards;  /* one per Lua state (Managed Instances: many) */
  int n_guards;
  struct extension_api *ext;
};

static struct watch watch;
static atomic_int shutting_down;

struct watchdog {
  int64_t deadline_ms;
  int status;
};

/*
** The last word: at the end of the shutdown phase the process ends,
** whatever runs (a function stuck in a C call, which the deadline hook
** cannot stop, or an invocation that keeps the lock).
*/
static void *watchdog (void *arg) {
  const struct watchdog *w = arg;
  int64_t left;
  while ((left = w->deadline_ms - clock_now_ms()) > 0)
    clock_sleep_ms(left);
  log_stderr("the shutdown phase is over; exiting");
  _exit(w->status);
  return NULL;
}

/*
** Runs the on_shutdown functions once, whichever thread gets here first,
** and ends the process with status. Never waits past Lambda's shutdown
** phase: a handler still running keeps the Lua state, and the functions
** are then skipped; a function that runs long is stopped by the deadline
** hook.
*/
static void shut_down (const char *why, int status) {
  static struct watchdog dog;
  struct timespec until;
  int64_t deadline = clock_now_ms() + SHUTDOWN_PHASE_MS;
  pthread_t thread;
  int rc, i;
  if (atomic_exchange(&shutting_down, 1)) {
    for (;;)
      pause();  /* the other thread is ending the process */
  }
  dog.deadline_ms = deadline;
  dog.status = status;
  if (pthread_create(&thread, NULL, watchdog, &dog) != 0)
    log_stderr("cannot start the shutdown watchdog");
  else
    pthread_detach(thread);
  /* Invocations in flight get until then to end, all of them together. */
  until = clock_timespec(clock_now_ms() + LOCK_WAIT_MS);
  log_stderr("%s: running on_shutdown functions", why);
  for (i = 0; i < watch.n_guards; i++) {
    struct lua_guard *g = &watch.guards[i];
    do
      rc = pthread_mutex_timedlock(&g->lock, &until);
    while (rc == EINTR);
    if (rc != 0) {
      log_stderr("%s: an invocation is still running; its state's "
                 "on_shutdown functions skipped", why);
      continue;
    }
    if (g->host != NULL) {
      /* The loop may refill the last invocation while it waits on /next. */
      lua_host_forget_invocation(g->host);
      lua_host_shutdown(g->host, deadline);
    }
    /* kept: no worker may run Lua again before the process ends */
  }
  _exit(status);
}

/* The set holding SIGTERM alone. */
static sigset_t sigterm_set (void) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  return term;
}

/* Returns once SIGTERM (blocked in every thread) has arrived. */
static void wait_for_sigterm (void) {
  sigset_t term = sigterm_set();
  int sig;
  while (sigwait(&term, &sig) != 0)
    ;
}

static void *await_signal (void *arg) {
  (void)arg;
  wait_for_sigterm();
  shut_down("SIGTERM", 0);
  return NULL;
}

/* Whether the event is {"eventType": "SHUTDOWN", ...}. */
static int is_shutdown_event (const struct buffer *event) {
  static const char key[] = "\"eventType\"", value[] = "\"SHUTDOWN\"";
  const char *p = event->len > 0 ? strstr(event->data, key) : NULL;
  if (p == NULL)
    return 0;
  p += sizeof(key) - 1;
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ':')
    p++;
  return strncmp(p, value, sizeof(value) - 1) == 0;
}

/*
** Waits in event/next for the life of the process. No event is asked
** for, so an answer is unexpected; a SHUTDOWN is honoured all the same.
** A failure means this environment's extension state is broken: Lambda
** would never finish the Init barrier or the next invoke, so the process
** ends (after its on_shutdown functions) and Lambda starts a new one.
*/
static void *poll_events (void *arg) {
  struct buffer event;
  (void)arg;
  buffer_init(&event);
  for (;;) {
    if (extension_api_next(watch.ext, &event) != 0) {
      log_stderr("%s; exiting", extension_api_last_error(watch.ext));
      shut_down("the extension lost its Extensions API", 1);
    }
    if (is_shutdown_event(&event))
      shut_down("SHUTDOWN event", 0);
  }
  return NULL;
}

static int start_thread (void *(*fn) (void *), const char *what) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, fn, NULL) != 0) {
    log_stderr("cannot start the %s thread", what);
    return -1;
  }
  pthread_detach(thread);
  return 0;
}

void shutdown_block_sigterm (void) {
  sigset_t term = sigterm_set();
  pthread_sigmask(SIG_BLOCK, &term, NULL);
}

/* With no on_shutdown functions, SIGTERM does what it does by default:
   it ends the process (the workers, started with it blocked, never take
   it). */
static void *default_sigterm (void *arg) {
  sigset_t term = sigterm_set();
  (void)arg;
  wait_for_sigterm();
  signal(SIGTERM, SIG_DFL);
  pthread_sigmask(SIG_UNBLOCK, &term, NULL);
  raise(SIGTERM);
  return NULL;
}

int shutdown_default_start (void) {
  return start_thread(default_sigterm, "SIGTERM");
}

int shutdown_watch_start (struct lua_guard *guards, int n,
                          const char *host_port) {
  char err[256];
  /* Blocked here, before any thread of its own starts (and, with many
     states, before the workers: see shutdown.h), so SIGTERM is only ever
     taken by sigwait. */
  shutdown_block_sigterm();
  watch.guards = guards;
  watch.n_guards = n;
  watch.ext = extension_api_new(host_port, err, sizeof(err));
  if (watch.ext == NULL) {
    log_stderr("%s", err);
    return -1;
  }
  if (extension_api_register(watch.ext, EXTENSION_NAME,
                             EXTENSION_EVENTS) != 0) {
    log_stderr("%s; exiting", extension_api_last_error(watch.ext));
    return -1;
  }
  if (start_thread(await_signal, "SIGTERM") != 0 ||
      start_thread(poll_events, "extension") != 0)
    return -1;
  return 0;
}
