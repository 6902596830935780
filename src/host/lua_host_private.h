/*
** What the host's files share: the host's state, and each file's
** functions for the others, under its name. Not for the rest of the
** runtime, which sees lua_host.h only.
*/
#ifndef LUA_LAMBDA_LUA_HOST_PRIVATE_H
#define LUA_LAMBDA_LUA_HOST_PRIVATE_H

#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "buffer.h"
#include "log_stdout.h"
#include "lua_host.h"
#include "registry_keys.h"

/* Once loaded, slot 1 of the host's stack holds the invoke closure. */
#define INVOKE_SLOT 1

/* The Lua heap's size and cap (host_limits.c). */
struct host_heap {
  size_t used;
  size_t limit;                     /* 0: no cap */
};

struct lua_host {
  lua_State *L;
  struct host_heap heap;
  long margin_ms;                   /* stop this long before the deadline */
  int json_max_depth;               /* of events and results */
  const luaL_Reg *c_modules;         /* the program's, or NULL */
  int trace_in_context;             /* many states in one process: the
                                       trace id is never in the process
                                       environment (host_trace_env.h) */
  int env_readers;                  /* a C module of the user's is in: the
                                       environment says the trace id */
  struct log_stdout log;              /* lambda.log, print, hook failures */
  int timed_out;                    /* the deadline hook fired */
  int user_hooks;                   /* debug.sethook was ever called */
  unsigned resumes;                 /* coroutine resumes (host_coroutine.c) */
  int user_code;                    /* user code runs: the handler, work
                                       queued after it, init, shutdown */
  int deadline_armed;               /* user code runs under a deadline */
  int64_t deadline_ms;              /* of the invocation under way */
  const struct host_config *cfg;    /* during lua_host_load */
  const struct invocation *inv;     /* during lua_host_invoke */
  struct host_outcome *out;
  struct buffer error_body;
  char error_type[128];
  int streaming;                    /* the handler is lambda.streaming's */
  int raw_event;                    /* it takes the event's JSON text */
  int no_context;                   /* it cannot see a context: none is
                                       built (host_load.c) */
  /* A streamed response under way (host_stream.c). */
  const char *chunk;                /* the chunk being sent */
  size_t chunk_len, chunk_pos;
  int stream_ended;                 /* the handler returned or raised */
  char content_type[128];
  struct buffer collected;          /* a stream gathered whole (invoke) */
};

/* An outcome with nothing in it yet: no failure, no body. */
static inline void host_outcome_clear (struct host_outcome *out) {
  static const struct host_outcome none;
  *out = none;
}

/* The host a state belongs to (kept in its extra space, for any thread). */
static inline struct lua_host *host_of (lua_State *L) {
  return *(struct lua_host **)lua_getextraspace(L);
}

/* --- host_errors.c --- */

/* Message handler for calls into user code: records the traceback. */
int host_msghandler (lua_State *L);
void host_forget_traceback (lua_State *L);

/*
** Records the error object on top of the stack (raised with status) as
** the outcome; fixed_type, when given, replaces the object's own type.
*/
void host_report_error (struct lua_host *h, int status,
                        const char *fixed_type, const char *prefix);

/* Records a failure of the runtime's own; fmt gets the message on top. */
void host_runtime_failure (struct lua_host *h, const char *type,
                           const char *fmt);

/*
** Records a failure as the outcome: header_type goes in
** Lambda-Runtime-Function-Error-Type, body_type in the document's
** errorType; extra (JSON members) is added to the document.
*/
void host_set_failure (struct lua_host *h, const char *header_type,
                       const char *body_type, const char *message,
                       size_t len, const char *traceback);
void host_set_failure_extra (struct lua_host *h, const char *header_type,
                             const char *body_type, const char *message,
                             size_t len, const char *traceback,
                             const char *extra, size_t extra_len);

/* --- host_invoke.c --- */

/* The invoke closure kept in INVOKE_SLOT (upvalues: the handler and the
   shared context fields; argument: the host). */
int host_invoke (lua_State *L);

/* --- host_call.c --- */

/* Starts an invocation: the stack cleared, the outcome reset, the log
   records carrying its request id. */
