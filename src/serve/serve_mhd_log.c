#include "serve_mhd_log.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void mhd_log_starting (struct mhd_log *l, const char *who) {
  l->who = who;
  l->said[0] = '\0';
  atomic_store(&l->starting, 1);
}

void mhd_log_started (struct mhd_log *l) {
  atomic_store(&l->starting, 0);
}

void mhd_log_message (void *cls, const char *format, va_list ap) {
  struct mhd_log *l = cls;
  char line[512];
  size_t len;
  vsnprintf(line, sizeof(line), format, ap);
  len = strlen(line);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';  /* one line: serve's newline ends it */
  if (atomic_load(&l->starting)) {
    if (l->said[0] == '\0')
      snprintf(l->said, sizeof(l->said), "%s", line);
    return;
  }
  fprintf(stderr, "lua-lambda: %s: %s\n", l->who, line);
}

void mhd_log_cannot_listen (const struct mhd_log *l, int port,
                            const char *hint) {
  /* "Failed to bind to port 9001: Address already in use": the reason
     is strerror's, after the last colon */
  const char *why = strrchr(l->said, ':');
  char reason[256];
  why = why != NULL ? why + 1 : l->said;
  while (*why == ' ')
    why++;
  snprintf(reason, sizeof(reason), "%s",
           *why != '\0' ? why : "libmicrohttpd did not say why");
  reason[0] = (char)tolower((unsigned char)reason[0]);
  fprintf(stderr, "lua-lambda: cannot listen on 127.0.0.1:%d: %s (%s; 0 "
          "takes any free one)\n", port, reason, hint);
}
