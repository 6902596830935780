/*
** lua-lambda build [DIR] [--layer] [--pin] [--server URL|DIR] [--out DIR]
**                  [--stage DIR] [--arch x86_64|arm64] [--rockspec FILE]
**                  [--docker] [--bootstrap FILE | --no-bootstrap]
**                  [--runtime-layer] [--template FILE | --no-template]
**                  [--all-aws-models | --no-aws-models]
** Installs the function's LuaRocks dependencies (its rockspec, pinned by
** luarocks.lock when there is one) into DIR/lua_modules with the Lua
** headers bootstrap embeds, checks every C module can load on Lambda,
** and writes function.zip: bootstrap, for the function's architecture
** (its template's Architectures), and the function (and with --layer,
** layer.zip holding lua_modules/ for /opt), byte for byte the same for
** the same inputs; with --stage, copies the same files into a folder
** instead (sam build's ARTIFACTS_DIR, a Dockerfile's COPY). With
** --runtime-layer, writes runtime-layer.zip: bootstrap alone, a layer
** that any function's zip can run on, with every AWS service model under
** lua/aws-models/ (/opt/lua/aws-models). A function's zip carries the
** models of the AWS services it uses (aws_services.h) as
** aws-models/<service>.model, with --all-aws-models every one, with
** --no-aws-models none (for a function on the runtime layer). The
** one packager: CMake's
** artifacts target and the Dockerfile call it.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lua.h>

#include "aws_services.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_files.h"
#include "cli_lua.h"
#include "elf_arch.h"
#include "local_function.h"
#include "so_check.h"
#include "zip_writer.h"

#define BUILDER_IMAGE "lua-lambda-builder"
#define BUILDER_LUA_INCDIR "/deps/lua/src"  /* the Dockerfile's builder */
/* where the stripped bootstrap is written */
#define BUILD_TMP "/tmp/lua-lambda-build-XXXXXX"
#define DEFAULT_DIR "."                     /* the function's folder */

struct build_opts {
  const char *dir, *out, *stage, *server, *arch, *rockspec;
  const char *bootstrap, *template_file, *function_name;
  int layer, pin, docker, no_bootstrap, runtime_layer, no_template;
  int all_aws_models, no_aws_models;
};

/* The files to pack: every entry's strings are malloc'd. */
struct file_list {
  struct zip_entry *items;
  size_t n, cap;
};

static void usage (void) {
  fprintf(stderr, "usage: lua-lambda build [DIR] [--layer] [--pin] "
          "[--server URL|DIR] [--out DIR] [--stage DIR] "
          "[--arch x86_64|arm64] [--rockspec FILE] [--docker] "
          "[--bootstrap FILE | --no-bootstrap] [--runtime-layer] "
          "[--template FILE | --no-template] [--function-name ID] "
          "[--all-aws-models | --no-aws-models]\n");
}

/*
** Runs argv (in cwd when not NULL); the exit status, or -1. Said on
** stderr first, unless quiet: then its output is dropped too.
*/
static int run (char *const argv[], const char *cwd, int quiet) {
  pid_t pid;
  int status, i;
  if (!quiet) {
    fprintf(stderr, "lua-lambda:");
    for (i = 0; argv[i] != NULL; i++)
      fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "\n");
  }
  pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    if (quiet) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    if (cwd != NULL && chdir(cwd) != 0)
      _exit(126);
    execvp(argv[0], argv);
    fprintf(stderr, "lua-lambda: cannot run %s: %s\n", argv[0],
            strerror(errno));
    _exit(127);
  }
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The one *.rockspec in dir (malloc'd name), NULL when none; -1 in *many
   when there are several. */
static char *find_rockspec (const char *dir, int *many) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char *found = NULL;
  *many = 0;
  if (d == NULL)
    return NULL;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len > 9 && strcmp(e->d_name + len - 9, ".rockspec") == 0) {
      if (found != NULL) {
        *many = 1;
        free(found);
        found = NULL;
        break;
      }
      found = strdup(e->d_name);
    }
  }
  closedir(d);
  return found;
}

/* --- dependencies -------------------------------------------------------- */

