#include "local_function.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buffer.h"
#include "cli_args.h"
#include "cli_files.h"
#include "lambda_limits.h"
#include "sam_function.h"

#define DEFAULT_HANDLER "app.handler"  /* what lua-lambda new writes */
#define DEFAULT_MEMORY_MB LAMBDA_DEFAULT_MEMORY_MB
#define DEFAULT_TIMEOUT_S LAMBDA_DEFAULT_TIMEOUT_S
/* PATH on Lambda is this and /opt/bin (the layers' bin, here) */
#define LAMBDA_PATH "/usr/local/bin:/usr/bin/:/bin"

void local_function_opts_init (struct local_function_opts *o) {
  memset(o, 0, sizeof(*o));
  o->task_root = ".";
}

void local_function_options (struct local_function_opts *o,
                             struct cli_option *table) {
  const struct cli_option options[] = {
    { "--task-root",     CLI_TEXT, NULL, &o->task_root,     0, 0, 0 },
    { "--template",      CLI_TEXT, NULL, &o->template_file, 0, 0, 0 },
    { "--no-template",   CLI_SWITCH, &o->no_template, NULL, 0, 0, 0 },
    { "--function-name", CLI_TEXT, NULL, &o->function_name, 0, 0, 0 },
    { "--layer",    CLI_LIST, &o->n_layers, o->layers, 0,
      LOCAL_MAX_LAYERS, 0 },
    { "--env-file", CLI_LIST, &o->n_env_files, o->env_files, 0,
      LOCAL_MAX_ENV_ARGS, 0 },
    { "--env",      CLI_LIST, &o->n_env_sets, o->env_sets, 0,
      LOCAL_MAX_ENV_ARGS, 0 },
    /* Lambda's least memory is 128; less lets a spec test a tight cap */
    { "--memory",   CLI_NUMBER, &o->memory_mb, NULL, 1,
      LAMBDA_MAX_MEMORY_MB, 0 },
    { "--timeout",  CLI_NUMBER, &o->timeout_s, NULL, LAMBDA_MIN_TIMEOUT_S,
      LAMBDA_MAX_TIMEOUT_S, 0 },
  };
  /* the header's count, or this does not compile */
  (void)sizeof(char[CLI_COUNT(options) == LOCAL_FUNCTION_OPTIONS ? 1 : -1]);
  memcpy(table, options, sizeof(options));
}

int local_function_flag (struct local_function_opts *o, int argc,
                         char **argv, int *i) {
  struct cli_option options[LOCAL_FUNCTION_OPTIONS];
  local_function_options(o, options);
  switch (cli_args_take(options, LOCAL_FUNCTION_OPTIONS, argc, argv, i)) {
    case CLI_TAKEN:
      return 1;
    case CLI_BAD:
      return -1;
    case CLI_NOT_MINE:
      break;
  }
  return 0;
}

/* dir's template.yaml (or .yml), malloc'd, or NULL. */
static char *template_in (const char *dir, size_t len) {
  static const char *const names[] = { "template.yaml", "template.yml",
                                       NULL };
  size_t i;
  for (i = 0; names[i] != NULL; i++) {
    struct stat st;
    char *path = malloc(len + strlen(names[i]) + 2);
    if (path == NULL)
      return NULL;
    sprintf(path, "%.*s/%s", (int)len, dir, names[i]);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
      return path;
    free(path);
  }
  return NULL;
}

/* Whether dir holds .git: a repository's root, where the search ends. */
static int is_repository_root (const char *dir, size_t len) {
  char path[4200];
  struct stat st;
  snprintf(path, sizeof(path), "%.*s/.git", (int)len, dir);
  return stat(path, &st) == 0;
}

/*
** The template for the task root: its own, else one in a folder above it
** (SAM's layout: template.yaml at the top, CodeUri: src/), up to the
** repository's root. Malloc'd, or NULL; *above says which.
*/
static char *find_template (const char *task_root, int *above) {
  size_t len = strlen(task_root);
  char *found = template_in(task_root, len);
  *above = 0;
  while (found == NULL && !is_repository_root(task_root, len) && len > 1) {
    while (len > 0 && task_root[len - 1] != '/')
      len--;
    if (len > 1)
      len--;                            /* the parent, without its '/' */
    found = template_in(task_root, len);
    *above = 1;
  }
  return found;
}

