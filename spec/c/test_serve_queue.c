/*
** serve's queue without HTTP: invocations are submitted as the invoke
** endpoint submits them, and this test plays the worker's Runtime API
** (emu_take for /next, emu_finish for /response and /error). The worker
** processes are real ones, /bin/sleep, so that starting, killing and
** reaping them is the queue's own; a thread here is the reaper.
*/
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "clock.h"
#include "serve_queue.h"

/* The worker: sleeps for longer than any test, or exits 1 at once. */
#define SLEEPER "/bin/sleep"
#define SLEEPS "600"
#define EXITS_AT_ONCE "not-a-number"

static char *no_env[] = { NULL };

/* The emulator whose workers the reaper reports to. */
static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emulator *current;

static void *reaper (void *arg) {
  (void)arg;
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid > 0) {
      struct emulator *emu;
      pthread_mutex_lock(&current_lock);
      emu = current;
      pthread_mutex_unlock(&current_lock);
      if (emu != NULL)
        emu_worker_exited(emu, pid, status);
    } else if (errno == ECHILD) {
      clock_sleep_ms(10);  /* no worker yet */
    }
  }
  return NULL;
}

/* Each test's emulator, kept: a worker's threads may outlive a test. */
static struct emulator emus[16];
static int n_emus;

/* A fresh emulator: concurrency workers of slots invocations each
   (slots 0: on-demand, one each). */
static struct emulator *start (int concurrency, int slots, int timeout_s,
                               const char *worker_arg) {
  struct emulator *emu = n_emus < 16 ? &emus[n_emus++] : NULL;
  struct serve_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.handler = worker_arg;
  cfg.task_root = "/";
  cfg.bootstrap = SLEEPER;
  cfg.env = no_env;
  cfg.function_name = "queue-test";
  cfg.concurrency = concurrency;
  cfg.managed_instances = slots;
  cfg.timeout_s = timeout_s;
  cfg.init_timeout_s = timeout_s;
  cfg.memory_mb = 128;
  if (emu == NULL || emu_init(emu, &cfg) != 0) {
    fprintf(stderr, "cannot make an emulator\n");
    exit(1);
  }
  pthread_mutex_lock(&current_lock);
  current = emu;
  pthread_mutex_unlock(&current_lock);
  return emu;
}

static struct emu_job *submit (struct emulator *emu, const char *event,
                               int *throttled) {
  return emu_submit(emu, event, strlen(event), "", 0, NULL, throttled);
}

static struct emu_job *submit_ok (struct emulator *emu, const char *event) {
  int throttled;
  struct emu_job *job = submit(emu, event, &throttled);
  CHECK(job != NULL);
  CHECK(!throttled);
  return job;
}

/* Worker w as it is now, read under the lock. */
static struct emu_worker snapshot (struct emulator *emu, int w) {
  struct emu_worker copy;
  pthread_mutex_lock(&emu->lock);
  copy = emu->workers[w];
  pthread_mutex_unlock(&emu->lock);
  return copy;
}

static int generation_of (struct emulator *emu, int w) {
  return snapshot(emu, w).generation;
}

/* Worker w's /next, as its runtime calls it now. */
static struct emu_job *take (struct emulator *emu, int w) {
  return emu_take(emu, w, generation_of(emu, w));
}

static pid_t pid_of (struct emulator *emu, int w) {
  return snapshot(emu, w).pid;
}

/* Waits, on the emulator's own signal, until worker w has no process
   (running 0) or has one (running 1). */
static void wait_worker (struct emulator *emu, int w, int running) {
  pthread_mutex_lock(&emu->lock);
  while ((emu->workers[w].pid != 0) != running)
    pthread_cond_wait(&emu->changed, &emu->lock);
  pthread_mutex_unlock(&emu->lock);
}

static int has (const struct buffer *b, const char *text) {
  return b->data != NULL && strstr(b->data, text) != NULL;
}

