/*
** lua-lambda serve [--port 9001] [--invoke-port 8080] [--init-timeout S]
**                  [--concurrency N | --managed-instances N]
**                  [--watch] [--http [PORT]] [--http-format FORMAT]
**                  [--bootstrap PATH] [function flags] [--] [HANDLER]
** A local Lambda: N bootstrap workers behind the Runtime API, the invoke
** endpoint, and with --http a function URL, all on 127.0.0.1. Runs until
** SIGINT or SIGTERM. The function (its handler, memory, timeout,
** environment, layers) is read as local_function.h says: the flags,
** then the folder's template.yaml, then Lambda's defaults; the AWS models
** it may load, as aws_models_local.h says (read once, at the start: a
** service first named while --watch runs needs a restart).
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_models_local.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_files.h"
#include "elf_arch.h"
#include "lambda_limits.h"
#include "local_function.h"
#include "serve.h"

#define SERVE_DEFAULT_API_PORT 9001     /* worker i's: this + i */
#define SERVE_DEFAULT_INVOKE_PORT 8080
#define SERVE_DEFAULT_CONCURRENCY 1
#define SERVE_DEFAULT_HTTP_PORT 3000    /* --http without a port */
#define SERVE_DEFAULT_HTTP_FORMAT "url"
#define SERVE_NO_HTTP -1                /* no --http */
#define MAX_PORT 65535

struct serve_opts {
  struct local_function_opts fo;  /* HANDLER and the function's flags */
  struct serve_config cfg;        /* serve's flags; the function's after
                                     find_function */
  const char *bootstrap;          /* --bootstrap, or NULL */
};

