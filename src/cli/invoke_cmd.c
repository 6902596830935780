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
** states (invoke_concurrent.h). The function loads the AWS models
** lua-lambda build would pack for it, no others (aws_models_local.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_models_local.h"
#include "cli.h"
#include "cli_args.h"
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

#define NO_EVENT "{}"        /* the event without an EVENT_FILE */
#define ONE_STATE 0          /* no --concurrency: one event, one state */

struct invoke_opts {
  struct local_function_opts fo;  /* HANDLER and the function's flags */
  const char *event_path;         /* EVENT_FILE, "-" (stdin), or NULL */
  int states;                     /* --concurrency, or ONE_STATE */
};

/* 0, or -1 having said why (then the exit status is 2). */
static int parse (int argc, char **argv, struct invoke_opts *o) {
  struct cli_option options[1 + LOCAL_FUNCTION_OPTIONS] = {
    { "--concurrency", CLI_NUMBER, &o->states, NULL, 1,
      HOST_MAX_CONCURRENCY, 0 },
  };
  const char *words[2] = { NULL, NULL };  /* HANDLER [EVENT_FILE|-] */
  int n;
  local_function_opts_init(&o->fo);
  local_function_options(&o->fo, options + 1);
  o->states = ONE_STATE;
  n = cli_args_read(options, CLI_COUNT(options), argc, argv, words, 2,
                    usage);
  if (n == 0)
    usage();                      /* no HANDLER */
  o->fo.handler = words[0];
  o->event_path = words[1];
  return n > 0 ? 0 : -1;
}

/*
** The event: the file's, stdin's or NO_EVENT; malloc'd, or NULL having
** said why. One event over Lambda's limit is refused, as serve answers a
** request over it, before any work.
*/
static char *read_event (const struct invoke_opts *o, size_t *len) {
  char *event;
  *len = sizeof(NO_EVENT) - 1;
  event = o->event_path != NULL ? cli_read_file(o->event_path, len)
                                : strdup(NO_EVENT);
  if (event == NULL) {
    fprintf(stderr, "lua-lambda: cannot read %s\n", o->event_path);
    return NULL;
  }
  if (o->states == ONE_STATE && *len > LAMBDA_REQUEST_LIMIT) {
    fprintf(stderr, "lua-lambda: RequestEntityTooLarge: the event is %zu "
            "bytes; Lambda takes at most %d for a synchronous invocation\n",
            *len, LAMBDA_REQUEST_LIMIT);
    free(event);
    return NULL;
  }
  return event;
}

/*
** The function's environment is the process's own from here on, so the
** host reads it as bootstrap does on Lambda, and os.getenv answers as
** there; and its folder is the working directory, as /var/task is. 0, or
** -1 having said why.
*/
static int enter_function (const struct local_function *f) {
  environ = f->env.vars;
  if (chdir(f->task_root) != 0) {
    fprintf(stderr, "lua-lambda: cannot enter %s\n", f->task_root);
    return -1;
  }
  return 0;
}

/* The handler's prints go to stderr; stdout is for the result alone,
   written to the descriptor returned. */
static int take_stdout (void) {
  int result_fd;
  fflush(stdout);
  result_fd = dup(STDOUT_FILENO);
  dup2(STDERR_FILENO, STDOUT_FILENO);
  setvbuf(stdout, NULL, _IONBF, 0);
  return result_fd;
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

/* The outcome where it goes: the result to result_fd, an error document
   to stderr. CLI_DONE for a result written. */
static enum cli_status report (const struct host_outcome *out,
                               int result_fd) {
  if (out->failed) {
    fprintf(stderr, "%.*s\n", (int)out->len, out->body);
    return CLI_FAILED;
  }
  if (out->len > LAMBDA_RESPONSE_LIMIT) {
    /* what Lambda answers a result over its limit (serve does too) */
    fprintf(stderr, "{\"errorMessage\":\"Response payload size (%zu "
            "bytes) exceeded maximum allowed payload size (%d bytes).\","
            "\"errorType\":\"Function.ResponseSizeTooLarge\"}\n",
            out->len, LAMBDA_RESPONSE_LIMIT);
    return CLI_FAILED;
  }
  return write_all(result_fd, out->body, out->len) == 0 &&
         write_all(result_fd, "\n", 1) == 0 ? CLI_DONE : CLI_FAILED;
}

/* The event through one Lua state, under the deadline watchdog, as
   bootstrap runs it. */
static enum cli_status invoke_once (const struct host_config *cfg, int timeout_s,
                        const char *event, size_t event_len,
                        int result_fd) {
  struct host_outcome out;
  struct invocation inv;
  struct deadline_watchdog *dog;
  char err[256], id[40];
  enum cli_status status = CLI_FAILED;
  struct lua_host *host = lua_host_new(cfg, err, sizeof(err));
  if (host == NULL) {
    fprintf(stderr, "lua-lambda: %s\n", err);
    return CLI_FAILED;
  }
  if (lua_host_load(host, cfg, &out) != 0) {
    fprintf(stderr, "%s: %.*s\n", out.error_type, (int)out.len, out.body);
  } else {
    invocation_init(&inv);
    request_id_make(id);
    buffer_set(&inv.request_id, id, strlen(id));
    buffer_set(&inv.payload, event, event_len);
    inv.deadline_ms = clock_now_ms() + (int64_t)timeout_s * 1000;
    dog = invoke_watch_start(cfg);
    invoke_watched(dog, host, &inv, &out);
    deadline_watchdog_free(dog);
    status = report(&out, result_fd);
    /* Answered: what runs from here (a __gc as the state closes) is no
       invocation's, and inv's request id is about to be freed. */
    lua_host_forget_invocation(host);
    invocation_free(&inv);
  }
  lua_host_free(host);
  return status;
}

/* The resolved function run on the event: the exit status (with
   --concurrency, invoke_concurrently's). */
static int run (const struct invoke_opts *o, const struct local_function *f,
                const char *event, size_t event_len) {
  struct host_config cfg;
  int result_fd, status;
  if (enter_function(f) != 0)
    return CLI_MISUSED;
  host_config_from_env(&cfg);
  cfg.handler = f->handler;
  cfg.task_root = f->task_root;
  if (o->states != ONE_STATE)
    cfg.max_concurrency = o->states;  /* as Managed Instances run it */
  cfg.c_modules = outbound_modules;
  result_fd = take_stdout();
  if (o->states != ONE_STATE)
    status = invoke_concurrently(&cfg, event, event_len, f->timeout_s,
                                 result_fd);
  else
    status = invoke_once(&cfg, f->timeout_s, event, event_len, result_fd);
  if (result_fd >= 0)
    close(result_fd);
  return status;
}

int invoke_main (int argc, char **argv) {
  struct invoke_opts o;
  struct local_function f;
  char *event, *runtime_dir, *models = NULL, **shell_environ = environ;
  size_t event_len;
  int status;
  if (parse(argc, argv, &o) != 0)
    return CLI_MISUSED;
  event = read_event(&o, &event_len);
  if (event == NULL)
    return CLI_MISUSED;
  runtime_dir = cli_own_folder();
  status = local_function_resolve(&o.fo, runtime_dir != NULL ? runtime_dir
                                                             : ".", &f);
  free(runtime_dir);
  if (status == 0 && aws_models_local(f.task_root, &f.env, &models) != 0) {
    local_function_free(&f);
    status = -1;
  }
  if (status != 0) {
    aws_models_local_remove(models);
    free(event);
    return CLI_MISUSED;
  }
  status = run(&o, &f, event, event_len);
  free(event);
  aws_models_local_remove(models);
  /* f's strings back cfg and the environment: given back last */
  environ = shell_environ;
  local_function_free(&f);
  return status;
}
