#include "embedded_files.h"

#include <string.h>

const struct embedded_file *embedded_file_find (const char *path) {
  const struct embedded_file *f;
  for (f = cli_files; f->path != NULL; f++) {
    if (strcmp(f->path, path) == 0)
      return f;
  }
  return NULL;
}
