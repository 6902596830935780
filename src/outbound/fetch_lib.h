/* lambda.fetch: HTTP and HTTPS requests from Lua (fetch_lib.c). */
#ifndef LUA_LAMBDA_FETCH_LIB_H
#define LUA_LAMBDA_FETCH_LIB_H

#include <lua.h>

int luaopen_lambda_fetch (lua_State *L);

#endif
