/*
** The runtime's own Lua modules (lua/), compiled into the binary by
** cmake/EmbedLua.cmake and served from package.preload.
*/
#ifndef LUA_LAMBDA_EMBEDDED_LUA_H
#define LUA_LAMBDA_EMBEDDED_LUA_H

#include <stddef.h>

#include <lua.h>

struct embedded_module {
  const char *name;       /* "lambda.http" */
  const char *chunkname;  /* "@lambda/http.lua" */
  const char *source;
  size_t len;
};

/* Ends with an entry whose name is NULL. */
extern const struct embedded_module embedded_modules[];

/* Puts a loader for every embedded module into package.preload. */
void embedded_lua_preload (lua_State *L);

#endif