/* Jobs go in the order they came; each gets the worker's answer. */
static void test_order_and_answers (void) {
  static const char oops[] = "{\"errorType\":\"Handled.Oops\"}";
  struct emulator *emu = start(1, 0, 60, SLEEPS);
  struct emu_job *a = submit_ok(emu, "1"), *b = submit_ok(emu, "2");
  struct emu_job *c = submit_ok(emu, "3"), *t;
  CHECK(pid_of(emu, 0) > 0);  /* started by the first */
  t = take(emu, 0);
  CHECK(t == a);
  CHECK(t->state == JOB_RUNNING && t->worker == 0);
  CHECK_STR(t->event.data, "1");
  CHECK(emu_find(emu, a->request_id) == a);
  emu_release(emu, a);  /* emu_find's */
  emu_finish(emu, t, 0, NULL, "\"one\"", 5);
  emu_release(emu, t);
  CHECK(emu_wait(emu, a, 1) == JOB_DONE);
  CHECK(!a->failed);
  CHECK_STR(a->body.data, "\"one\"");
  CHECK(has(&a->log, "START RequestId: "));
  CHECK(has(&a->log, "REPORT RequestId: "));
  CHECK(emu_find(emu, a->request_id) == NULL);  /* no longer running */
  t = take(emu, 0);
  CHECK(t == b);
  emu_finish(emu, t, 1, "Handled.Oops", oops, sizeof(oops) - 1);
  emu_release(emu, t);
  CHECK(emu_wait(emu, b, 1) == JOB_DONE);
  CHECK(b->failed);
  CHECK_STR(b->error_type, "Handled.Oops");
  CHECK_STR(b->body.data, oops);
  t = take(emu, 0);
  CHECK(t == c);
  CHECK_STR(t->event.data, "3");
  emu_release(emu, t);
  emu_destroy(emu);
  CHECK(c->state == JOB_DONE && c->failed);  /* shut down with serve */
  CHECK(has(&c->body, "the runtime was shut down"));
  emu_release(emu, a);
  emu_release(emu, b);
  emu_release(emu, c);
}

/* A worker starts only when an invocation finds none free. */
static void test_lazy_workers (void) {
  struct emulator *emu = start(3, 0, 60, SLEEPS);
  struct emu_job *a = submit_ok(emu, "{}"), *b;
  CHECK(pid_of(emu, 0) > 0);
  CHECK(pid_of(emu, 1) == 0);
  b = submit_ok(emu, "{}");
  CHECK(pid_of(emu, 1) > 0);  /* worker 0 has a job waiting for it */
  CHECK(pid_of(emu, 2) == 0);
  emu_destroy(emu);
  CHECK(a->failed && b->failed);
  CHECK(has(&a->body, "shut down before it started"));
  emu_release(emu, a);
  emu_release(emu, b);
}

/*
** Backpressure: EMU_QUEUE_PER_WORKER invocations wait per slot (per
** worker, times --managed-instances); one more is throttled. Running
** ones do not count.
*/
static void fill_until_throttled (int concurrency, int slots) {
  struct emulator *emu = start(concurrency, slots, 60, SLEEPS);
  int room = EMU_QUEUE_PER_WORKER * concurrency * (slots > 0 ? slots : 1);
  int i, throttled = 0, queued = 0;
  struct emu_job *jobs[EMU_QUEUE_PER_WORKER * 3 + 1], *t;
  for (i = 0; i < room; i++) {
    jobs[queued] = submit(emu, "{}", &throttled);
    queued += jobs[queued] != NULL;
  }
  CHECK(queued == room);
  CHECK(submit(emu, "{}", &throttled) == NULL);
  CHECK(throttled);
  t = take(emu, 0);  /* one leaves the queue: room for one more */
  CHECK(t != NULL);
  jobs[queued] = submit(emu, "{}", &throttled);
  CHECK(jobs[queued] != NULL && !throttled);
  queued += jobs[queued] != NULL;
  CHECK(submit(emu, "{}", &throttled) == NULL && throttled);
  if (t != NULL)
    emu_release(emu, t);
  emu_destroy(emu);
  for (i = 0; i < queued; i++)
    emu_release(emu, jobs[i]);
}

static void test_backpressure (void) {
  fill_until_throttled(1, 0);
  fill_until_throttled(2, 0);
  fill_until_throttled(1, 3);
}

/* Past its timeout a running job fails, and its worker is killed and
   replaced by a fresh one. */
static void test_timeout_running (void) {
  struct emulator *emu = start(1, 0, 1, SLEEPS);
  struct emu_job *a = submit_ok(emu, "{}"), *t, *b;
  pid_t first = pid_of(emu, 0);
  int generation = generation_of(emu, 0);
  t = take(emu, 0);
  CHECK(t == a);
  CHECK(emu_wait(emu, a, 1) == JOB_DONE);
  CHECK(a->failed);
  CHECK_STR(a->error_type, "Sandbox.Timedout");
  CHECK(has(&a->body, "Task timed out after 1.00 seconds"));
  wait_worker(emu, 0, 0);
  CHECK(emu_take(emu, 0, generation) == NULL);  /* the old runtime's /next */
  b = submit_ok(emu, "{}");
  CHECK(pid_of(emu, 0) > 0 && pid_of(emu, 0) != first);
  emu_release(emu, t);
  emu_destroy(emu);
  emu_release(emu, a);
  emu_release(emu, b);
}

