/* host_load.c: the function, loaded once at init. */
#ifndef LUA_LAMBDA_HOST_LOAD_H
#define LUA_LAMBDA_HOST_LOAD_H

#include "lua_host.h"

/*
** Resolves cfg->handler: sets the module paths, runs the module's
** top-level code and finds the function. Returns 0, or -1 with the
** init error (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
** Runtime.HandlerNotFound, Runtime.MalformedHandlerName) in out.
*/
int lua_host_load (struct lua_host *host, const struct host_config *cfg,
                   struct host_outcome *out);

#endif
