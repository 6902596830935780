#include "lua_host.h"
#include "lua_host_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "base64_lib.h"
#include "buffer.h"
#include "embedded_lua.h"
#include "error_body.h"
#include "json.h"
#include "json_codec.h"
#include "log_lib.h"
#include "log_record.h"

/* Registry key of the traceback of the last error; the address is unique. */
const char host_traceback_key = 't';

static const char out_of_memory_body[] =
  "{\"errorMessage\":\"not enough memory\","
  "\"errorType\":\"Runtime.OutOfMemory\",\"stackTrace\":[]}";

/*
** Message handler for every call into user code: remembers the traceback
** and passes the error object on untouched, so a table keeps its type.
*/
int host_msghandler (lua_State *L) {
  static const char runtime_frame[] = "\n\t[C]: in ?";
  size_t len, tail = sizeof(runtime_frame) - 1;
  const char *tb;
  luaL_traceback(L, L, NULL, 1);                      /* [err, traceback] */
  /* The last frame is the runtime's own C function: not the user's news. */
  tb = lua_tolstring(L, -1, &len);
  if (len >= tail && memcmp(tb + len - tail, runtime_frame, tail) == 0)
    lua_pushlstring(L, tb, len - tail);          /* [err, tb, trimmed] */
  lua_rawsetp(L, LUA_REGISTRYINDEX, &host_traceback_key);
  lua_settop(L, 1);                                   /* [err] */
  return 1;
}

void host_forget_traceback (lua_State *L) {
  lua_pushnil(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &host_traceback_key);
}

/*
** Records a failure: header_type goes in Lambda-Runtime-Function-Error-Type,
** body_type in the document's errorType.
*/
static void set_failure_extra (struct lua_host *h, const char *header_type,
                               const char *body_type, const char *message,
                               size_t len, const char *traceback,
                               const char *extra, size_t extra_len) {
  struct host_outcome *out = h->out;
  out->failed = 1;
  if (error_body_build_extra(&h->error_body, body_type, message, len,
                             traceback, extra, extra_len) != 0) {
    out->state_lost = 1;
    out->error_type = "Runtime.OutOfMemory";
    out->body = out_of_memory_body;
    out->len = sizeof(out_of_memory_body) - 1;
    return;
  }
  snprintf(h->error_type, sizeof(h->error_type), "%s", header_type);
  out->error_type = h->error_type;
  out->body = h->error_body.data;
  out->len = h->error_body.len;
}

static void set_failure (struct lua_host *h, const char *header_type,
                         const char *body_type, const char *message,
                         size_t len, const char *traceback) {
  set_failure_extra(h, header_type, body_type, message, len, traceback,
                    NULL, 0);
}

/* A failure of the runtime's own (Runtime.<Reason>) with message on top. */
void host_runtime_failure (struct lua_host *h, const char *type,
                           const char *fmt) {
  lua_State *L = h->L;
  size_t len;
  const char *msg;
  lua_pushfstring(L, fmt, lua_tostring(L, -1));
  msg = lua_tolstring(L, -1, &len);
  set_failure(h, type, type, msg, len, NULL);
}

/* Pushes a message for any error object, as lua.c's msghandler would. */
static void push_message (lua_State *L, int idx) {
  int t = lua_type(L, idx);
  if (t == LUA_TSTRING || t == LUA_TNUMBER) {
    luaL_tolstring(L, idx, NULL);
    return;
  }
  if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
    lua_pop(L, 1);
    luaL_tolstring(L, idx, NULL);
    return;
  }
  /* A plain table says most about itself as JSON. */
  if (t == LUA_TTABLE) {
    const char *text;
    size_t len;
    if (json_codec_encode(L, idx, &text, &len) == LUA_OK) {
      lua_pushlstring(L, text, len);
      return;
    }
    lua_pop(L, 1);
  }
  lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, idx));
}

