#include "error_body.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Appends s as a JSON string literal, quotes included. */
static int append_json_string (struct buffer *out, const char *s,
                               size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t i, start = 0;
  if (buffer_append(out, "\"", 1) != 0)
    return -1;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[7];
    size_t esc_len = 2;
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    if (buffer_append(out, s + start, i - start) != 0)
      return -1;
    esc[0] = '\\';
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      default:
        memcpy(esc + 1, "u00", 3);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 0xf];
        esc_len = 6;
    }
    if (buffer_append(out, esc, esc_len) != 0)
      return -1;
    start = i + 1;
  }
  if (buffer_append(out, s + start, len - start) != 0)
    return -1;
  return buffer_append(out, "\"", 1);
}

/* Appends each frame of a Lua traceback as a string of a JSON array. */
static int append_frames (struct buffer *out, const char *traceback) {
  const char *p = traceback;
  int first = 1;
  if (buffer_append(out, "[", 1) != 0)
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
    if ((!first && buffer_append(out, ",", 1) != 0) ||
        append_json_string(out, line, len) != 0)
      return -1;
    first = 0;
  }
  return buffer_append(out, "]", 1);
}

int error_body_build (struct buffer *out, const char *type,
                      const char *message, size_t message_len,
                      const char *traceback) {
  buffer_clear(out);
  if (buffer_append(out, "{\"errorMessage\":", 16) != 0 ||
      append_json_string(out, message, message_len) != 0 ||
      buffer_append(out, ",\"errorType\":", 13) != 0 ||
      append_json_string(out, type, strlen(type)) != 0 ||
      buffer_append(out, ",\"stackTrace\":", 14) != 0 ||
      append_frames(out, traceback) != 0 ||
      buffer_append(out, "}", 1) != 0)
    return -1;
  return 0;
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
