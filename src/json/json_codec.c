/*
** The wire codec: the runtime's own JSON codec (json.h). The result is
** encoded into a buffer kept for the life of the state, so the warm path
** neither allocates nor copies it into a Lua string.
*/
#include "json_codec.h"

#include <lauxlib.h>

#include "json.h"
#include "registry_keys.h"

/* The encode buffer and the depth limit are the state's (registry_keys.h):
   nothing is shared between states. */

void json_codec_open (lua_State *L, int max_depth) {
  json_open_marks(L);
  json_push_buffer(L);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_JSON_BUFFER);
  lua_pushinteger(L, max_depth);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_JSON_MAX_DEPTH);
}

static int max_depth (lua_State *L) {
  int depth;
  lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_JSON_MAX_DEPTH);
  depth = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  return depth;
}

/* [lightuserdata text, integer len] -> [value] */
static int decode_protected (lua_State *L) {
  const char *text = lua_touserdata(L, 1);
  size_t len = (size_t)lua_tointeger(L, 2);
  lua_settop(L, 0);
  json_decode(L, text, len, max_depth(L));
  return 1;
}

int json_codec_decode (lua_State *L, const char *text, size_t len) {
  lua_pushcfunction(L, decode_protected);
  lua_pushlightuserdata(L, (void *)text);
  lua_pushinteger(L, (lua_Integer)len);
  return lua_pcall(L, 2, 1, 0);                   /* [value | message] */
}

enum json_encode_status json_codec_encode (lua_State *L, int idx,
                                           const struct json_bounds *bounds,
                                           const char **text, size_t *len) {
  struct buffer *b;
  char err[512];
  enum json_encode_status rc;
  idx = lua_absindex(L, idx);
  lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_JSON_BUFFER);
  b = lua_touserdata(L, -1);
  lua_pop(L, 1);  /* the registry keeps it alive */
  buffer_clear(b);
  rc = json_encode(L, idx, b, max_depth(L), bounds, err, sizeof(err));
  if (rc != JSON_ENCODE_OK) {
    lua_pushstring(L, err);
    return rc;
  }
  *text = b->data != NULL ? b->data : "";
  *len = b->len;
  return JSON_ENCODE_OK;
}
