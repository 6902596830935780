/*
** lua-lambda serve [--port 9001] [--invoke-port 8080] [--init-timeout S]
**                  [--concurrency N | --managed-instances N]
**                  [--watch] [--http [PORT]] [--http-format FORMAT]
**                  [--bootstrap PATH] [function flags] [--] [HANDLER]
** A local Lambda: N bootstrap workers behind the Runtime API, the invoke
** endpoint, and with --http a function URL, all on 127.0.0.1. Runs until
** SIGINT or SIGTERM. The function (its handler, memory, timeout,
** environment, layers) is read as local_function.h says: the flags,
** then the folder's template.yaml, then Lambda's defaults.
*/
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_files.h"
#include "clock.h"
#include "serve_queue.h"
#include "elf_arch.h"
#include "serve_http.h"
#include "local_function.h"
#include "serve_http_front.h"

#define HTTP_PORT 3000

static void usage (void) {
  fprintf(stderr,
          "usage: lua-lambda serve [--port 9001] [--invoke-port 8080] "
          "[--init-timeout S] [--concurrency N | --managed-instances N] "
          "[--watch] [--http [PORT]] "
          "[--http-format url|apigw-v2|apigw-v1|alb] [--bootstrap PATH] "
          LOCAL_FUNCTION_USAGE " [--] [HANDLER]\n");
}

/* Reaps workers as they exit and tells the emulator. */
static void *reaper (void *arg) {
  struct emulator *emu = arg;
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid > 0)
      emu_worker_exited(emu, pid, status);
    else if (errno == ECHILD)
      clock_sleep_ms(50);  /* no worker yet */
  }
  return NULL;
}

/* Whether a change to the file may change what the function runs: its
   Lua and its C modules, wherever under the task root (lua_modules/ too). */
static int watched (const char *name, size_t n) {
  return (n > 4 && strcmp(name + n - 4, ".lua") == 0) ||
         (n > 3 && strcmp(name + n - 3, ".so") == 0);
}

/* A fingerprint of the watched files under dir: names, sizes, mtimes. */
static uint64_t fingerprint (const char *dir, int depth) {
  uint64_t h = 1469598103934665603ULL;
  struct dirent *e;
  DIR *d;
  if (depth > 16 || (d = opendir(dir)) == NULL)
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
      h = (h ^ fingerprint(path, depth + 1)) * 1099511628211ULL;
    } else if (watched(e->d_name, n)) {
      for (c = path; *c != '\0'; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
      h = (h ^ (uint64_t)st.st_size) * 1099511628211ULL;
      h = (h ^ (uint64_t)st.st_mtim.tv_sec) * 1099511628211ULL;
      h = (h ^ (uint64_t)st.st_mtim.tv_nsec) * 1099511628211ULL;
    }
  }
  closedir(d);
  return h;
}

/*
** --watch: restarts the runtime when a .lua or .so file under the root
** changes (new files too: the tree is walked each time). A burst of saves
** (an editor's, a git checkout) restarts it once: only when the tree has
** stayed the same for a whole period after a change.
*/
#define WATCH_PERIOD_MS 200

static void *watcher (void *arg) {
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

static int parse_int (const char *s, int lo, int hi, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi)
    return -1;
  *out = (int)v;
  return 0;
}

/* dir/bootstrap, malloc'd, when it is an executable file; else NULL. */
static char *bootstrap_in (const char *dir, size_t len) {
  struct stat st;
  char *path = malloc(len + sizeof("/bootstrap"));
  if (path == NULL)
    return NULL;
  memcpy(path, dir, len);
  strcpy(path + len, "/bootstrap");
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
      access(path, X_OK) == 0)
    return path;
  free(path);
  return NULL;
}

/*
** The runtime Lambda would start: the function's own bootstrap (a zip
** that carries one), else a layer's (/opt/bootstrap, the last layer on
** top), else the one built with this lua-lambda. *whose says which.
*/
static char *choose_bootstrap (const struct local_function *f,
                               const char **whose) {
  char *path = bootstrap_in(f->task_root, strlen(f->task_root)), *own;
  const char *dirs = f->layer_dirs;
  if (path != NULL) {
    *whose = "the function's own";
    return path;
  }
  if (dirs != NULL) {
    const char *end = dirs + strlen(dirs);
    while (end > dirs) {
      const char *start = end;
      while (start > dirs && start[-1] != ':')
        start--;
      path = bootstrap_in(start, (size_t)(end - start));
      if (path != NULL) {
        *whose = "a layer's";
        return path;
      }
      end = start > dirs ? start - 1 : dirs;
    }
  }
  own = cli_own_folder();
  if (own == NULL)
    return NULL;
  path = bootstrap_in(own, strlen(own));
  free(own);
  *whose = "lua-lambda's";
  return path;
}