static int install_rocks (const struct build_opts *o, const char *arch,
                          const char *root, const char *rockspec) {
  char tree[4096], server[4096], incdir[4096];
  char volume[4200], platform[32], user[32];
  char *argv[32];  /* docker's 13, luarocks' 10 at most */
  int n = 0, rc;
  const char *luarocks = getenv("LUAROCKS");
  const char *lua_incdir = getenv("LUA_LAMBDA_LUA_INCDIR");
  if (lua_incdir == NULL || lua_incdir[0] == '\0')
    lua_incdir = LUA_LAMBDA_LUA_INCDIR;  /* the headers bootstrap embeds */
  if (o->docker) {
    /* AL2023, in the Dockerfile's builder stage (README: Dependencies). */
    const char *image = getenv("LUA_LAMBDA_BUILDER_IMAGE");
    snprintf(volume, sizeof(volume), "%s:/var/task", root);
    snprintf(platform, sizeof(platform), "linux/%s",
             strcmp(arch, "arm64") == 0 ? "arm64" : "amd64");
    snprintf(user, sizeof(user), "%d:%d", (int)getuid(), (int)getgid());
    argv[n++] = "docker";
    argv[n++] = "run";
    argv[n++] = "--rm";
    argv[n++] = "--platform";
    argv[n++] = platform;
    argv[n++] = "--user";
    argv[n++] = user;
    argv[n++] = "-e";
    argv[n++] = "HOME=/tmp";  /* luarocks' cache, writable as that user */
    argv[n++] = "-v";
    argv[n++] = volume;
    argv[n++] = "-w";
    argv[n++] = "/var/task";
    argv[n++] = (char *)(image != NULL && image[0] != '\0' ? image
                                                           : BUILDER_IMAGE);
    root = "/var/task";
    lua_incdir = BUILDER_LUA_INCDIR;
    luarocks = "luarocks";
  } else if (luarocks == NULL || luarocks[0] == '\0') {
    luarocks = "luarocks";
  }
  argv[n++] = (char *)luarocks;
  argv[n++] = "--lua-version=5.4";
  snprintf(tree, sizeof(tree), "--tree=%s/lua_modules", root);
  argv[n++] = tree;
  if (o->server != NULL) {
    snprintf(server, sizeof(server), "--only-server=%s", o->server);
    argv[n++] = server;
  }
  argv[n++] = "make";
  argv[n++] = "--only-deps";
  argv[n++] = "--deps-mode=one";
  if (o->pin)
    argv[n++] = "--pin";  /* writes luarocks.lock beside the rockspec */
  argv[n++] = (char *)rockspec;
  snprintf(incdir, sizeof(incdir), "LUA_INCDIR=%s", lua_incdir);
  argv[n++] = incdir;
  argv[n] = NULL;
  rc = run(argv, o->docker ? NULL : root, 0);
  if (rc != 0) {
    fprintf(stderr, "lua-lambda: %s failed (exit status %d)%s\n", argv[0], rc,
            o->docker ? ": is the builder image there? docker build "
                        "--target builder -t lua-lambda-builder ." : "");
    return -1;
  }
  return 0;
}

/* --- what goes in the zips ----------------------------------------------- */

/* Files and folders at the top of the function's folder that are not the
   function: its tests, its deployment's own files, the build's outputs. */
static int left_out_at_top (const char *name) {
  static const char *const names[] = {
    "spec", "specs", "test", "tests", "events", "dist", "node_modules",
    "function.zip", "layer.zip", "runtime-layer.zip", "template.yaml",
    "template.yml",
    "samconfig.toml", "samconfig.yaml", "samconfig.yml", "Makefile",
    "Dockerfile", "luarocks.lock",
    "event.json", AWS_SERVICES_FILE, NULL
  };
  size_t len = strlen(name), i;
  for (i = 0; names[i] != NULL; i++) {
    if (strcmp(name, names[i]) == 0)
      return 1;
  }
  return strncmp(name, "README", 6) == 0 ||
         (len > 9 && strcmp(name + len - 9, ".rockspec") == 0);
}

/* Of a LuaRocks tree, only the modules go: share/lua and lib/lua. */
static int module_of_tree (const char *rest) {
  return strncmp(rest, "share/lua/", 10) == 0 ||
         strncmp(rest, "lib/lua/", 8) == 0;
}

/* Whether rel's first part (a file, or the folder it is in) is left out. */
static int top_left_out (const char *rel) {
  char top[256];
  size_t len = strcspn(rel, "/");
  if (len >= sizeof(top))
    return 0;
  memcpy(top, rel, len);
  top[len] = '\0';
  return left_out_at_top(top);
}

static int has_hidden_part (const char *rel) {
  const char *p = rel;
  while (p != NULL) {
    if (p[0] == '.')
      return 1;
    p = strchr(p, '/');
    if (p != NULL)
      p++;
  }
  return 0;
}

/* Adds name, from file; a symbolic link entry when link is not NULL. */
static int add_file (struct file_list *l, const char *name, const char *file,
                     const char *link, unsigned mode) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    struct zip_entry *grown = realloc(l->items, cap * sizeof(*grown));
    if (grown == NULL)
      return -1;
    l->items = grown;
    l->cap = cap;
  }
  l->items[l->n].name = strdup(name);
  l->items[l->n].file = strdup(file);
  l->items[l->n].link = link != NULL ? strdup(link) : NULL;
  l->items[l->n].mode = mode;
  if (l->items[l->n].name == NULL || l->items[l->n].file == NULL ||
      (link != NULL && l->items[l->n].link == NULL)) {
    free((char *)l->items[l->n].name);
    free((char *)l->items[l->n].file);
    free((char *)l->items[l->n].link);
    return -1;
  }
  l->n++;
  return 0;
}

