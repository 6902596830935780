/*
** require "lambda.clock": now_ms(), the wall clock in epoch milliseconds
** that deadlines are written in, the same reading as the runtime's own
** (clock.h). lambda.testing counts a context's remaining time with it.
** time_left_ms(): what is left of the deadline of the work under way,
** less the runtime's margin, or nil with none armed (registry_keys.h);
** sleep_ms(ms): a pause (lambda.aws's backoff), at most what is left.
*/
#include "clock_lib.h"

#include <lauxlib.h>

#include "clock.h"
#include "registry_keys.h"

static int clock_lib_now_ms (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)clock_now_ms());
  return 1;
}

/* Pushes the ms left (an integer) or nil. */
static void push_time_left (lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_TIME_LEFT) ==
      LUA_TFUNCTION) {
    lua_call(L, 0, 1);
    if (!lua_isinteger(L, -1)) {
      lua_pop(L, 1);
      lua_pushnil(L);
    }
  } else {
    lua_pop(L, 1);
    lua_pushnil(L);
  }
}

static int clock_lib_time_left_ms (lua_State *L) {
  push_time_left(L);
  return 1;
}

static int clock_lib_sleep_ms (lua_State *L) {
  lua_Integer ms = luaL_checkinteger(L, 1);
  push_time_left(L);
  if (lua_isinteger(L, -1) && lua_tointeger(L, -1) < ms)
    ms = lua_tointeger(L, -1);
  if (ms > 0)
    clock_sleep_ms((long)ms);
  return 0;
}

static const luaL_Reg clock_lib_funcs[] = {
  {"now_ms", clock_lib_now_ms},
  {"time_left_ms", clock_lib_time_left_ms},
  {"sleep_ms", clock_lib_sleep_ms},
  {NULL, NULL}
};

int luaopen_lambda_clock (lua_State *L) {
  luaL_newlib(L, clock_lib_funcs);
  return 1;
}
