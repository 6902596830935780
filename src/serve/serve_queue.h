/*
** The local Lambda's state, private to serve: a queue of invocations
** between the invoke endpoint and N bootstrap workers, with timeouts,
** init errors and runtime exits answered the way Lambda answers them.
** Thread-safe; knows nothing of HTTP (serve_http.h serves it). The queue
** is serve_queue.c, the workers serve_workers.c, the Extensions API
** serve_extensions.c, END and REPORT serve_report.c.
*/
#ifndef LUA_LAMBDA_SERVE_QUEUE_H
#define LUA_LAMBDA_SERVE_QUEUE_H

#include <pthread.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "buffer.h"
#include "serve.h"

#define EMU_MAX_EXTENSIONS 8

/* Invocations waiting for a worker, per worker, before serve throttles
   (429) as Lambda does when a function's concurrency is used up. */
#define EMU_QUEUE_PER_WORKER 10

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct emu_job {
  char request_id[40];
  struct buffer event;
  struct buffer client_context;  /* JSON, from X-Amz-Client-Context */
  struct buffer trace_id;
  int64_t deadline_ms;
  int64_t started_us;
  int worker;                    /* who took it, or -1 */
  enum job_state state;
  int failed;                    /* the body is an error document */
  char error_type[128];
  char content_type[128];        /* of a streamed response */
  int streaming;                 /* the worker streams the body */
  struct buffer body;            /* result, or streamed bytes so far */
  struct buffer error_doc;       /* a stream's late error, from trailers */
  struct buffer log;             /* START, what the function wrote, END,
                                    REPORT: for X-Amz-Log-Type: Tail */
  int refs;
  struct emu_job *next;          /* in the queue */
};

/* An extension a worker's runtime registered (the Extensions API). */
struct emu_extension {
  char id[40];                   /* Lambda-Extension-Identifier */
  int wants_invoke, wants_shutdown;
  int waiting;                   /* in event/next now */
  struct buffer events;          /* queued events, one JSON a line */
};

struct worker_output;             /* what a worker writes
                                     (serve_worker_output.h) */

struct emu_worker {
  pid_t pid;                     /* 0 when not running */
  int generation;                /* bumped at every start */
  struct emu_job *jobs[SERVE_MAX_SLOTS];  /* the invocations under way */
  int n_jobs;
  int slots;                     /* at most this many at once: 1, or N with
                                    --managed-instances N */
  int n_ext;
  struct emu_extension ext[EMU_MAX_EXTENSIONS];
  int init_done;                 /* passed the Init barrier */
  int init_failed;               /* posted /init/error: on its way out */
  int retiring;                  /* killed; the reaper has not seen it */
  int stale;                     /* a restart was asked for: it takes no
                                    new job and is retired when its
                                    invocations under way end */
  int n_next;                    /* /next calls of its runtime waiting */
  int64_t idle_since_us;         /* started, or last job finished */
  int64_t spawned_us;            /* for the Init Duration */
  double init_ms;                /* to report with its first invocation */
  int failures;                  /* exits in a row before init finished */
  int64_t not_before_us;         /* backoff: no new start before this */
  struct worker_output *out;     /* its stdout and stderr, passed through */
};

struct emulator {
  struct serve_config cfg;
  pthread_mutex_t lock;
  pthread_cond_t changed;        /* broadcast on every state change */
  struct emu_job *queue_head, *queue_tail;
  struct emu_worker workers[SERVE_MAX_WORKERS];
  struct buffer init_error;      /* the last /init/error, until a restart */
  char init_error_type[128];
  int api_ports[SERVE_MAX_WORKERS];  /* as bound: worker i's Runtime API */
  struct rlimit runtime_files;   /* a runtime's RLIMIT_NOFILE (Lambda's) */
  int shutting_down;             /* no new workers, no new work */
  int stopping;
};

int emu_init (struct emulator *emu, const struct serve_config *cfg);

