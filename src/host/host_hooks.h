/* host_hooks.c: functions user code hands the runtime to run later. */
#ifndef LUA_LAMBDA_HOST_HOOKS_H
#define LUA_LAMBDA_HOST_HOOKS_H

#include <stdint.h>

#include "lua_host.h"

/* Runs what the handler queued with context:after_response(fn). */
void lua_host_after_response (struct lua_host *host);

/* Whether lambda.on_shutdown registered a function (at init). */
int lua_host_has_shutdown_hooks (struct lua_host *host);

/*
** Runs the on_shutdown functions (on SIGTERM), each stopped by the
** deadline hook at deadline_ms (epoch ms) less the timeout margin; once
** one is stopped the rest are skipped.
*/
void lua_host_shutdown (struct lua_host *host, int64_t deadline_ms);

#endif
