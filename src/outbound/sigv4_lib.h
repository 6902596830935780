/* lambda.sigv4: SigV4's canonical request and signature for Lua. */
#ifndef LUA_LAMBDA_SIGV4_LIB_H
#define LUA_LAMBDA_SIGV4_LIB_H

#include <lua.h>

int luaopen_lambda_sigv4 (lua_State *L);

#endif
