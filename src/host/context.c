#include "context.h"

#include <stdlib.h>

#include <lauxlib.h>

#include "clock.h"
#include "json_codec.h"

/*
** context:get_remaining_time_in_millis() or
** context.get_remaining_time_in_millis(): upvalue 1 points at the deadline
** of the invocation under way, used when no context is passed; upvalue 2
** is the margin. The time reported is the time the handler has: it is
** stopped when it reaches 0 (clock.h), the margin before Lambda's own
** deadline.
*/
static int get_remaining_time_in_millis (lua_State *L) {
  const int64_t *current = lua_touserdata(L, lua_upvalueindex(1));
  int64_t deadline = *current;
  if (lua_type(L, 1) == LUA_TTABLE &&
      lua_getfield(L, 1, "deadline_ms") == LUA_TNUMBER &&
      lua_isinteger(L, -1))
    deadline = (int64_t)lua_tointeger(L, -1);
  lua_pushinteger(L, (lua_Integer)clock_left_ms(
    deadline, (long)lua_tointeger(L, lua_upvalueindex(2))));
  return 1;
}

static void set_string (lua_State *L, const char *key, const char *value) {
  if (value == NULL || value[0] == '\0')
    return;
  lua_pushstring(L, value);
  lua_setfield(L, -2, key);
}

void context_push_shared (lua_State *L, const struct function_info *info,
                          const int64_t *current_deadline, long margin_ms) {
  lua_createtable(L, 0, 6);
  set_string(L, "function_name", info->function_name);
  set_string(L, "function_version", info->function_version);
  set_string(L, "log_group_name", info->log_group_name);
  set_string(L, "log_stream_name", info->log_stream_name);
  if (info->memory_size != NULL) {
    char *end;
    long mb = strtol(info->memory_size, &end, 10);
    if (end != info->memory_size && *end == '\0' && mb > 0) {
      lua_pushinteger(L, mb);
      lua_setfield(L, -2, "memory_limit_in_mb");
    }
  }
  lua_pushlightuserdata(L, (void *)current_deadline);
  lua_pushinteger(L, margin_ms);
  lua_pushcclosure(L, get_remaining_time_in_millis, 2);
  lua_setfield(L, -2, "get_remaining_time_in_millis");
}

static void set_buffer (lua_State *L, const char *key,
                        const struct buffer *b) {
  if (b->len == 0)
    return;
  lua_pushlstring(L, b->data, b->len);
  lua_setfield(L, -2, key);
}

/* Decodes a JSON header into field key; on failure leaves a message. */
static int set_json (lua_State *L, const char *key, const char *header,
                     const struct buffer *b) {
  if (b->len == 0)
    return LUA_OK;
  if (json_codec_decode(L, b->data, b->len) != LUA_OK) {
    const char *why = lua_tostring(L, -1);
    lua_pushfstring(L, "%s is not valid JSON: %s", header,
                    why ? why : "?");
    return LUA_ERRRUN;
  }
  lua_setfield(L, -2, key);
  return LUA_OK;
}

int context_push (lua_State *L, int shared_idx,
                  const struct invocation *inv) {
  shared_idx = lua_absindex(L, shared_idx);
  lua_createtable(L, 0, 16);                 /* [ctx] */
  lua_pushnil(L);                            /* [ctx, nil] first key */
  while (lua_next(L, shared_idx) != 0) {     /* [ctx, key, value] */
    lua_pushvalue(L, -2);                    /* [ctx, key, value, key] */
    lua_insert(L, -2);                       /* [ctx, key, key, value] */
    lua_rawset(L, -4);                       /* [ctx, key] */
  }
  set_buffer(L, "aws_request_id", &inv->request_id);
  set_buffer(L, "invoked_function_arn", &inv->function_arn);
  set_buffer(L, "trace_id", &inv->trace_id);
  set_buffer(L, "tenant_id", &inv->tenant_id);
  lua_pushinteger(L, (lua_Integer)inv->deadline_ms);
  lua_setfield(L, -2, "deadline_ms");
  if (set_json(L, "client_context", "Lambda-Runtime-Client-Context",
               &inv->client_context) != LUA_OK ||
      set_json(L, "identity", "Lambda-Runtime-Cognito-Identity",
               &inv->cognito_identity) != LUA_OK) {
    lua_remove(L, -2);                       /* [message] */
    return LUA_ERRRUN;
  }
  return LUA_OK;
}
