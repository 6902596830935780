/*
** The host, the Lua side of the runtime: one lua_State, the user's
** function loaded once at init, and protected handler calls whose results
** and errors come back as JSON bodies for the Runtime API. Knows Lua;
** knows nothing of HTTP. This header is all the rest of the runtime (the
** loop, bootstrap, the CLI) sees of it; the host's files share
** lua_host_private.h and a few headers of their own.
*/
#ifndef LUA_LAMBDA_LUA_HOST_H
#define LUA_LAMBDA_LUA_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>

#include "invocation.h"

/* --- what the host is told, read once (host_config.c) --- */

/* The most Lua states AWS_LAMBDA_MAX_CONCURRENCY may ask for. */
#define HOST_MAX_CONCURRENCY 64

/* AWS_LAMBDA_LOG_LEVEL's levels, lowest first. */
enum log_level { LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR,
                 LOG_FATAL };

/* What is the same for every invocation of this function. */
struct function_info {
  const char *function_name;     /* AWS_LAMBDA_FUNCTION_NAME */
  const char *function_version;  /* AWS_LAMBDA_FUNCTION_VERSION */
  const char *memory_size;       /* AWS_LAMBDA_FUNCTION_MEMORY_SIZE */
  const char *log_group_name;    /* AWS_LAMBDA_LOG_GROUP_NAME */
  const char *log_stream_name;   /* AWS_LAMBDA_LOG_STREAM_NAME */
};

/*
** What the host needs to know of the function and its limits: filled by
** bootstrap from the environment, by the CLI from the environment and
** then its flags. Nothing in the host reads the environment again.
*/
struct host_config {
  const char *handler;     /* "module.function"; modules may be nested */
  const char *task_root;   /* LAMBDA_TASK_ROOT: the function's code */
  const char *layer_dirs;  /* where Lambda unpacks layers: "/opt"; or
                              LUA_LAMBDA_LAYER_DIRS, folders standing in
                              for it, ':'-separated, the last on top
                              ("": none) */
  const char *lua_path;    /* LUA_PATH_5_4 or LUA_PATH, or NULL: first */
  const char *lua_cpath;   /* LUA_CPATH_5_4 or LUA_CPATH, or NULL */
  struct function_info function;
  long timeout_margin_ms;  /* LUA_LAMBDA_TIMEOUT_MARGIN_MS (100) */
  size_t heap_limit;       /* the Lua heap's cap in bytes; 0: none */
  long heap_headroom_mb;   /* LUA_LAMBDA_MEMORY_HEADROOM_MB (16) */
  long heap_limit_mb;      /* LUA_LAMBDA_MEMORY_LIMIT_MB, or -1 */
  int json_max_depth;      /* LUA_LAMBDA_JSON_MAX_DEPTH (1000) */
  int max_concurrency;     /* AWS_LAMBDA_MAX_CONCURRENCY (1: on-demand) */
  int log_json;            /* AWS_LAMBDA_LOG_FORMAT is JSON (the default
                              with max_concurrency > 1) */
  enum log_level log_level;  /* AWS_LAMBDA_LOG_LEVEL, or the default */
  const luaL_Reg *c_modules; /* more C modules user code may require,
                                from the program (lambda.fetch); or NULL */
};

/*
** Fills cfg from the environment: _HANDLER, LAMBDA_TASK_ROOT, the
** AWS_LAMBDA_FUNCTION_* and log variables, and the LUA_LAMBDA_* limits.
** Missing or malformed values take their defaults. The strings point
** into the environment.
*/
void host_config_from_env (struct host_config *cfg);

/*
** Sets the function's memory ("128", in MB, as the context reports it)
** and the Lua heap's cap that follows from it: the memory less the
** headroom (shared out among max_concurrency states), unless
** LUA_LAMBDA_MEMORY_LIMIT_MB set the cap itself.
*/
void host_config_set_memory (struct host_config *cfg, const char *mb);

/* --- the state (lua_host.c) --- */

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

/* --- the function, loaded once at init (host_load.c) --- */

/*
** Resolves cfg->handler: sets the module paths, runs the module's
** top-level code and finds the function. Returns 0, or -1 with the
** init error (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
** Runtime.HandlerNotFound, Runtime.MalformedHandlerName) in out.
*/
int lua_host_load (struct lua_host *host, const struct host_config *cfg,
                   struct host_outcome *out);

/* --- one invocation of a (non-streaming) handler (host_invoke.c) --- */

/* Calls the handler with the decoded event and a context for inv. */
void lua_host_invoke (struct lua_host *host, const struct invocation *inv,
                      struct host_outcome *out);

/*
** The invocation (streamed or not) is over, its after_response work done:
** the host forgets it, so what runs before the next one (on_shutdown)
** sees none (os.getenv("_X_AMZN_TRACE_ID") is nil then).
*/
void lua_host_end_invocation (struct lua_host *host);

/* --- streaming handlers, lambda.streaming (host_stream.c) --- */

/*
** lua_host_is_streaming says whether the handler is one.
** lua_host_stream_begin runs it until it writes its first bytes, returns,
** or raises; it returns -1 with the failure in out if it raised before
** any byte (report it with /error), else 0 with the content type set.
** lua_host_stream_pull then gives the body: up to cap bytes, 0 at the
** end, -1 when the handler raised after bytes went out, with the failure
** in out (for the trailers).
*/
int lua_host_is_streaming (const struct lua_host *host);
int lua_host_stream_begin (struct lua_host *host,
                           const struct invocation *inv,
                           struct host_outcome *out,
                           const char **content_type);
long lua_host_stream_pull (struct lua_host *host, char *buf, size_t cap);

/* --- what user code hands the runtime to run later (host_hooks.c) --- */

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

/* --- the host's Lua modules, for a state of another's --- */

/* require "lambda.base64" (base64_lib.c), for serve's HTTP front. */
int luaopen_lambda_base64 (lua_State *L);

#endif
