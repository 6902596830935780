/*
** What the codec and its faces (json_codec.c for the wire, json_lib.c for
** require "lambda.json") share: the metatables that mark arrays and
** objects, and the buffer userdata an encode writes into.
*/
#include <lauxlib.h>

#include "json.h"
#include "registry_keys.h"

/* The encode buffer, kept between calls: a userdata freed by its __gc. */
static int buffer_gc (lua_State *L) {
  buffer_free(lua_touserdata(L, 1));
  return 0;
}

void json_open_marks (lua_State *L) {
  if (luaL_newmetatable(L, REGISTRY_JSON_ARRAY_META)) {
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__jsontype");
  }
  if (luaL_newmetatable(L, REGISTRY_JSON_OBJECT_META)) {
    lua_pushliteral(L, "object");
    lua_setfield(L, -2, "__jsontype");
  }
  lua_pop(L, 2);
}

struct buffer *json_push_buffer (lua_State *L) {
  struct buffer *b = lua_newuserdatauv(L, sizeof(*b), 0);
  buffer_init(b);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, buffer_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  return b;
}
