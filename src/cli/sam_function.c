#include "sam_function.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "cli_files.h"
#include "cli_lua.h"

static char *field_string (lua_State *L, int t, const char *key) {
  const char *s;
  char *copy = NULL;
  lua_getfield(L, t, key);
  s = lua_tostring(L, -1);
  if (s != NULL)
    copy = strdup(s);
  lua_pop(L, 1);
  return copy;
}

static int field_int (lua_State *L, int t, const char *key) {
  int isnum, v;
  lua_getfield(L, t, key);
  v = (int)lua_tointegerx(L, -1, &isnum);
  lua_pop(L, 1);
  return isnum ? v : 0;
}

/* Says each of the template's notes (what could not be known here) on
   stderr, once. t is the result's index. */
static void say_notes (lua_State *L, int t) {
  size_t i, n;
  lua_getfield(L, t, "notes");
  n = lua_istable(L, -1) ? lua_rawlen(L, -1) : 0;
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i);
    fprintf(stderr, "lua-lambda: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* The result's env, { {name, value}, ... }, into out. 0, or -1. */
static int take_env (lua_State *L, int t, struct function_env *out) {
  size_t i, n;
  int rc = 0;
  lua_getfield(L, t, "env");                     /* [env] */
  n = lua_istable(L, -1) ? lua_rawlen(L, -1) : 0;
  for (i = 1; i <= n && rc == 0; i++) {
    const char *name, *value;
    lua_rawgeti(L, -1, (lua_Integer)i);          /* [env, pair] */
    lua_rawgeti(L, -1, 1);                       /* [env, pair, name] */
    lua_rawgeti(L, -2, 2);                       /* [env, pair, name, value] */
    name = lua_tostring(L, -2);
    value = lua_tostring(L, -1);
    if (name != NULL && value != NULL)
      rc = function_env_set(out, name, value);
    lua_pop(L, 3);                               /* [env] */
  }
  lua_pop(L, 1);
  return rc != 0 ? -1 : 0;
}

/* The function sam_function.lua's read() found (the table at t). */
static int take_function (lua_State *L, int t, struct sam_function *out) {
  out->logical_id = field_string(L, t, "logical_id");
  out->handler = field_string(L, t, "handler");
  out->architecture = field_string(L, t, "architecture");
  lua_getfield(L, t, "architecture_unknown");
  out->architecture_unknown = lua_toboolean(L, -1);
  lua_pop(L, 1);
  out->log_format = field_string(L, t, "log_format");
  out->log_level = field_string(L, t, "log_level");
  out->memory_mb = field_int(L, t, "memory");
  out->timeout_s = field_int(L, t, "timeout");
  say_notes(L, t);
  return take_env(L, t, &out->env);
}

/*
** Calls sam_function.lua's read() on the template's text (L holds it):
** 0 with its result at the top of L, or -1 with the reason in err.
*/
static int call_read (lua_State *L, const char *text, size_t len,
                      const char *file, const struct sam_want *want,
                      char *err, size_t cap) {
  lua_pushlstring(L, text, len);
  lua_pushstring(L, file);
  lua_pushstring(L, want->name);        /* nil when NULL */
  lua_pushstring(L, want->handler);
  lua_pushstring(L, want->code_dir);
  lua_pushboolean(L, want->from_parent);
  if (lua_pcall(L, 6, 2, 0) != LUA_OK) {
    snprintf(err, cap, "%s: %s", file, lua_tostring(L, -1));
    return -1;
  }
  if (!lua_istable(L, -2)) {            /* [nil, why] */
    snprintf(err, cap, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1)
                                                 : "unreadable template");
    return -1;
  }
  lua_pop(L, 1);                        /* [result] */
  return 0;
}

int sam_function_read (const char *file, const struct sam_want *want,
                       struct sam_function *out, char *err, size_t cap) {
  size_t len;
  char *text = cli_read_file(file, &len);
  lua_State *L;
  int rc = -1;
  memset(out, 0, sizeof(*out));
  function_env_init(&out->env);
  if (text == NULL) {
    snprintf(err, cap, "cannot read %s", file);
    return -1;
  }
  /* sam_function.lua's read(), which reads with sam_template.lua */
  L = cli_lua_open("sam_function", err, cap);
  if (L != NULL && call_read(L, text, len, file, want, err, cap) == 0) {
    lua_getfield(L, -1, "none");
    if (lua_toboolean(L, -1)) {
      rc = 1;                           /* none of the folder's here */
    } else {
      lua_pop(L, 1);
      rc = take_function(L, lua_gettop(L), out);
      if (rc != 0)
        snprintf(err, cap, "out of memory");
    }
  }
  free(text);
  if (L != NULL)
    lua_close(L);
  if (rc < 0)
    sam_function_free(out);
  return rc;
}

void sam_function_free (struct sam_function *f) {
  free(f->logical_id);
  free(f->handler);
  free(f->architecture);
  free(f->log_format);
  free(f->log_level);
  function_env_free(&f->env);
  f->logical_id = f->handler = f->architecture = NULL;
  f->log_format = f->log_level = NULL;
}
