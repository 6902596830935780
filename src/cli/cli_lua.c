#include "cli_lua.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "embedded_files.h"

/* package.preload's loader for the embedded file in upvalue 1. */
static int load_embedded (lua_State *L) {
  const struct embedded_file *f = lua_touserdata(L, lua_upvalueindex(1));
  lua_pushfstring(L, "@%s", f->path);
  if (luaL_loadbufferx(L, f->data, f->len, lua_tostring(L, -1), "t") !=
      LUA_OK)
    return lua_error(L);
  lua_call(L, 0, 1);
  return 1;
}

/* Protected: [main] -> require(main). */
static int open_protected (lua_State *L) {
  const struct embedded_file *f;
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (f = cli_files; f->path != NULL; f++) {
    size_t len = strlen(f->path);
    if (strchr(f->path, '/') != NULL || len < 5 ||
        strcmp(f->path + len - 4, ".lua") != 0)
      continue;  /* the templates' files are data, not modules */
    lua_pushlstring(L, f->path, len - 4);     /* [preload, name] */
    lua_pushlightuserdata(L, (void *)f);
    lua_pushcclosure(L, load_embedded, 1);    /* [preload, name, loader] */
    lua_rawset(L, -3);
  }
  lua_pop(L, 1);
  lua_getglobal(L, "require");
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  return 1;
}

lua_State *cli_lua_open (const char *main, char *err, size_t cap) {
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  lua_pushcfunction(L, open_protected);
  lua_pushstring(L, main);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    snprintf(err, cap, "%s", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
  }
  return L;
}
