/*
** The Lua side of the runtime: one lua_State, the user's handler module
** loaded once at init, and protected handler calls whose results and
** errors come back as JSON bodies for the Runtime API. Knows Lua; knows
** nothing of HTTP. This header is the state (lua_host.c); each of the
** host's other files has its own: host_load.h (the function, at init),
** host_invoke.h, host_hooks.h (after_response, on_shutdown),
** host_stream.h (streamed responses).
*/
#ifndef LUA_LAMBDA_LUA_HOST_H
#define LUA_LAMBDA_LUA_HOST_H

#include <stddef.h>

#include "context.h"
#include "host_config.h"
#include "invocation.h"

/*
** What an init or an invocation produced. body/len stay valid until the
** next call into the host.
*/
struct host_outcome {
  int failed;              /* 0: body is the JSON result */
  const char *error_type;  /* when failed: the error type header value */
  const char *body;
  size_t len;
  int state_lost;          /* memory ran out: the Lua state may hold
                              half-updated user state; start a fresh one */
  int timed_out;           /* the deadline guard stopped the handler
                              (Runtime.Timeout), mid-way through its work */
};

struct lua_host;

/*
** A Lua state with the limits, codec depth and log settings of cfg
** (which need not outlive the call). Returns NULL with a message in err
** if Lua cannot be set up.
*/
struct lua_host *lua_host_new (const struct host_config *cfg, char *err,
                               size_t errlen);
void lua_host_free (struct lua_host *host);

/* Logs a failed invocation's error once, with its whole document, as an
   ERROR record ("Invoke Error" in Text mode). */
void lua_host_log_failure (struct lua_host *host,
                           const struct host_outcome *out);

/* Forgets the invocation the host last served (its request id in log
   records), whose memory the caller is about to reuse. */
void lua_host_forget_invocation (struct lua_host *host);

/*
** A flag that becomes nonzero when the deadline stopped the handler (the
** host is then on its way to report the timeout); read atomically, from
** any thread, by the deadline watchdog (deadline_watchdog.h).
*/
const int *lua_host_stopping (const struct lua_host *host);

/*
** An invocation with this deadline is about to run: the deadline and the
** stopping flag are set for it now, for a watchdog armed before it runs.
*/
void lua_host_prepare (struct lua_host *host, int64_t deadline_ms);

/* Nonzero while user code runs (not the runtime's own work around it);
   read atomically, as above. */
const int *lua_host_in_user_code (const struct lua_host *host);

/* The deadline user code runs under now, epoch ms: the invocation's, or
   later for work queued after it (read atomically, as above). */
const int64_t *lua_host_deadline (const struct lua_host *host);

#endif
