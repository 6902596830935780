/*
** The Lua host's state: a lua_State with the standard libraries, the
** runtime's modules (embedded lua/ and the C ones user code can
** require), the capped allocator and the log sink. Loading is in
** host_load.c, invoking in host_invoke.c, streaming in host_stream.c,
** the hook lists in host_hooks.c, error mapping in host_errors.c.
*/
#include "lua_host.h"
#include "lua_host_private.h"
#include "host_trace_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "clock_lib.h"
#include "buffer.h"
#include "embedded_lua.h"
#include "json.h"
#include "json_codec.h"
#include "log_lib.h"
#include "log_stdout.h"

/* lua-cjson's entry points (its distributions differ on headers). */
extern int luaopen_cjson (lua_State *L);
extern int luaopen_cjson_safe (lua_State *L);

/* The C modules user code can require; loaded on first require. */
static const luaL_Reg c_modules[] = {
  {"lambda.json",   luaopen_lambda_json},
  {"lambda.log",    luaopen_lambda_log},
  {"lambda.base64", luaopen_lambda_base64},
  {"lambda.clock",  luaopen_lambda_clock},
  {"lambda.host",   luaopen_lambda_host},
  {"cjson",         luaopen_cjson},
  {"cjson.safe",    luaopen_cjson_safe},
  {NULL, NULL}
};

/* Opens the standard libraries, the runtime's modules and the codec. */
static int open_libraries (lua_State *L) {
  const luaL_Reg *m;
  luaL_openlibs(L);
  host_limits_open(L);
  embedded_lua_preload(L);
  json_codec_open(L, host_of(L)->json_max_depth);
  log_lib_open(L, &host_of(L)->log);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (m = c_modules; m->name != NULL; m++) {
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -2, m->name);
  }
  for (m = host_of(L)->c_modules; m != NULL && m->name != NULL; m++) {
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
  host_hooks_open(L);
  host_trace_env_open(L);
  /* print writes log records (INFO), one write each, in the log format. */
  lua_pushcfunction(L, log_lib_print);
  lua_setglobal(L, "print");
  return 0;
}

/* An error outside any protected call: say so on one line, then abort. */
static int panic (lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  fprintf(stderr, "lua-lambda: unprotected Lua error: %s\n",
          msg != NULL ? msg : "(not a string)");
  return 0;  /* Lua aborts */
}

struct lua_host *lua_host_new (const struct host_config *cfg, char *err,
                               size_t errlen) {
  struct lua_host *h = calloc(1, sizeof(*h));
  if (h == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  buffer_init(&h->error_body);
  buffer_init(&h->collected);
  log_stdout_init(&h->log, cfg->log_json, cfg->log_level);
  h->margin_ms = cfg->timeout_margin_ms;
  h->heap.limit = cfg->heap_limit;
  h->json_max_depth = cfg->json_max_depth;
  h->c_modules = cfg->c_modules;
  h->trace_in_context = cfg->max_concurrency > 1;
  h->L = lua_newstate(host_alloc, &h->heap);
  if (h->L != NULL) {
    /* The deadline hook finds the host here, from any thread. */
    *(struct lua_host **)lua_getextraspace(h->L) = h;
    lua_atpanic(h->L, panic);
  }
  if (h->L == NULL) {
    snprintf(err, errlen, "cannot create a Lua state: out of memory");
    free(h);
    return NULL;
  }
  lua_pushcfunction(h->L, open_libraries);
  if (lua_pcall(h->L, 0, 0, 0) != LUA_OK) {
    snprintf(err, errlen, "cannot open the Lua libraries: %s",
             lua_tostring(h->L, -1));
    lua_host_free(h);
    return NULL;
  }
  return h;
}

void lua_host_free (struct lua_host *h) {
  if (h == NULL)
    return;
  if (h->L != NULL)
    lua_close(h->L);
  buffer_free(&h->error_body);
  buffer_free(&h->collected);
  log_stdout_free(&h->log);
  free(h);
}

void lua_host_log_failure (struct lua_host *h,
                           const struct host_outcome *out) {
  if (out->len >= 2)  /* the document's members, without its braces */
    log_stdout_write(&h->log, LOG_ERROR, "Invoke Error", 12, out->body + 1,
                     out->len - 2);
}

const int *lua_host_stopping (const struct lua_host *h) {
  return &h->timed_out;
}

void lua_host_prepare (struct lua_host *h, int64_t deadline_ms) {
  host_set_deadline(h, deadline_ms);
  host_set_timed_out(h, 0);
}

const int *lua_host_in_user_code (const struct lua_host *h) {
  return &h->user_code;
}

const int64_t *lua_host_deadline (const struct lua_host *h) {
  return &h->deadline_ms;
}

void lua_host_forget_invocation (struct lua_host *h) {
  log_stdout_set_invocation(&h->log, NULL, NULL);
}
