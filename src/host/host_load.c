/*
** Loading the function at init: module search paths, the handler string
** (the last dot splits module from function), the module's top-level
** code, and the invoke closure kept for every invocation.
*/
#include "lua_host.h"
#include "lua_host_private.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "buffer.h"
#include "context.h"

/*
** Pushes the file that would provide module name on package.path, or
** nil when none does.
*/
static void push_search_path (lua_State *L, const char *name) {
  lua_getglobal(L, "package");                     /* [package] */
  lua_getfield(L, -1, "searchpath");               /* [package, searchpath] */
  lua_pushstring(L, name);
  lua_getfield(L, -3, "path");              /* [package, sp, name, path] */
  lua_call(L, 2, 1);                               /* [package, file|nil] */
  lua_remove(L, -2);
}

/*
** Loads module name as require would, telling a syntax error apart from
** a missing module and from an error in its top-level code. Pushes the
** module and returns 1, or records the init error and returns 0.
*/
static int load_module (struct lua_host *h, const char *name) {
  lua_State *L = h->L;
  int status, loaded, msgh;
  const char *file;
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  loaded = lua_gettop(L);                              /* [loaded] */
  if (lua_getfield(L, loaded, name) != LUA_TNIL)
    return 1;                                          /* [loaded, mod] */
  lua_pop(L, 1);
  lua_pushcfunction(L, host_msghandler);
  msgh = lua_gettop(L);                                /* [loaded, msgh] */
  push_search_path(L, name);                     /* [loaded, msgh, file] */
  file = lua_tostring(L, -1);
  if (file == NULL) {
    /* Not a Lua file of ours: a C module, a preload, a custom searcher. */
    lua_getglobal(L, "require");
    lua_pushstring(L, name);
    status = lua_pcall(L, 1, 1, msgh);
    if (status != LUA_OK) {
      host_report_error(h, status, "Runtime.ImportModuleError", "");
      return 0;
    }
    return 1;
  }
  status = luaL_loadfilex(L, file, NULL);  /* [loaded, msgh, file, chunk] */
  if (status != LUA_OK) {
    lua_pushfstring(L, "cannot load module '%s': %s", name,
                    lua_tostring(L, -1));
    host_set_failure(h,
                status == LUA_ERRSYNTAX ? "Runtime.UserCodeSyntaxError"
                                        : "Runtime.ImportModuleError",
                status == LUA_ERRSYNTAX ? "Runtime.UserCodeSyntaxError"
                                        : "Runtime.ImportModuleError",
                lua_tostring(L, -1), lua_rawlen(L, -1), NULL);
    return 0;
  }
  lua_pushstring(L, name);
  lua_pushvalue(L, -3);                 /* [.., file, chunk, name, file] */
  status = lua_pcall(L, 2, 1, msgh);       /* [loaded, msgh, file, ret] */
  if (status != LUA_OK) {
    char prefix[256];
    snprintf(prefix, sizeof(prefix),
             "module '%s' raised an error at load time: ", name);
    host_report_error(h, status, "Runtime.ImportModuleError", prefix);
    return 0;
  }
  /* require's bookkeeping: the result, or true, goes in package.loaded. */
  if (!lua_isnil(L, -1))
    lua_setfield(L, loaded, name);
  else
    lua_pop(L, 1);
  if (lua_getfield(L, loaded, name) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, loaded, name);
  }
  return 1;
}

static int is_callable (lua_State *L, int idx) {
  if (lua_type(L, idx) == LUA_TFUNCTION)
    return 1;
  if (luaL_getmetafield(L, idx, "__call") == LUA_TNIL)
    return 0;
  lua_pop(L, 1);
  return 1;
}

