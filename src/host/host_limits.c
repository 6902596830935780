/*
** Limits on user code: the deadline, enforced from a Lua count hook that
** pcall cannot swallow, and a cap on the Lua heap below the function's
** memory, so running out is an error report, not a kill by Lambda. The
** margin and the cap come from the host's configuration (host_config.h).
*/
#include <stdlib.h>
#include <time.h>

#include <lauxlib.h>

#include "clock.h"
#include "lua_host_private.h"
#include "time_left.h"

/* Instructions between two looks at the clock. */
#define HOOK_COUNT 10000

void *host_alloc (void *ud, void *ptr, size_t osize, size_t nsize) {
  struct host_heap *heap = ud;
  size_t old = ptr != NULL ? osize : 0;  /* osize is a type tag on new */
  void *p;
  if (nsize == 0) {
    free(ptr);
    heap->used -= old;
    return NULL;
  }
  /* Lua answers NULL with an emergency collection, then a memory error. */
  if (heap->limit != 0 && nsize > old &&
      heap->used - old + nsize > heap->limit)
    return NULL;
  p = realloc(ptr, nsize);
  if (p != NULL)
    heap->used = heap->used - old + nsize;
  return p;
}

/*
** The count hook: past the deadline less the margin it raises, and keeps
** raising at every instruction, so an error handler or pcall in user code
** cannot run on.
*/
static void deadline_hook (lua_State *L, lua_Debug *ar) {
  struct lua_host *h = host_of(L);
  (void)ar;
  if (!h->timed_out) {
    if (clock_left_ms(h->deadline_ms, h->margin_ms) > 0)
      return;
    h->timed_out = 1;
    lua_sethook(L, deadline_hook, LUA_MASKCOUNT, 1);
  }
  luaL_error(L, "Task timed out: stopped %d ms before the deadline",
             (int)h->margin_ms);
}

void host_deadline_arm (struct lua_host *h, lua_State *co) {
  h->timed_out = 0;
  h->deadline_armed = h->deadline_ms > 0;
  if (h->deadline_armed)
    lua_sethook(co, deadline_hook, LUA_MASKCOUNT, HOOK_COUNT);
}

void host_deadline_disarm (struct lua_host *h, lua_State *co) {
  h->deadline_armed = 0;
  lua_sethook(co, NULL, 0, 0);
}

/*
** Before a coroutine of the user's runs: the deadline of the invocation
** under way, if any, covers it too (a coroutine made at the module's top
** level, or in an earlier invocation, has no hook or a stale one); with
** none armed it gets none, so a stale hook never fires.
*/
static void cover (lua_State *L, lua_State *co) {
  struct lua_host *h = host_of(L);
  if (h->deadline_armed)
    lua_sethook(co, deadline_hook, LUA_MASKCOUNT,
                h->timed_out ? 1 : HOOK_COUNT);
  else
    lua_sethook(co, NULL, 0, 0);
}

/* After a coroutine ran: if the deadline passed in it, the thread that
   resumed it stops at its next instruction too (and so on up). */
static void pass_timeout_on (lua_State *L) {
  if (host_of(L)->timed_out)
    lua_sethook(L, deadline_hook, LUA_MASKCOUNT, 1);
}

/* coroutine.resume(co, ...): covered, then Lua's own (upvalue 1). */
static int covered_resume (lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co != NULL, 1, "coroutine");
  cover(L, co);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);                        /* [resume, co, args...] */
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  pass_timeout_on(L);
  return lua_gettop(L);
}

/* The function coroutine.wrap returns: upvalue 1 the coroutine, 2 Lua's
   coroutine.resume. Raises what the coroutine raised, as wrap does. */
static int covered_wrap_call (lua_State *L) {
  int n;
  cover(L, lua_tothread(L, lua_upvalueindex(1)));
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_rotate(L, 1, 2);                     /* [resume, co, args...] */
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  pass_timeout_on(L);
  n = lua_gettop(L);
  if (!lua_toboolean(L, 1)) {
    lua_settop(L, 2);
    return lua_error(L);                   /* the error object as is */
  }
  return n - 1;
}

/* coroutine.wrap(f): a coroutine whose every resume is covered. */
static int covered_wrap (lua_State *L) {
  lua_State *co;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  co = lua_newthread(L);                   /* [f, co] */
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);                     /* the body, into co */
  lua_pushvalue(L, lua_upvalueindex(1));   /* [f, co, resume] */
  lua_pushcclosure(L, covered_wrap_call, 2);
  return 1;
}

/* registry[TIME_LEFT_REGISTRY_KEY]() -> ms left, or nothing (time_left.h) */
static int time_left_ms (lua_State *L) {
  struct lua_host *h = host_of(L);
  if (!h->deadline_armed)
    return 0;
  lua_pushinteger(L, (lua_Integer)clock_left_ms(h->deadline_ms, h->margin_ms));
  return 1;
}

void host_limits_open (lua_State *L) {
  lua_pushcfunction(L, time_left_ms);
  lua_setfield(L, LUA_REGISTRYINDEX, TIME_LEFT_REGISTRY_KEY);
  lua_getglobal(L, "coroutine");                     /* [co] */
  lua_getfield(L, -1, "resume");                     /* [co, resume] */
  lua_pushvalue(L, -1);
  lua_pushcclosure(L, covered_resume, 1);            /* [co, resume, r] */
  lua_setfield(L, -3, "resume");
  lua_pushcclosure(L, covered_wrap, 1);              /* [co, w] */
  lua_setfield(L, -2, "wrap");
  lua_pop(L, 1);
}
