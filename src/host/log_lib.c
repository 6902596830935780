/*
** require "lambda.log": lambda.log.trace/debug/info/warn/error/fatal
** (message, fields), level(), set_level(name), format(); and the global
** print, which writes an INFO record. A log call never raises: fields
** that are not a table are written as the one field "detail". Built into the host, and as
** lambda/log.so for a stock lua5.4 (a user's specs calling a handler
** directly), which has a sink of its own and keeps its print.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "json.h"
#include "json_quote.h"
#include "log_lib.h"
#include "log_stdout.h"
#include "registry_keys.h"

void log_lib_open (lua_State *L, struct log_stdout *sink) {
  lua_pushlightuserdata(L, sink);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_LOG_SINK);
}

static struct log_stdout *sink_of (lua_State *L) {
  struct log_stdout *sink;
  lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_LOG_SINK);
  sink = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return sink;
}

/* Encodes the fields table at idx as JSON object members, pushed. */
static void push_members (lua_State *L, int idx) {
  struct buffer b;
  char err[256];
  buffer_init(&b);
  if (json_encode(L, idx, &b, JSON_DEFAULT_MAX_DEPTH, NULL, err,
                  sizeof(err)) == JSON_ENCODE_OK
      && b.len >= 2 && b.data[0] == '{') {
    lua_pushlstring(L, b.data + 1, b.len - 2);  /* without the braces */
  } else {
    /* The record still goes out; it says why its fields did not. */
    luaL_Buffer out;
    struct buffer quoted;
    buffer_init(&quoted);
    if (b.len >= 2 && b.data[0] == '[')
      snprintf(err, sizeof(err), "fields must be a table with string keys");
    luaL_buffinit(L, &out);
    luaL_addstring(&out, "\"logFieldsError\":");
    if (json_quote(&quoted, err, strlen(err)) == 0)
      luaL_addlstring(&out, quoted.data, quoted.len);
    else
      luaL_addstring(&out, "null");
    luaL_pushresult(&out);
    buffer_free(&quoted);
  }
  buffer_free(&b);
}

static int tolstring_unprotected (lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}

/*
** luaL_tolstring of the value at idx, pushed, protected: a __tostring
** that raises or gives no string leaves a note instead, as a log call
** never fails a request. (Past the deadline the runtime's hook raises
** again at the caller's next instruction, so nothing is swallowed.)
*/
static const char *safe_tolstring (lua_State *L, int idx, size_t *len) {
  idx = lua_absindex(L, idx);
  lua_pushcfunction(L, tolstring_unprotected);
  lua_pushvalue(L, idx);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    lua_pop(L, 1);
    lua_pushfstring(L, "(a %s that tostring could not convert)",
                    luaL_typename(L, idx));
  }
  return lua_tolstring(L, -1, len);
}

/* nil and json.null (a NULL light userdata): no fields. */
static int is_absent (lua_State *L, int idx) {
  return lua_isnoneornil(L, idx)
         || (lua_islightuserdata(L, idx) && lua_touserdata(L, idx) == NULL);
}

/*
** The fields argument at 2 as a table: a table as given; any other value
** (a mistake, not worth failing the request for) as { detail = its text }.
*/
static void fields_as_table (lua_State *L) {
  if (lua_istable(L, 2))
    return;
  lua_createtable(L, 0, 1);                       /* [msg, value, t] */
  safe_tolstring(L, 2, NULL);                     /* [msg, value, t, s] */
  lua_setfield(L, -2, "detail");                  /* [msg, value, t] */
  lua_replace(L, 2);                              /* [msg, t] */
}

static int log_at (lua_State *L, enum log_level level) {
  struct log_stdout *sink = sink_of(L);
  size_t len, members_len = 0;
  const char *msg, *members = NULL;
  int has_fields;
  if (!log_stdout_enabled(sink, level))
    return 0;
  lua_settop(L, 2);
  has_fields = !is_absent(L, 2);
  if (has_fields)
    fields_as_table(L);
  msg = safe_tolstring(L, 1, &len);               /* [msg, fields, text] */
  if (has_fields) {
    push_members(L, 2);
    members = lua_tolstring(L, -1, &members_len);
  }
  log_stdout_write(sink, level, msg, len, members, members_len);
  return 0;
}

static int log_lib_trace (lua_State *L) { return log_at(L, LOG_TRACE); }
static int log_lib_debug (lua_State *L) { return log_at(L, LOG_DEBUG); }
static int log_lib_info (lua_State *L) { return log_at(L, LOG_INFO); }
static int log_lib_warn (lua_State *L) { return log_at(L, LOG_WARN); }
static int log_lib_error (lua_State *L) { return log_at(L, LOG_ERROR); }
static int log_lib_fatal (lua_State *L) { return log_at(L, LOG_FATAL); }

static int log_lib_level (lua_State *L) {
  lua_pushstring(L, log_level_name(sink_of(L)->min_level));
  return 1;
}

static int log_lib_set_level (lua_State *L) {
  enum log_level level;
  if (log_level_parse(luaL_checkstring(L, 1), &level) != 0)
    return luaL_argerror(L, 1, "TRACE, DEBUG, INFO, WARN, ERROR or FATAL");
  sink_of(L)->min_level = level;
  return 0;
}

static int log_lib_format (lua_State *L) {
  lua_pushstring(L, sink_of(L)->json ? "JSON" : "Text");
  return 1;
}

int log_lib_print (lua_State *L) {
  struct log_stdout *sink = sink_of(L);
  int n = lua_gettop(L), i;
  luaL_Buffer b;
  if (!log_stdout_enabled(sink, LOG_INFO))
    return 0;
  luaL_buffinit(L, &b);
  for (i = 1; i <= n; i++) {
    if (i > 1)
      luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  {
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    log_stdout_write(sink, LOG_INFO, msg, len, NULL, 0);
  }
  return 0;
}

static const luaL_Reg log_lib_funcs[] = {
  {"trace",     log_lib_trace},
  {"debug",     log_lib_debug},
  {"info",      log_lib_info},
  {"warn",      log_lib_warn},
  {"error",     log_lib_error},
  {"fatal",     log_lib_fatal},
  {"level",     log_lib_level},
  {"set_level", log_lib_set_level},
  {"format",    log_lib_format},
  {NULL, NULL}
};

static int own_sink_gc (lua_State *L) {
  log_stdout_free(lua_touserdata(L, 1));
  return 0;
}

/*
** Loaded by a stock lua5.4, with no host to hand it a sink: one of its
** own, kept by the registry, set from the environment by bootstrap's
** rules (one invocation at a time). No invocation is ever under way, so
** records carry no request id, as in the runtime's init.
*/
static void open_own_sink (lua_State *L) {
  struct log_stdout *sink = lua_newuserdatauv(L, sizeof(*sink), 0);
  enum log_level min;
  int json;
  log_stdout_settings(getenv("AWS_LAMBDA_LOG_FORMAT"),
                      getenv("AWS_LAMBDA_LOG_LEVEL"), 0, &json, &min);
  log_stdout_init(sink, json, min);
  sink->flush_stdio = 1;  /* a stock lua5.4's stdout is buffered */
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, own_sink_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_LOG_SINK);
}

int luaopen_lambda_log (lua_State *L) {
  if (sink_of(L) == NULL)
    open_own_sink(L);
  luaL_newlib(L, log_lib_funcs);
  return 1;
}
