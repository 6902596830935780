/*
** The deadline watchdog (deadline_watchdog.h). When to fire is the one
** subtle part. The hook stops Lua code margin_ms before the deadline; the
** watchdog looks from then on. A thread the hook could reach has met it
** within microseconds of CPU time, so one that burned a quarter of the
** margin in CPU past that point without being stopped is stuck where no
** hook runs: the
** watchdog fires, half the margin before the deadline at the earliest, so
** that the report reaches Lambda before it ends the environment. Only CPU
** burned in user code counts (the runtime's own work is bounded by its
** own limits). A thread that got no CPU (a loaded machine) is not judged
** by it; and one that was stopped and is on its way to report gets until
** LATE_MS past the deadline. Past that nothing is waited for.
*/
#include "deadline_watchdog.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* CPU time past the hook's moment that shows a thread stuck: a quarter
   of the margin (the watchdog fires at half of it at the earliest, so a
   thread that has the CPU is judged by then), and never less than this. */
#define STUCK_CPU_MIN_MS 5
/* How often a thread not yet judged is looked at again. */
#define RECHECK_MS 5
/* How long past the deadline anything is waited for. */
#define LATE_MS 1000

struct deadline_watchdog {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  deadline_watchdog_fire fire;
  void *ud;
  long margin_ms;
  int quit;
  /* The invocation watched, under lock. */
  int armed;
  int answered;
  int fired;
  const int64_t *deadline;
  int64_t armed_at_ms;
  int64_t cpu_mark_ms;             /* the thread's CPU time then, or -1 */
  clockid_t cpu_clock;             /* of the thread running it */
  int cpu_clock_ok;
  const int *stopping;
  const int *in_user_code;
  char *request_id;
  size_t request_id_cap;
};

/* The process's watchdogs together: invocations running, and whether
   one fired (the process then drains and ends). */
static struct {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int running;
  int draining;
} group = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };

static void group_add (int delta) {
  pthread_mutex_lock(&group.lock);
  group.running += delta;
  pthread_cond_broadcast(&group.changed);
  pthread_mutex_unlock(&group.lock);
}

int deadline_watchdog_draining (void) {
  int draining;
  pthread_mutex_lock(&group.lock);
  draining = group.draining;
  pthread_mutex_unlock(&group.lock);
  return draining;
}

static int64_t stuck_cpu_ms (const struct deadline_watchdog *w) {
  return w->margin_ms / 4 > STUCK_CPU_MIN_MS ? w->margin_ms / 4
                                             : STUCK_CPU_MIN_MS;
}

