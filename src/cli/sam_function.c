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

int sam_function_read (const char *file, const struct sam_want *want,
                       struct sam_function *out, char *err, size_t cap) {
  size_t len, i, n;
  char *text = cli_read_file(file, &len);
  lua_State *L;
  int t, rc = -1;
  memset(out, 0, sizeof(*out));
  function_env_init(&out->env);
  if (text == NULL) {
    snprintf(err, cap, "cannot read %s", file);
    return -1;
  }
  /* sam_function.lua's read(), which reads with sam_template.lua */
  L = cli_lua_open("sam_function", err, cap);
  if (L == NULL) {
    free(text);
    return -1;
  }
  lua_pushlstring(L, text, len);
  lua_pushstring(L, file);
  lua_pushstring(L, want->name);        /* nil when NULL */
  lua_pushstring(L, want->handler);
  lua_pushstring(L, want->code_dir);
  lua_pushboolean(L, want->from_parent);
  free(text);
  if (lua_pcall(L, 6, 2, 0) != LUA_OK) {
    snprintf(err, cap, "%s: %s", file, lua_tostring(L, -1));
    goto done;
  }
  if (!lua_istable(L, -2)) {
    snprintf(err, cap, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1)
                                                 : "unreadable template");
    goto done;
  }
  t = lua_gettop(L) - 1;
  lua_getfield(L, t, "none");
  if (lua_toboolean(L, -1)) {
    rc = 1;
    goto done;
  }
  lua_pop(L, 1);
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
  /* notes: what could not be known here, said once */
  lua_getfield(L, t, "notes");
  n = lua_istable(L, -1) ? lua_rawlen(L, -1) : 0;
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i);
    fprintf(stderr, "lua-lambda: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_getfield(L, t, "env");            /* { {name, value}, ... } */
  n = lua_istable(L, -1) ? lua_rawlen(L, -1) : 0;
  for (i = 1; i <= n; i++) {
    const char *name, *value;
    lua_rawgeti(L, -1, (lua_Integer)i);
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    name = lua_tostring(L, -2);
    value = lua_tostring(L, -1);
    if (name != NULL && value != NULL &&
        function_env_set(&out->env, name, value) != 0) {
      snprintf(err, cap, "out of memory");
      goto done;
    }
    lua_pop(L, 3);
  }
  rc = 0;
done:
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