static void free_list (struct file_list *l) {
  size_t i;
  for (i = 0; i < l->n; i++) {
    free((char *)l->items[i].name);
    free((char *)l->items[i].file);
    free((char *)l->items[i].link);
  }
  free(l->items);
}

static int by_name (const void *a, const void *b) {
  return strcmp(((const struct zip_entry *)a)->name,
                ((const struct zip_entry *)b)->name);
}

/* Sorts l by name (an empty list has no items to give qsort). */
static void sort_list (struct file_list *l) {
  if (l->n > 0)
    qsort(l->items, l->n, sizeof(*l->items), by_name);
}

/* What a walk of the function's folder collects, and where. */
struct walk {
  const char *root, *out;
  size_t root_len;
  int layer;
  int own_bootstrap;    /* ours goes in: the folder's is left out */
  struct file_list *function, *modules;
};

/* The list rel goes in (its path below the root), or NULL when it is
   left out. */
static struct file_list *list_for (const struct walk *w, const char *rel) {
  size_t len = strlen(rel);
  if (has_hidden_part(rel) || top_left_out(rel) ||
      (w->own_bootstrap && strcmp(rel, "bootstrap") == 0))
    return NULL;
  /* serve's and invoke's --env-file: the developer's, maybe secrets */
  if (len > 4 && strcmp(rel + len - 4, ".env") == 0)
    return NULL;
  if (strncmp(rel, "lua_modules/", 12) == 0) {
    if (!module_of_tree(rel + 12))
      return NULL;
    return w->layer ? w->modules : w->function;
  }
  return w->function;
}

static unsigned mode_of (const struct stat *st) {
  return (st->st_mode & S_IXUSR) ? 0755 : 0644;
}

/*
** What a link at rel stores to reach target (both below the root):
** relative, so that it holds wherever the zip is unpacked ("../app.lua").
** Malloc'd, or NULL.
*/
static char *relative_link (const char *rel, const char *target) {
  const char *slash = strrchr(rel, '/');
  size_t dir_len = slash != NULL ? (size_t)(slash - rel) + 1 : 0;
  size_t target_len = strlen(target), common = 0, ups = 0, i, n;
  char *out;
  /* the folders the link's and the target's paths share, whole */
  for (i = 0; i < dir_len && i <= target_len; i++) {
    char t = i < target_len ? target[i] : '/';
    if (rel[i] != t)
      break;
    if (t == '/')
      common = i + 1;
  }
  for (i = common; i < dir_len; i++)
    ups += rel[i] == '/';
  n = common < target_len ? target_len - common : 0;
  out = malloc(3 * ups + n + 2);
  if (out == NULL)
    return NULL;
  out[0] = '\0';
  for (i = 0; i < ups; i++)
    strcat(out, "../");
  strncat(out, target + common, n);
  n = strlen(out);
  if (n > 0 && out[n - 1] == '/')
    out[n - 1] = '\0';  /* an ancestor folder: "..", not "../" */
  if (out[0] == '\0')
    strcpy(out, ".");
  return out;
}

/* Takes the regular file at path (rel: its path below the root), or
   leaves it out. 0, or -1 when memory runs out. */
static int take (const struct walk *w, const char *path, const char *rel,
                 const struct stat *st) {
  struct file_list *l = list_for(w, rel);
  return l != NULL ? add_file(l, rel, path, NULL, mode_of(st)) : 0;
}

/*
** A symbolic link at path, as zip -y takes one: a link to a file or a
** folder inside the function's folder is stored as a link (its target
** made relative); one to a file outside is packed as a copy of that
** file, with a notice (it would dangle on Lambda); one to a folder
** outside, or to nothing, is left out with a warning (a folder outside
** may hold anything: a loop, a whole disk). settle_links checks later
** that each stored link's target is packed beside it.
*/
static int take_link (const struct walk *w, const char *path,
                      const char *rel) {
  struct file_list *l = list_for(w, rel);
  struct stat st;
  char *real, *link;
  int rc = 0;
  if (l == NULL)
    return 0;  /* left out, link or not */
  real = realpath(path, NULL);
  if (real == NULL || stat(real, &st) != 0) {
    fprintf(stderr, "lua-lambda: warning: left out %s: a symbolic link to "
            "nothing\n", rel);
    free(real);
    return 0;
  }
  if (strncmp(real, w->root, w->root_len) == 0 &&
      (real[w->root_len] == '/' || real[w->root_len] == '\0') &&
      (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
    const char *target = real + w->root_len;
    link = relative_link(rel, target[0] == '/' ? target + 1 : target);
    rc = link != NULL ? add_file(l, rel, real, link, 0777) : -1;
    free(link);
  } else if (S_ISREG(st.st_mode)) {
    printf("lua-lambda: %s links outside %s (to %s): packed as a copy of "
           "it\n", rel, w->root, real);
    rc = add_file(l, rel, real, NULL, mode_of(&st));
  } else {
    fprintf(stderr, "lua-lambda: warning: left out %s: a link to %s, %s\n",
            rel, real, S_ISDIR(st.st_mode)
            ? "a folder outside the function's (only links inside it are "
              "kept)" : "neither a file nor a folder");
  }
  free(real);
  return rc;
}

/* Walks dir; symbolic links as take_link says. 0, or -1. */
static int walk_dir (const struct walk *w, const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = 0;
  if (d == NULL)
    return -1;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    char path[4096];
    struct stat st;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
        sizeof(path) || lstat(path, &st) != 0) {
      rc = -1;
    } else if (w->out != NULL && strcmp(path, w->out) == 0) {
      continue;  /* the zips' (or the stage's) own folder */
    } else if (S_ISDIR(st.st_mode)) {
      rc = walk_dir(w, path);
    } else if (S_ISREG(st.st_mode)) {
      rc = take(w, path, path + w->root_len + 1, &st);
    } else if (S_ISLNK(st.st_mode)) {
      rc = take_link(w, path, path + w->root_len + 1);
    }
  }
  closedir(d);
  return rc;
}

