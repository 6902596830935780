/*
** bootstrap: the executable Lambda's provided.al2023 runtime starts.
** Reads the environment, sets up the Runtime API client and the Lua host,
** and hands both to the runtime loop.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_stderr.h"
#include "lua_host.h"
#include "outbound.h"
#include "runtime_api.h"
#include "runtime_loop.h"
#include "version.h"

int main (int argc, char **argv) {
  struct host_config cfg;
  struct runtime_api *api;
  struct lua_host *host;
  const char *endpoint;
  char err[256];
  int status;

  /* Lambda may freeze or kill us at any moment: never hold output back. */
  setvbuf(stdout, NULL, _IONBF, 0);
  setvbuf(stderr, NULL, _IONBF, 0);
  /* A peer that closes its end must be an error return, not a signal. */
  signal(SIGPIPE, SIG_IGN);

  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("%s\n", LUA_LAMBDA_USER_AGENT);
    return 0;
  }
  endpoint = getenv("AWS_LAMBDA_RUNTIME_API");
  if (endpoint == NULL || endpoint[0] == '\0') {
    log_stderr("AWS_LAMBDA_RUNTIME_API is not set: bootstrap runs under "
               "AWS Lambda or a local Runtime API (see README.md)");
    return 1;
  }

  /* Everything the host needs, read from the environment once. */
  host_config_from_env(&cfg);
  cfg.c_modules = outbound_modules;  /* lambda.fetch, lambda.aws's */
  /* Container images pass the handler as CMD; zips set _HANDLER. */
  if (argc > 1)
    cfg.handler = argv[1];

  /* Managed Instances: many invocations at once, a worker each. */
  if (cfg.max_concurrency > 1)
    return runtime_loop_run_many(endpoint, &cfg);
  api = runtime_api_new(endpoint, err, sizeof(err));
  if (api == NULL) {
    log_stderr("%s", err);
    return 1;
  }
  host = lua_host_new(&cfg, err, sizeof(err));
  if (host == NULL) {
    log_stderr("%s", err);
    runtime_api_free(api);
    return 1;
  }
  status = runtime_loop_run(api, host, &cfg);  /* frees host */
  runtime_api_free(api);
  return status;
}
