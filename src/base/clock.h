/*
** The one clock: the wall clock Lambda writes its deadlines in (epoch
** milliseconds), read the same way by the deadline hook, the context,
** shutdown and the CLI's emulator.
*/
#ifndef LUA_LAMBDA_CLOCK_H
#define LUA_LAMBDA_CLOCK_H

#include <stdint.h>
#include <time.h>

int64_t clock_now_ms (void);
int64_t clock_now_us (void);

/* Sleeps ms milliseconds (a signal may end it early). */
void clock_sleep_ms (int64_t ms);

/* An epoch time in ms as a timespec, for pthread's timed waits. */
struct timespec clock_timespec (int64_t epoch_ms);

/*
** Milliseconds user code has left: to the deadline less the margin the
** runtime keeps to report a timeout, never negative. The deadline hook
** stops a handler when this reaches 0, and
** context:get_remaining_time_in_millis() reports it, so a handler that
** works while time remains stops of its own accord before it is stopped.
*/
int64_t clock_left_ms (int64_t deadline_ms, long margin_ms);

#endif
