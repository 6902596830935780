/*
** The deadline's last line. The Lua host stops user code at the deadline
** with a count hook, but no hook runs inside a C function that never
** returns (a backtracking string.find), in a finalizer (Lua runs them with
** hooks off) or in a hook. The watchdog is a thread that watches one
** invocation at a time: if it is still running just before its deadline
** and the hook has not stopped it, the watchdog's fire function reports
** the timeout (bootstrap: on the Runtime API, over a connection of its
** own) and ends the process, as Lambda would end the environment; Lambda
** then starts a new one.
**
** Watchdogs of one process form a group (Managed Instances run a worker
** per state, each with its own watchdog). When one fires, the group
** drains: the other workers finish the invocations they run and take no
** more (deadline_watchdog_draining), and the process ends when none is
** left running, so no invocation but the stuck one is lost.
*/
#ifndef LUA_LAMBDA_DEADLINE_WATCHDOG_H
#define LUA_LAMBDA_DEADLINE_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>

struct deadline_watchdog;

/* The message of the Runtime.Timeout a fire function reports. */
#define DEADLINE_WATCHDOG_MESSAGE \
  "Task timed out: the function did not give control back at its " \
  "deadline (a C call, a finalizer or a hook that runs on); the runtime " \
  "ends its process"

/*
** Called on the watchdog's thread with the invocation's request id;
** answered: its response was already posted (only work after it was
** stuck), so nothing is to be reported. Returns the process's exit status.
*/
typedef int (*deadline_watchdog_fire) (void *ud, const char *request_id,
                                       int answered);

/*
** Starts a watchdog (its thread) in the process's group. margin_ms: how
** long before the deadline the hook stops user code (the host's margin);
** the watchdog looks from then on. Returns NULL on failure.
*/
struct deadline_watchdog *deadline_watchdog_start (deadline_watchdog_fire fire,
                                                   void *ud, long margin_ms);

/* Stops the thread and frees the watchdog (never while it fires). */
void deadline_watchdog_free (struct deadline_watchdog *w);

/*
** An invocation starts: watched until disarmed. deadline (epoch ms),
** stopping and in_user_code are read atomically from the watchdog's
** thread: the deadline may move later (work queued after the handler gets
** a little time); once stopping is nonzero (the hook stopped the code and
** the runtime is on its way to report it) the watchdog waits past the
** deadline instead of firing before it; CPU counts against the thread
** only while in_user_code is nonzero (the runtime's own work, decoding an
** event say, is bounded otherwise). Either flag may be NULL.
*/
void deadline_watchdog_arm (struct deadline_watchdog *w,
                            const char *request_id, const int64_t *deadline,
                            const int *stopping, const int *in_user_code);

/*
** The calling thread is about to post the invocation's answer. Returns
** only if the watchdog has not fired (and will not report it now); if it
** has, it is ending the process, and this blocks until it does.
*/
void deadline_watchdog_answering (struct deadline_watchdog *w);

/* The invocation is over (its after-response work too). */
void deadline_watchdog_disarm (struct deadline_watchdog *w);

/* Nonzero once a watchdog of the group fired: take no new invocation. */
int deadline_watchdog_draining (void);

#endif
