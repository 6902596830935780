/* host_invoke.c: one invocation of a (non-streaming) handler. */
#ifndef LUA_LAMBDA_HOST_INVOKE_H
#define LUA_LAMBDA_HOST_INVOKE_H

#include "lua_host.h"

/* Calls the handler with the decoded event and a context for inv. */
void lua_host_invoke (struct lua_host *host, const struct invocation *inv,
                      struct host_outcome *out);

#endif
