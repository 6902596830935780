#include "function_env.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_files.h"

extern char **environ;

void function_env_init (struct function_env *e) {
  e->vars = NULL;
  e->n = e->cap = 0;
}

void function_env_free (struct function_env *e) {
  size_t i;
  for (i = 0; i < e->n; i++)
    free(e->vars[i]);
  free(e->vars);
  function_env_init(e);
}

/* The index of name's entry, or e->n. */
static size_t find (const struct function_env *e, const char *name,
                    size_t len) {
  size_t i;
  for (i = 0; i < e->n; i++) {
    if (strncmp(e->vars[i], name, len) == 0 && e->vars[i][len] == '=')
      return i;
  }
  return e->n;
}

static int set_len (struct function_env *e, const char *name, size_t len,
                    const char *value) {
  size_t i = find(e, name, len), vlen = strlen(value);
  char *entry = malloc(len + vlen + 2);
  if (entry == NULL)
    return -1;
  memcpy(entry, name, len);
  entry[len] = '=';
  memcpy(entry + len + 1, value, vlen + 1);
  if (i < e->n) {
    free(e->vars[i]);
    e->vars[i] = entry;
    return 0;
  }
  if (e->n + 1 >= e->cap) {
    size_t cap = e->cap ? 2 * e->cap : 32;
    char **grown = realloc(e->vars, cap * sizeof(*grown));
    if (grown == NULL) {
      free(entry);
      return -1;
    }
    e->vars = grown;
    e->cap = cap;
  }
  e->vars[e->n++] = entry;
  e->vars[e->n] = NULL;
  return 0;
}

int function_env_set (struct function_env *e, const char *name,
                      const char *value) {
  return set_len(e, name, strlen(name), value);
}

const char *function_env_get (const struct function_env *e,
                              const char *name) {
  size_t len = strlen(name), i = find(e, name, len);
  return i < e->n ? e->vars[i] + len + 1 : NULL;
}

