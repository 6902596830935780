#include "host_trace_env.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lua_host_private.h"

#define TRACE_ENV "_X_AMZN_TRACE_ID"

/* The environment says the trace id of the invocation under way, or has
   none between invocations (and when it has none). */
static void export_trace (const struct lua_host *h) {
  const struct invocation *inv = h->inv;
  if (h->trace_in_context)
    return;
  if (inv != NULL && inv->trace_id.len > 0)
    setenv(TRACE_ENV, inv->trace_id.data, 1);
  else
    unsetenv(TRACE_ENV);
}

void host_trace_env_begin (struct lua_host *h) {
  if (h->env_readers)
    export_trace(h);
}

/* os.getenv: the trace id from the invocation this state runs (nil when
   none), any other name from the environment. Upvalue 1: the original. */
static int getenv_with_trace (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  if (strcmp(name, TRACE_ENV) == 0) {
    const struct invocation *inv = host_of(L)->inv;
    if (inv != NULL && inv->trace_id.len > 0)
      lua_pushlstring(L, inv->trace_id.data, inv->trace_id.len);
    else
      lua_pushnil(L);
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* io.popen, os.execute: the child inherits the environment, so it says
   this invocation's trace id first. Upvalue 1: the original. */
static int spawn_with_trace (lua_State *L) {
  export_trace(host_of(L));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/*
** package.loadlib and the C searchers: once C code of the user's is in,
** it may call getenv at any time, so from now on every invocation sets
** the environment, this one included. Upvalue 1: the original.
*/
static int load_c_with_trace (lua_State *L) {
  int n;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  n = lua_gettop(L);
  if (n > 0 && lua_type(L, 1) == LUA_TFUNCTION) {  /* found and loaded */
    struct lua_host *h = host_of(L);
    if (!h->env_readers) {
      h->env_readers = 1;
      export_trace(h);
    }
  }
  return n;
}

/* t[key] = wrapper(t[key]), t at the top of the stack. */
static void wrap_field (lua_State *L, const char *key, lua_CFunction w) {
  lua_getfield(L, -1, key);
  lua_pushcclosure(L, w, 1);
  lua_setfield(L, -2, key);
}

void host_trace_env_open (lua_State *L) {
  int i;
  lua_getglobal(L, "os");
  wrap_field(L, "getenv", getenv_with_trace);
  wrap_field(L, "execute", spawn_with_trace);
  lua_pop(L, 1);
  lua_getglobal(L, "io");
  wrap_field(L, "popen", spawn_with_trace);
  lua_pop(L, 1);
  lua_getglobal(L, "package");
  wrap_field(L, "loadlib", load_c_with_trace);
  lua_getfield(L, -1, "searchers");
  for (i = 3; i <= 4; i++) {  /* the C searcher, and the all-in-one */
    if (lua_rawgeti(L, -1, i) == LUA_TFUNCTION) {
      lua_pushcclosure(L, load_c_with_trace, 1);
      lua_rawseti(L, -2, i);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 2);
}
