/* host_invoke.c: one invocation of a (non-streaming) handler. */
#ifndef LUA_LAMBDA_HOST_INVOKE_H
#define LUA_LAMBDA_HOST_INVOKE_H

#include "lua_host.h"

/* Calls the handler with the decoded event and a context for inv. */
void lua_host_invoke (struct lua_host *host, const struct invocation *inv,
                      struct host_outcome *out);

/*
** The invocation (streamed or not) is over, its after_response work done:
** the host forgets it, so what runs before the next one (on_shutdown)
** sees none (os.getenv("_X_AMZN_TRACE_ID") is nil then).
*/
void lua_host_end_invocation (struct lua_host *host);

#endif
