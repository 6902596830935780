/*
** What lua_host.c shares with the files that extend it (lua_hooks.c,
** lua_stream.c): the host's state and its error reporting. Not for the
** rest of the runtime, which sees lua_host.h only.
*/
#ifndef LUA_LAMBDA_LUA_HOST_PRIVATE_H
#define LUA_LAMBDA_LUA_HOST_PRIVATE_H

#include <stdint.h>

#include <lua.h>

#include "buffer.h"
#include "log_record.h"
#include "lua_host.h"

/* Once loaded, slot 1 of the host's stack holds the invoke closure. */
#define INVOKE_SLOT 1

/* The Lua heap's size and cap (lua_limits.c). */
struct host_heap {
  size_t used;
  size_t limit;                     /* 0: no cap */
};

struct lua_host {
  lua_State *L;
  struct host_heap heap;
  long margin_ms;                   /* stop this long before the deadline */
  int json_max_depth;               /* of events and results */
  struct log_sink log;              /* lambda.log, print, hook failures */
  int timed_out;                    /* the deadline hook fired */
  int64_t deadline_ms;              /* of the invocation under way */
  const struct host_config *cfg;    /* during lua_host_load */
  const struct invocation *inv;     /* during lua_host_invoke */
  struct host_outcome *out;
  struct buffer error_body;
  char error_type[128];
  int streaming;                    /* the handler is lambda.streaming's */
  /* A streamed response under way (lua_stream.c). */
  const char *chunk;                /* the chunk being sent */
  size_t chunk_len, chunk_pos;
  int stream_ended;                 /* the handler returned or raised */
  char content_type[128];
  struct buffer collected;          /* a stream gathered whole (invoke) */
};

/* The host a state belongs to (kept in its extra space, for any thread). */
static inline struct lua_host *host_of (lua_State *L) {
  return *(struct lua_host **)lua_getextraspace(L);
}

/* Registry key of the traceback of the last error in user code. */
extern const char host_traceback_key;

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

/* --- lua_stream.c --- */

/* The field lambda.streaming sets on the table it returns. */
#define STREAMING_MARK "__lambda_streaming"

/* The closure that starts a streaming handler (see lua_stream.c). */
int host_stream_start (lua_State *L);

/* --- lua_limits.c --- */

/* The allocator of the host's state (ud: the host's heap). */
void *host_alloc (void *ud, void *ptr, size_t osize, size_t nsize);

/* Sets and clears the deadline hook on a thread running user code. */
void host_deadline_arm (struct lua_host *h, lua_State *co);
void host_deadline_disarm (lua_State *co);

/* --- lua_hooks.c --- */

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