/* Whether l (sorted) holds name, or with folder set anything under it. */
static int holds (const struct file_list *l, const char *name, int folder) {
  size_t len = strlen(name), i;
  if (!folder) {
    struct zip_entry key;
    key.name = name;
    return l->n > 0 &&
           bsearch(&key, l->items, l->n, sizeof(*l->items), by_name) != NULL;
  }
  for (i = 0; i < l->n; i++) {
    if (len == 0 || (strncmp(l->items[i].name, name, len) == 0 &&
                     l->items[i].name[len] == '/'))
      return 1;
  }
  return 0;
}

/*
** Each link stored in l must find its target in l too (the same zip, and
** not left out): else a link to a file becomes a copy of it, with a
** notice, and one to a folder is left out, with a warning. l is sorted,
** and stays so: decided on the whole list first, then dropped.
*/
static void settle_links (struct file_list *l, const char *root,
                          const char *zip_name) {
  size_t root_len = strlen(root), i, kept = 0;
  for (i = 0; i < l->n; i++) {
    struct zip_entry *e = &l->items[i];
    const char *target = e->file + root_len;
    struct stat st;
    int folder;
    if (e->link == NULL)
      continue;
    if (target[0] == '/')
      target++;
    memset(&st, 0, sizeof(st));
    folder = stat(e->file, &st) == 0 && S_ISDIR(st.st_mode);
    if (holds(l, target, folder))
      continue;
    if (folder) {
      fprintf(stderr, "lua-lambda: warning: left out %s: it links to %s, "
              "which %s does not hold\n", e->name, target, zip_name);
      e->mode = 0;  /* dropped below */
    } else {
      printf("lua-lambda: %s links to %s, which %s does not hold: packed "
             "as a copy of it\n", e->name, target, zip_name);
      free((char *)e->link);
      e->link = NULL;
      e->mode = mode_of(&st);
    }
  }
  for (i = 0; i < l->n; i++) {
    struct zip_entry *e = &l->items[i];
    if (e->link != NULL && e->mode == 0) {
      free((char *)e->name);
      free((char *)e->file);
      free((char *)e->link);
    } else {
      l->items[kept++] = *e;
    }
  }
  l->n = kept;
}

/* Every .so to be packed loads on Lambda; 0, or -1 having said why. */
static int check_modules (const struct file_list *l, const char *arch) {
  size_t i;
  int bad = 0;
  for (i = 0; i < l->n; i++) {
    const char *name = l->items[i].name;
    size_t len = strlen(name);
    char why[8400];
    if (len < 3 || strcmp(name + len - 3, ".so") != 0)
      continue;
    if (so_check(l->items[i].file, arch, why, sizeof(why)) != 0) {
      fprintf(stderr, "lua-lambda: %s\n", why);
      bad = 1;
    }
  }
  return bad ? -1 : 0;
}

static int pack (const char *out_dir, const char *zip_name,
                 struct file_list *l) {
  char path[4096], err[512];
  sort_list(l);
  snprintf(path, sizeof(path), "%s/%s", out_dir, zip_name);
  if (zip_write(path, l->items, l->n, err, sizeof(err)) != 0) {
    fprintf(stderr, "lua-lambda: %s\n", err);
    return -1;
  }
  printf("lua-lambda: wrote %s (%zu file%s)\n", path, l->n,
         l->n == 1 ? "" : "s");
  return 0;
}

/* Makes every folder on the way to path's last part. */
static int make_parents (char *path) {
  char *slash;
  for (slash = strchr(path + 1, '/'); slash != NULL;
       slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
      *slash = '/';
      return -1;
    }
    *slash = '/';
  }
  return 0;
}

static int copy_file (const char *from, const char *to, unsigned mode) {
  char chunk[65536];
  size_t n;
  int rc = 0;
  FILE *in = fopen(from, "rb"), *out;
  if (in == NULL)
    return -1;
  out = fopen(to, "wb");
  if (out == NULL) {
    fclose(in);
    return -1;
  }
  while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
    if (fwrite(chunk, 1, n, out) != n) {
      rc = -1;
      break;
    }
  }
  if (ferror(in))
    rc = -1;
  fclose(in);
  if (fclose(out) != 0)
    rc = -1;
  if (rc == 0 && chmod(to, mode) != 0)
    rc = -1;
  return rc;
}

