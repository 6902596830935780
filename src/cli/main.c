/*
** lua-lambda: the developer CLI. Never deployed.
**   lua-lambda invoke HANDLER [EVENT_FILE|-] ...   run once, in process
**   lua-lambda serve [...] -- HANDLER              a local Lambda
**   lua-lambda build [DIR] [...]                   dependencies and zips
**   lua-lambda new NAME [--template T]             a function folder
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static void usage (FILE *to) {
  fprintf(to,
          "usage: lua-lambda invoke HANDLER [EVENT_FILE|-] [--timeout S] "
          "[--task-root DIR]\n"
          "       lua-lambda serve [--port 9001] [--invoke-port 8080] "
          "[--timeout S]\n"
          "                        [--concurrency N] [--watch] [--http [PORT]] "
          "[--task-root DIR] [--] [HANDLER]\n"
          "       lua-lambda build [DIR] [--layer] [--pin] [--server URL|DIR] "
          "[--out DIR]\n"
          "                        [--arch x86_64|arm64] [--rockspec FILE] "
          "[--docker]\n"
          "       lua-lambda new NAME [--template http|sqs|stream|schedule]\n"
          "       lua-lambda --version\n");
}

int main (int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "invoke") == 0)
    return invoke_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "serve") == 0) {
#ifdef LUA_LAMBDA_HAVE_SERVE
    return serve_main(argc - 1, argv + 1);
#else
    fprintf(stderr, "lua-lambda: this lua-lambda was built without "
            "libmicrohttpd, so without serve\n");
    return 2;
#endif
  }
  if (strcmp(argv[1], "build") == 0)
    return build_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "new") == 0)
    return new_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "--version") == 0) {
    printf("%s\n", LUA_LAMBDA_USER_AGENT);
    return 0;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  usage(stderr);
  return 2;
}
