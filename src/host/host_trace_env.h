/*
** _X_AMZN_TRACE_ID, the X-Ray trace header of the invocation under way.
** Lua code reads it through os.getenv, answered from the invocation
** itself, so the process environment is written only for what reads it
** there: a process the handler starts (io.popen, os.execute) and a C
** module of the user's. Until one of those appears no invocation pays for
** a setenv; once a C module is loaded every invocation sets it, as
** Lambda's own runtimes do. With many states in one process (Managed
** Instances) the environment is never written: no one value is right.
*/
#ifndef LUA_LAMBDA_HOST_TRACE_ENV_H
#define LUA_LAMBDA_HOST_TRACE_ENV_H

#include <lua.h>

struct lua_host;

/* Wraps os.getenv, io.popen, os.execute, package.loadlib and the C
   module searchers of the host's state. */
void host_trace_env_open (lua_State *L);

/* At the start of an invocation: the environment made to say its trace
   id, if anything outside Lua may read it there. */
void host_trace_env_begin (struct lua_host *h);

#endif