/* --stage: the files that would go in the zips, copied into dir (a link
   made again as a link). */
static int stage (const char *dir, const struct file_list *l) {
  char path[8192];
  size_t i;
  for (i = 0; i < l->n; i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, l->items[i].name);
    if (make_parents(path) != 0 ||
        (l->items[i].link != NULL
         ? (unlink(path) != 0 && errno != ENOENT) ||
           symlink(l->items[i].link, path) != 0
         : copy_file(l->items[i].file, path, l->items[i].mode) != 0)) {
      fprintf(stderr, "lua-lambda: cannot write %s: %s\n", path,
              strerror(errno));
      return -1;
    }
  }
  printf("lua-lambda: staged %zu file%s in %s\n", l->n, l->n == 1 ? "" : "s",
         dir);
  return 0;
}

/* 0, or -1 having said why (then the exit status is 2). */
static int parse (int argc, char **argv, struct build_opts *o) {
  const struct cli_option options[] = {
    { "--layer",         CLI_SWITCH, &o->layer,         NULL, 0, 0, 0 },
    { "--pin",           CLI_SWITCH, &o->pin,           NULL, 0, 0, 0 },
    { "--docker",        CLI_SWITCH, &o->docker,        NULL, 0, 0, 0 },
    { "--no-bootstrap",  CLI_SWITCH, &o->no_bootstrap,  NULL, 0, 0, 0 },
    { "--runtime-layer", CLI_SWITCH, &o->runtime_layer, NULL, 0, 0, 0 },
    { "--no-template",   CLI_SWITCH, &o->no_template,   NULL, 0, 0, 0 },
    { "--all-aws-models", CLI_SWITCH, &o->all_aws_models, NULL, 0, 0, 0 },
    { "--no-aws-models", CLI_SWITCH, &o->no_aws_models, NULL, 0, 0, 0 },
    { "--server",        CLI_TEXT, NULL, &o->server,        0, 0, 0 },
    { "--out",           CLI_TEXT, NULL, &o->out,           0, 0, 0 },
    { "--stage",         CLI_TEXT, NULL, &o->stage,         0, 0, 0 },
    { "--rockspec",      CLI_TEXT, NULL, &o->rockspec,      0, 0, 0 },
    { "--bootstrap",     CLI_TEXT, NULL, &o->bootstrap,     0, 0, 0 },
    { "--template",      CLI_TEXT, NULL, &o->template_file, 0, 0, 0 },
    /* the template's logical id */
    { "--function-name", CLI_TEXT, NULL, &o->function_name, 0, 0, 0 },
    { "--arch",          CLI_TEXT, NULL, &o->arch,          0, 0, 0 },
  };
  memset(o, 0, sizeof(*o));
  if (cli_args_read(options, CLI_COUNT(options), argc, argv, &o->dir, 1,
                    usage) < 0)
    return -1;
  if (o->dir == NULL)
    o->dir = DEFAULT_DIR;
  if (o->arch != NULL && strcmp(o->arch, "x86_64") != 0 &&
      strcmp(o->arch, "arm64") != 0) {
    fprintf(stderr, "lua-lambda: --arch is x86_64 or arm64\n");
    return -1;
  }
  if (o->no_bootstrap && (o->bootstrap != NULL || o->runtime_layer)) {
    fprintf(stderr, "lua-lambda: --no-bootstrap goes with neither "
            "--bootstrap nor --runtime-layer\n");
    return -1;
  }
  if (o->all_aws_models && o->no_aws_models) {
    fprintf(stderr, "lua-lambda: --all-aws-models or --no-aws-models: "
            "pick one\n");
    return -1;
  }
  return 0;
}

/*
** The architecture to build for: --arch, else the one the function's
** template deploys (its Architectures, then Globals'), else, with a
** template that says none, Lambda's default (x86_64); with no template
** at all, this machine's. Malloc'd, or NULL having said why.
*/
static char *function_arch (const struct build_opts *o, const char *root) {
  struct local_function_opts fo;
  struct local_function f;
  char *arch;
  if (o->arch != NULL)
    return strdup(o->arch);
  local_function_opts_init(&fo);
  fo.task_root = root;
  fo.template_file = o->template_file;
  fo.no_template = o->no_template;
  fo.function_name = o->function_name;
  if (local_function_resolve(&fo, root, &f) != 0)
    return NULL;
  if (f.architecture_unknown) {
    fprintf(stderr, "lua-lambda: %s gives %s Architectures that cannot be "
            "known here: say which with --arch x86_64|arm64\n",
            f.template_file, f.logical_id);
    local_function_free(&f);
    return NULL;
  }
  if (f.architecture != NULL) {
    arch = strdup(f.architecture);
    printf("lua-lambda: building for %s, the Architectures of %s in %s "
           "(--arch overrides)\n", arch, f.logical_id, f.template_file);
  } else if (f.template_file != NULL) {
    arch = strdup("x86_64");
    printf("lua-lambda: building for x86_64: %s gives %s no Architectures, "
           "so Lambda deploys it on x86_64 (--arch overrides)\n",
           f.template_file, f.logical_id);
  } else {
    arch = strdup(host_arch());
    printf("lua-lambda: building for %s, this machine's architecture: "
           "there is no template.yaml to say (--arch x86_64|arm64)\n",
           arch);
  }
  local_function_free(&f);
  return arch;
}

