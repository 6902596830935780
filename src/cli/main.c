/*
** lua-lambda: the developer CLI. Never deployed.
**   lua-lambda invoke HANDLER [EVENT_FILE|-] ...   run once, in process
**   lua-lambda serve [...] -- HANDLER              a local Lambda
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "version.h"

char *cli_read_file (const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  char *data = NULL;
  size_t cap = 0, n = 0;
  if (f == NULL)
    return NULL;
  for (;;) {
    size_t got;
    if (cap - n < 4096) {
      char *grown = realloc(data, cap ? cap * 2 : 8192);
      if (grown == NULL) {
        free(data);
        data = NULL;
        break;
      }
      data = grown;
      cap = cap ? cap * 2 : 8192;
    }
    got = fread(data + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0)
      break;
  }
  if (f != stdin)
    fclose(f);
  if (data != NULL) {
    data[n] = '\0';
    *len = n;
  }
  return data;
}

char *cli_absolute (const char *path) {
  char *resolved = realpath(path, NULL);
  return resolved;
}

static void usage (FILE *to) {
  fprintf(to,
          "usage: lua-lambda invoke HANDLER [EVENT_FILE|-] [--timeout S] "
          "[--task-root DIR]\n"
          "       lua-lambda serve [--port 9001] [--invoke-port 8080] "
          "[--timeout S]\n"
          "                        [--concurrency N] [--watch] [--task-root "
          "DIR] [--] HANDLER\n"
          "       lua-lambda --version\n");
}

int main (int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "invoke") == 0)
    return invoke_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "serve") == 0)
    return serve_main(argc - 1, argv + 1);
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