void host_begin_invocation (struct lua_host *h,
                            const struct invocation *inv,
                            struct host_outcome *out);

/*
** In a protected C function whose upvalues are (handler, shared context
** fields): pushes [msghandler, handler, event, context]. Returns 0, or -1
** with the failure (Runtime.UnmarshalError) recorded.
*/
int host_push_call (lua_State *L, struct lua_host *h);

/* --- host_stream.c --- */

/* The field lambda.streaming sets on the table it returns. */
#define STREAMING_MARK "__lambda_streaming"

/* The field lambda.raw_event sets on the table it returns. */
#define RAW_EVENT_MARK "__lambda_raw_event"

/* The closure that starts a streaming handler (host_stream.c). */
int host_stream_start (lua_State *L);

/* A streaming handler run to its end, its body gathered whole in out
   (for lua-lambda invoke and lambda.testing). */
void host_stream_collect (struct lua_host *h, const struct invocation *inv,
                          struct host_outcome *out);

/* --- host_limits.c --- */

/* The allocator of the host's state (ud: the host's heap). */
void *host_alloc (void *ud, void *ptr, size_t osize, size_t nsize);

/* Sets and clears the deadline hook on a thread running user code
   (arm: the user's own hooks run too); rearm keeps whether it already
   fired and leaves the user's hooks off (for the runtime's own calls of
   user code after the handler, such as an error object's metamethods). */
void host_deadline_arm (struct lua_host *h, lua_State *co);
void host_deadline_rearm (struct lua_host *h, lua_State *co);
void host_deadline_disarm (struct lua_host *h, lua_State *co);

/* Between a stream's steps: no user code runs, but the handler's thread
   keeps its hook, and so its count, for the next step (setting a hook
   restarts the count: steps of a few instructions would never reach it). */
void host_deadline_pause (struct lua_host *h);

/* Sets the deadline user code runs under (the watchdog reads it too). */
void host_set_deadline (struct lua_host *h, int64_t deadline_ms);

/* Records whether user code runs now (read by the watchdog as well). */
void host_set_user_code (struct lua_host *h, int running);

/* Records whether the deadline stopped user code (read by the watchdog
   from another thread: lua_host_stopping). */
void host_set_timed_out (struct lua_host *h, int timed_out);

/*
** Fills b for text the host makes of user values: at most max_len bytes
** (0: any) and what the heap has left, stopping at the deadline. Returns
** 1 when the heap's room is the tighter bound.
*/
struct json_bounds;
int host_encode_bounds (struct lua_host *h, size_t max_len,
                        struct json_bounds *b);

/* The time left for lambda.clock, and the coroutine and debug functions
   of host_coroutine.c and host_hook.c. */
void host_limits_open (lua_State *L);

/* --- host_hook.c --- */

/* Puts on thread co the hook it needs now: the deadline's, under the
   user's own (debug.sethook). */
void host_hook_apply (lua_State *L, lua_State *co);

/* For a thread co just made by L: it inherits L's hook, as in Lua. */
void host_hook_inherit (lua_State *L, lua_State *co);

/* Pushes the message of a timeout. */
void host_push_timeout_message (lua_State *L, struct lua_host *h);

/* debug.sethook and debug.gethook, the user's hook over the deadline's. */
void host_hook_open (lua_State *L);

/* --- host_coroutine.c --- */

/* coroutine.create, resume and wrap: each thread covered as it runs. */
void host_coroutine_open (lua_State *L);

/* --- host_paths.c --- */

/* package.path, cpath and a last searcher, as on Lambda (README:
   Module search). */
void host_paths_set (lua_State *L, const struct host_config *cfg);

/* --- host_hooks.c --- */

/* Creates the hook lists in the registry. */
void host_hooks_open (lua_State *L);

/* require "lambda.host": after_invoke(fn), on_shutdown(fn). */
int luaopen_lambda_host (lua_State *L);

/* context:after_response(fn), a field of every context. */
int host_context_after_response (lua_State *L);

/* Runs the after_invoke functions, msgh being the message handler's
   stack index; an error in one is logged, not raised. */
void host_run_after_invoke (lua_State *L, int msgh);

#endif
