/*
** Error mapping: what user code raised (any Lua value), or a failure of
** the runtime's own, becomes the outcome's error document and type.
*/
#include "lua_host_private.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "error_body.h"
#include "json.h"
#include "json_codec.h"

static const char out_of_memory_body[] =
  "{\"errorMessage\":\"not enough memory\","
  "\"errorType\":\"Runtime.OutOfMemory\",\"stackTrace\":[]}";

/*
** Message handler for every call into user code: remembers the traceback
** and passes the error object on untouched, so a table keeps its type.
*/
int host_msghandler (lua_State *L) {
  static const char runtime_frame[] = "\n\t[C]: in ?";
  size_t len, tail = sizeof(runtime_frame) - 1;
  const char *tb;
  luaL_traceback(L, L, NULL, 1);                      /* [err, traceback] */
  /* The last frame is the runtime's own C function: not the user's news. */
  tb = lua_tolstring(L, -1, &len);
  if (len >= tail && memcmp(tb + len - tail, runtime_frame, tail) == 0)
    lua_pushlstring(L, tb, len - tail);          /* [err, tb, trimmed] */
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_TRACEBACK);
  lua_settop(L, 1);                                   /* [err] */
  return 1;
}

void host_forget_traceback (lua_State *L) {
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_TRACEBACK);
}

void host_set_failure_extra (struct lua_host *h, const char *header_type,
                             const char *body_type, const char *message,
                             size_t len, const char *traceback,
                             const char *extra, size_t extra_len) {
  struct host_outcome *out = h->out;
  out->failed = 1;
  if (error_body_build_extra(&h->error_body, body_type, message, len,
                             traceback, extra, extra_len) != 0) {
    out->state_lost = 1;
    out->error_type = "Runtime.OutOfMemory";
    out->body = out_of_memory_body;
    out->len = sizeof(out_of_memory_body) - 1;
    return;
  }
  snprintf(h->error_type, sizeof(h->error_type), "%s", header_type);
  out->error_type = h->error_type;
  out->body = h->error_body.data;
  out->len = h->error_body.len;
}

void host_set_failure (struct lua_host *h, const char *header_type,
                       const char *body_type, const char *message,
                       size_t len, const char *traceback) {
  host_set_failure_extra(h, header_type, body_type, message, len, traceback,
                    NULL, 0);
}

/* A failure of the runtime's own (Runtime.<Reason>) with message on top. */
void host_runtime_failure (struct lua_host *h, const char *type,
                           const char *fmt) {
  lua_State *L = h->L;
  size_t len;
  const char *msg;
  lua_pushfstring(L, fmt, lua_tostring(L, -1));
  msg = lua_tolstring(L, -1, &len);
  host_set_failure(h, type, type, msg, len, NULL);
}

/*
** An error document is text the runtime makes of a user value, bounded
** as a result is (host_encode_bounds), and well below the response limit:
** what matters in an error fits in far less.
*/
#define ERROR_JSON_LIMIT (256 * 1024)

static enum json_encode_status encode_bounded (lua_State *L, int idx,
                                               const char **text,
                                               size_t *len, int *by_memory) {
  struct json_bounds bounds;
  *by_memory = host_encode_bounds(host_of(L), ERROR_JSON_LIMIT, &bounds);
  return json_codec_encode(L, idx, &bounds, text, len);
}

/* Pushes a message for any error object, as lua.c's msghandler would. */
static void push_message (lua_State *L, int idx) {
  int t = lua_type(L, idx);
  if (t == LUA_TSTRING || t == LUA_TNUMBER) {
    luaL_tolstring(L, idx, NULL);
    return;
  }
  if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
    lua_pop(L, 1);
    luaL_tolstring(L, idx, NULL);
    return;
  }
  /* A plain table says most about itself as JSON. */
  if (t == LUA_TTABLE) {
    const char *text;
    size_t len;
    int by_memory;
    enum json_encode_status rc = encode_bounded(L, idx, &text, &len,
                                                &by_memory);
    if (rc == JSON_ENCODE_OK) {
      lua_pushlstring(L, text, len);
      return;
    }
    lua_pop(L, 1);
    if (rc == JSON_ENCODE_TOO_LONG && by_memory) {
      lua_pushliteral(L, "(error object is a table whose JSON does not fit "
                      "in the function's memory)");
      return;
    }
    if (rc == JSON_ENCODE_TOO_LONG) {
      lua_pushfstring(L, "(error object is a table whose JSON is over %d "
                      "bytes)", ERROR_JSON_LIMIT);
      return;
    }
  }
  lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, idx));
}

