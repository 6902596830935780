/*
** What the queue's files (serve_queue.c, serve_workers.c,
** serve_extensions.c, serve_report.c) share; each is called with
** emu->lock held.
*/
#ifndef LUA_LAMBDA_SERVE_LOCKED_H
#define LUA_LAMBDA_SERVE_LOCKED_H

#include "serve_queue.h"

/* --- the queue (serve_queue.c) ------------------------------------------- */

/* Marks a job done with an error document of the emulator's own. */
void emu_fail_job_locked (struct emulator *emu, struct emu_job *job,
                          const char *type, const char *message);

/* Detaches the job from its worker; the worker's reference is dropped. */
void emu_detach_locked (struct emulator *emu, struct emu_job *job);

/* Fails every queued job with the init error (no worker can take them). */
void emu_fail_queue_locked (struct emulator *emu);

/* Fails every queued job with the message (no worker will take them). */
void emu_fail_queue_exit_locked (struct emulator *emu, const char *message);

/* Every running job of a worker serve shut down fails, saying so. */
void emu_fail_running_shut_down_locked (struct emulator *emu,
                                        struct emu_worker *worker);

/* --- the workers (serve_workers.c) --------------------------------------- */

/* Starts workers until every queued invocation has a free slot. */
void emu_start_needed_locked (struct emulator *emu);

/* How long until a worker in its backoff may start again; 0: now. */
int64_t emu_backoff_left_us (struct emulator *emu);

/* Kills worker w (SIGKILL) and retires it at once. */
void emu_retire_locked (struct emulator *emu, int w);

/* --- the Extensions API (serve_extensions.c) ----------------------------- */

/* Whether every extension the worker registered waits in event/next. */
int emu_extensions_ready (const struct emu_worker *worker);

/* Queues an event (INVOKE, else SHUTDOWN) for each extension of the
   worker that asked for it. */
void emu_ext_broadcast_locked (struct emulator *emu,
                               struct emu_worker *worker, int invoke,
                               const char *json);

/* --- END and REPORT (serve_report.c) ------------------------------------- */

/* Writes END and REPORT (with status, when not NULL) for a job that is
   becoming done, to stdout and to the job's log. */
void emu_report_locked (struct emulator *emu, struct emu_job *job,
                        const char *status);

#endif
