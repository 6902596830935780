/* require "lambda.clock": the runtime's clock (clock.h) for Lua. */
#ifndef LUA_LAMBDA_CLOCK_LIB_H
#define LUA_LAMBDA_CLOCK_LIB_H

#include <lua.h>

int luaopen_lambda_clock (lua_State *L);

#endif
