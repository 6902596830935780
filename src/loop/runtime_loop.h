/*
** The runtime loop: the only place that joins the Runtime API client and
** the Lua host. next -> call -> post, until the API says stop.
*/
#ifndef LUA_LAMBDA_RUNTIME_LOOP_H
#define LUA_LAMBDA_RUNTIME_LOOP_H

#include "lua_host.h"
#include "runtime_api.h"

/*
** Loads the handler (reporting a failure to /init/error), then serves
** invocations. Returns only when the process must exit, with its status.
** Takes host over: it may replace it (after the Lua heap ran out) and
** frees it before returning.
*/
int runtime_loop_run (struct runtime_api *api, struct lua_host *host,
                      const struct host_config *cfg);

/*
** Managed Instances (cfg->max_concurrency > 1): that many workers, each a
** thread with its own Lua state, Runtime API client (endpoint) and
** invocation, each looping on /next. Every state runs the module's init;
** an init failure is reported once and ends the process. Returns, with
** the status to exit with, only when no worker served (an init failed,
** or the shutdown threads could not start), after every worker ended;
** once they serve, the first to stop ends the process (_exit) with its
** status, the others as they are.
*/
int runtime_loop_run_many (const char *endpoint,
                           const struct host_config *cfg);

#endif