/* path, malloc'd, when it is a file of that architecture; else NULL. */
static char *runtime_of_arch (const char *path, const char *arch) {
  const char *found = elf_arch(path);
  return found != NULL && strcmp(found, arch) == 0 ? strdup(path) : NULL;
}

/*
** The bootstrap for arch: --bootstrap, else the one built or installed
** with this lua-lambda (beside it, or for another architecture under
** lib/lua-lambda/<arch>/ of its prefix). Checked for Lambda. Malloc'd, or
** NULL having said why.
*/
static char *find_bootstrap (const struct build_opts *o, const char *arch) {
  char *own = cli_own_folder(), *path = NULL, why[8400], candidate[4200];
  if (o->bootstrap != NULL) {
    path = strdup(o->bootstrap);
  } else if (own != NULL) {
    snprintf(candidate, sizeof(candidate), "%s/bootstrap", own);
    path = runtime_of_arch(candidate, arch);
    if (path == NULL) {
      /* where cmake --install puts each architecture's */
      snprintf(candidate, sizeof(candidate), "%s/%s/bootstrap",
               LUA_LAMBDA_RUNTIMES_INSTALLED, arch);
      path = runtime_of_arch(candidate, arch);
    }
    if (path == NULL) {
      /* the same, for a prefix moved elsewhere since */
      snprintf(candidate, sizeof(candidate),
               "%s/../lib/lua-lambda/%s/bootstrap", own, arch);
      path = runtime_of_arch(candidate, arch);
    }
  }
  if (path == NULL) {
    fprintf(stderr, "lua-lambda: no %s bootstrap beside %s nor in %s/%s: "
            "build one with lua-lambda's CMake (README: Deploy; arm64 by "
            "cross-compiling) and install it, or give one (the release's) "
            "with --bootstrap FILE\n", arch,
            own != NULL ? own : "lua-lambda", LUA_LAMBDA_RUNTIMES_INSTALLED,
            arch);
    free(own);
    return NULL;
  }
  free(own);
  if (bootstrap_check(path, arch, why, sizeof(why)) != 0) {
    fprintf(stderr, "lua-lambda: %s\n", why);
    free(path);
    return NULL;
  }
  return path;
}