/*
** Pushes the members of an error table other than errorType,
** errorMessage and stackTrace, as JSON object members, or nil if none
** (or if they cannot be JSON). lambda.error's extra fields arrive so.
*/
static void push_extra_members (lua_State *L, int err) {
  const char *text;
  size_t len;
  int copy, any = 0;
  lua_newtable(L);
  copy = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, err) != 0) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                   : NULL;
    if (k != NULL && strcmp(k, "errorType") != 0 &&
        strcmp(k, "errorMessage") != 0 && strcmp(k, "stackTrace") != 0) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, copy);
      any = 1;
    } else {
      lua_pop(L, 1);
    }
  }
  if (any && json_codec_encode(L, copy, &text, &len) == LUA_OK &&
      len > 2) {
    lua_pushlstring(L, text + 1, len - 2);
  } else {
    lua_settop(L, copy - 1);
    lua_pushnil(L);
    return;
  }
  lua_remove(L, copy);
}

/*
** [err, prefix] -> [type, message, extra]. Reads errorType and
** errorMessage from a table (extra: its other fields as JSON members, or
** nil); may run metamethods, so it is always called protected.
*/
static int describe_error (lua_State *L) {
  if (lua_type(L, 1) != LUA_TTABLE ||
      lua_getfield(L, 1, "errorType") != LUA_TSTRING) {
    lua_settop(L, 2);
    lua_pushliteral(L, "Error");
  }                                               /* [err, prefix, type] */
  if (lua_type(L, 1) != LUA_TTABLE ||
      lua_getfield(L, 1, "errorMessage") != LUA_TSTRING) {
    lua_settop(L, 3);
    push_message(L, 1);
  }                                     /* [err, prefix, type, message] */
  lua_pushvalue(L, 2);
  lua_insert(L, -2);
  lua_concat(L, 2);                     /* [err, prefix, type, message] */
  if (lua_type(L, 1) == LUA_TTABLE)
    push_extra_members(L, 1);
  else
    lua_pushnil(L);               /* [err, prefix, type, message, extra] */
  return 3;
}

/*
** Reports the error object on top of the stack, raised with status.
** fixed_type, when given, is the type of the report (init errors);
** otherwise the object's own type becomes Function.<Type>. prefix goes
** before the message.
*/
void host_report_error (struct lua_host *h, int status,
                        const char *fixed_type, const char *prefix) {
  lua_State *L = h->L;
  int err = lua_gettop(L);
  const char *type, *msg, *traceback, *extra;
  size_t len, extra_len = 0;
  char header[128];
  if (status == LUA_ERRMEM) {
    h->out->state_lost = 1;
    set_failure(h, "Runtime.OutOfMemory", "Runtime.OutOfMemory",
                "not enough memory", strlen("not enough memory"), NULL);
    return;
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &host_traceback_key);   /* [err, tb] */
  traceback = lua_tostring(L, -1);
  lua_pushcfunction(L, describe_error);
  lua_pushvalue(L, err);
  lua_pushstring(L, prefix != NULL ? prefix : "");
  if (lua_pcall(L, 2, 3, 0) != LUA_OK) {  /* [err, tb, type, msg, extra] */
    lua_pop(L, 1);
    lua_pushliteral(L, "Error");
    lua_pushfstring(L, "%s(error object is a %s value)",
                    prefix != NULL ? prefix : "", luaL_typename(L, err));
    lua_pushnil(L);
  }
  type = lua_tostring(L, -3);
  msg = lua_tolstring(L, -2, &len);
  extra = lua_tolstring(L, -1, &extra_len);
  if (fixed_type != NULL) {
    set_failure(h, fixed_type, fixed_type, msg, len, traceback);
  } else {
    error_header_type(header, sizeof(header), "Function", type);
    set_failure_extra(h, header, type, msg, len, traceback, extra,
                      extra_len);
  }
  host_forget_traceback(L);
}

