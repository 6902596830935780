/* Which AWS service models a function gets (aws_services.h). */
#include "aws_services.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws_scan.h"
#include "cli_files.h"

#define MAX_NAME 64          /* botocore's names are far shorter */
#define INSTALLED_BELOW_BIN "/../share/lua-lambda/aws-models"

void aws_services_init (struct aws_services *s) {
  memset(s, 0, sizeof(*s));
}

void aws_services_free (struct aws_services *s) {
  size_t i;
  for (i = 0; i < s->n; i++)
    free(s->names[i]);
  free(s->names);
  aws_services_init(s);
}

static int is_dir (const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *aws_models_dir (void) {
  char *own = cli_own_folder(), *dir;
  if (own != NULL) {
    dir = malloc(strlen(own) + sizeof(INSTALLED_BELOW_BIN));
    if (dir != NULL) {
      sprintf(dir, "%s%s", own, INSTALLED_BELOW_BIN);
      if (is_dir(dir)) {
        char *real = cli_absolute(dir);
        free(dir);
        free(own);
        return real;
      }
      free(dir);
    }
    free(own);
  }
  if (is_dir(LUA_LAMBDA_SOURCE_DIR "/models"))
    return strdup(LUA_LAMBDA_SOURCE_DIR "/models");
  if (is_dir(LUA_LAMBDA_AWS_MODELS_INSTALLED))
    return strdup(LUA_LAMBDA_AWS_MODELS_INSTALLED);
  return NULL;
}

char *aws_model_path (const char *models, const char *name) {
  char *path = malloc(strlen(models) + strlen(name) +
                      sizeof("/" AWS_MODEL_SUFFIX));
  if (path != NULL)
    sprintf(path, "%s/%s%s", models, name, AWS_MODEL_SUFFIX);
  return path;
}

/* Whether name could be a service's: letters, digits, '-' and '_'. */
static int name_ok (const char *name, size_t len) {
  size_t i;
  if (len == 0 || len > MAX_NAME)
    return 0;
  for (i = 0; i < len; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return 0;
  }
  return 1;
}

static int has_model (const char *models, const char *name) {
  char *path;
  struct stat st;
  int found;
  if (models == NULL)
    return 0;
  path = aws_model_path(models, name);
  found = path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);
  free(path);
  return found;
}

/* Adds name, keeping s sorted and each once. 0, or -1. */
static int add_name (struct aws_services *s, const char *name) {
  size_t lo = 0, hi = s->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(s->names[mid], name);
    if (c == 0)
      return 0;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 16;
    char **grown = realloc(s->names, cap * sizeof(*grown));
    if (grown == NULL)
      return -1;
    s->names = grown;
    s->cap = cap;
  }
  memmove(s->names + lo + 1, s->names + lo, (s->n - lo) * sizeof(char *));
  s->names[lo] = strdup(name);
  if (s->names[lo] == NULL) {
    memmove(s->names + lo, s->names + lo + 1, (s->n - lo) * sizeof(char *));
    return -1;
  }
  s->n++;
  return 0;
}

/* Every model's service, from the models folder. 0, or -1. */
static int all_models (const char *models, struct aws_services *out) {
  DIR *d = opendir(models);
  struct dirent *e;
  size_t suffix = strlen(AWS_MODEL_SUFFIX);
  int rc = 0;
  if (d == NULL)
    return -1;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len > suffix && e->d_name[0] != '.' &&
        strcmp(e->d_name + len - suffix, AWS_MODEL_SUFFIX) == 0) {
      e->d_name[len - suffix] = '\0';
      rc = add_name(out, e->d_name);
    }
  }
  closedir(d);
  return rc;
}

/* The edit distance of a and b (at most MAX_NAME each). */
static size_t distance (const char *a, const char *b) {
  size_t row[MAX_NAME + 2], la = strlen(a), lb = strlen(b), i, j;
  if (la > MAX_NAME || lb > MAX_NAME)
    return (size_t)-1;
  for (j = 0; j <= lb; j++)
    row[j] = j;
  for (i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (j = 1; j <= lb; j++) {
      size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      diag = up;
      row[j] = best;
    }
  }
  return row[lb];
}

/* The known service nearest to name, when one is near (a typo, '_' for
   '-'), into near; "" when none is. */
static void nearest (const char *models, const char *name, char *near,
                     size_t cap) {
  struct aws_services all;
  size_t i, best = (size_t)-1, limit = strlen(name) / 3 + 1;
  near[0] = '\0';
  aws_services_init(&all);
  if (models == NULL || all_models(models, &all) != 0) {
    aws_services_free(&all);
    return;
  }
  if (limit < 2)
    limit = 2;
  for (i = 0; i < all.n; i++) {
    size_t d = distance(name, all.names[i]);
    if (d < best && d <= limit) {
      best = d;
      snprintf(near, cap, "%s", all.names[i]);
    }
  }
  aws_services_free(&all);
}

/* What one file's scan collects into. */
struct scan {
  const char *models, *file;  /* file: its path below the root */
  struct aws_services *out;
};

