/*
** A worker's stdout and stderr, through pipes: passed on to serve's own
** as they arrive, the last bytes of stderr kept so that a runtime that
** dies can be reported with what it said, and what the function wrote
** during one invocation captured for X-Amz-Log-Type: Tail. Shared by its
** reader thread and the worker record (reference counted).
*/
#ifndef LUA_LAMBDA_SERVE_WORKER_OUTPUT_H
#define LUA_LAMBDA_SERVE_WORKER_OUTPUT_H

#include <stddef.h>

#include "buffer.h"

#define WORKER_STDERR_TAIL 2048

struct worker_output;

/*
** Takes the read ends of the worker's stdout and stderr pipes and starts
** the thread that reads them. NULL when it cannot (the fds are closed).
** The caller holds one reference; the thread holds another.
*/
struct worker_output *worker_output_start (int out_fd, int err_fd);

void worker_output_ref (struct worker_output *o);
void worker_output_release (struct worker_output *o);

/* Waits until both pipes are closed (at most a second: a child of the
   worker's own may hold them open). */
void worker_output_wait_closed (struct worker_output *o);

/* The last lines of stderr, after "\n", into out, once it is closed. */
void worker_output_stderr_tail (struct worker_output *o, char *out,
                                size_t cap);

/* Starts capturing (from empty) what the worker writes on either pipe. */
void worker_output_capture (struct worker_output *o);

/*
** Reads what the pipes hold now, so that what the worker wrote before
** this call has been passed on (and captured) when it returns.
*/
void worker_output_drain (struct worker_output *o);

/* Appends what was captured (its last 8 KB at most) to into and stops. */
void worker_output_take (struct worker_output *o, struct buffer *into);

#endif
