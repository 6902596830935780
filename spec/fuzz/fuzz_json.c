/*
** libFuzzer target for the JSON codec. For any input that decodes, the
** value must encode, the text must decode again, and the two values must
** be equal in value and kind (integer vs float, array vs object).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int same (lua_State *L, int a, int b);

static int same_table (lua_State *L, int a, int b) {
  int ma, mb, equal, n = 0, m = 0;
  ma = lua_getmetatable(L, a);
  mb = lua_getmetatable(L, b);
  equal = ma == mb && (!ma || lua_rawequal(L, -1, -2));
  lua_pop(L, ma + mb);
  if (!equal)
    return 0;
  lua_pushnil(L);
  while (lua_next(L, a) != 0) {               /* [key, va] */
    lua_pushvalue(L, -2);
    lua_rawget(L, b);                         /* [key, va, vb] */
    if (!same(L, lua_gettop(L) - 1, lua_gettop(L))) {
      lua_pop(L, 3);
      return 0;
    }
    lua_pop(L, 2);
    n++;
  }
  lua_pushnil(L);
  while (lua_next(L, b) != 0) {
    lua_pop(L, 1);
    m++;
  }
  return n == m;
}

static int same (lua_State *L, int a, int b) {
  int t = lua_type(L, a);
  if (t != lua_type(L, b))
    return 0;
  switch (t) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, a) != lua_isinteger(L, b))
        return 0;
      if (lua_isinteger(L, a))
        return lua_tointeger(L, a) == lua_tointeger(L, b);
      else {
        lua_Number x = lua_tonumber(L, a), y = lua_tonumber(L, b);
        return memcmp(&x, &y, sizeof(x)) == 0;  /* -0.0 is not 0.0 */
      }
    case LUA_TTABLE:
      return same_table(L, a, b);
    default:
      return lua_rawequal(L, a, b);
  }
}

/* [text] -> [value] */
static int decode (lua_State *L) {
  size_t len;
  const char *text = lua_tolstring(L, 1, &len);
  json_decode(L, text, len, JSON_DEFAULT_MAX_DEPTH);
  return 1;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  static lua_State *L;
  static struct buffer out;
  char err[512];
  if (L == NULL) {
    L = luaL_newstate();
    json_open_marks(L);
    buffer_init(&out);
  }
  lua_settop(L, 0);
  lua_pushcfunction(L, decode);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK)
    return 0;                                  /* invalid JSON: fine */
  buffer_clear(&out);
  if (json_encode(L, 1, &out, JSON_DEFAULT_MAX_DEPTH, NULL, err,
                  sizeof(err)) != JSON_ENCODE_OK) {
    fprintf(stderr, "decoded value did not encode: %s\n", err);
    abort();
  }
  lua_pushcfunction(L, decode);
  lua_pushlstring(L, out.data, out.len);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    fprintf(stderr, "encoded text did not decode: %s\n%s\n",
            lua_tostring(L, -1), out.data);
    abort();
  }
  if (!same(L, 1, 2)) {
    fprintf(stderr, "decode -> encode -> decode changed the value:\n%s\n",
            out.data);
    abort();
  }
  lua_settop(L, 0);
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
