/*
** --watch: restarts the runtime when a .lua or .so file under the task
** root changes (new files too: the tree is walked each time). A burst of
** saves (an editor's, a git checkout) restarts it once: only when the
** tree has stayed the same for a whole period after a change.
*/
#include "serve_run.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"

#define WATCH_PERIOD_MS 200
#define WATCH_MAX_DEPTH 16

/* FNV-1a, 64 bits. */
#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

/* Whether a change to the file may change what the function runs: its
   Lua and its C modules, wherever under the task root (lua_modules/ too). */
static int watched (const char *name, size_t n) {
  return (n > 4 && strcmp(name + n - 4, ".lua") == 0) ||
         (n > 3 && strcmp(name + n - 3, ".so") == 0);
}

/* A fingerprint of the watched files under dir: names, sizes, mtimes. */
static uint64_t fingerprint (const char *dir, int depth) {
  uint64_t h = FNV_OFFSET;
  struct dirent *e;
  DIR *d;
  if (depth > WATCH_MAX_DEPTH || (d = opendir(dir)) == NULL)
    return h;
  while ((e = readdir(d)) != NULL) {
    char path[PATH_MAX];
    struct stat st;
    size_t n = strlen(e->d_name);
    const char *c;
    if (e->d_name[0] == '.')
      continue;  /* ., .., and hidden folders such as .git */
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      h = (h ^ fingerprint(path, depth + 1)) * FNV_PRIME;
    } else if (watched(e->d_name, n)) {
      for (c = path; *c != '\0'; c++)
        h = (h ^ (unsigned char)*c) * FNV_PRIME;
      h = (h ^ (uint64_t)st.st_size) * FNV_PRIME;
      h = (h ^ (uint64_t)st.st_mtim.tv_sec) * FNV_PRIME;
      h = (h ^ (uint64_t)st.st_mtim.tv_nsec) * FNV_PRIME;
    }
  }
  closedir(d);
  return h;
}

void *serve_watcher (void *arg) {
  struct emulator *emu = arg;
  uint64_t last = fingerprint(emu->cfg.task_root, 0), seen = last;
  for (;;) {
    uint64_t now;
    clock_sleep_ms(WATCH_PERIOD_MS);
    now = fingerprint(emu->cfg.task_root, 0);
    if (now != seen) {
      seen = now;  /* still changing: wait for it to settle */
    } else if (now != last) {
      last = now;
      emu_restart_workers(emu, "a file changed");
    }
  }
  return NULL;
}
