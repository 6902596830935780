/*
** The wire codec: the runtime's own JSON codec (json.h). The result is
** encoded into a buffer kept for the life of the state, so the warm path
** neither allocates nor copies it into a Lua string.
*/
#include "json_codec.h"

#include <lauxlib.h>

#include "json.h"

/* Registry keys of the encode buffer's userdata and of the depth limit;
   the addresses are unique. Per state: nothing is shared between them. */
static const char buffer_key = 'b';
static const char depth_key = 'd';

void json_codec_open (lua_State *L, int max_depth) {
  json_open_marks(L);
  json_push_buffer(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &buffer_key);
  lua_pushinteger(L, max_depth);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &depth_key);
}

static int max_depth (lua_State *L) {
  int depth;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &depth_key);
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

int json_codec_encode (lua_State *L, int idx,
                       const struct json_bounds *bounds, const char **text,
                       size_t *len) {
  struct buffer *b;
  char err[512];
  int rc;
  idx = lua_absindex(L, idx);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &buffer_key);
  b = lua_touserdata(L, -1);
  lua_pop(L, 1);  /* the registry keeps it alive */
  buffer_clear(b);
  rc = json_encode(L, idx, b, max_depth(L), bounds, err, sizeof(err));
  if (rc != 0) {
    lua_pushstring(L, err);
    return rc;
  }
  *text = b->data != NULL ? b->data : "";
  *len = b->len;
  return LUA_OK;
}
