/*
** require "lambda.clock": now_ms(), the wall clock in epoch milliseconds
** that deadlines are written in, the same reading as the runtime's own
** (clock.h). lambda.testing counts a context's remaining time with it.
*/
#include "clock_lib.h"

#include <lauxlib.h>

#include "clock.h"

static int clock_lib_now_ms (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)clock_now_ms());
  return 1;
}

static const luaL_Reg clock_lib_funcs[] = {
  {"now_ms", clock_lib_now_ms},
  {NULL, NULL}
};

int luaopen_lambda_clock (lua_State *L) {
  luaL_newlib(L, clock_lib_funcs);
  return 1;
}
