/*
** lua-lambda invoke HANDLER [EVENT_FILE|-] [--timeout S] [--task-root DIR]
**                   [--function-name NAME] [--memory MB] [--concurrency N]
** Runs the handler once in this process through the same host as
** bootstrap. The result goes to stdout, the error document to stderr
** with exit status 1; the handler's own output goes to stderr, so stdout
** holds only the result. With --concurrency N the file holds one event a
** line, run at once in N Lua states (invoke_concurrent.h).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_files.h"
#include "clock.h"
#include "host_invoke.h"
#include "host_load.h"
#include "invoke_concurrent.h"
#include "lua_host.h"
#include "outbound.h"
#include "request_id.h"

static void usage (void) {
  fprintf(stderr, "usage: lua-lambda invoke HANDLER [EVENT_FILE|-] "
          "[--timeout S] [--task-root DIR] [--function-name NAME] "
          "[--memory MB] [--concurrency N]\n");
}

static int write_all (int fd, const char *s, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    if (n <= 0)
      return -1;
    s += n;
    len -= (size_t)n;
  }
  return 0;
}

/* A whole number from lo to hi, all of s; else -1 after saying so. */
static int parse_number (const char *flag, const char *s, long lo, long hi,
                         long *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
    fprintf(stderr, "lua-lambda: %s must be a whole number from %ld to %ld,"
            " not \"%s\"\n", flag, lo, hi, s);
    return -1;
  }
  *out = v;
  return 0;
}

int invoke_main (int argc, char **argv) {
  const char *handler = NULL, *event_path = NULL, *root = ".";
  const char *name = "function", *memory = "128";
  struct host_config cfg;
  struct host_outcome out;
  struct invocation inv;
  struct lua_host *host;
  char err[256], id[40], *event, *task_root;
  size_t event_len = 2;
  long timeout = 3, memory_mb, states = 0;
  int i, result_fd, status;
  for (i = 1; i < argc; i++) {
    /* Lambda's ranges: a timeout of 1 to 900 s; memory up to 10240 MB
       (Lambda's least is 128; smaller lets a spec test a tight cap). */
    if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      if (parse_number("--timeout", argv[++i], 1, 900, &timeout) != 0)
        return 2;
    } else if (strcmp(argv[i], "--memory") == 0 && i + 1 < argc) {
      memory = argv[++i];
      if (parse_number("--memory", memory, 1, 10240, &memory_mb) != 0)
        return 2;
    } else if (strcmp(argv[i], "--concurrency") == 0 && i + 1 < argc) {
      if (parse_number("--concurrency", argv[++i], 1, HOST_MAX_CONCURRENCY,
                       &states) != 0)
        return 2;
    } else if (strcmp(argv[i], "--task-root") == 0 && i + 1 < argc)
      root = argv[++i];
    else if (strcmp(argv[i], "--function-name") == 0 && i + 1 < argc)
      name = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1] == '-') {
      usage();
      return 2;
    } else if (handler == NULL)
      handler = argv[i];
    else if (event_path == NULL)
      event_path = argv[i];
    else {
      usage();
      return 2;
    }
  }
  if (handler == NULL) {
    usage();
    return 2;
  }
  event = event_path ? cli_read_file(event_path, &event_len) : strdup("{}");
  task_root = cli_absolute(root);
  if (event == NULL || task_root == NULL) {
    fprintf(stderr, "lua-lambda: cannot read %s\n",
            event == NULL ? event_path : root);
    free(event);
    free(task_root);
    return 2;
  }
  /* As bootstrap would read it, then what the flags say: --memory sets
     the heap's cap as well as the context's memory_limit_in_mb. */
  host_config_from_env(&cfg);
  cfg.handler = handler;
  cfg.task_root = task_root;
  cfg.function.function_name = name;
  cfg.function.function_version = "$LATEST";
  if (states > 0)
    cfg.max_concurrency = (int)states;  /* as Managed Instances run it */
  host_config_set_memory(&cfg, memory);
  cfg.c_modules = outbound_modules;

  /* The handler's prints go to stderr; stdout is for the result alone. */
  fflush(stdout);
  result_fd = dup(STDOUT_FILENO);
  dup2(STDERR_FILENO, STDOUT_FILENO);
  setvbuf(stdout, NULL, _IONBF, 0);

  if (states > 0) {
    status = invoke_concurrently(&cfg, event, event_len, timeout, result_fd);
    close(result_fd);
    free(event);
    free(task_root);
    return status;
  }
  status = 1;
  host = lua_host_new(&cfg, err, sizeof(err));
  if (host == NULL) {
    fprintf(stderr, "lua-lambda: %s\n", err);
  } else if (lua_host_load(host, &cfg, &out) != 0) {
    fprintf(stderr, "%s: %.*s\n", out.error_type, (int)out.len, out.body);
  } else {
    invocation_init(&inv);
    request_id_make(id);
    buffer_set(&inv.request_id, id, strlen(id));
    buffer_set(&inv.payload, event, event_len);
    inv.deadline_ms = clock_now_ms() + timeout * 1000;
    lua_host_invoke(host, &inv, &out);
    if (out.failed) {
      fprintf(stderr, "%.*s\n", (int)out.len, out.body);
    } else if (write_all(result_fd, out.body, out.len) == 0 &&
               write_all(result_fd, "\n", 1) == 0) {
      status = 0;
    }
    invocation_free(&inv);
  }
  lua_host_free(host);
  close(result_fd);
  free(event);
  free(task_root);
  return status;
}
