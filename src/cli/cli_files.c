/* Files for the CLI's subcommands: events to read, roots to resolve. */
#include "cli_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  /* A read that failed (a directory, say) is not an empty file. */
  if (data != NULL && ferror(f)) {
    free(data);
    data = NULL;
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

char *cli_own_folder (void) {
  char *self = realpath("/proc/self/exe", NULL), *slash;
  if (self == NULL)
    return NULL;
  slash = strrchr(self, '/');
  if (slash != NULL)
    *(slash == self ? slash + 1 : slash) = '\0';
  return self;
}
