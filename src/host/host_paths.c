/*
** Where require looks, the same on Lambda and on a developer's machine:
** the task root, its LuaRocks tree (lua_modules/), the layers (/opt, or
** the folders serve and invoke's --layer stand in for it with), and
** LUA_PATH/LUA_CPATH when the function's environment sets them. Never
** the Lua library's compiled-in defaults: on Debian those are the
** machine's system paths (/usr/share/lua/5.4, ...), which Lambda does
** not have, so a module found only there would work locally and fail
** deployed. A last searcher says so when a module is missing here but
** installed there.
*/
#include "lua_host_private.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>


/* The templates below a root, in the order they are tried. */
static const char *const task_lua[] = {
  "/?.lua", "/?/init.lua",
  "/lua_modules/share/lua/5.4/?.lua", "/lua_modules/share/lua/5.4/?/init.lua",
  NULL
};
static const char *const layer_lua[] = {
  "/lua_modules/share/lua/5.4/?.lua", "/lua_modules/share/lua/5.4/?/init.lua",
  "/lua/?.lua", "/lua/?/init.lua",
  "/share/lua/5.4/?.lua", "/share/lua/5.4/?/init.lua",
  NULL
};
static const char *const task_c[] = {
  "/?.so", "/lua_modules/lib/lua/5.4/?.so", NULL
};
static const char *const layer_c[] = {
  "/lua_modules/lib/lua/5.4/?.so", "/lua/?.so", "/lib/lua/5.4/?.so", NULL
};

static void add_entry (luaL_Buffer *b, const char *root, size_t root_len,
                       const char *templ) {
  if (luaL_bufflen(b) > 0)
    luaL_addchar(b, ';');
  luaL_addlstring(b, root, root_len);
  luaL_addstring(b, templ);
}

/*
** LUA_PATH's entries, as Lua reads them, less ";;": it stands for the
** default path, and the runtime's own entries follow anyway.
*/
static void add_user_path (luaL_Buffer *b, const char *user) {
  while (*user != '\0') {
    size_t len = strcspn(user, ";");
    if (len > 0) {
      if (luaL_bufflen(b) > 0)
        luaL_addchar(b, ';');
      luaL_addlstring(b, user, len);
    }
    user += len;
    if (*user == ';')
      user++;
  }
}

/*
** Pushes the path: user's entries, the task root's, then for each layer
** template every layer folder, the last one first (Lambda unpacks layers
** in order, a later one's files over an earlier one's: the last folder
** given is on top).
*/
static void push_path (lua_State *L, const struct host_config *cfg,
                       const char *user, const char *const *task,
                       const char *const *layer) {
  luaL_Buffer b;
  const char *dirs = cfg->layer_dirs;
  size_t i;
  luaL_buffinit(L, &b);
  if (user != NULL)
    add_user_path(&b, user);
  for (i = 0; task[i] != NULL; i++)
    add_entry(&b, cfg->task_root, strlen(cfg->task_root), task[i]);
  for (i = 0; layer[i] != NULL; i++) {
    const char *end = dirs + strlen(dirs);
    while (end > dirs) {
      const char *start = end;
      while (start > dirs && start[-1] != ':')
        start--;
      if (end > start)
        add_entry(&b, start, (size_t)(end - start), layer[i]);
      end = start > dirs ? start - 1 : dirs;
    }
  }
  luaL_pushresult(&b);
}

/*
** The last searcher: nothing on Lambda's path gave the module. If the
** Lua library's default path (this machine's system folders) has it,
** say so, and what to do, in require's message.
*/
static int machine_only_searcher (lua_State *L) {
  static const char *const defaults[2] = {
    LUA_PATH_DEFAULT, LUA_CPATH_DEFAULT
  };
  const char *name = luaL_checkstring(L, 1);
  int i;
  for (i = 0; i < 2; i++) {
    lua_getglobal(L, "package");                    /* [name, package] */
    lua_getfield(L, -1, "searchpath");              /* [.., searchpath] */
    lua_pushvalue(L, 1);
    lua_pushstring(L, defaults[i]);
    lua_call(L, 2, 1);                              /* [.., file|nil] */
    /* "./?.lua" is the task root under Lambda; only system paths count */
    if (lua_isstring(L, -1) && lua_tostring(L, -1)[0] == '/') {
      lua_pushfstring(L,
                      "this machine has it at %s, a system folder the "
                      "runtime does not search (Lambda has no Lua modules "
                      "there): list the rock that provides '%s' in your "
                      "rockspec and run `lua-lambda build` (it goes in "
                      "lua_modules/), or name its folder in LUA_PATH or "
                      "LUA_CPATH", lua_tostring(L, -1), name);
      return 1;
    }
    lua_pop(L, 2);
  }
  return 0;
}

void host_paths_set (lua_State *L, const struct host_config *cfg) {
  lua_getglobal(L, "package");                         /* [package] */
  push_path(L, cfg, cfg->lua_path, task_lua, layer_lua);
  lua_setfield(L, -2, "path");
  push_path(L, cfg, cfg->lua_cpath, task_c, layer_c);
  lua_setfield(L, -2, "cpath");
  lua_getfield(L, -1, "searchers");              /* [package, searchers] */
  lua_pushcfunction(L, machine_only_searcher);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  lua_pop(L, 2);
}
