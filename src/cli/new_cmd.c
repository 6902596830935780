/*
** lua-lambda new NAME [--template http|sqs|stream|schedule]
** A function folder from the templates built into lua-lambda
** (src/cli/files/templates/): handler, spec (with spec/support.lua, what
** a function's specs share), sample event, SAM template (arm64), README,
** and the .busted and .luarc.json that make busted and
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
#include "cli_args.h"
#include "embedded_files.h"

static const char *const templates[] = { "http", "sqs", "stream",
                                          "schedule", NULL };
#define DEFAULT_TEMPLATE "http"
#define COMMON_FILES "templates/common/"  /* in every template's folder */

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

struct new_opts {
  const char *name;       /* NAME: the folder made */
  const char *template;   /* --template, or DEFAULT_TEMPLATE */
};

/* 0, or -1 having said why (then the exit status is 2). */
static int parse (int argc, char **argv, struct new_opts *o) {
  const struct cli_option options[] = {
    { "--template", CLI_TEXT, NULL, &o->template, 0, 0, 0 },
  };
  int n;
  o->name = NULL;
  o->template = DEFAULT_TEMPLATE;
  n = cli_args_read(options, CLI_COUNT(options), argc, argv, &o->name, 1,
                    usage);
  if (n == 0)
    usage();                      /* no NAME */
  return n == 1 ? 0 : -1;
}

/* Whether what o asks can be made: CLI_DONE, else CLI_MISUSED for a
   template or name refused, CLI_FAILED for a folder already there. */
static enum cli_status check (const struct new_opts *o) {
  const char *const *t;
  for (t = templates; *t != NULL && strcmp(*t, o->template) != 0; t++)
    ;
  if (*t == NULL) {
    fprintf(stderr, "lua-lambda: no template %s (http, sqs, stream, "
            "schedule)\n", o->template);
    return CLI_MISUSED;
  }
  if (!valid_name(o->name)) {
    fprintf(stderr, "lua-lambda: %s: a name is letters, digits, - and _\n",
            o->name);
    return CLI_MISUSED;
  }
  if (access(o->name, F_OK) == 0) {
    fprintf(stderr, "lua-lambda: %s is already there\n", o->name);
    return CLI_FAILED;
  }
  return CLI_DONE;
}

/* The part of path below prefix, or NULL when it is not below it. */
static const char *below (const char *path, const char *prefix) {
  size_t len = strlen(prefix);
  return strncmp(path, prefix, len) == 0 ? path + len : NULL;
}

/*
** Writes the common files and the template's into the folder NAME, each
** {{key}} of vars filled. The number of files written, or -1 having said
** why.
*/
static int write_project (const struct new_opts *o,
                          const char *const *vars) {
  const struct embedded_file *f;
  char own[64];
  struct buffer text;
  int made = 0;
  snprintf(own, sizeof(own), "templates/%s/", o->template);
  buffer_init(&text);
  for (f = cli_files; f->path != NULL; f++) {
    const char *rest = below(f->path, COMMON_FILES);
    char path[PATH_MAX];
    if (rest == NULL && (rest = below(f->path, own)) == NULL)
      continue;
    snprintf(path, sizeof(path), "%s/%s", o->name, rest);
    buffer_clear(&text);
    if (fill(&text, f->data, f->len, vars) != 0 ||
        write_file(path, &text) != 0) {
      fprintf(stderr, "lua-lambda: cannot write %s: %s\n", path,
              strerror(errno));
      buffer_free(&text);
      return -1;
    }
    made++;
  }
  buffer_free(&text);
  return made;
}

int new_main (int argc, char **argv) {
  struct new_opts o;
  char luals[PATH_MAX], lua[PATH_MAX];
  const char *vars[11];
  enum cli_status status;
  int made;
  if (parse(argc, argv, &o) != 0)
    return CLI_MISUSED;
  status = check(&o);
  if (status != CLI_DONE)
    return status;
  luals_dirs(luals, lua, sizeof(luals));
  vars[0] = "name", vars[1] = o.name;
  vars[2] = "template", vars[3] = o.template;
  vars[4] = "try", vars[5] = try_line(o.template);
  vars[6] = "luals", vars[7] = luals;
  vars[8] = "lua", vars[9] = lua;
  vars[10] = NULL;
  made = write_project(&o, vars);
  if (made < 0)
    return CLI_FAILED;
  printf("lua-lambda: made %s/ (%s, %d files). Next:\n"
         "    cd %s\n"
         "    busted                             "
         "# its spec, under lua5.4 (see .busted)\n%s",
         o.name, o.template, made, o.name, try_line(o.template));
  return CLI_DONE;
}
