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
  if (h->deadline_ms > 0)
    lua_sethook(co, deadline_hook, LUA_MASKCOUNT, HOOK_COUNT);
}

void host_deadline_disarm (lua_State *co) {
  lua_sethook(co, NULL, 0, 0);
}
