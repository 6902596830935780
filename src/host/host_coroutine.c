/*
** coroutine.create, resume and wrap as Lua 5.4's own (lcorolib.c), with
** one addition: the thread about to run gets the hook it needs now
** (host_hook.c), so the deadline of the invocation under way covers a
** coroutine made at the module's top level or in an earlier invocation,
** and a hook the user set on it stays. Written out rather than wrapped
** around Lua's functions so that a resume costs one C call, as in stock
** Lua (nested resumes reach the same depth), and errors read the same.
*/
#include <lauxlib.h>

#include "clock.h"
#include "lua_host_private.h"

static lua_State *thread_arg (lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co != NULL, 1, "thread");
  return co;
}

/* After a coroutine ran: if the deadline passed in it, the thread that
   resumed it stops at its next instruction too (and so on up). */
static void pass_timeout_on (lua_State *L) {
  if (host_of(L)->timed_out)
    host_hook_apply(L, L);
}

/* The clock is read every this many resumes (see resume). */
#define RESUMES_PER_LOOK 64

/* Resumes co with narg values from L's top. Returns the number of
   results moved to L, or -1 with the error object on L's top. */
static int resume (lua_State *L, lua_State *co, int narg) {
  int status, nres;
  if (!lua_checkstack(co, narg)) {
    lua_pushliteral(L, "too many arguments to resume");
    return -1;
  }
  {
    /* Resumes of a few instructions each add little to the count but
       cost C time of their own: the clock is read every few. */
    struct lua_host *h = host_of(L);
    if (h->deadline_armed && !h->timed_out &&
        ++h->resumes % RESUMES_PER_LOOK == 0 &&
        clock_left_ms(h->deadline_ms, h->margin_ms) == 0)
      host_set_timed_out(h, 1);
  }
  host_hook_apply(L, co);              /* timed out: stops at once */
  lua_xmove(L, co, narg);
  status = lua_resume(co, L, narg, &nres);
  pass_timeout_on(L);
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, nres + 1)) {
      lua_pop(co, nres);
      lua_pushliteral(L, "too many results to resume");
      return -1;
    }
    lua_xmove(co, L, nres);
    return nres;
  }
  lua_xmove(co, L, 1);
  return -1;
}

/* coroutine.resume(co, ...) */
static int co_resume (lua_State *L) {
  lua_State *co = thread_arg(L);
  int r = resume(L, co, lua_gettop(L) - 1);
  if (r < 0) {
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, -(r + 1));
  return r + 1;
}

/*
** The function coroutine.wrap returns (upvalue 1: the coroutine). An
** error in the coroutine closes it (its to-be-closed variables are
** closed, and an error while closing replaces the first), then goes on
** up; a string gets the caller's position, as stock Lua's does.
*/
static int wrapped_call (lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  int r = resume(L, co, lua_gettop(L));
  if (r < 0) {
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) {
      status = lua_resetthread(co);
      lua_xmove(co, L, 1);
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
      luaL_where(L, 1);
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
    return lua_error(L);
  }
  return r;
}

/* coroutine.create(f) */
static int co_create (lua_State *L) {
  lua_State *co;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  co = lua_newthread(L);
  host_hook_inherit(L, co);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  return 1;
}

/* coroutine.wrap(f) */
static int co_wrap (lua_State *L) {
  co_create(L);
  lua_pushcclosure(L, wrapped_call, 1);
  return 1;
}

void host_coroutine_open (lua_State *L) {
  static const luaL_Reg functions[] = {
    {"create", co_create},
    {"resume", co_resume},
    {"wrap", co_wrap},
    {NULL, NULL}
  };
  lua_getglobal(L, "coroutine");
  luaL_setfuncs(L, functions, 0);
  lua_pop(L, 1);
}
