/*
** lua-lambda invoke HANDLER [EVENT_FILE|-] [--concurrency N]
**                   [function flags]
** Runs the handler once in this process through the same host as
** bootstrap, with the environment Lambda would give the function
** (local_function.h: the flags, the folder's template.yaml, Lambda's
** own variables; nothing else of the shell). The result goes to stdout,
** the error document to stderr with exit status 1; the handler's own
** output goes to stderr, so stdout holds only the result. With
** --concurrency N the file holds one event a line, run at once in N Lua
** states (invoke_concurrent.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_files.h"
#include "clock.h"
#include "deadline_watchdog.h"
#include "invoke_concurrent.h"
#include "invoke_watch.h"
#include "lambda_limits.h"
#include "local_function.h"
#include "lua_host.h"
#include "outbound.h"
#include "request_id.h"

static void usage (void) {
  fprintf(stderr, "usage: lua-lambda invoke HANDLER [EVENT_FILE|-] "
          "[--concurrency N] " LOCAL_FUNCTION_USAGE "\n");
}

extern char **environ;

/* Lambda's limit on a synchronous invocation's event (serve's too). */
#define PAYLOAD_LIMIT 6291456

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

int invoke_main (int argc, char **argv) {
  const char *event_path = NULL;
  struct local_function_opts fo;
  struct local_function f;
  struct host_config cfg;
  struct host_outcome out;
  struct invocation inv;
  struct lua_host *host;
  struct deadline_watchdog *dog;
  char err[256], id[40], *event, *runtime_dir, **shell_environ = environ;
  size_t event_len = 2;
  long states = 0;
  int i, result_fd = -1, status, taken;
  local_function_opts_init(&fo);
  for (i = 1; i < argc; i++) {
    if ((taken = local_function_flag(&fo, argc, argv, &i)) != 0) {
      if (taken < 0)
        return 2;
    } else if (strcmp(argv[i], "--concurrency") == 0 && i + 1 < argc) {
      char *end;
      states = strtol(argv[++i], &end, 10);
      if (*end != '\0' || states < 1 || states > HOST_MAX_CONCURRENCY) {
        fprintf(stderr, "lua-lambda: --concurrency must be a whole number "
                "from 1 to %d\n", HOST_MAX_CONCURRENCY);
        return 2;
      }
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      usage();
      return 2;
    } else if (fo.handler == NULL)
      fo.handler = argv[i];
    else if (event_path == NULL)
      event_path = argv[i];
    else {
      usage();
      return 2;
    }
  }
  if (fo.handler == NULL) {
    usage();
    return 2;
  }
  event = event_path ? cli_read_file(event_path, &event_len) : strdup("{}");
  if (event == NULL) {
    fprintf(stderr, "lua-lambda: cannot read %s\n", event_path);
    return 2;
  }
  /* As serve answers a request over Lambda's limit, before any work. */
  if (states == 0 && event_len > PAYLOAD_LIMIT) {
    fprintf(stderr, "lua-lambda: RequestEntityTooLarge: the event is %zu "
            "bytes; Lambda takes at most %d for a synchronous invocation\n",
            event_len, PAYLOAD_LIMIT);
    free(event);
    return 2;
  }
  runtime_dir = cli_own_folder();
  status = local_function_resolve(&fo, runtime_dir != NULL ? runtime_dir
                                                           : ".", &f);
  free(runtime_dir);
  if (status != 0) {
    free(event);
    return 2;
  }
  /* The function's environment is the process's own from here on, so the
     host reads it as bootstrap does on Lambda, and os.getenv answers as
     there; and its folder is the working directory, as /var/task is. */
  environ = f.env.vars;
  if (chdir(f.task_root) != 0) {
    fprintf(stderr, "lua-lambda: cannot enter %s\n", f.task_root);
    status = 2;
    goto done;
  }
  host_config_from_env(&cfg);
  cfg.handler = f.handler;
  cfg.task_root = f.task_root;
  if (states > 0)
    cfg.max_concurrency = (int)states;  /* as Managed Instances run it */
  cfg.c_modules = outbound_modules;

  /* The handler's prints go to stderr; stdout is for the result alone. */
  fflush(stdout);
  result_fd = dup(STDOUT_FILENO);
  dup2(STDERR_FILENO, STDOUT_FILENO);
  setvbuf(stdout, NULL, _IONBF, 0);

  if (states > 0) {
    status = invoke_concurrently(&cfg, event, event_len, f.timeout_s,
                                 result_fd);
    goto done;
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
    inv.deadline_ms = clock_now_ms() + (int64_t)f.timeout_s * 1000;
    dog = invoke_watch_start(&cfg);
    invoke_watched(dog, host, &inv, &out);
    deadline_watchdog_free(dog);
    if (out.failed) {
      fprintf(stderr, "%.*s\n", (int)out.len, out.body);
    } else if (out.len > LAMBDA_RESPONSE_LIMIT) {
      /* what Lambda answers a result over its limit (serve does too) */
      fprintf(stderr, "{\"errorMessage\":\"Response payload size (%zu "
              "bytes) exceeded maximum allowed payload size (%d bytes).\","
              "\"errorType\":\"Function.ResponseSizeTooLarge\"}\n",
              out.len, LAMBDA_RESPONSE_LIMIT);
    } else if (write_all(result_fd, out.body, out.len) == 0 &&
               write_all(result_fd, "\n", 1) == 0) {
      status = 0;
    }
    /* Answered: what runs from here (a __gc as the state closes) is no
       invocation's, and inv's request id is about to be freed. */
    lua_host_forget_invocation(host);
    invocation_free(&inv);
  }
  lua_host_free(host);
done:
  if (result_fd >= 0)
    close(result_fd);
  free(event);
  /* f's strings back cfg and the environment: given back last */
  environ = shell_environ;
  local_function_free(&f);
  return status;
}
