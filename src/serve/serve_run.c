/*
** serve as a whole (serve.h): the emulator, its servers, the HTTP front
** and the threads that reap, time out and restart workers.
*/
#include "serve.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "clock.h"
#include "serve_http.h"
#include "serve_http_front.h"
#include "serve_run.h"

/* How long the reaper waits while no worker has started yet. */
#define REAPER_IDLE_MS 50

struct serve {
  struct emulator emu;
  struct emu_http *http;
  struct web_front *web;       /* NULL without the HTTP front */
};

/* Reaps workers as they exit and tells the emulator. */
static void *reaper (void *arg) {
  struct emulator *emu = arg;
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid > 0)
      emu_worker_exited(emu, pid, status);
    else if (errno == ECHILD)
      clock_sleep_ms(REAPER_IDLE_MS);  /* no worker yet */
  }
  return NULL;
}

/* Starts fn(arg) on a thread of its own, never joined. */
static void detached (void *(*fn) (void *), void *arg) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, fn, arg) == 0)
    pthread_detach(thread);
}

/* What serve_start made before a server could not start (it said why):
   no worker and no thread of serve's has begun, so nothing else holds s;
   the process is about to end, but a sanitizer build counts it. */
static struct serve *not_started (struct serve *s) {
  if (s->http != NULL)
    emu_http_stop(s->http);
  free(s);
  return NULL;
}

struct serve *serve_start (const struct serve_config *cfg) {
  struct serve *s = calloc(1, sizeof(*s));
  if (s == NULL || emu_init(&s->emu, cfg) != 0) {
    free(s);
    return NULL;
  }
  s->http = emu_http_start(&s->emu);
  if (s->http == NULL)
    return not_started(s);
  if (cfg->http_port >= 0) {
    s->web = web_front_start(&s->emu, cfg->http_port, cfg->http_format);
    if (s->web == NULL)
      return not_started(s);
  }
  detached(reaper, &s->emu);
  detached(emu_watchdog, &s->emu);
  if (cfg->watch)
    detached(serve_watcher, &s->emu);
  return s;
}

int serve_invoke_port (const struct serve *s) {
  return emu_http_invoke_port(s->http);
}

int serve_http_port (const struct serve *s) {
  return s->web != NULL ? web_front_port(s->web) : -1;
}

void serve_stop (struct serve *s) {
  emu_destroy(&s->emu);
  web_front_stop(s->web);
  emu_http_stop(s->http);
}