/*
** lambda.streaming(fn) and lambda.raw_event(fn) return a table holding fn
** under their mark: if the value at the top is one with this mark, it is
** replaced by what it holds. Returns whether it was.
*/
static int unwrap (lua_State *L, const char *mark) {
  if (lua_type(L, -1) != LUA_TTABLE)
    return 0;
  lua_getfield(L, -1, mark);
  if (!is_callable(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  lua_remove(L, -2);
  return 1;
}

/*
** Can the function at the top see argument n? A Lua function with fewer
** parameters and no "..." cannot: what is passed beyond them is dropped
** before it runs (function(event) never sees a context). Anything else
** (a C function, a callable table) may.
*/
static int sees_argument (lua_State *L, int n) {
  lua_Debug ar;
  if (lua_type(L, -1) != LUA_TFUNCTION || lua_iscfunction(L, -1))
    return 1;
  lua_pushvalue(L, -1);
  lua_getinfo(L, ">u", &ar);
  return ar.isvararg || ar.nparams >= n;
}

/* "a.b.c" is module "a.b" and function "c"; both must be non-empty. */
static int split_handler (const char *handler, size_t *module_len) {
  const char *dot, *p;
  if (handler == NULL || handler[0] == '\0' || handler[0] == '.')
    return 0;
  for (p = handler; *p != '\0'; p++) {
    if ((unsigned char)*p <= ' ' || (p[0] == '.' && p[1] == '.'))
      return 0;
  }
  dot = strrchr(handler, '.');
  if (dot == NULL || dot[1] == '\0')
    return 0;
  *module_len = (size_t)(dot - handler);
  return 1;
}

static void init_failure (struct lua_host *h, const char *type) {
  size_t len;
  const char *msg = lua_tolstring(h->L, -1, &len);
  host_set_failure(h, type, type, msg, len, NULL);
}

/* Protected part of lua_host_load: pushes the invoke closure or nothing. */
static int load_handler (lua_State *L) {
  struct lua_host *h = lua_touserdata(L, 1);
  const struct host_config *cfg = h->cfg;
  const char *module, *function;
  size_t module_len;
  if (!split_handler(cfg->handler, &module_len)) {
    lua_pushfstring(L,
                    "handler '%s' is not of the form module.function "
                    "(set _HANDLER or pass it as the first argument)",
                    cfg->handler != NULL ? cfg->handler : "");
    init_failure(h, "Runtime.MalformedHandlerName");
    return 0;
  }
  host_paths_set(L, cfg);
  module = lua_pushlstring(L, cfg->handler, module_len);
  function = cfg->handler + module_len + 1;
  if (!load_module(h, module))
    return 0;                                          /* [..., mod] */
  if (lua_type(L, -1) != LUA_TTABLE &&
      luaL_getmetafield(L, -1, "__index") == LUA_TNIL) {
    lua_pushfstring(L,
                    "module '%s' returned a %s, not a table holding "
                    "the function '%s'", module, luaL_typename(L, -1),
                    function);
    init_failure(h, "Runtime.HandlerNotFound");
    return 0;
  }
  lua_getfield(L, -1, function);              /* [..., mod, handler] */
  if (!is_callable(L, -1)) {
    lua_pushfstring(L, "module '%s' has no function '%s' (found %s)",
                    module, function, luaL_typename(L, -1));
    init_failure(h, "Runtime.HandlerNotFound");
    return 0;
  }
  /* lambda.raw_event(fn) marks fn, which may be lambda.streaming's */
  h->raw_event = unwrap(L, RAW_EVENT_MARK);
  h->streaming = unwrap(L, STREAMING_MARK);
  /* handler(event, context) or handler(event, stream, context) */
  h->no_context = !sees_argument(L, h->streaming ? 3 : 2);
  context_push_shared(L, &cfg->function, &h->deadline_ms, h->margin_ms);
  lua_pushcfunction(L, host_context_after_response);
  lua_setfield(L, -2, "after_response");
  lua_pushcclosure(L, h->streaming ? host_stream_start : host_invoke, 2);
  return 1;
}

int lua_host_load (struct lua_host *h, const struct host_config *cfg,
                   struct host_outcome *out) {
  lua_State *L = h->L;
  int status;
  lua_settop(L, 0);
  h->cfg = cfg;
  h->out = out;
  host_outcome_clear(out);
  lua_pushcfunction(L, load_handler);
  lua_pushlightuserdata(L, h);
  host_set_user_code(h, 1);  /* the module's init: a user's hook runs */
  status = lua_pcall(L, 1, 1, 0);               /* [invoke | nil | err] */
  host_set_user_code(h, 0);
  h->cfg = NULL;
  if (status == LUA_ERRMEM) {
    lua_settop(L, 0);
    host_report_error(h, status, NULL, NULL);
  } else if (status != LUA_OK) {
    init_failure(h, "Runtime.ImportModuleError");
  }
  if (out->failed || lua_type(L, INVOKE_SLOT) != LUA_TFUNCTION) {
    lua_settop(L, 0);
    return -1;
  }
  lua_settop(L, INVOKE_SLOT);
  return 0;
}
