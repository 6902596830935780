/*
** lua-lambda invoke under the deadline watchdog (deadline_watchdog.h), as
** bootstrap runs: a handler stuck where no hook runs past its deadline
** gets Runtime.Timeout's document on stderr, and invoke ends with 1.
*/
#ifndef LUA_LAMBDA_INVOKE_WATCH_H
#define LUA_LAMBDA_INVOKE_WATCH_H

#include "invocation.h"
#include "lua_host.h"

struct deadline_watchdog;

/* A watchdog for one thread's invocations, or NULL (then the hook alone). */
struct deadline_watchdog *invoke_watch_start (const struct host_config *cfg);

/* lua_host_invoke, watched when dog is not NULL. */
void invoke_watched (struct deadline_watchdog *dog, struct lua_host *host,
                     const struct invocation *inv, struct host_outcome *out);

#endif
