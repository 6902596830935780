/*
** require "lambda.json": the runtime's codec for user code.
**   json.decode(text [, {max_depth = n}])  -> value | nil, err (kind "json")
**   json.encode(value [, {max_depth = n}]) -> text (raises on bad values)
**   json.null, json.array([t]), json.object([t])
*/
#include <lauxlib.h>

#include "json.h"
#include "lambda_error.h"
#include "registry_keys.h"

#define MAX_DEPTH_LIMIT 10000  /* deeper would risk the C stack */


static int max_depth_option (lua_State *L, int arg) {
  lua_Integer depth;
  if (lua_isnoneornil(L, arg))
    return JSON_DEFAULT_MAX_DEPTH;
  luaL_checktype(L, arg, LUA_TTABLE);
  if (lua_getfield(L, arg, "max_depth") == LUA_TNIL) {
    lua_pop(L, 1);
    return JSON_DEFAULT_MAX_DEPTH;
  }
  depth = luaL_checkinteger(L, -1);
  lua_pop(L, 1);
  luaL_argcheck(L, depth >= 1 && depth <= MAX_DEPTH_LIMIT, arg,
                "max_depth must be from 1 to 10000");
  return (int)depth;
}

/* [text, depth] -> [value]; raises on invalid JSON. */
static int decode_raw (lua_State *L) {
  size_t len;
  const char *text = lua_tolstring(L, 1, &len);
  json_decode(L, text, len, (int)lua_tointeger(L, 2));
  return 1;
}

static int json_lib_decode (lua_State *L) {
  int depth;
  luaL_checkstring(L, 1);
  depth = max_depth_option(L, 2);
  lua_pushcfunction(L, decode_raw);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, depth);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    if (lua_type(L, -1) != LUA_TSTRING)
      return lua_error(L);  /* not enough memory: not an expected failure */
    return lambda_error_result(L, "json", lua_tostring(L, -1));
  }
  return 1;
}

static int json_lib_encode (lua_State *L) {
  struct buffer *b = lua_touserdata(L, lua_upvalueindex(1));
  char err[512];
  int depth;
  luaL_checkany(L, 1);
  depth = max_depth_option(L, 2);
  buffer_clear(b);
  if (json_encode(L, 1, b, depth, NULL, err, sizeof(err)) != JSON_ENCODE_OK)
    return luaL_error(L, "%s", err);
  lua_pushlstring(L, b->data, b->len);
  return 1;
}

static int mark (lua_State *L, const char *mt) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  luaL_setmetatable(L, mt);
  return 1;
}

static int json_lib_array (lua_State *L) {
  return mark(L, REGISTRY_JSON_ARRAY_META);
}

static int json_lib_object (lua_State *L) {
  return mark(L, REGISTRY_JSON_OBJECT_META);
}

static const luaL_Reg json_lib_funcs[] = {
  {"decode", json_lib_decode},
  {"encode", NULL},  /* a closure over the buffer, set below */
  {"array",  json_lib_array},
  {"object", json_lib_object},
  {NULL, NULL}
};

int luaopen_lambda_json (lua_State *L) {
  json_open_marks(L);
  luaL_newlib(L, json_lib_funcs);                     /* [json] */
  json_push_buffer(L);                                /* [json, buf] */
  lua_pushcclosure(L, json_lib_encode, 1);            /* [json, encode] */
  lua_setfield(L, -2, "encode");
  lua_pushlightuserdata(L, NULL);  /* the same value as cjson.null */
  lua_setfield(L, -2, "null");
  return 1;
}