static void usage (void) {
  fprintf(stderr,
          "usage: lua-lambda serve [--port 9001] [--invoke-port 8080] "
          "[--init-timeout S] [--concurrency N | --managed-instances N] "
          "[--watch] [--http [PORT]] "
          "[--http-format url|apigw-v2|apigw-v1|alb] [--bootstrap PATH] "
          LOCAL_FUNCTION_USAGE " [--] [HANDLER]\n");
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

/* What serve runs, read by its threads until the process ends: kept
   where they stay reachable. */
static struct local_function function;
static char *bootstrap_path, *qemu;
static char *models_dir;  /* aws_models_local's folder, removed at the end */

/* What no flag says alone; 0, or -1 having said why. */
static int check_opts (const struct serve_opts *o) {
  if (o->cfg.managed_instances > 0 && o->cfg.concurrency > 1) {
    fprintf(stderr, "lua-lambda: --managed-instances runs one runtime; "
            "--concurrency starts several: pick one\n");
    return -1;
  }
  if (o->fo.memory_mb > 0 && o->fo.memory_mb < LAMBDA_MIN_MEMORY_MB) {
    fprintf(stderr, "lua-lambda: --memory must be from %d to %d\n",
            LAMBDA_MIN_MEMORY_MB, LAMBDA_MAX_MEMORY_MB);
    return -1;
  }
  return 0;
}

/* serve's own flags, first in parse()'s table; the function's follow. */
#define SERVE_OPTIONS 9

/*
** serve's flags and the function's from one table, HANDLER as a word,
** and "--" before a HANDLER that looks like a flag. 0, or -1 having said
** why (then the exit status is CLI_MISUSED).
*/
static int parse (int argc, char **argv, struct serve_opts *o) {
  struct serve_config *cfg = &o->cfg;
  struct cli_option options[SERVE_OPTIONS + LOCAL_FUNCTION_OPTIONS] = {
    { "--port", CLI_NUMBER, &cfg->api_port, NULL, 0, MAX_PORT, 0 },
    { "--invoke-port", CLI_NUMBER, &cfg->invoke_port, NULL, 0, MAX_PORT,
      0 },
    { "--init-timeout", CLI_NUMBER, &cfg->init_timeout_s, NULL,
      LAMBDA_MIN_TIMEOUT_S, LAMBDA_MAX_TIMEOUT_S, 0 },
    { "--concurrency", CLI_NUMBER, &cfg->concurrency, NULL, 1,
      SERVE_MAX_WORKERS, 0 },
    /* One runtime taking N at once, as a Managed Instances environment */
    { "--managed-instances", CLI_NUMBER, &cfg->managed_instances, NULL, 1,
      SERVE_MAX_SLOTS, 0 },
    { "--watch", CLI_SWITCH, &cfg->watch, NULL, 0, 0, 0 },
    { "--http", CLI_OPTIONAL_NUMBER, &cfg->http_port, NULL, 0, MAX_PORT,
      SERVE_DEFAULT_HTTP_PORT },
    { "--http-format", CLI_TEXT, NULL, &cfg->http_format, 0, 0, 0 },
    { "--bootstrap", CLI_TEXT, NULL, &o->bootstrap, 0, 0, 0 },
  };
  int i;
  memset(o, 0, sizeof(*o));
  local_function_opts_init(&o->fo);
  local_function_options(&o->fo, options + SERVE_OPTIONS);
  cfg->api_port = SERVE_DEFAULT_API_PORT;
  cfg->invoke_port = SERVE_DEFAULT_INVOKE_PORT;
  cfg->concurrency = SERVE_DEFAULT_CONCURRENCY;
  cfg->init_timeout_s = LAMBDA_INIT_TIMEOUT_S;
  cfg->http_port = SERVE_NO_HTTP;
  cfg->http_format = SERVE_DEFAULT_HTTP_FORMAT;
  for (i = 1; i < argc; i++) {
    enum cli_take took;
    if (strcmp(argv[i], "--") == 0) {
      if (i + 1 < argc)
        o->fo.handler = argv[++i];
      continue;
    }
    took = cli_args_take(options, CLI_COUNT(options), argc, argv, &i);
    if (took == CLI_BAD)
      return -1;
    if (took == CLI_TAKEN)
      continue;
    if (argv[i][0] == '-' || o->fo.handler != NULL) {
      usage();  /* a flag of none of these, or a word too many */
      return -1;
    }
    o->fo.handler = argv[i];
  }
  return check_opts(o);
}

/*
** The function (local_function.h) and the runtime Lambda would start
** for it, into o->cfg; *whose says whose runtime it is. 0, or -1 having
** said why.
*/
static int find_function (struct serve_opts *o, const char **whose) {
  char *runtime_dir = cli_own_folder();
  const char *arch;
  int rc = local_function_resolve(&o->fo, runtime_dir != NULL ? runtime_dir
                                                              : ".",
                                  &function);
  free(runtime_dir);
  if (rc != 0 ||
      aws_models_local(function.task_root, &function.env, &models_dir) != 0)
    return -1;
  bootstrap_path = o->bootstrap != NULL ? cli_absolute(o->bootstrap)
                                        : choose_bootstrap(&function, whose);
  if (bootstrap_path == NULL || access(bootstrap_path, X_OK) != 0) {
    fprintf(stderr, "lua-lambda: %s not found\n",
            o->bootstrap != NULL ? o->bootstrap : "bootstrap");
    return -1;
  }
  arch = elf_arch(bootstrap_path);
  if (arch != NULL && strcmp(arch, host_arch()) != 0) {
    qemu = qemu_for(arch);
    if (qemu == NULL) {
      fprintf(stderr, "lua-lambda: %s is for %s and this machine is %s: "
              "install qemu-user-static to run it here\n", bootstrap_path,
              arch, host_arch());
      return -1;
    }
  }
  o->cfg.handler = function.handler;
  o->cfg.task_root = function.task_root;
  o->cfg.function_name = function.function_name;
  o->cfg.memory_mb = function.memory_mb;
  o->cfg.timeout_s = function.timeout_s;
  o->cfg.env = function.env.vars;
  o->cfg.bootstrap = bootstrap_path;
  o->cfg.emulator = qemu;
  return 0;
}

/* Only the main thread takes SIGINT/SIGTERM (in sigwait): the mask is
   set before serve's threads start, and they inherit it. */
static void take_stop_signals (sigset_t *stop) {
  sigemptyset(stop);
  sigaddset(stop, SIGINT);
  sigaddset(stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IONBF, 0);
}

static void say_serving (const struct serve_opts *o, const struct serve *s,
                         const char *whose) {
  const char *format = o->cfg.http_format;
  printf("lua-lambda: serving %s from %s\n", o->cfg.handler,
         o->cfg.task_root);
  printf("lua-lambda: runtime %s (%s)%s%s\n", bootstrap_path, whose,
         qemu != NULL ? " under " : "", qemu != NULL ? qemu : "");
  printf("lua-lambda: invoke with: curl -d '{}' http://127.0.0.1:%d"
         "/2015-03-31/functions/function/invocations\n",
         serve_invoke_port(s));
  if (serve_http_port(s) >= 0)
    printf("lua-lambda: open http://127.0.0.1:%d/ (a %s)\n",
           serve_http_port(s), strcmp(format, "url") == 0
           ? "function URL" : format);
}

int serve_main (int argc, char **argv) {
  struct serve_opts o;
  struct serve *s;
  const char *whose = "yours";
  sigset_t stop;
  int sig;
  if (parse(argc, argv, &o) != 0)
    return CLI_MISUSED;
  if (find_function(&o, &whose) != 0) {
    aws_models_local_remove(models_dir);
    return CLI_MISUSED;
  }
  take_stop_signals(&stop);
  s = serve_start(&o.cfg);
  if (s == NULL) {
    aws_models_local_remove(models_dir);
    return CLI_FAILED;  /* it said why */
  }
  say_serving(&o, s, whose);
  sigwait(&stop, &sig);
  printf("lua-lambda: stopping\n");
  serve_stop(s);
  aws_models_local_remove(models_dir);
  return CLI_DONE;
}
