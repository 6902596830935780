#include "log_stderr.h"

#include <stdarg.h>
#include <stdio.h>

void log_stderr (const char *fmt, ...) {
  char line[1024];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  /* One write, so the line is not interleaved with the handler's output. */
  fprintf(stderr, "lua-lambda: %s\n", line);
}