/*
** The invoke closure: upvalue 1 is the handler, upvalue 2 the shared
** context fields; argument 1 is the host. Records the JSON text of the
** result (kept in the codec's buffer) or the failure in the outcome.
*/
int host_push_call (lua_State *L, struct lua_host *h) {
  const struct invocation *inv = h->inv;
  lua_settop(L, 0);
  lua_pushcfunction(L, host_msghandler);             /* [msgh] */
  lua_pushvalue(L, lua_upvalueindex(1));             /* [msgh, handler] */
  if (json_codec_decode(L, inv->payload.data, inv->payload.len) != LUA_OK) {
    host_runtime_failure(h, "Runtime.UnmarshalError",
                         "could not decode the event as JSON: %s");
    return -1;
  }                                           /* [msgh, handler, event] */
  if (context_push(L, lua_upvalueindex(2), inv) != LUA_OK) {
    host_runtime_failure(h, "Runtime.UnmarshalError", "%s");
    return -1;
  }                                      /* [msgh, handler, event, ctx] */
  return 0;
}

static int invoke (lua_State *L) {
  struct lua_host *h = lua_touserdata(L, 1);
  int status;
  if (host_push_call(L, h) != 0)
    return 0;
  host_deadline_arm(h, L);
  status = lua_pcall(L, 2, 1, 1);               /* [msgh, result | err] */
  host_deadline_disarm(L);
  host_run_after_invoke(L, 1);
  if (status != LUA_OK) {
    host_report_error(h, status, h->timed_out ? "Runtime.Timeout" : NULL,
                      NULL);
    return 0;
  }
  if (json_codec_encode(L, -1, &h->out->body, &h->out->len) != LUA_OK) {
    host_runtime_failure(h, "Runtime.MarshalError",
                    "could not encode the handler's result as JSON: %s");
    return 0;
  }
  h->out->failed = 0;
  h->out->error_type = NULL;
  return 0;
}

void host_begin_invocation (struct lua_host *h,
                            const struct invocation *inv,
                            struct host_outcome *out) {
  lua_settop(h->L, INVOKE_SLOT);  /* drops what the last one left */
  h->inv = inv;
  h->out = out;
  h->deadline_ms = inv->deadline_ms;
  log_sink_set_invocation(&h->log, inv->request_id.data,
                          inv->tenant_id.data);
  out->failed = 0;
  out->state_lost = 0;
  out->error_type = NULL;
  out->body = NULL;
  out->len = 0;
}

/* A streaming handler called to completion: its body gathered whole. */
static void invoke_streaming (struct lua_host *h,
                              const struct invocation *inv,
                              struct host_outcome *out) {
  const char *content_type;
  char piece[16384];
  long n;
  if (lua_host_stream_begin(h, inv, out, &content_type) != 0)
    return;
  buffer_clear(&h->collected);
  while ((n = lua_host_stream_pull(h, piece, sizeof(piece))) > 0) {
    if (buffer_append(&h->collected, piece, (size_t)n) != 0) {
      host_report_error(h, LUA_ERRMEM, NULL, NULL);
      return;
    }
  }
  if (n < 0)
    return;  /* the failure is in out */
  out->body = h->collected.data != NULL ? h->collected.data : "";
  out->len = h->collected.len;
}

void lua_host_invoke (struct lua_host *h, const struct invocation *inv,
                      struct host_outcome *out) {
  lua_State *L = h->L;
  int status;
  if (h->streaming) {
    invoke_streaming(h, inv, out);
    return;
  }
  host_begin_invocation(h, inv, out);
  lua_pushvalue(L, INVOKE_SLOT);
  lua_pushlightuserdata(L, h);
  status = lua_pcall(L, 1, 1, 0);
  if (status == LUA_ERRMEM) {
    lua_settop(L, INVOKE_SLOT);
    host_report_error(h, status, NULL, NULL);
  } else if (status != LUA_OK) {
    /* A fault of the runtime's own; nothing here may raise again. */
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL)
      msg = "(error object is not a string)";
    set_failure(h, "Runtime.Unknown", "Runtime.Unknown", msg, strlen(msg),
                NULL);
  }
}

