/*
** Calling the handler: the event decoded, the context built, the result
** encoded; after_invoke functions run whatever happened.
*/
#include "lua_host.h"
#include "lua_host_private.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "json.h"
#include "json_codec.h"
#include "lambda_limits.h"

/*
** The result on top of the stack, as JSON text in the outcome: no longer
** than Lambda takes, no larger than the heap has room for, and made
** before the deadline, or the failure that says which it was not.
*/
static void encode_result (struct lua_host *h, lua_State *L) {
  struct json_bounds bounds;
  int by_memory = host_encode_bounds(h, LAMBDA_RESPONSE_LIMIT, &bounds);
  char msg[160];
  int n;
  switch (json_codec_encode(L, -1, &bounds, &h->out->body, &h->out->len)) {
    case JSON_ENCODE_OK:
      h->out->failed = 0;
      h->out->error_type = NULL;
      return;
    case JSON_ENCODE_TOO_LONG:
      if (by_memory) {
        host_runtime_failure(h, "Runtime.OutOfMemory",
          "the handler's result as JSON does not fit in the function's "
          "memory: %s");
        return;
      }
      n = snprintf(msg, sizeof(msg), "Response payload size exceeded "
                   "maximum allowed payload size (%d bytes).",
                   LAMBDA_RESPONSE_LIMIT);
      host_set_failure(h, "Function.ResponseSizeTooLarge",
                       "Function.ResponseSizeTooLarge", msg, (size_t)n,
                       NULL);
      return;
    case JSON_ENCODE_EXPIRED:
      h->out->timed_out = 1;
      host_runtime_failure(h, "Runtime.Timeout",
        "Task timed out while its result was encoded as JSON: %s");
      return;
    case JSON_ENCODE_FAULT:
      host_runtime_failure(h, "Runtime.MarshalError",
                      "could not encode the handler's result as JSON: %s");
  }
}

/*
** The invoke closure: upvalue 1 is the handler, upvalue 2 the shared
** context fields; argument 1 is the host. Records the JSON text of the
** result (kept in the codec's buffer) or the failure in the outcome.
*/
int host_invoke (lua_State *L) {
  struct lua_host *h = lua_touserdata(L, 1);
  int status, timed_out;
  if (host_push_call(L, h) != 0)
    return 0;
  host_deadline_arm(h, L);
  status = lua_pcall(L, 2, 1, 1);               /* [msgh, result | err] */
  timed_out = h->timed_out;  /* the after_invoke functions re-arm */
  host_deadline_disarm(h, L);
  host_run_after_invoke(L, 1);
  if (status == LUA_OK && timed_out) {
    /* It returned what a timed-out coroutine said (return
       coroutine.resume(co) runs no instruction after it): still late. */
    host_push_timeout_message(L, h);
    status = LUA_ERRRUN;
  }
  if (status != LUA_OK) {
    host_report_error(h, status, timed_out ? "Runtime.Timeout" : NULL,
                      NULL);
    if (timed_out)
      h->out->timed_out = 1;
    return 0;
  }
  encode_result(h, L);
  return 0;
}

void lua_host_invoke (struct lua_host *h, const struct invocation *inv,
                      struct host_outcome *out) {
  lua_State *L = h->L;
  int status;
  if (h->streaming) {
    host_stream_collect(h, inv, out);
    return;
  }
  host_begin_invocation(h, inv, out);
  lua_pushvalue(L, INVOKE_SLOT);
  lua_pushlightuserdata(L, h);
  status = lua_pcall(L, 1, 1, 0);
  if (status == LUA_ERRMEM) {
    lua_settop(L, INVOKE_SLOT);
    host_report_error(h, status, NULL, NULL);
  } else if (status != LUA_OK) {
    /* A fault of the runtime's own; nothing here may raise again. */
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL)
      msg = "(error object is not a string)";
    host_set_failure(h, "Runtime.Unknown", "Runtime.Unknown", msg,
                     strlen(msg), NULL);
  }
}

void lua_host_end_invocation (struct lua_host *h) {
  h->inv = NULL;
}
