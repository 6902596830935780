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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_files.h"
#include "elf_arch.h"
#include "local_function.h"
#include "serve.h"

#define HTTP_PORT 3000

static void usage (void) {
  fprintf(stderr,
          "usage: lua-lambda serve [--port 9001] [--invoke-port 8080] "
          "[--init-timeout S] [--concurrency N | --managed-instances N] "
          "[--watch] [--http [PORT]] "
          "[--http-format url|apigw-v2|apigw-v1|alb] [--bootstrap PATH] "
          LOCAL_FUNCTION_USAGE " [--] [HANDLER]\n");
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
  struct serve_config cfg;
  struct serve *serve;
  struct local_function_opts fo;
  /* The function, the runtime and its emulator are read by serve's
     threads until the process ends: kept where they stay reachable. */
  static struct local_function f;
  static char *bootstrap_path, *emulator;
  const char *http_format = "url", *bootstrap = NULL, *whose = "yours";
  const char *arch;
  int http_port = -1;
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
      bad = parse_int(v, 1, SERVE_MAX_WORKERS, &cfg.concurrency) != 0, i++;
    } else if (strcmp(a, "--managed-instances") == 0) {
      /* One runtime taking N at once, as a Managed Instances environment */
      bad = parse_int(v, 1, SERVE_MAX_SLOTS, &cfg.managed_instances) != 0, i++;
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
  cfg.http_port = http_port;
  cfg.http_format = http_format;
  /* Only the main thread takes SIGINT/SIGTERM; the threads inherit this. */
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IONBF, 0);

  serve = serve_start(&cfg);
  if (serve == NULL)
    return 1;  /* it said why */
  printf("lua-lambda: serving %s from %s\n", cfg.handler, f.task_root);
  printf("lua-lambda: runtime %s (%s)%s%s\n", bootstrap_path, whose,
         emulator != NULL ? " under " : "", emulator != NULL ? emulator : "");
  printf("lua-lambda: invoke with: curl -d '{}' http://127.0.0.1:%d"
         "/2015-03-31/functions/function/invocations\n",
         serve_invoke_port(serve));
  if (serve_http_port(serve) >= 0)
    printf("lua-lambda: open http://127.0.0.1:%d/ (a %s)\n",
           serve_http_port(serve), strcmp(http_format, "url") == 0
           ? "function URL" : http_format);

  sigwait(&stop, &sig);
  printf("lua-lambda: stopping\n");
  serve_stop(serve);
  /* Threads still blocked in waits end with the process: f and the
     paths stay theirs. */
  return 0;
}
