/*
** lambda.on_shutdown, done the way Lambda wants it. Lambda sends SIGTERM
** to the runtime only when an extension is registered, and it ends the
** Init phase only when every registered extension waits in
** /extension/event/next. So the runtime registers an internal extension,
** polls event/next from a thread of its own for the life of the process,
** and takes SIGTERM on another; either one runs the on_shutdown functions
** once, within the time Lambda gives, and ends the process.
*/
#ifndef LUA_LAMBDA_SHUTDOWN_H
#define LUA_LAMBDA_SHUTDOWN_H

#include <pthread.h>

#include "lua_host.h"

/* What the loop shares with the shutdown threads. */
struct lua_guard {
  pthread_mutex_t lock;     /* held while the loop runs Lua */
  struct lua_host *host;    /* under lock: the state serving now */
};

/*
** Lambda's shutdown phase when only internal extensions are registered
** (with external ones it is 2 s; the shorter one is the one to plan for).
*/
#define SHUTDOWN_PHASE_MS 500

/*
** Registers the internal extension at host_port (AWS_LAMBDA_RUNTIME_API)
** and starts both threads. Call before the first /next, after the module
** is loaded, and only when it registered on_shutdown functions. guards:
** one per Lua state (n of them; Managed Instances run many), whose
** on_shutdown functions all run at SIGTERM, each once the invocation it
** runs has ended (waited for together, a bounded time). Returns 0, or -1
** after logging why.
*/
int shutdown_watch_start (struct lua_guard *guards, int n,
                          const char *host_port);

/*
** Blocks SIGTERM in the calling thread, and so in the threads it starts
** after: with many workers, the process blocks it before starting them,
** and then either shutdown_watch_start or shutdown_default_start (which
** lets SIGTERM end the process as by default) takes it.
*/
void shutdown_block_sigterm (void);
int shutdown_default_start (void);

#endif
