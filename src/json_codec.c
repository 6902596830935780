/*
** The wire codec, backed for now by lua-cjson. The runtime uses a private
** cjson instance (cjson.new()) so that a user who reconfigures their own
** require "cjson" cannot change what goes on the wire.
*/
#include "json_codec.h"

#include <lauxlib.h>
#include <lua-cjson.h>

extern int luaopen_cjson_safe (lua_State *L);

/* Registry keys: the addresses of these are unique. */
static const char decode_key = 'd';
static const char encode_key = 'e';

void json_codec_open (lua_State *L) {
  int instance;
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_cjson);
  lua_setfield(L, -2, "cjson");
  lua_pushcfunction(L, luaopen_cjson_safe);
  lua_setfield(L, -2, "cjson.safe");
  lua_pop(L, 1);

  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);                    /* [cjson] */
  lua_getfield(L, -1, "new");           /* [cjson, new] */
  lua_call(L, 0, 1);                    /* [cjson, wire] */
  instance = lua_gettop(L);
  /* Sparse arrays become objects instead of failing the invocation. */
  lua_getfield(L, instance, "encode_sparse_array");
  lua_pushboolean(L, 1);
  lua_call(L, 1, 0);
  /* As many digits as this version of cjson can give. */
  lua_getfield(L, instance, "encode_number_precision");
  lua_pushinteger(L, 14);
  lua_call(L, 1, 0);
  lua_getfield(L, instance, "decode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &decode_key);
  lua_getfield(L, instance, "encode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &encode_key);
  lua_pop(L, 2);
}

int json_codec_decode (lua_State *L, const char *text, size_t len) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &decode_key);  /* [decode] */
  lua_pushlstring(L, text, len);                  /* [decode, text] */
  return lua_pcall(L, 1, 1, 0);                   /* [value | message] */
}

int json_codec_encode (lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &encode_key);  /* [encode] */
  lua_pushvalue(L, idx);                          /* [encode, value] */
  return lua_pcall(L, 1, 1, 0);                   /* [text | message] */
}
