/*
** Setting up a call into the handler, for plain and streaming handlers
** alike: the invocation made current, then the event decoded and the
** context built on the stack.
*/
#include "lua_host.h"
#include "lua_host_private.h"

#include "context.h"
#include "host_trace_env.h"
#include "json_codec.h"

void host_begin_invocation (struct lua_host *h,
                            const struct invocation *inv,
                            struct host_outcome *out) {
  lua_settop(h->L, INVOKE_SLOT);  /* drops what the last one left */
  h->inv = inv;
  h->out = out;
  host_set_deadline(h, inv->deadline_ms);
  log_stdout_set_invocation(&h->log, inv->request_id.data,
                            inv->tenant_id.data);
  host_trace_env_begin(h);
  host_outcome_clear(out);
}

int host_push_call (lua_State *L, struct lua_host *h) {
  const struct invocation *inv = h->inv;
  lua_settop(L, 0);
  lua_pushcfunction(L, host_msghandler);             /* [msgh] */
  lua_pushvalue(L, lua_upvalueindex(1));             /* [msgh, handler] */
  if (h->raw_event) {
    lua_pushlstring(L, inv->payload.data, inv->payload.len);
  } else if (json_codec_decode(L, inv->payload.data, inv->payload.len)
             != LUA_OK) {
    host_runtime_failure(h, "Runtime.UnmarshalError",
                         "could not decode the event as JSON: %s");
    return -1;
  }                                           /* [msgh, handler, event] */
  /* A handler that cannot see a context gets none, unless a header it
     carries must be checked (a malformed one is still reported). */
  if (h->no_context && inv->client_context.len == 0 &&
      inv->cognito_identity.len == 0) {
    lua_pushnil(L);
  } else if (context_push(L, lua_upvalueindex(2), inv) != LUA_OK) {
    host_runtime_failure(h, "Runtime.UnmarshalError", "%s");
    return -1;
  }                                      /* [msgh, handler, event, ctx] */
  return 0;
}
