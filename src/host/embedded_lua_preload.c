#include <lauxlib.h>

#include "embedded_lua.h"

/* package.preload loader: upvalue 1 is the embedded_module. */
static int load_embedded (lua_State *L) {
  const struct embedded_module *m = lua_touserdata(L, lua_upvalueindex(1));
  if (luaL_loadbufferx(L, m->source, m->len, m->chunkname, "t") != LUA_OK)
    return lua_error(L);
  lua_pushstring(L, m->name);  /* [chunk, name] as require passes it */
  lua_call(L, 1, 1);
  return 1;
}

void embedded_lua_preload (lua_State *L) {
  const struct embedded_module *m;
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);  /* [preload] */
  for (m = embedded_modules; m->name != NULL; m++) {
    lua_pushlightuserdata(L, (void *)m);
    lua_pushcclosure(L, load_embedded, 1);  /* [preload, loader] */
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
}
