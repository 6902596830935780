#include "error_body.h"
#include "json_quote.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Appends each frame of a Lua traceback as a string of a JSON array. */
static int append_frames (struct buffer *out, const char *traceback) {
  const char *p = traceback;
  int first = 1;
  if (buffer_append_literal(out, "[") != 0)
    return -1;
  while (p != NULL && *p != '\0') {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    const char *line = p;
    p = eol ? eol + 1 : NULL;
    while (len > 0 && (*line == '\t' || *line == ' ')) {
      line++;
      len--;
    }
    if (len == 0 || strncmp(line, "stack traceback:", len) == 0)
      continue;
    if ((!first && buffer_append_literal(out, ",") != 0) ||
        json_quote(out, line, len) != 0)
      return -1;
    first = 0;
  }
  return buffer_append_literal(out, "]");
}

int error_body_build_extra (struct buffer *out, const char *type,
                            const char *message, size_t message_len,
                            const char *traceback, const char *extra,
                            size_t extra_len) {
  buffer_clear(out);
  if (buffer_append_literal(out, "{\"errorMessage\":") != 0 ||
      json_quote(out, message, message_len) != 0 ||
      buffer_append_literal(out, ",\"errorType\":") != 0 ||
      json_quote(out, type, strlen(type)) != 0 ||
      buffer_append_literal(out, ",\"stackTrace\":") != 0 ||
      append_frames(out, traceback) != 0)
    return -1;
  if (json_append_members(out, extra, extra != NULL ? extra_len : 0) != 0)
    return -1;
  return buffer_append_literal(out, "}");
}

int error_body_build (struct buffer *out, const char *type,
                      const char *message, size_t message_len,
                      const char *traceback) {
  return error_body_build_extra(out, type, message, message_len, traceback,
                                NULL, 0);
}

void error_header_type (char *out, size_t cap, const char *prefix,
                        const char *type) {
  size_t n;
  const char *p;
  if (cap == 0)
    return;
  n = (size_t)snprintf(out, cap, "%s.", prefix);
  if (n >= cap) {
    out[cap - 1] = '\0';
    return;
  }
  for (p = type; *p != '\0' && n + 1 < cap; p++) {
    if (!isalpha((unsigned char)*p))
      continue;
    out[n] = (char)(out[n - 1] == '.' ? toupper((unsigned char)*p) : *p);
    n++;
  }
  out[n] = '\0';
  /* The pattern wants two letters at least: "" and "X" become "Error" and
     "XError". */
  if (out[n - 1] == '.' || out[n - 2] == '.')
    snprintf(out + n, cap - n, "Error");
}
