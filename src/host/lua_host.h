/*
** The Lua side of the runtime: one lua_State, the user's handler module
** loaded once at init, and protected handler calls whose results and
** errors come back as JSON bodies for the Runtime API. Knows Lua; knows
** nothing of HTTP.
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
};

struct lua_host;

/* --- lua_host.c: the state --------------------------------------------- */

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

/* --- host_load.c: the function, at init -------------------------------- */

/*
** Resolves cfg->handler: sets the module paths, runs the module's
** top-level code and finds the function. Returns 0, or -1 with the
** init error (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
** Runtime.HandlerNotFound, Runtime.MalformedHandlerName) in out.
*/
int lua_host_load (struct lua_host *host, const struct host_config *cfg,
                   struct host_outcome *out);

/* --- host_invoke.c: an invocation ------------------------------------- */

/* Calls the handler with the decoded event and a context for inv. */
void lua_host_invoke (struct lua_host *host, const struct invocation *inv,
                      struct host_outcome *out);

/* --- host_hooks.c: functions run later --------------------------------- */

/* Runs what the handler queued with context:after_response(fn). */
void lua_host_after_response (struct lua_host *host);

/* Whether lambda.host.on_shutdown registered a function (at init). */
int lua_host_has_shutdown_hooks (struct lua_host *host);

/*
** Runs the on_shutdown functions (on SIGTERM), each stopped by the
** deadline hook at deadline_ms (epoch ms) less the timeout margin; once
** one is stopped the rest are skipped.
*/
void lua_host_shutdown (struct lua_host *host, int64_t deadline_ms);

/* --- host_stream.c: streamed responses -------------------------------- */

/*
** Streaming handlers (lambda.streaming): lua_host_is_streaming says
** whether the handler is one. lua_host_stream_begin runs it until it
** writes its first bytes, returns, or raises; it returns -1 with the
** failure in out if it raised before any byte (report it with /error),
** else 0 with the content type set. lua_host_stream_pull then gives the
** body: up to cap bytes, 0 at the end, -1 when the handler raised after
** bytes went out, with the failure in out (for the trailers).
*/
int lua_host_is_streaming (const struct lua_host *host);
int lua_host_stream_begin (struct lua_host *host,
                           const struct invocation *inv,
                           struct host_outcome *out,
                           const char **content_type);
long lua_host_stream_pull (struct lua_host *host, char *buf, size_t cap);

#endif