/*
** Shuts down as Lambda does: SHUTDOWN to the extensions that registered
** for it; SIGTERM to the workers that registered an extension (Lambda
** signals no other), SIGKILL to the rest; after the shutdown phase (500 ms
** with internal extensions only, 2 s when one took SHUTDOWN) SIGKILL to
** any still running. Then wakes every waiting request.
*/
void emu_destroy (struct emulator *emu);

/* --- the Extensions API, for worker w's runtime -------------------------- */

/*
** register: body is its JSON ({"events": [...]}). Returns 0 with the
** identifier in id, -1 when Init is over (403), -2 when full (500).
*/
int emu_ext_register (struct emulator *emu, int w, const char *body,
                      char id[40]);

/*
** event/next: blocks until an event for extension id; 0 with its JSON in
** event, -1 for an unknown id (403), -2 when the worker went away (500).
*/
int emu_ext_next (struct emulator *emu, int w, const char *id,
                  struct buffer *event);

/* Whether id names an extension of worker w. */
int emu_ext_known (struct emulator *emu, int w, const char *id);

/*
** Queues an invocation; the caller holds one reference. NULL when memory
** runs out, or with *throttled set when the queue is full. A NULL
** trace_id gets one made, as Lambda makes one for a caller that sent none.
*/
struct emu_job *emu_submit (struct emulator *emu, const char *event,
                            size_t len, const char *client_context,
                            size_t cc_len, const char *trace_id,
                            int *throttled);

/*
** For worker w's /next: waits until there is work. Returns a running job
** (with a reference), or NULL when worker w was restarted or stopping.
*/
struct emu_job *emu_take (struct emulator *emu, int w, int generation);

/* The running job with this id, with a reference, or NULL. */
struct emu_job *emu_find (struct emulator *emu, const char *request_id);

/* A piece of a streamed response from the worker. */
void emu_stream (struct emulator *emu, struct emu_job *job,
                 const char *content_type, const char *data, size_t len);

/* The worker's /response or /error (body may be empty when streamed). */
void emu_finish (struct emulator *emu, struct emu_job *job, int failed,
                 const char *error_type, const char *body, size_t len);

/* Worker w's /init/error. */
void emu_init_error (struct emulator *emu, int w, const char *type,
                     const char *body, size_t len);

/*
** Waits until the job is done (or, unless whole, starts streaming), or
** its deadline passes; at the deadline the worker is killed and the job
** fails as Lambda's timeout does. Returns the job's state then.
*/
enum job_state emu_wait (struct emulator *emu, struct emu_job *job,
                         int whole);

/* What emu_read_stream returns when it copies no bytes: read(2)'s shape,
   a count or one of these. */
#define EMU_STREAM_END (-1)  /* the job is done and every byte was read */
#define EMU_STREAM_CUT (-2)  /* it timed out or failed after its first
                                byte: the client must see the stream cut */

/* Copies up to cap streamed bytes from offset *pos; waits for more. */
ssize_t emu_read_stream (struct emulator *emu, struct emu_job *job,
                         size_t *pos, char *out, size_t cap);

void emu_release (struct emulator *emu, struct emu_job *job);

/* A worker process ended (from the reaper). */
void emu_worker_exited (struct emulator *emu, pid_t pid, int status);

/*
** The timeouts no one waits for, every 50 ms until the emulator stops:
** a job past its deadline (an Event invocation, say) is stopped and its
** worker killed; a worker that holds up the queue with no job (an init
** past --init-timeout, or work after its response past --timeout) is
** killed. A thread's body; arg is the emulator.
*/
void *emu_watchdog (void *arg);

/*
** Restarts the workers: an idle one is stopped (SIGKILL) now, a busy one
** takes no new invocation and is stopped when those under way end; they
** start again with the next invocation.
*/
void emu_restart_workers (struct emulator *emu, const char *why);

/* Peak RSS of worker w in MB, from /proc; 0 if unknown. */
long emu_worker_max_rss_mb (struct emulator *emu, int w);


#endif