int serve_main (int argc, char **argv) {
  struct emu_config cfg;
  struct emulator emu;
  struct emu_http *http;
  struct web_front *web = NULL;
  struct local_function_opts fo;
  /* The function, the runtime and its emulator are read by serve's
     threads until the process ends: kept where they stay reachable. */
  static struct local_function f;
  static char *bootstrap_path, *emulator;
  const char *http_format = "url", *bootstrap = NULL, *whose = "yours";
  const char *arch;
  int http_port = -1;
  pthread_t reaper_thread, watch_thread, watchdog_thread;
  char *runtime_dir;
  sigset_t stop;
  int i, sig, bad = 0, taken;
  memset(&cfg, 0, sizeof(cfg));
  local_function_opts_init(&fo);
  cfg.api_port = 9001;
  cfg.invoke_port = 8080;
  cfg.concurrency = 1;
  cfg.init_timeout_s = 10;
  for (i = 1; i < argc && !bad; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) {
      if (i + 1 < argc)
        fo.handler = argv[++i];
    } else if ((taken = local_function_flag(&fo, argc, argv, &i)) != 0) {
      if (taken < 0)
        return 2;
    } else if (strcmp(a, "--watch") == 0) {
      cfg.watch = 1;
    } else if (strcmp(a, "--http") == 0) {
      /* The port is optional: a number next, or the default. */
      http_port = HTTP_PORT;
      if (v != NULL && parse_int(v, 0, 65535, &http_port) == 0)
        i++;
    } else if (v == NULL && a[0] == '-') {
      bad = 1;
    } else if (strcmp(a, "--port") == 0) {
      bad = parse_int(v, 0, 65535, &cfg.api_port) != 0, i++;
    } else if (strcmp(a, "--invoke-port") == 0) {
      bad = parse_int(v, 0, 65535, &cfg.invoke_port) != 0, i++;
    } else if (strcmp(a, "--init-timeout") == 0) {
      bad = parse_int(v, 1, 900, &cfg.init_timeout_s) != 0, i++;
    } else if (strcmp(a, "--concurrency") == 0) {
      bad = parse_int(v, 1, EMU_MAX_WORKERS, &cfg.concurrency) != 0, i++;
    } else if (strcmp(a, "--managed-instances") == 0) {
      /* One runtime taking N at once, as a Managed Instances environment */
      bad = parse_int(v, 1, EMU_MAX_SLOTS, &cfg.managed_instances) != 0, i++;
    } else if (strcmp(a, "--bootstrap") == 0) {
      bootstrap = v, i++;
    } else if (strcmp(a, "--http-format") == 0) {
      http_format = v, i++;
    } else if (a[0] != '-' && fo.handler == NULL) {
      fo.handler = a;
    } else {
      bad = 1;
    }
  }
  if (!bad && cfg.managed_instances > 0 && cfg.concurrency > 1) {
    fprintf(stderr, "lua-lambda: --managed-instances runs one runtime; "
            "--concurrency starts several: pick one\n");
    return 2;
  }
  if (!bad && fo.memory_mb > 0 && fo.memory_mb < 128) {
    fprintf(stderr, "lua-lambda: --memory must be from 128 to 10240\n");
    return 2;
  }
  if (bad) {
    usage();
    return 2;
  }
  /* Lambda starts the function's bootstrap, else a layer's */
  runtime_dir = cli_own_folder();
  if (local_function_resolve(&fo, runtime_dir != NULL ? runtime_dir : ".",
                             &f) != 0) {
    free(runtime_dir);
    return 2;
  }
  free(runtime_dir);
  bootstrap_path = bootstrap != NULL ? cli_absolute(bootstrap)
                                     : choose_bootstrap(&f, &whose);
  if (bootstrap_path == NULL || access(bootstrap_path, X_OK) != 0) {
    fprintf(stderr, "lua-lambda: %s not found\n",
            bootstrap != NULL ? bootstrap : "bootstrap");
    free(bootstrap_path);
    local_function_free(&f);
    return 2;
  }
  arch = elf_arch(bootstrap_path);
  if (arch != NULL && strcmp(arch, host_arch()) != 0) {
    emulator = qemu_for(arch);
    if (emulator == NULL) {
      fprintf(stderr, "lua-lambda: %s is for %s and this machine is %s: "
              "install qemu-user-static to run it here\n", bootstrap_path,
              arch, host_arch());
      free(bootstrap_path);
      local_function_free(&f);
      return 2;
    }
  }
  cfg.handler = f.handler;
  cfg.task_root = f.task_root;
  cfg.function_name = f.function_name;
  cfg.memory_mb = f.memory_mb;
  cfg.timeout_s = f.timeout_s;
  cfg.env = f.env.vars;
  cfg.bootstrap = bootstrap_path;
  cfg.emulator = emulator;
  /* Only the main thread takes SIGINT/SIGTERM; the threads inherit this. */
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IONBF, 0);

  if (emu_init(&emu, &cfg) != 0)
    return 1;
  http = emu_http_start(&emu);
  if (http == NULL)
    return 1;  /* it said why */
  if (http_port >= 0) {
    web = web_front_start(&emu, http_port, http_format);
    if (web == NULL) {
      emu_http_stop(http);
      return 1;
    }
  }
  pthread_create(&reaper_thread, NULL, reaper, &emu);
  pthread_detach(reaper_thread);
  pthread_create(&watchdog_thread, NULL, emu_watchdog, &emu);
  pthread_detach(watchdog_thread);
  if (cfg.watch) {
    pthread_create(&watch_thread, NULL, watcher, &emu);
    pthread_detach(watch_thread);
  }
  printf("lua-lambda: serving %s from %s\n", cfg.handler, f.task_root);
  printf("lua-lambda: runtime %s (%s)%s%s\n", bootstrap_path, whose,
         emulator != NULL ? " under " : "", emulator != NULL ? emulator : "");
  printf("lua-lambda: invoke with: curl -d '{}' http://127.0.0.1:%d"
         "/2015-03-31/functions/function/invocations\n",
         emu_http_invoke_port(http));
  if (web != NULL)
    printf("lua-lambda: open http://127.0.0.1:%d/ (a %s)\n",
           web_front_port(web), strcmp(http_format, "url") == 0
           ? "function URL" : http_format);

  sigwait(&stop, &sig);
  printf("lua-lambda: stopping\n");
  emu_destroy(&emu);
  web_front_stop(web);
  emu_http_stop(http);
  /* Threads still blocked in waits end with the process: f and the
     paths stay theirs. */
  return 0;
}
