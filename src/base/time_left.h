/*
** How a C module that waits (lambda.fetch) learns how long it may: the
** host keeps, in the Lua registry under this name, a C function that
** returns the milliseconds left before the deadline of the work under
** way (an invocation, a hook, shutdown) less the host's margin, or
** nothing when none is armed (init; a stock lua5.4 has no entry at all).
*/
#ifndef LUA_LAMBDA_TIME_LEFT_H
#define LUA_LAMBDA_TIME_LEFT_H

#define TIME_LEFT_REGISTRY_KEY "lambda.time_left_ms"

#endif
