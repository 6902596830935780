#include "serve_http_lua.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua_host.h"
#include "serve_files.h"
#include "json.h"

#define MODULE "web_event.lua"

struct web_lua {
  pthread_mutex_t lock;
  lua_State *L;
  int module;  /* registry reference to web_event.lua's table */
};

/* The file at path among serve's own, or NULL. */
static const struct embedded_file *serve_file (const char *path) {
  const struct embedded_file *f;
  for (f = serve_files; f->path != NULL; f++) {
    if (strcmp(f->path, path) == 0)
      return f;
  }
  return NULL;
}

struct web_lua *web_lua_new (char *err, size_t cap) {
  const struct embedded_file *f = serve_file(MODULE);
  struct web_lua *w = calloc(1, sizeof(*w));
  lua_State *L = luaL_newstate();
  if (w == NULL || L == NULL || f == NULL) {
    snprintf(err, cap, "%s", f == NULL ? MODULE " is not built in"
                                       : "out of memory");
    free(w);
    if (L != NULL)
      lua_close(L);
    return NULL;
  }
  luaL_openlibs(L);
  luaL_requiref(L, "lambda.json", luaopen_lambda_json, 0);
  luaL_requiref(L, "lambda.base64", luaopen_lambda_base64, 0);
  lua_pop(L, 2);
  if (luaL_loadbufferx(L, f->data, f->len, "@" MODULE, "t") != LUA_OK ||
      lua_pcall(L, 0, 1, 0) != LUA_OK) {
    snprintf(err, cap, "%s", lua_tostring(L, -1));
    lua_close(L);
    free(w);
    return NULL;
  }
  w->module = luaL_ref(L, LUA_REGISTRYINDEX);
  w->L = L;
  pthread_mutex_init(&w->lock, NULL);
  return w;
}

void web_lua_free (struct web_lua *w) {
  if (w == NULL)
    return;
  lua_close(w->L);
  pthread_mutex_destroy(&w->lock);
  free(w);
}

/* Pushes the module's function name; with w->lock held. */
static void push_function (struct web_lua *w, const char *name) {
  lua_rawgeti(w->L, LUA_REGISTRYINDEX, w->module);
  lua_getfield(w->L, -1, name);
  lua_remove(w->L, -2);
}

int web_lua_known_format (struct web_lua *w, const char *format) {
  int known;
  pthread_mutex_lock(&w->lock);
  push_function(w, "known");
  lua_pushstring(w->L, format);
  known = lua_pcall(w->L, 1, 1, 0) == LUA_OK && lua_toboolean(w->L, -1);
  lua_settop(w->L, 0);
  pthread_mutex_unlock(&w->lock);
  return known;
}

static void set_string (lua_State *L, const char *key, const char *value) {
  lua_pushstring(L, value != NULL ? value : "");
  lua_setfield(L, -2, key);
}

int web_lua_event (struct web_lua *w, const char *format,
                   const struct web_request *req, struct buffer *event) {
  lua_State *L = w->L;
  size_t i, len;
  const char *s;
  int rc;
  pthread_mutex_lock(&w->lock);
  push_function(w, "event");
  lua_pushstring(L, format);
  lua_createtable(L, 0, 12);
  set_string(L, "method", req->method);
  set_string(L, "path", req->path);
  set_string(L, "query", req->query);
  set_string(L, "protocol", req->protocol);
  set_string(L, "source_ip", req->source_ip);
  set_string(L, "request_id", req->request_id);
  set_string(L, "id_prefix", req->id_prefix);
  lua_pushinteger(L, (lua_Integer)req->time_ms);
  lua_setfield(L, -2, "time_ms");
  lua_pushlstring(L, req->body != NULL ? req->body : "", req->body_len);
  lua_setfield(L, -2, "body");
  lua_createtable(L, (int)req->n_headers, 0);
  for (i = 0; i < req->n_headers; i++) {
    lua_createtable(L, 2, 0);
    lua_pushstring(L, req->headers[2 * i]);
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, req->headers[2 * i + 1]);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "headers");
  rc = lua_pcall(L, 2, 1, 0) == LUA_OK ? 0 : -1;
  s = lua_tolstring(L, -1, &len);
  if (s == NULL || buffer_set(event, s, len) != 0)
    rc = -1;
  lua_settop(L, 0);
  pthread_mutex_unlock(&w->lock);
  return rc;
}

