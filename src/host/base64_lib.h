#ifndef LUA_LAMBDA_BASE64_LIB_H
#define LUA_LAMBDA_BASE64_LIB_H

#include <lua.h>

/* require "lambda.base64" */
int luaopen_lambda_base64 (lua_State *L);

#endif