/* A job no worker takes times out in the queue, and leaves it. */
static void test_timeout_queued (void) {
  struct emulator *emu = start(1, 0, 1, SLEEPS);
  struct emu_job *a = submit_ok(emu, "{}");
  CHECK(emu_wait(emu, a, 1) == JOB_DONE);
  CHECK(a->failed);
  CHECK_STR(a->error_type, "Sandbox.Timedout");
  CHECK(a->worker == -1);
  CHECK(emu->queue_head == NULL && emu->queue_tail == NULL);
  emu_destroy(emu);
  emu_release(emu, a);
}

/* A worker that dies mid-job fails that job with its exit; the job
   behind it waits for the worker started in its place. */
static void test_worker_dies (void) {
  struct emulator *emu = start(1, 0, 60, SLEEPS);
  struct emu_job *a = submit_ok(emu, "{}"), *b, *t;
  char want[128];
  pid_t first = pid_of(emu, 0);
  t = take(emu, 0);
  b = submit_ok(emu, "{}");
  kill(first, SIGKILL);
  CHECK(emu_wait(emu, a, 1) == JOB_DONE);
  CHECK(a->failed);
  CHECK_STR(a->error_type, "Runtime.ExitError");
  snprintf(want, sizeof(want), "RequestId: %s Error: Runtime exited with "
           "signal: 9", a->request_id);
  CHECK(has(&a->body, want));
  pthread_mutex_lock(&emu->lock);
  CHECK(b->state == JOB_QUEUED);
  pthread_mutex_unlock(&emu->lock);
  wait_worker(emu, 0, 1);  /* started again for b */
  CHECK(pid_of(emu, 0) != first);
  emu_release(emu, t);
  t = take(emu, 0);
  CHECK(t == b);
  emu_release(emu, t);
  emu_destroy(emu);
  emu_release(emu, a);
  emu_release(emu, b);
}

/* /init/error fails what waits with the runtime's document; the next
   invocation tries a fresh init. */
static void test_init_error (void) {
  static const char doc[] = "{\"errorType\":\"Runtime.ImportModuleError\"}";
  struct emulator *emu = start(1, 0, 60, SLEEPS);
  struct emu_job *a = submit_ok(emu, "{}"), *b = submit_ok(emu, "{}"), *c;
  emu_init_error(emu, 0, "Runtime.ImportModuleError", doc, sizeof(doc) - 1);
  CHECK(emu_wait(emu, a, 1) == JOB_DONE && emu_wait(emu, b, 1) == JOB_DONE);
  CHECK(a->failed && b->failed);
  CHECK_STR(a->error_type, "Runtime.ImportModuleError");
  CHECK_STR(b->body.data, doc);
  CHECK(emu->queue_head == NULL);
  c = submit_ok(emu, "{}");
  CHECK(emu->init_error.len == 0);
  CHECK(c->state == JOB_QUEUED);
  emu_destroy(emu);
  emu_release(emu, a);
  emu_release(emu, b);
  emu_release(emu, c);
}

/* A runtime that exits in its init, saying nothing: what waits fails
   with its exit, and it is started again only after a backoff. */
static void test_init_exit_backoff (void) {
  struct emulator *emu = start(1, 0, 60, EXITS_AT_ONCE);
  struct emu_job *a = submit_ok(emu, "{}"), *b;
  int64_t not_before;
  CHECK(emu_wait(emu, a, 1) == JOB_DONE);
  CHECK(a->failed);
  CHECK_STR(a->error_type, "Runtime.ExitError");
  CHECK(has(&a->body, "Runtime exited with error: exit status 1"));
  wait_worker(emu, 0, 0);
  pthread_mutex_lock(&emu->lock);
  CHECK(emu->workers[0].failures == 1);
  not_before = emu->workers[0].not_before_us;
  pthread_mutex_unlock(&emu->lock);
  b = submit_ok(emu, "{}");
  CHECK(b->started_us >= not_before);  /* it waited out the backoff */
  CHECK(emu_wait(emu, b, 1) == JOB_DONE && b->failed);
  wait_worker(emu, 0, 0);
  pthread_mutex_lock(&emu->lock);
  CHECK(emu->workers[0].failures == 2);
  pthread_mutex_unlock(&emu->lock);
  emu_destroy(emu);
  emu_release(emu, a);
  emu_release(emu, b);
}

int main (void) {
  pthread_t thread;
  signal(SIGPIPE, SIG_IGN);
  if (pthread_create(&thread, NULL, reaper, NULL) != 0)
    return 1;
  pthread_detach(thread);
  test_order_and_answers();
  test_lazy_workers();
  test_backpressure();
  test_timeout_running();
  test_timeout_queued();
  test_worker_dies();
  test_init_error();
  test_init_exit_backoff();
  return check_report();
}