/* The folder of file, malloc'd ("." when it has none). */
static char *folder_of (const char *file) {
  const char *slash = strrchr(file, '/');
  size_t len = slash != NULL ? (size_t)(slash - file) : 0;
  char *dir = malloc(len + 2);
  if (dir == NULL)
    return NULL;
  if (slash == NULL) {
    strcpy(dir, ".");
  } else {
    memcpy(dir, file, len);
    dir[len] = '\0';
    if (len == 0)
      strcpy(dir, "/");
  }
  return dir;
}

/*
** The task root relative to the template's folder ("." when the same),
** for telling which of several functions is this one; NULL when it is
** not below it.
*/
static const char *code_dir (const char *task_root, const char *tdir) {
  size_t len = strlen(tdir);
  if (strcmp(task_root, tdir) == 0)
    return ".";
  if (strncmp(task_root, tdir, len) == 0 && task_root[len] == '/')
    return task_root + len + 1;
  return NULL;
}

static int read_template (const struct local_function_opts *o,
                          struct local_function *f,
                          struct sam_function *sam) {
  char err[1024], *tdir, *file = NULL;
  struct sam_want want;
  int rc;
  want.from_parent = 0;
  if (o->template_file != NULL) {
    file = cli_absolute(o->template_file);
    if (file == NULL) {
      fprintf(stderr, "lua-lambda: no template %s\n", o->template_file);
      return -1;
    }
  } else {
    file = find_template(f->task_root, &want.from_parent);
    if (file == NULL)
      return 0;  /* no template: the flags and the defaults alone */
  }
  tdir = folder_of(file);
  want.name = o->function_name;
  want.handler = o->handler;
  want.code_dir = tdir != NULL ? code_dir(f->task_root, tdir) : NULL;
  rc = sam_function_read(file, &want, sam, err, sizeof(err));
  free(tdir);
  if (rc == 1) {
    free(file);
    return 0;  /* a template above, of other functions */
  }
  if (rc != 0) {
    fprintf(stderr, "lua-lambda: %s (--no-template runs the folder "
            "without it)\n", err);
    free(file);
    return -1;
  }
  f->template_file = file;
  return 1;
}

/* Appends ":" and each layer's path + suffix (none without --layer:
   this machine's /opt is not a layer). */
static int join_layers (struct buffer *b, const struct local_function *f,
                        const char *suffix) {
  const char *dirs = f->layer_dirs != NULL ? f->layer_dirs : "";
  while (*dirs != '\0') {
    size_t len = strcspn(dirs, ":");
    if (buffer_append_literal(b, ":") != 0 ||
        buffer_append(b, dirs, len) != 0 ||
        buffer_append(b, suffix, strlen(suffix)) != 0)
      return -1;
    dirs += len;
    if (*dirs == ':')
      dirs++;
  }
  return 0;
}