static int found_one (void *ud, const char *s, size_t len,
                      enum aws_scan_kind kind, int line) {
  struct scan *sc = ud;
  char name[MAX_NAME + 1], near[MAX_NAME + 1];
  if (!name_ok(s, len))
    return 0;
  memcpy(name, s, len);
  name[len] = '\0';
  if (has_model(sc->models, name))
    return add_name(sc->out, name);
  if (kind == AWS_SCAN_NAMED && sc->models != NULL) {
    nearest(sc->models, name, near, sizeof(near));
    fprintf(stderr, "lua-lambda: warning: %s:%d names AWS service '%s', "
            "which lambda.aws has no model of%s%s%s: it will fail there "
            "with UnknownService\n", sc->file, line, name,
            near[0] ? " (did you mean '" : "", near, near[0] ? "'?)" : "");
  } else if (kind == AWS_SCAN_NAMED) {
    return add_name(sc->out, name);  /* refused below: no models */
  }
  return 0;
}

static int scan_file (const char *path, const char *rel, const char *models,
                      struct aws_services *out) {
  size_t len;
  char *text = cli_read_file(path, &len);
  struct scan sc;
  int rc;
  if (text == NULL)
    return 0;  /* unreadable: the build says so when it packs it */
  sc.models = models;
  sc.file = rel;
  sc.out = out;
  rc = aws_scan_text(text, len, found_one, &sc);
  free(text);
  return rc;
}

/* Whether the walk leaves rel (below the root) unread. */
static int not_scanned (const char *rel, int top) {
  static const char *const tops[] = { "lua_modules", "spec", "specs",
    "test", "tests", "node_modules", NULL };
  size_t i;
  const char *base = strrchr(rel, '/');
  base = base != NULL ? base + 1 : rel;
  if (base[0] == '.')
    return 1;
  for (i = 0; top && tops[i] != NULL; i++) {
    if (strcmp(rel, tops[i]) == 0)
      return 1;
  }
  return 0;
}

static int ends_with (const char *s, const char *suffix) {
  size_t len = strlen(s), n = strlen(suffix);
  return len >= n && strcmp(s + len - n, suffix) == 0;
}

/* Scans the .lua files below dir (rel: its path below the root, "" for
   the root); folders linked to are not followed. 0, or -1. */
static int walk (const char *dir, const char *rel, const char *models,
                 struct aws_services *out) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = 0;
  if (d == NULL)
    return 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    char path[4096], sub[4096];
    struct stat st;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
            sizeof(path) ||
        (size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "",
                         e->d_name) >= sizeof(sub) ||
        not_scanned(sub, rel[0] == '\0') || lstat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode))
      rc = walk(path, sub, models, out);
    else if (ends_with(sub, ".lua") && !ends_with(sub, "_spec.lua") &&
             stat(path, &st) == 0 && S_ISREG(st.st_mode))
      rc = scan_file(path, sub, models, out);
  }
  closedir(d);
  return rc;
}

/* One line of aws-services.txt, its comment and spaces cut off, into
   out; -1 having said why when it names no model. */
static int listed (char *line, int n, const char *file, const char *models,
                   struct aws_services *out) {
  char *hash = strchr(line, '#'), *end, near[MAX_NAME + 1];
  if (hash != NULL)
    *hash = '\0';
  while (*line == ' ' || *line == '\t')
    line++;
  end = line + strlen(line);
  while (end > line && strchr(" \t\r", end[-1]) != NULL)
    *--end = '\0';
  if (line[0] == '\0')
    return 0;
  if (name_ok(line, strlen(line)) && has_model(models, line))
    return add_name(out, line);
  if (models == NULL) {
    fprintf(stderr, "lua-lambda: %s:%d: %s: this lua-lambda has no AWS "
            "models to check it against\n", file, n, line);
    return -1;
  }
  nearest(models, line, near, sizeof(near));
  fprintf(stderr, "lua-lambda: %s:%d: no AWS service '%s'%s%s%s: the "
          "names are botocore's, as aws.client takes them (%s has one "
          "<name>.model each)\n", file, n, line,
          near[0] ? " (did you mean '" : "", near, near[0] ? "'?)" : "",
          models);
  return -1;
}

/* The services root's aws-services.txt lists, when it has one. 0, or -1
   having said why (every bad line said). */
static int read_list (const char *root, const char *models,
                      struct aws_services *out) {
  char file[4096], *text, *line, *next;
  size_t len;
  int n = 0, bad = 0;
  snprintf(file, sizeof(file), "%s/%s", root, AWS_SERVICES_FILE);
  text = cli_read_file(file, &len);
  if (text == NULL)
    return 0;
  for (line = text; line != NULL; line = next) {
    next = strchr(line, '\n');
    if (next != NULL)
      *next++ = '\0';
    n++;
    if (listed(line, n, file, models, out) != 0)
      bad = 1;
  }
  free(text);
  return bad ? -1 : 0;
}

int aws_services_of (const char *root, const char *models, int all,
                     struct aws_services *out) {
  aws_services_init(out);
  if (all) {
    if (models != NULL && all_models(models, out) == 0)
      return 0;
    fprintf(stderr, "lua-lambda: this lua-lambda has no AWS models to "
            "pack (looked in %s and %s)\n", LUA_LAMBDA_SOURCE_DIR "/models",
            LUA_LAMBDA_AWS_MODELS_INSTALLED);
    return -1;
  }
  if (walk(root, "", models, out) != 0 || read_list(root, models, out) != 0)
    return -1;
  if (models == NULL && out->n > 0) {
    fprintf(stderr, "lua-lambda: the function uses AWS service %s, and "
            "this lua-lambda has no AWS models (looked in %s and %s): "
            "reinstall it\n", out->names[0], LUA_LAMBDA_SOURCE_DIR
            "/models", LUA_LAMBDA_AWS_MODELS_INSTALLED);
    return -1;
  }
  return 0;
}
