/*
** lua-lambda invoke --concurrency N: events (JSON lines) run at the same
** time in N Lua states, a thread each, as Managed Instances run them, so
** a user's specs can see what their module shares between invocations.
*/
#ifndef LUA_LAMBDA_INVOKE_CONCURRENT_H
#define LUA_LAMBDA_INVOKE_CONCURRENT_H

#include <stddef.h>

#include "lua_host.h"

/*
** Runs every line of events (one JSON event a line) through states Lua
** states at once (cfg->max_concurrency states); writes one line per event
** to result_fd, in the events' order: {"result": <the result>} or
** {"error": <the error document>}. Returns 0 when every state loaded (the
** invocations may have failed), 1 when one could not.
*/
int invoke_concurrently (const struct host_config *cfg, const char *events,
                         size_t len, long timeout_s, int result_fd);

#endif