/*
** Pushes the members of an error table other than errorType,
** errorMessage and stackTrace, as JSON object members, or nil if none
** (or if they cannot be JSON). lambda.error's extra fields arrive so.
*/
static void push_extra_members (lua_State *L, int err) {
  const char *text;
  size_t len;
  int copy, any = 0, by_memory;
  lua_newtable(L);
  copy = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, err) != 0) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                   : NULL;
    if (k != NULL && strcmp(k, "errorType") != 0 &&
        strcmp(k, "errorMessage") != 0 && strcmp(k, "stackTrace") != 0) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, copy);
      any = 1;
    } else {
      lua_pop(L, 1);
    }
  }
  if (any &&
      encode_bounded(L, copy, &text, &len, &by_memory) == JSON_ENCODE_OK &&
      len > 2) {
    lua_pushlstring(L, text + 1, len - 2);
  } else {
    lua_settop(L, copy - 1);
    lua_pushnil(L);
    return;
  }
  lua_remove(L, copy);
}

/*
** [err, prefix] -> [type, message, extra]. Reads errorType and
** errorMessage from a table (extra: its other fields as JSON members, or
** nil); may run metamethods, so it is always called protected.
*/
static int describe_error (lua_State *L) {
  if (lua_type(L, 1) != LUA_TTABLE ||
      lua_getfield(L, 1, "errorType") != LUA_TSTRING) {
    lua_settop(L, 2);
    lua_pushliteral(L, "Error");
  }                                               /* [err, prefix, type] */
  if (lua_type(L, 1) != LUA_TTABLE ||
      lua_getfield(L, 1, "errorMessage") != LUA_TSTRING) {
    lua_settop(L, 3);
    push_message(L, 1);
  }                                     /* [err, prefix, type, message] */
  lua_pushvalue(L, 2);
  lua_insert(L, -2);
  lua_concat(L, 2);                     /* [err, prefix, type, message] */
  if (lua_type(L, 1) == LUA_TTABLE)
    push_extra_members(L, 1);
  else
    lua_pushnil(L);               /* [err, prefix, type, message, extra] */
  return 3;
}

/*
** Reports the error object on top of the stack, raised with status.
** fixed_type, when given, is the type of the report (init errors);
** otherwise the object's own type becomes Function.<Type>. prefix goes
** before the message.
*/
void host_report_error (struct lua_host *h, int status,
                        const char *fixed_type, const char *prefix) {
  lua_State *L = h->L;
  int err = lua_gettop(L);
  const char *type, *msg, *traceback, *extra;
  size_t len, extra_len = 0;
  char header[128];
  int armed, described;
  if (status == LUA_ERRMEM) {
    h->out->state_lost = 1;
    host_set_failure(h, "Runtime.OutOfMemory", "Runtime.OutOfMemory",
                "not enough memory", strlen("not enough memory"), NULL);
    return;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_TRACEBACK);  /* [err, tb] */
  traceback = lua_tostring(L, -1);
  lua_pushcfunction(L, describe_error);
  lua_pushvalue(L, err);
  lua_pushstring(L, prefix != NULL ? prefix : "");
  /* An error object's metamethods are user code: under the deadline. */
  armed = h->deadline_armed;
  host_deadline_rearm(h, L);
  described = lua_pcall(L, 2, 3, 0);
  if (!armed)
    host_deadline_disarm(h, L);
  if (described != LUA_OK && h->timed_out) {
    /* Its metamethods ran into the deadline: a timeout, however late. */
    lua_pop(L, 1);
    lua_pushliteral(L, "Runtime.Timeout");
    host_push_timeout_message(L, h);
    lua_pushfstring(L, "%s (reading the error object)", lua_tostring(L, -1));
    lua_remove(L, -2);
    lua_pushnil(L);
    fixed_type = "Runtime.Timeout";
    if (h->out != NULL)
      h->out->timed_out = 1;
  } else if (described != LUA_OK) {      /* [err, tb, type, msg, extra] */
    lua_pop(L, 1);
    lua_pushliteral(L, "Error");
    lua_pushfstring(L, "%s(error object is a %s value)",
                    prefix != NULL ? prefix : "", luaL_typename(L, err));
    lua_pushnil(L);
  }
  type = lua_tostring(L, -3);
  msg = lua_tolstring(L, -2, &len);
  extra = lua_tolstring(L, -1, &extra_len);
  if (fixed_type != NULL) {
    host_set_failure(h, fixed_type, fixed_type, msg, len, traceback);
  } else {
    error_header_type(header, sizeof(header), "Function", type);
    host_set_failure_extra(h, header, type, msg, len, traceback, extra,
                      extra_len);
  }
  host_forget_traceback(L);
}