static int64_t cpu_ms (const struct deadline_watchdog *w) {
  struct timespec ts;
  if (!w->cpu_clock_ok || clock_gettime(w->cpu_clock, &ts) != 0)
    return -1;
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_stopping (const struct deadline_watchdog *w) {
  return w->stopping != NULL && __atomic_load_n(w->stopping,
                                                __ATOMIC_ACQUIRE);
}

static int in_user_code (const struct deadline_watchdog *w) {
  return w->in_user_code == NULL || __atomic_load_n(w->in_user_code,
                                                    __ATOMIC_ACQUIRE);
}

/*
** Under lock: 0 to fire now, else the epoch ms to look again at. The CPU
** mark is taken at the hook's moment, the first look at or after it.
*/
static int64_t next_look (struct deadline_watchdog *w, int64_t now) {
  int64_t deadline = __atomic_load_n(w->deadline, __ATOMIC_ACQUIRE);
  int64_t lead = w->margin_ms / 2;
  int64_t late = deadline + LATE_MS;
  int64_t watch_from = deadline - w->margin_ms;
  if (watch_from < w->armed_at_ms)
    watch_from = w->armed_at_ms;
  if (now >= late)
    return 0;
  if (is_stopping(w))
    return late;
  if (now < watch_from) {
    w->cpu_mark_ms = -1;       /* the deadline moved: mark again */
    return watch_from;
  }
  if (!in_user_code(w)) {      /* the runtime's own work: mark again */
    w->cpu_mark_ms = -1;
    return now + RECHECK_MS;
  }
  if (w->cpu_mark_ms < 0) {
    w->cpu_mark_ms = cpu_ms(w);
    if (w->cpu_mark_ms < 0)    /* no CPU clock: judge by time alone */
      return deadline - lead > now ? deadline - lead : 0;
  }
  if (now >= deadline - lead &&
      cpu_ms(w) - w->cpu_mark_ms >= stuck_cpu_ms(w))
    return 0;
  return now + RECHECK_MS;
}

/* Waits for the others' invocations, then ends the process. */
static void drain_and_exit (int status) {
  pthread_mutex_lock(&group.lock);
  while (group.running > 0)
    pthread_cond_wait(&group.changed, &group.lock);
  pthread_mutex_unlock(&group.lock);
  _exit(status);
}

static void *watch (void *arg) {
  struct deadline_watchdog *w = arg;
  pthread_mutex_lock(&w->lock);
  while (!w->quit) {
    int64_t at;
    if (!w->armed) {
      pthread_cond_wait(&w->changed, &w->lock);
      continue;
    }
    at = next_look(w, clock_now_ms());
    if (at != 0) {
      struct timespec ts = clock_timespec(at);
      pthread_cond_timedwait(&w->changed, &w->lock, &ts);
      continue;
    }
    {
      int answered = w->answered, status;
      w->fired = 1;
      pthread_mutex_unlock(&w->lock);
      pthread_mutex_lock(&group.lock);
      group.draining = 1;
      group.running--;           /* the stuck one is not waited for */
      pthread_mutex_unlock(&group.lock);
      /* The request id stays: arm and disarm wait while fired is set. */
      status = w->fire(w->ud, w->request_id, answered);
      drain_and_exit(status);
    }
  }
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

struct deadline_watchdog *deadline_watchdog_start (deadline_watchdog_fire fire,
                                                   void *ud, long margin_ms) {
  struct deadline_watchdog *w = calloc(1, sizeof(*w));
  if (w == NULL)
    return NULL;
  w->fire = fire;
  w->ud = ud;
  w->margin_ms = margin_ms;
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->changed, NULL);
  if (pthread_create(&w->thread, NULL, watch, w) != 0) {
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    free(w);
    return NULL;
  }
  return w;
}

void deadline_watchdog_free (struct deadline_watchdog *w) {
  if (w == NULL)
    return;
  pthread_mutex_lock(&w->lock);
  w->quit = 1;
  pthread_cond_signal(&w->changed);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  pthread_mutex_destroy(&w->lock);
  pthread_cond_destroy(&w->changed);
  free(w->request_id);
  free(w);
}

/* Once the watchdog fired the process is ending: the caller waits. */
static void wait_for_the_end (struct deadline_watchdog *w) {
  pthread_mutex_unlock(&w->lock);
  for (;;)
    pause();
}

void deadline_watchdog_arm (struct deadline_watchdog *w,
                            const char *request_id, const int64_t *deadline,
                            const int *stopping, const int *in_user_code) {
  size_t len = strlen(request_id);
  int64_t now = clock_now_ms();
  pthread_t self = pthread_self();
  pthread_mutex_lock(&w->lock);
  if (w->fired)
    wait_for_the_end(w);
  if (len + 1 > w->request_id_cap) {
    char *p = realloc(w->request_id, len + 1);
    if (p == NULL) {          /* unwatched: the hook alone then */
      pthread_mutex_unlock(&w->lock);
      return;
    }
    w->request_id = p;
    w->request_id_cap = len + 1;
  }
  memcpy(w->request_id, request_id, len + 1);
  w->deadline = deadline;
  w->armed_at_ms = now;
  w->cpu_mark_ms = -1;
  w->cpu_clock_ok = pthread_getcpuclockid(self, &w->cpu_clock) == 0;
  w->stopping = stopping;
  w->in_user_code = in_user_code;
  w->answered = 0;
  w->armed = __atomic_load_n(deadline, __ATOMIC_ACQUIRE) > 0;
  if (w->armed)
    group_add(1);
  pthread_cond_signal(&w->changed);
  pthread_mutex_unlock(&w->lock);
}

void deadline_watchdog_answering (struct deadline_watchdog *w) {
  pthread_mutex_lock(&w->lock);
  if (w->fired)
    wait_for_the_end(w);
  w->answered = 1;
  pthread_mutex_unlock(&w->lock);
}

void deadline_watchdog_disarm (struct deadline_watchdog *w) {
  int was_armed;
  pthread_mutex_lock(&w->lock);
  if (w->fired)
    wait_for_the_end(w);
  was_armed = w->armed;
  w->armed = 0;
  w->answered = 0;
  pthread_cond_signal(&w->changed);
  pthread_mutex_unlock(&w->lock);
  if (was_armed)
    group_add(-1);
}
