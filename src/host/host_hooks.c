/*
** Functions user code hands the runtime to run later:
**   lambda.host.after_invoke(fn)  after each handler call (even one that
**                                 raised): lambda.metrics flushes so
**   context:after_response(fn)    after this invocation's response is
**                                 posted, before the next /next
**   lambda.on_shutdown(fn)        on SIGTERM, before the process exits
** An error in one is logged with its traceback, never lost, never fatal.
** lambda.host is the runtime's internal module behind them (metrics.lua
** and lambda/init.lua use it); users call lambda.on_shutdown.
*/
#include "lua_host.h"
#include <string.h>

#include <lauxlib.h>

#include "clock.h"
#include "error_body.h"
#include "log_stdout.h"
#include "lua_host_private.h"

void host_hooks_open (lua_State *L) {
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_AFTER_INVOKE);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_AFTER_RESPONSE);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_ON_SHUTDOWN);
}

/* Appends the function at argument arg to the list under key. */
static int add_to (lua_State *L, const char *key, int arg) {
  luaL_checktype(L, arg, LUA_TFUNCTION);
  lua_getfield(L, LUA_REGISTRYINDEX, key);
  lua_pushvalue(L, arg);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  return 0;
}

static int host_lib_after_invoke (lua_State *L) {
  return add_to(L, REGISTRY_HOST_AFTER_INVOKE, 1);
}

static int host_lib_on_shutdown (lua_State *L) {
  return add_to(L, REGISTRY_HOST_ON_SHUTDOWN, 1);
}

/* context:after_response(fn) or context.after_response(fn) */
int host_context_after_response (lua_State *L) {
  return add_to(L, REGISTRY_HOST_AFTER_RESPONSE, lua_gettop(L) >= 2 ? 2 : 1);
}

int luaopen_lambda_host (lua_State *L) {
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, host_lib_after_invoke);
  lua_setfield(L, -2, "after_invoke");
  lua_pushcfunction(L, host_lib_on_shutdown);
  lua_setfield(L, -2, "on_shutdown");
  return 1;
}

/* Logs the error on top of the stack, raised by a hook, and pops it. */
static void log_failure (lua_State *L, const char *label) {
  struct buffer doc;
  const char *msg = lua_tostring(L, -1), *tb;
  char line[160];
  int n;
  lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_TRACEBACK);
  tb = lua_tostring(L, -1);
  if (msg == NULL)
    msg = luaL_typename(L, -2);
  n = snprintf(line, sizeof(line), "%s function failed", label);
  buffer_init(&doc);
  if (error_body_build(&doc, "Error", msg, strlen(msg), tb) == 0)
    log_stdout_write(&host_of(L)->log, LOG_ERROR, line, (size_t)n,
                     doc.data + 1, doc.len - 2);
  else
    log_stdout_write(&host_of(L)->log, LOG_ERROR, line, (size_t)n, NULL, 0);
  buffer_free(&doc);
  host_forget_traceback(L);
  lua_pop(L, 2);
}

/* Runs the list under key; clear empties it first (one-shot lists). */
static void run_list (lua_State *L, const char *key, int msgh, int clear,
                      const char *label) {
  lua_Integer i, n;
  lua_getfield(L, LUA_REGISTRYINDEX, key);             /* [..., list] */
  n = (lua_Integer)lua_rawlen(L, -1);
  if (n == 0) {
    lua_pop(L, 1);
    return;
  }
  if (clear) {
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, key);
  }
  for (i = 1; i <= n; i++) {
    /* Past the deadline every call would only raise again. */
    if (host_of(L)->timed_out)
      break;
    lua_rawgeti(L, -1, i);                           /* [..., list, fn] */
    if (lua_pcall(L, 0, 0, msgh) != LUA_OK)
      log_failure(L, label);
  }
  lua_pop(L, 1);
}

/* Work queued after the handler gets no less than this, past a handler
   that used up its time, so lambda.metrics still flushes. */
#define HOOK_LEAST_MS 50

/*
** Arms the deadline hook for queued functions: what is left of the
** invocation (Lambda's timeout covers them too: the invocation ends at
** the next /next), but at least HOOK_LEAST_MS. One that runs over is
** stopped and logged like a handler; the rest of its list is skipped.
*/
static void arm_for_queued (struct lua_host *h) {
  int64_t least = clock_now_ms() + h->margin_ms + HOOK_LEAST_MS;
  if (h->deadline_ms > 0 && h->deadline_ms < least)
    host_set_deadline(h, least);
  host_deadline_arm(h, h->L);
}

void host_run_after_invoke (lua_State *L, int msgh) {
  struct lua_host *h = host_of(L);
  arm_for_queued(h);
  run_list(L, REGISTRY_HOST_AFTER_INVOKE, msgh, 0, "after_invoke");
  host_deadline_disarm(h, L);
}

/* Protected: runs a list with a message handler of its own. */
static int run_protected (lua_State *L) {
  const char *key = lua_tostring(L, 1);
  const char *label = lua_tostring(L, 2);
  int clear = strcmp(key, REGISTRY_HOST_AFTER_RESPONSE) == 0;
  lua_pushcfunction(L, host_msghandler);
  run_list(L, key, lua_gettop(L), clear, label);
  return 0;
}

static void run_outside_invoke (struct lua_host *h, const char *key,
                                const char *label) {
  lua_State *L = h->L;
  int top = lua_gettop(L);
  size_t n;
  /* The common case, nothing queued, costs no protected call. */
  lua_getfield(L, LUA_REGISTRYINDEX, key);
  n = lua_rawlen(L, -1);
  lua_settop(L, top);
  if (n == 0)
    return;
  lua_pushcfunction(L, run_protected);
  lua_pushstring(L, key);
  lua_pushstring(L, label);
  if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    log_stdout_write(&h->log, LOG_ERROR, msg ? msg : label,
                     strlen(msg ? msg : label), NULL, 0);
  }
  lua_settop(L, top);
}

void lua_host_after_response (struct lua_host *h) {
  arm_for_queued(h);
  run_outside_invoke(h, REGISTRY_HOST_AFTER_RESPONSE, "after_response");
  host_deadline_disarm(h, h->L);
}

int lua_host_has_shutdown_hooks (struct lua_host *h) {
  size_t n;
  lua_getfield(h->L, LUA_REGISTRYINDEX, REGISTRY_HOST_ON_SHUTDOWN);
  n = lua_rawlen(h->L, -1);
  lua_pop(h->L, 1);
  return n > 0;
}

void lua_host_shutdown (struct lua_host *h, int64_t deadline_ms) {
  host_set_deadline(h, deadline_ms);
  host_deadline_arm(h, h->L);
  run_outside_invoke(h, REGISTRY_HOST_ON_SHUTDOWN, "on_shutdown");
  host_deadline_disarm(h, h->L);
}