void web_answer_init (struct web_answer *a) {
  memset(a, 0, sizeof(*a));
  buffer_init(&a->body);
}

void web_answer_free (struct web_answer *a) {
  size_t i;
  for (i = 0; i < 2 * a->n_headers; i++)
    free(a->headers[i]);
  free(a->headers);
  buffer_free(&a->body);
  web_answer_init(a);
}

static char *copy_of (lua_State *L, int index) {
  size_t len;
  const char *s = lua_tolstring(L, index, &len);
  char *out = malloc(len + 1);
  if (out != NULL) {
    memcpy(out, s != NULL ? s : "", s != NULL ? len : 0);
    out[s != NULL ? len : 0] = '\0';
  }
  return out;
}

/* Reads (status, headers, body) from the top of the stack into out. */
static void take_answer (lua_State *L, struct web_answer *out) {
  size_t i, n, len;
  const char *body;
  web_answer_free(out);
  out->status = (int)lua_tointeger(L, -3);
  n = lua_rawlen(L, -2);
  out->headers = calloc(2 * n + 1, sizeof(char *));
  for (i = 0; out->headers != NULL && i < n; i++) {
    lua_rawgeti(L, -2, (lua_Integer)i + 1);
    lua_rawgeti(L, -1, 1);
    out->headers[2 * i] = copy_of(L, -1);
    lua_rawgeti(L, -2, 2);
    out->headers[2 * i + 1] = copy_of(L, -1);
    lua_pop(L, 3);
    if (out->headers[2 * i] == NULL || out->headers[2 * i + 1] == NULL)
      break;
    out->n_headers = i + 1;
  }
  body = lua_tolstring(L, -1, &len);
  buffer_set(&out->body, body != NULL ? body : "", body != NULL ? len : 0);
}

/*
** Calls the module's fn(format[, text]) for an answer. A fourth result
** says why the source could not read the function's result: logged, as
** SAM logs it, since the client sees only the source's bare 502.
*/
static void answer (struct web_lua *w, const char *fn, const char *format,
                    const char *text, size_t len, struct web_answer *out) {
  lua_State *L = w->L;
  pthread_mutex_lock(&w->lock);
  push_function(w, fn);
  lua_pushstring(L, format);
  lua_pushlstring(L, text != NULL ? text : "", len);
  if (lua_pcall(L, 2, 4, 0) == LUA_OK) {
    if (lua_type(L, -1) == LUA_TSTRING)
      fprintf(stderr, "lua-lambda: serve --http: Invalid lambda response "
              "received: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);  /* take_answer reads the three below */
  } else {
    fprintf(stderr, "lua-lambda: serve --http: %s\n", lua_tostring(L, -1));
    lua_settop(L, 0);
    push_function(w, "failed");
    lua_pushstring(L, format);
    if (lua_pcall(L, 1, 3, 0) != LUA_OK) {
      lua_settop(L, 0);
      lua_pushinteger(L, 502);
      lua_newtable(L);
      lua_pushliteral(L, "Internal Server Error");
    }
  }
  take_answer(L, out);
  lua_settop(L, 0);
  pthread_mutex_unlock(&w->lock);
}

void web_lua_response (struct web_lua *w, const char *format,
                       const char *result, size_t len,
                       struct web_answer *out) {
  answer(w, "response", format, result, len, out);
}

void web_lua_prelude (struct web_lua *w, const char *format,
                      const char *prelude, size_t len,
                      struct web_answer *out) {
  answer(w, "prelude", format, prelude, len, out);
}

void web_lua_failed (struct web_lua *w, const char *format,
                     struct web_answer *out) {
  answer(w, "failed", format, NULL, 0, out);
}
