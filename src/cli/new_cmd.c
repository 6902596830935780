/*
** lua-lambda new NAME [--template http|sqs|stream|schedule]
** A function folder from the templates built into lua-lambda
** (src/cli/files/templates/): handler, spec, sample event, SAM template
** (arm64), README, and the .busted and .luarc.json that make busted and
** lua-language-server work in it at once (.busted moves busted to
** lua5.4: Debian's starts under Lua 5.1).
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "cli.h"
#include "embedded_files.h"

static const char *const templates[] = { "http", "sqs", "stream",
                                          "schedule", NULL };

/* How to try each template locally, for its README. */
static const char *try_line (const char *template) {
  if (strcmp(template, "http") == 0)
    return "    lua-lambda serve --http --watch    "
           "# then open http://127.0.0.1:3000/hello?name=you\n";
  if (strcmp(template, "stream") == 0)
    return "    lua-lambda serve --http --watch    "
           "# then curl -N http://127.0.0.1:3000/lines?n=5\n";
  return "    lua-lambda serve --watch            # then:\n"
         "    curl -d @events/event.json "
         "http://127.0.0.1:8080/2015-03-31/functions/function/invocations\n";
}

static void usage (void) {
  fprintf(stderr, "usage: lua-lambda new NAME "
          "[--template http|sqs|stream|schedule]\n");
}

/*
** lua-language-server's libraries for the .luarc.json: the annotations
** (luals/) and the runtime's Lua modules (lua/), installed next to this
** lua-lambda if they are, else in the tree it was built from.
*/
static void luals_dirs (char *luals, char *lua, size_t cap) {
  struct stat st;
  if (stat(LUA_LAMBDA_LUALS_INSTALLED, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(luals, cap, "%s", LUA_LAMBDA_LUALS_INSTALLED);
    snprintf(lua, cap, "%s", LUA_LAMBDA_LUA_INSTALLED);
  } else {
    snprintf(luals, cap, "%s/luals", LUA_LAMBDA_SOURCE_DIR);
    snprintf(lua, cap, "%s/lua", LUA_LAMBDA_SOURCE_DIR);
  }
}

/* Copies text into out with each {{key}} replaced by its value. */
static int fill (struct buffer *out, const char *text, size_t len,
                 const char *const *vars) {
  size_t i = 0;
  while (i < len) {
    const char *const *v;
    int done = 0;
    if (i + 1 < len && text[i] == '{' && text[i + 1] == '{') {
      for (v = vars; v[0] != NULL; v += 2) {
        size_t k = strlen(v[0]);
        if (i + 4 + k <= len && strncmp(text + i + 2, v[0], k) == 0 &&
            strncmp(text + i + 2 + k, "}}", 2) == 0) {
          if (buffer_append(out, v[1], strlen(v[1])) != 0)
            return -1;
          i += 4 + k;
          done = 1;
          break;
        }
      }
    }
    if (!done) {
      if (buffer_append(out, text + i, 1) != 0)
        return -1;
      i++;
    }
  }
  return 0;
}

/* mkdir -p for the folders of path (not path itself). */
static int make_parents (const char *path) {
  char dir[PATH_MAX];
  char *p;
  snprintf(dir, sizeof(dir), "%s", path);
  for (p = dir + 1; *p != '\0'; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  return 0;
}

static int write_file (const char *path, const struct buffer *b) {
  FILE *f;
  int ok;
  if (make_parents(path) != 0 || (f = fopen(path, "wb")) == NULL)
    return -1;
  ok = fwrite(b->data, 1, b->len, f) == b->len;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static int valid_name (const char *name) {
  const char *c;
  if (name[0] == '\0' || name[0] == '-' || name[0] == '.' ||
      strlen(name) > 64)
    return 0;
  for (c = name; *c != '\0'; c++) {
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
          (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
      return 0;
  }
  return 1;
}

int new_main (int argc, char **argv) {
  const char *name = NULL, *template = "http", *const *t;
  const struct embedded_file *f;
  static const char common[] = "templates/common/";
  char luals[PATH_MAX], lua[PATH_MAX], own[64];
  const char *vars[11];
  struct buffer text;
  int i, made = 0;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--template") == 0 && i + 1 < argc)
      template = argv[++i];
    else if (argv[i][0] != '-' && name == NULL)
      name = argv[i];
    else
      return usage(), 2;
  }
  if (name == NULL)
    return usage(), 2;
  for (t = templates; *t != NULL && strcmp(*t, template) != 0; t++)
    ;
  if (*t == NULL) {
    fprintf(stderr, "lua-lambda: no template %s (http, sqs, stream, "
            "schedule)\n", template);
    return 2;
  }
  if (!valid_name(name)) {
    fprintf(stderr, "lua-lambda: %s: a name is letters, digits, - and _\n",
            name);
    return 2;
  }
  if (access(name, F_OK) == 0) {
    fprintf(stderr, "lua-lambda: %s is already there\n", name);
    return 1;
  }
  luals_dirs(luals, lua, sizeof(luals));
  vars[0] = "name", vars[1] = name;
  vars[2] = "template", vars[3] = template;
  vars[4] = "try", vars[5] = try_line(template);
  vars[6] = "luals", vars[7] = luals;
  vars[8] = "lua", vars[9] = lua;
  vars[10] = NULL;
  snprintf(own, sizeof(own), "templates/%s/", template);
  buffer_init(&text);
  for (f = cli_files; f->path != NULL; f++) {
    const char *rest;
    char path[PATH_MAX];
    if (strncmp(f->path, common, strlen(common)) == 0)
      rest = f->path + strlen(common);
    else if (strncmp(f->path, own, strlen(own)) == 0)
      rest = f->path + strlen(own);
    else
      continue;
    snprintf(path, sizeof(path), "%s/%s", name, rest);
    buffer_clear(&text);
    if (fill(&text, f->data, f->len, vars) != 0 ||
        write_file(path, &text) != 0) {
      fprintf(stderr, "lua-lambda: cannot write %s: %s\n", path,
              strerror(errno));
      buffer_free(&text);
      return 1;
    }
    made++;
  }
  buffer_free(&text);
  printf("lua-lambda: made %s/ (%s, %d files). Next:\n"
         "    cd %s\n"
         "    busted                             "
         "# its spec, under lua5.4 (see .busted)\n%s",
         name, template, made, name, try_line(template));
  return 0;
}