/*
** What Lambda sets in every function's environment (provided.al2023),
** with this machine's folders for /var/task, /var/runtime and /opt.
*/
static int lambda_env (struct local_function *f, const char *runtime_dir) {
  struct function_env *e = &f->env;
  char memory[16], group[512];
  struct buffer b;
  int rc = 0;
  const char *region = getenv("AWS_REGION");
  if (region == NULL || region[0] == '\0')
    region = getenv("AWS_DEFAULT_REGION");
  if (region == NULL || region[0] == '\0')
    region = "us-east-1";
  snprintf(memory, sizeof(memory), "%d", f->memory_mb);
  snprintf(group, sizeof(group), "/aws/lambda/%s", f->function_name);
  buffer_init(&b);
  rc |= function_env_set(e, "_HANDLER", f->handler);
  rc |= function_env_set(e, "LAMBDA_TASK_ROOT", f->task_root);
  rc |= function_env_set(e, "LAMBDA_RUNTIME_DIR", runtime_dir);
  rc |= function_env_set(e, "AWS_LAMBDA_FUNCTION_NAME", f->function_name);
  rc |= function_env_set(e, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
  rc |= function_env_set(e, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory);
  rc |= function_env_set(e, "AWS_LAMBDA_LOG_GROUP_NAME", group);
  /* serve names each runtime's stream itself */
  rc |= function_env_set(e, "AWS_LAMBDA_LOG_STREAM_NAME",
                         "local/[$LATEST]lua-lambda");
  rc |= function_env_set(e, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  rc |= function_env_set(e, "AWS_REGION", region);
  rc |= function_env_set(e, "AWS_DEFAULT_REGION", region);
  rc |= function_env_set(e, "LANG", "en_US.UTF-8");
  rc |= function_env_set(e, "TZ", ":UTC");
  rc |= buffer_set(&b, LAMBDA_PATH, sizeof(LAMBDA_PATH) - 1);
  rc |= join_layers(&b, f, "/bin");
  rc |= function_env_set(e, "PATH", b.data);
  b.len = 0;
  rc |= buffer_append_literal(&b, "/lib64:/usr/lib64:");
  rc |= buffer_append(&b, runtime_dir, strlen(runtime_dir));
  rc |= buffer_append_literal(&b, ":");
  rc |= buffer_append(&b, runtime_dir, strlen(runtime_dir));
  rc |= buffer_append_literal(&b, "/lib:");
  rc |= buffer_append(&b, f->task_root, strlen(f->task_root));
  rc |= buffer_append_literal(&b, ":");
  rc |= buffer_append(&b, f->task_root, strlen(f->task_root));
  rc |= buffer_append_literal(&b, "/lib");
  rc |= join_layers(&b, f, "/lib");
  rc |= function_env_set(e, "LD_LIBRARY_PATH", b.data);
  rc |= function_env_set(e, "LUA_LAMBDA_LAYER_DIRS",
                         f->layer_dirs != NULL ? f->layer_dirs : "");
  buffer_free(&b);
  return rc != 0 ? -1 : 0;
}

static int resolve_layers (const struct local_function_opts *o,
                           struct local_function *f) {
  struct buffer b;
  int i;
  if (o->n_layers == 0)
    return 0;
  buffer_init(&b);
  for (i = 0; i < o->n_layers; i++) {
    char *dir = cli_absolute(o->layers[i]);
    struct stat st;
    if (dir == NULL || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
      fprintf(stderr, "lua-lambda: --layer %s: no such folder\n",
              o->layers[i]);
      free(dir);
      buffer_free(&b);
      return -1;
    }
    if (strchr(dir, ':') != NULL) {
      fprintf(stderr, "lua-lambda: --layer %s: a ':' in its path cannot "
              "be told apart from the next layer\n", dir);
      free(dir);
      buffer_free(&b);
      return -1;
    }
    if ((i > 0 && buffer_append_literal(&b, ":") != 0) ||
        buffer_append(&b, dir, strlen(dir)) != 0) {
      free(dir);
      buffer_free(&b);
      return -1;
    }
    free(dir);
  }
  f->layer_dirs = b.data;  /* NUL-terminated: the function's now */
  return 0;
}

/* The template's variables a deployed function would get, and what
   Lambda sets from its LoggingConfig. */
static int template_env (struct local_function *f,
                         const struct sam_function *sam) {
  size_t i;
  if ((sam->log_format != NULL &&
       function_env_set(&f->env, "AWS_LAMBDA_LOG_FORMAT",
                        sam->log_format) != 0) ||
      (sam->log_level != NULL &&
       function_env_set(&f->env, "AWS_LAMBDA_LOG_LEVEL",
                        sam->log_level) != 0))
    return -1;
  for (i = 0; i < sam->env.n; i++) {
    const char *entry = sam->env.vars[i], *eq = strchr(entry, '=');
    char name[256];
    size_t len = (size_t)(eq - entry);
    if (len >= sizeof(name))
      len = sizeof(name) - 1;
    memcpy(name, entry, len);
    name[len] = '\0';
    if (!function_env_name_ok(name)) {
      fprintf(stderr, "lua-lambda: %s: Environment.Variables.%s is "
              "refused by Lambda (a reserved or malformed name): left "
              "out\n", f->template_file, name);
    } else if (function_env_set(&f->env, name, eq + 1) != 0) {
      return -1;
    }
  }
  return 0;
}

/*
** The variables of an --env-file or --env, into the function's: any but
** those Lambda sets itself (the flags and the template say those).
*/
static int take_given (struct local_function *f,
                       const struct function_env *given, const char *from,
                       char *err, size_t cap) {
  size_t i;
  for (i = 0; i < given->n; i++) {
    const char *entry = given->vars[i], *eq = strchr(entry, '=');
    char name[256];
    snprintf(name, sizeof(name), "%.*s", (int)(eq - entry), entry);
    if (function_env_set_by_lambda(name)) {
      snprintf(err, cap, "%s: %s is set by Lambda, not by the function "
               "(--task-root, --memory, --function-name, --layer or the "
               "template say it)", from, name);
      return -1;
    }
    /* one region, as Lambda sets both */
    if ((strcmp(name, "AWS_REGION") == 0 ||
         strcmp(name, "AWS_DEFAULT_REGION") == 0) &&
        (function_env_set(&f->env, "AWS_REGION", eq + 1) != 0 ||
         function_env_set(&f->env, "AWS_DEFAULT_REGION", eq + 1) != 0)) {
      snprintf(err, cap, "out of memory");
      return -1;
    }
    if (function_env_set(&f->env, name, eq + 1) != 0) {
      snprintf(err, cap, "out of memory");
      return -1;
    }
  }
  return 0;
}

int local_function_resolve (const struct local_function_opts *o,
                            const char *runtime_dir,
                            struct local_function *f) {
  struct sam_function sam;
  char err[1024];
  int i, have_sam;
  memset(f, 0, sizeof(*f));
  memset(&sam, 0, sizeof(sam));
  function_env_init(&f->env);
  function_env_init(&sam.env);
  f->task_root = cli_absolute(o->task_root);
  if (f->task_root == NULL) {
    fprintf(stderr, "lua-lambda: no folder %s\n", o->task_root);
    return -1;
  }
  have_sam = o->no_template ? 0 : read_template(o, f, &sam);
  if (have_sam < 0)
    goto fail;
  if (have_sam) {
    f->logical_id = sam.logical_id;
    f->architecture = sam.architecture;
    f->architecture_unknown = sam.architecture_unknown;
    sam.logical_id = sam.architecture = NULL;
  }
  f->handler = strdup(o->handler != NULL ? o->handler
                      : have_sam && sam.handler != NULL ? sam.handler
                      : DEFAULT_HANDLER);
  f->function_name = strdup(o->function_name != NULL ? o->function_name
                                                     : "function");
  f->memory_mb = o->memory_mb > 0 ? o->memory_mb
                 : have_sam && sam.memory_mb > 0 ? sam.memory_mb
                 : DEFAULT_MEMORY_MB;
  f->timeout_s = o->timeout_s > 0 ? o->timeout_s
                 : have_sam && sam.timeout_s > 0 ? sam.timeout_s
                 : DEFAULT_TIMEOUT_S;
  if (f->handler == NULL || f->function_name == NULL ||
      resolve_layers(o, f) != 0 || lambda_env(f, runtime_dir) != 0 ||
      (have_sam && template_env(f, &sam) != 0) ||
      function_env_from_shell(&f->env) != 0)
    goto fail;
  for (i = 0; i < o->n_env_files + o->n_env_sets; i++) {
    struct function_env given;
    int rc;
    function_env_init(&given);
    rc = i < o->n_env_files
         ? function_env_read_file(&given, o->env_files[i], err, sizeof(err))
         : function_env_put(&given, o->env_sets[i - o->n_env_files], err,
                            sizeof(err));
    if (rc == 0)
      rc = take_given(f, &given, i < o->n_env_files ? o->env_files[i]
                                                    : "--env", err,
                      sizeof(err));
    function_env_free(&given);
    if (rc != 0) {
      fprintf(stderr, "lua-lambda: %s\n", err);
      goto fail;
    }
  }
  sam_function_free(&sam);
  return 0;
fail:
  sam_function_free(&sam);
  local_function_free(f);
  return -1;
}

void local_function_free (struct local_function *f) {
  free(f->task_root);
  free(f->handler);
  free(f->function_name);
  free(f->template_file);
  free(f->logical_id);
  free(f->architecture);
  free(f->layer_dirs);
  function_env_free(&f->env);
  memset(f, 0, sizeof(*f));
}