/* A name as a shell (and Lambda, and the SDKs) takes it. */
static int is_identifier (const char *name, size_t len) {
  size_t i;
  if (len == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
    return 0;
  for (i = 1; i < len; i++) {
    if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
      return 0;
  }
  return 1;
}

/*
** Lambda's reserved keys (Defined runtime environment variables), and
** whether a local run's developer may give one: the role's credentials
** and the region stand in for what Lambda would give; the rest the flags
** and the template say. LUA_LAMBDA_LAYER_DIRS is ours (--layer's).
*/
static const struct {
  const char *name;
  int stand_in;
} reserved[] = {
  {"_HANDLER", 0}, {"_X_AMZN_TRACE_ID", 0}, {"AWS_EXECUTION_ENV", 0},
  {"AWS_LAMBDA_FUNCTION_NAME", 0}, {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0},
  {"AWS_LAMBDA_FUNCTION_VERSION", 0}, {"AWS_LAMBDA_INITIALIZATION_TYPE", 0},
  {"AWS_LAMBDA_LOG_GROUP_NAME", 0}, {"AWS_LAMBDA_LOG_STREAM_NAME", 0},
  {"AWS_LAMBDA_RUNTIME_API", 0}, {"LAMBDA_TASK_ROOT", 0},
  {"LAMBDA_RUNTIME_DIR", 0}, {"LUA_LAMBDA_LAYER_DIRS", 0},
  {"AWS_DEFAULT_REGION", 1}, {"AWS_REGION", 1}, {"AWS_ACCESS_KEY", 1},
  {"AWS_ACCESS_KEY_ID", 1}, {"AWS_SECRET_ACCESS_KEY", 1},
  {"AWS_SESSION_TOKEN", 1}, {NULL, 0}
};

/* name's entry in reserved, or -1. */
static int reserved_index (const char *name) {
  int i;
  for (i = 0; reserved[i].name != NULL; i++) {
    if (strcmp(name, reserved[i].name) == 0)
      return i;
  }
  return -1;
}

int function_env_name_ok (const char *name) {
  /* Lambda's pattern: a letter, then letters, digits and _ */
  if (!isalpha((unsigned char)name[0]) || !is_identifier(name, strlen(name)))
    return 0;
  return reserved_index(name) < 0;
}

int function_env_set_by_lambda (const char *name) {
  int i = reserved_index(name);
  return i >= 0 && !reserved[i].stand_in;
}

int function_env_put (struct function_env *e, const char *assignment,
                      char *err, size_t cap) {
  const char *eq = strchr(assignment, '=');
  if (eq == NULL || !is_identifier(assignment, (size_t)(eq - assignment))) {
    snprintf(err, cap, "--env takes NAME=VALUE, not \"%s\"", assignment);
    return -1;
  }
  if (set_len(e, assignment, (size_t)(eq - assignment), eq + 1) != 0) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  return 0;
}

/*
** A dotenv value at v (up to the end of the line): quoted or plain.
** Written into out (as long as v at most). 0, or -1 when a quote is not
** closed.
*/
static int dotenv_value (const char *v, char *out) {
  char quote = *v;
  if (quote == '\'' || quote == '"') {
    for (v++; *v != '\0' && *v != quote; v++) {
      if (quote == '"' && v[0] == '\\' && v[1] != '\0') {
        v++;
        *out++ = *v == 'n' ? '\n' : *v == 't' ? '\t' : *v;
      } else {
        *out++ = *v;
      }
    }
    *out = '\0';
    if (*v != quote)
      return -1;
    /* nothing after the closing quote but blanks and a comment */
    v += 1 + strspn(v + 1, " \t");
    return *v == '\0' || *v == '#' ? 0 : -1;
  } else {
    /* plain: up to a " #" comment, trailing blanks dropped */
    const char *end = v;
    while (*end != '\0' && !(*end == '#' && end > v &&
                             (end[-1] == ' ' || end[-1] == '\t')))
      end++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
      end--;
    memcpy(out, v, (size_t)(end - v));
    out[end - v] = '\0';
    return 0;
  }
}

int function_env_read_file (struct function_env *e, const char *path,
                            char *err, size_t cap) {
  size_t len;
  char *text = cli_read_file(path, &len), *line, *next;
  int lineno = 0, rc = 0;
  if (text == NULL) {
    snprintf(err, cap, "cannot read --env-file %s", path);
    return -1;
  }
  for (line = text; rc == 0 && line != NULL; line = next) {
    char *name, *eq, *value;
    size_t name_len;
    lineno++;
    next = strchr(line, '\n');
    if (next != NULL)
      *next++ = '\0';
    if (line[0] != '\0' && line[strlen(line) - 1] == '\r')
      line[strlen(line) - 1] = '\0';  /* CRLF, the last line's too */
    name = line + strspn(line, " \t");
    if (*name == '\0' || *name == '#')
      continue;
    if (strncmp(name, "export", 6) == 0 && (name[6] == ' ' ||
                                            name[6] == '\t'))
      name += 6 + strspn(name + 6, " \t");
    eq = strchr(name, '=');
    name_len = eq != NULL ? (size_t)(eq - name) : 0;
    while (name_len > 0 && (name[name_len - 1] == ' ' ||
                            name[name_len - 1] == '\t'))
      name_len--;
    if (eq == NULL || !is_identifier(name, name_len)) {
      snprintf(err, cap, "%s:%d: not NAME=VALUE", path, lineno);
      rc = -1;
      break;
    }
    value = eq + 1 + strspn(eq + 1, " \t");
    /* the value is unquoted in place: never longer than it was */
    if (dotenv_value(value, value) != 0) {
      snprintf(err, cap, "%s:%d: a quote is not closed, or text follows "
               "it", path, lineno);
      rc = -1;
    } else if (set_len(e, name, name_len, value) != 0) {
      snprintf(err, cap, "out of memory");
      rc = -1;
    }
  }
  free(text);
  return rc;
}

/* The shell's variables that stand in for what Lambda gives a deployed
   function: its role's credentials, its region, and where it calls. */
static int passed_from_shell (const char *entry, size_t len) {
  static const char *const names[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    /* the developer's network: a proxy, a CA bundle, to reach AWS */
    "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "AWS_CA_BUNDLE",
    /* a checked (sanitizer) build of the runtime reads its options */
    "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", NULL
  };
  size_t i;
  if (len > 17 && strncmp(entry, "AWS_ENDPOINT_URL_", 17) == 0)
    return 1;
  for (i = 0; names[i] != NULL; i++) {
    if (strlen(names[i]) == len && strncmp(entry, names[i], len) == 0)
      return 1;
  }
  return 0;
}

/* file under HOME's .aws, for name, when the shell did not name one. */
static int aws_file (struct function_env *e, const char *name,
                     const char *file) {
  const char *home = getenv("HOME");
  char path[4096];
  if (function_env_get(e, name) != NULL || home == NULL || home[0] == '\0')
    return 0;
  snprintf(path, sizeof(path), "%s/.aws/%s", home, file);
  if (access(path, R_OK) != 0)
    return 0;
  return function_env_set(e, name, path);
}

int function_env_from_shell (struct function_env *e) {
  char **v;
  for (v = environ; *v != NULL; v++) {
    const char *eq = strchr(*v, '=');
    if (eq != NULL && passed_from_shell(*v, (size_t)(eq - *v)) &&
        set_len(e, *v, (size_t)(eq - *v), eq + 1) != 0)
      return -1;
  }
  /* A profile in ~/.aws reaches the function without the whole HOME. */
  if (aws_file(e, "AWS_SHARED_CREDENTIALS_FILE", "credentials") != 0 ||
      aws_file(e, "AWS_CONFIG_FILE", "config") != 0)
    return -1;
  return 0;
}