/* Module paths: the task root, then layers, then Lua's defaults. */
static void set_search_paths (lua_State *L, const struct host_config *cfg) {
  const char *task = cfg->task_root, *opt = cfg->layer_root;
  lua_getglobal(L, "package");                         /* [package] */
  lua_pushfstring(L,
                  "%s/?.lua;%s/?/init.lua;"
                  "%s/lua/?.lua;%s/lua/?/init.lua;"
                  "%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua;",
                  task, task, opt, opt, opt, opt);
  lua_getfield(L, -2, "path");
  lua_concat(L, 2);
  lua_setfield(L, -2, "path");
  lua_pushfstring(L, "%s/?.so;%s/lua/?.so;%s/lib/lua/5.4/?.so;",
                  task, opt, opt);
  lua_getfield(L, -2, "cpath");
  lua_concat(L, 2);
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);
}

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
    set_failure(h,
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
  set_failure(h, type, type, msg, len, NULL);
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
  set_search_paths(L, cfg);
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
  /* lambda.streaming(fn) returns a table marked with fn. */
  h->streaming = 0;
  if (lua_type(L, -1) == LUA_TTABLE) {
    if (lua_getfield(L, -1, STREAMING_MARK) == LUA_TFUNCTION) {
      h->streaming = 1;
      lua_remove(L, -2);                      /* [..., mod, fn] */
    } else {
      lua_pop(L, 1);
    }
  }
  context_push_shared(L, &cfg->function, &h->deadline_ms, h->margin_ms);
  lua_pushcfunction(L, host_context_after_response);
  lua_setfield(L, -2, "after_response");
  lua_pushcclosure(L, h->streaming ? host_stream_start : invoke, 2);
  return 1;
}

int lua_host_load (struct lua_host *h, const struct host_config *cfg,
                   struct host_outcome *out) {
  lua_State *L = h->L;
  int status;
  lua_settop(L, 0);
  h->cfg = cfg;
  h->out = out;
  out->failed = 0;
  out->state_lost = 0;
  out->error_type = NULL;
  out->body = NULL;
  out->len = 0;
  lua_pushcfunction(L, load_handler);
  lua_pushlightuserdata(L, h);
  status = lua_pcall(L, 1, 1, 0);               /* [invoke | nil | err] */
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

/* lua-cjson's entry points (its distributions differ on headers). */
extern int luaopen_cjson (lua_State *L);
extern int luaopen_cjson_safe (lua_State *L);

/* The C modules user code can require; loaded on first require. */
static const luaL_Reg c_modules[] = {
  {"lambda.json",   luaopen_lambda_json},
  {"lambda.log",    luaopen_lambda_log},
  {"lambda.base64", luaopen_lambda_base64},
  {"lambda.host",   luaopen_lambda_host},
  {"cjson",         luaopen_cjson},
  {"cjson.safe",    luaopen_cjson_safe},
  {NULL, NULL}
};

/* Opens the standard libraries, the runtime's modules and the codec. */
static int open_libraries (lua_State *L) {
  const luaL_Reg *m;
  luaL_openlibs(L);
  embedded_lua_preload(L);
  json_codec_open(L, host_of(L)->json_max_depth);
  log_lib_open(L, &host_of(L)->log);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (m = c_modules; m->name != NULL; m++) {
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
  host_hooks_open(L);
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
  log_sink_init(&h->log, cfg->log_json, cfg->log_level);
  h->margin_ms = cfg->timeout_margin_ms;
  h->heap.limit = cfg->heap_limit;
  h->json_max_depth = cfg->json_max_depth;
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
  log_sink_free(&h->log);
  free(h);
}

void lua_host_log_failure (struct lua_host *h,
                           const struct host_outcome *out) {
  if (out->len >= 2)  /* the document's members, without its braces */
    log_sink_write(&h->log, LOG_ERROR, "Invoke Error", 12, out->body + 1,
                   out->len - 2);
}

void lua_host_forget_invocation (struct lua_host *h) {
  log_sink_set_invocation(&h->log, NULL, NULL);
}
