/*
** Limits on user code: the deadline, enforced from a Lua count hook that
** pcall cannot swallow (host_hook.c), and a cap on the Lua heap below the
** function's memory, so running out is an error report, not a kill by
** Lambda. The margin and the cap come from the host's configuration
** (lua_host.h). What no hook can stop (a C call that never returns, a
** finalizer, which Lua runs with hooks off) is the runtime loop's
** watchdog's (deadline_watchdog.h).
*/
#include <stdlib.h>
#include <time.h>

#include <lauxlib.h>

#include "clock.h"
#include "invocation.h"
#include "json.h"
#include "lua_host_private.h"
#include "registry_keys.h"

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

void host_set_timed_out (struct lua_host *h, int timed_out) {
  /* The runtime loop's watchdog reads it from its own thread. */
  __atomic_store_n(&h->timed_out, timed_out, __ATOMIC_RELEASE);
}

void host_set_deadline (struct lua_host *h, int64_t deadline_ms) {
  __atomic_store_n(&h->deadline_ms, deadline_ms, __ATOMIC_RELEASE);
}

void host_deadline_arm (struct lua_host *h, lua_State *co) {
  host_set_timed_out(h, 0);
  host_set_user_code(h, 1);
  host_deadline_rearm(h, co);
}

void host_set_user_code (struct lua_host *h, int running) {
  __atomic_store_n(&h->user_code, running, __ATOMIC_RELEASE);
}

void host_deadline_rearm (struct lua_host *h, lua_State *co) {
  h->deadline_armed = h->deadline_ms > 0;
  host_hook_apply(h->L, co);
}

/*
** json_bounds.expired: the invocation's own deadline (not the little more
** queued work gets) less half the margin has passed: the runtime's own
** work may use the first half of the margin, the report needs the rest.
*/
static int encode_expired (void *ud) {
  struct lua_host *h = ud;
  int64_t deadline = h->inv != NULL ? h->inv->deadline_ms : h->deadline_ms;
  if (deadline <= 0 || clock_left_ms(deadline, h->margin_ms / 2) > 0)
    return 0;
  host_set_timed_out(h, 1);
  return 1;
}

int host_encode_bounds (struct lua_host *h, size_t max_len,
                        struct json_bounds *b) {
  size_t room = h->heap.limit > h->heap.used ? h->heap.limit - h->heap.used
                                             : 0;
  int by_memory = h->heap.limit != 0 && (max_len == 0 || room < max_len);
  b->max_len = by_memory ? (room > 0 ? room : 1) : max_len;
  b->expired = encode_expired;
  b->ud = h;
  return by_memory;
}

void host_deadline_pause (struct lua_host *h) {
  h->deadline_armed = 0;
  host_set_user_code(h, 0);
}

void host_deadline_disarm (struct lua_host *h, lua_State *co) {
  h->deadline_armed = 0;
  host_set_user_code(h, 0);
  host_hook_apply(h->L, co);
}

/* registry[REGISTRY_TIME_LEFT]() -> ms left, or nothing (registry_keys.h) */
static int time_left_ms (lua_State *L) {
  struct lua_host *h = host_of(L);
  if (!h->deadline_armed)
    return 0;
  lua_pushinteger(L, (lua_Integer)clock_left_ms(h->deadline_ms, h->margin_ms));
  return 1;
}

void host_limits_open (lua_State *L) {
  lua_pushcfunction(L, time_left_ms);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_TIME_LEFT);
  host_coroutine_open(L);
  host_hook_open(L);
}