/* Pushes { {name, file}, ... } of l's entries. */
static void push_entries (lua_State *L, const struct file_list *l) {
  size_t i;
  lua_createtable(L, (int)l->n, 0);
  for (i = 0; i < l->n; i++) {
    lua_createtable(L, 2, 0);
    lua_pushstring(L, l->items[i].name);
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, l->items[i].file);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/*
** Warns of each module the function's Lua requires that nothing packed
** holds (require_check.lua): it would fail on Lambda however it runs
** here. A warning only: a layer of the user's may hold it.
*/
static void warn_requires (const struct file_list *function,
                           const struct file_list *modules) {
  char err[512];
  lua_State *L = cli_lua_open("require_check", err, sizeof(err));
  size_t i, n;
  if (L == NULL) {
    fprintf(stderr, "lua-lambda: %s\n", err);
    return;
  }
  push_entries(L, function);
  lua_createtable(L, (int)modules->n, 0);
  for (i = 0; i < modules->n; i++) {
    lua_pushstring(L, modules->items[i].name);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    fprintf(stderr, "lua-lambda: %s\n", lua_tostring(L, -1));
  } else {
    n = lua_rawlen(L, -1);
    for (i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, (lua_Integer)i);
      fprintf(stderr, "lua-lambda: warning: %s\n", lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  }
  lua_close(L);
}

/*
** bootstrap as it goes in a zip: without its symbols and debug
** information (a RelWithDebInfo build's is twice the size), stripped into
** a file under tmp by the strip of its architecture (binutils', or the
** cross toolchain's). Malloc'd; the path as it is when no strip can do it,
** with a notice.
*/
static char *stripped (const char *path, const char *arch,
                       const char *tmp) {
  char *out = malloc(strlen(tmp) + sizeof("/bootstrap"));
  char tool[64];
  char *argv[] = { tool, "-o", out, (char *)path, NULL };
  if (out == NULL)
    return NULL;
  sprintf(out, "%s/bootstrap", tmp);
  snprintf(tool, sizeof(tool), "%sstrip", strcmp(arch, host_arch()) == 0
           ? "" : strcmp(arch, "arm64") == 0 ? "aarch64-linux-gnu-"
                                             : "x86_64-linux-gnu-");
  if (run(argv, NULL, 1) == 0)
    return out;
  printf("lua-lambda: %s is packed with its symbols: no %s to strip them\n",
         path, tool);
  strcpy(out, path);
  return out;
}

/* Whether l has an entry of that name. */
static int listed (const struct file_list *l, const char *name) {
  size_t i;
  for (i = 0; i < l->n; i++) {
    if (strcmp(l->items[i].name, name) == 0)
      return 1;
  }
  return 0;
}

/* Says which services' models go in. */
static void say_models (const struct aws_services *s, const char *zip) {
  size_t i, shown = s->n > 8 ? 8 : s->n;
  if (s->n == 0)
    return;
  printf("lua-lambda: %s carries the AWS models of %zu service%s:", zip,
         s->n, s->n == 1 ? "" : "s");
  for (i = 0; i < shown; i++)
    printf(" %s", s->names[i]);
  printf("%s\n", shown < s->n ? " ..." : "");
}

/* botocore's LICENSE and NOTICE (Apache-2.0), beside the models made
   from its data, when the models folder has them. 0, or -1. */
static int add_model_licence (struct file_list *l, const char *models,
                              const char *folder) {
  static const char *const files[] = { "LICENSE", "NOTICE", NULL };
  char name[4096], file[4096];
  struct stat st;
  size_t i;
  for (i = 0; files[i] != NULL; i++) {
    snprintf(name, sizeof(name), "%s/%s", folder, files[i]);
    snprintf(file, sizeof(file), "%s/%s", models, files[i]);
    if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && !listed(l, name) &&
        add_file(l, name, file, NULL, 0644) != 0)
      return -1;
  }
  return 0;
}

/*
** The models of the services the function uses (aws_services.h; every
** one with all), into l under folder ("aws-models" in a function's zip,
** "lua/aws-models" in the runtime layer); a model the function's folder
** has already is its own, and stays. 0, or -1 having said why.
*/
static int add_aws_models (struct file_list *l, const char *root, int all,
                           const char *folder, const char *zip) {
  struct aws_services s;
  char *models = aws_models_dir(), name[4096];
  size_t i;
  int rc = aws_services_of(root, models, all, &s);
  for (i = 0; rc == 0 && i < s.n; i++) {
    char *file = aws_model_path(models, s.names[i]);
    snprintf(name, sizeof(name), "%s/%s%s", folder, s.names[i],
             AWS_MODEL_SUFFIX);
    if (file == NULL)
      rc = -1;
    else if (!listed(l, name))
      rc = add_file(l, name, file, NULL, 0644);
    free(file);
  }
  if (rc == 0 && s.n > 0)
    rc = add_model_licence(l, models, folder);
  if (rc == 0)
    say_models(&s, zip);
  aws_services_free(&s);
  free(models);
  return rc;
}

/* --runtime-layer: runtime-layer.zip, bootstrap at its root (/opt), and
   every AWS model where the runtime looks below /opt/lua. */
static int pack_runtime_layer (const char *out_dir, const char *bootstrap) {
  struct file_list l = { NULL, 0, 0 };
  int rc = bootstrap != NULL
           ? add_file(&l, "bootstrap", bootstrap, NULL, 0755) : 0;
  if (rc == 0)
    rc = add_aws_models(&l, ".", 1, "lua/" AWS_MODELS_FOLDER,
                        "runtime-layer.zip");
  if (rc == 0)
    rc = pack(out_dir, "runtime-layer.zip", &l);
  free_list(&l);
  return rc;
}

/* What one build holds from step to step; each malloc'd, or NULL. */
struct build {
  char *root;         /* DIR, absolute */
  char *out;          /* --out's or --stage's folder, absolute */
  char *arch;
  char *bootstrap;    /* stripped into tmp, or NULL: --no-bootstrap */
  char *rockspec;
  char tmp[sizeof(BUILD_TMP)];
  int made_tmp;
  struct file_list function, modules;
};

/* Where the zips (or the stage) go: --out, --stage, else DIR. */
static const char *out_dir (const struct build *b) {
  return b->out != NULL ? b->out : b->root;
}

/* DIR and the output folder, absolute. 0, or -1 having said why. */
static int find_folders (const struct build_opts *o, struct build *b) {
  const char *where = o->stage != NULL ? o->stage : o->out;
  b->root = cli_absolute(o->dir);
  if (b->root == NULL) {
    fprintf(stderr, "lua-lambda: no folder %s\n", o->dir);
    return -1;
  }
  if (where == NULL)
    return 0;
  /* made now, so that it is left out of what is packed if it is in DIR */
  mkdir(where, 0755);
  b->out = cli_absolute(where);
  if (b->out == NULL) {
    fprintf(stderr, "lua-lambda: cannot make %s\n", where);
    return -1;
  }
  return 0;
}

/* The bootstrap to pack, stripped into a folder of its own. 0, or -1. */
static int take_bootstrap (const struct build_opts *o, struct build *b) {
  char *as_built = find_bootstrap(o, b->arch);
  if (as_built == NULL)
    return -1;
  b->made_tmp = mkdtemp(b->tmp) != NULL;
  b->bootstrap = b->made_tmp ? stripped(as_built, b->arch, b->tmp)
                             : strdup(as_built);
  free(as_built);
  return b->bootstrap != NULL ? 0 : -1;
}

/* The rockspec's dependencies into DIR/lua_modules (--rockspec, else the
   one in DIR, else none). 0, or -1 having said why. */
static int install_dependencies (const struct build_opts *o,
                                 struct build *b) {
  int many;
  if (o->rockspec != NULL) {
    b->rockspec = cli_absolute(o->rockspec);
    if (b->rockspec == NULL) {
      fprintf(stderr, "lua-lambda: no rockspec %s\n", o->rockspec);
      return -1;
    }
  } else {
    b->rockspec = find_rockspec(b->root, &many);
    if (many) {
      fprintf(stderr, "lua-lambda: %s holds several rockspecs: name one "
              "with --rockspec\n", b->root);
      return -1;
    }
  }
  if (b->rockspec == NULL) {
    printf("lua-lambda: no rockspec in %s: no dependencies to install\n",
           b->root);
    return 0;
  }
  return install_rocks(o, b->arch, b->root, b->rockspec);
}

/*
** What goes in the zips: DIR's files and the bootstrap, sorted, links
** settled, every C module checked for Lambda. 0, or -1 having said why.
*/
static int collect (const struct build_opts *o, struct build *b) {
  struct walk w;
  w.root = b->root;
  w.root_len = strlen(b->root);
  w.out = b->out;
  w.layer = o->layer;
  w.own_bootstrap = b->bootstrap != NULL;
  w.function = &b->function;
  w.modules = &b->modules;
  if (walk_dir(&w, b->root) != 0) {
    fprintf(stderr, "lua-lambda: cannot read %s: %s\n", b->root,
            strerror(errno));
    return -1;
  }
  if (b->bootstrap != NULL && add_file(&b->function, "bootstrap",
                                       b->bootstrap, NULL, 0755) != 0)
    return -1;
  if (!o->no_aws_models &&
      add_aws_models(&b->function, b->root, o->all_aws_models,
                     AWS_MODELS_FOLDER, o->stage != NULL ? o->stage
                                                         : "function.zip"))
    return -1;
  /* in the zips' order, so that what is said comes in that order too */
  sort_list(&b->function);
  sort_list(&b->modules);
  settle_links(&b->function, b->root,
               o->stage != NULL ? o->stage : "function.zip");
  settle_links(&b->modules, b->root,
               o->stage != NULL ? o->stage : "layer.zip");
  if (check_modules(&b->function, b->arch) != 0 ||
      check_modules(&b->modules, b->arch) != 0)
    return -1;
  warn_requires(&b->function, &b->modules);
  return 0;
}

/* function.zip and layer.zip, or the stage. 0, or -1 having said why. */
static int write_out (const struct build_opts *o, struct build *b) {
  if (o->stage != NULL)
    return stage(b->out, &b->function) != 0 ||
           (o->layer && stage(b->out, &b->modules) != 0) ? -1 : 0;
  return pack(out_dir(b), "function.zip", &b->function) != 0 ||
         (o->layer && pack(out_dir(b), "layer.zip", &b->modules) != 0)
         ? -1 : 0;
}

static void build_free (struct build *b) {
  free_list(&b->function);
  free_list(&b->modules);
  free(b->rockspec);
  free(b->root);
  free(b->out);
  free(b->arch);
  if (b->made_tmp) {
    char file[sizeof(BUILD_TMP) + sizeof("/bootstrap")];
    snprintf(file, sizeof(file), "%s/bootstrap", b->tmp);
    unlink(file);
    rmdir(b->tmp);
  }
  free(b->bootstrap);
}

/* The steps of a build, in order: 0, or -1 when one has said why not. */
static int build (const struct build_opts *o, struct build *b) {
  if (find_folders(o, b) != 0 ||
      (b->arch = function_arch(o, b->root)) == NULL ||
      (!o->no_bootstrap && take_bootstrap(o, b) != 0))
    return -1;
  if (o->runtime_layer)
    return pack_runtime_layer(out_dir(b), b->bootstrap);
  if (install_dependencies(o, b) != 0 || collect(o, b) != 0)
    return -1;
  return write_out(o, b);
}

int build_main (int argc, char **argv) {
  struct build_opts o;
  struct build b;
  enum cli_status status;
  if (parse(argc, argv, &o) != 0)
    return CLI_MISUSED;
  memset(&b, 0, sizeof(b));
  memcpy(b.tmp, BUILD_TMP, sizeof(BUILD_TMP));
  status = build(&o, &b) == 0 ? CLI_DONE : CLI_FAILED;
  build_free(&b);
  return status;
}
