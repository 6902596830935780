#include "invocation.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The string headers of /next and where each one is kept. */
#define HEADER(name, member) {name, sizeof(name) - 1, \
                              offsetof(struct invocation, member)}
static const struct {
  const char *name;
  size_t len;
  size_t offset;
} string_headers[] = {
  HEADER("Lambda-Runtime-Aws-Request-Id", request_id),
  HEADER("Lambda-Runtime-Invoked-Function-Arn", function_arn),
  HEADER("Lambda-Runtime-Trace-Id", trace_id),
  HEADER("Lambda-Runtime-Client-Context", client_context),
  HEADER("Lambda-Runtime-Cognito-Identity", cognito_identity),
  HEADER("Lambda-Runtime-Aws-Tenant-Id", tenant_id),
  HEADER("Lambda-Runtime-Invocation-Id", invocation_id),
};
#undef HEADER

/* What the names of all of them begin with. */
#define PREFIX "Lambda-Runtime-"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

#define N_STRING_HEADERS (sizeof(string_headers) / sizeof(string_headers[0]))

static struct buffer *field (struct invocation *inv, size_t i) {
  return (struct buffer *)((char *)inv + string_headers[i].offset);
}

/* Does op to each of inv's buffers; the deadline becomes 0. */
static void each_buffer (struct invocation *inv,
                         void (*op) (struct buffer *)) {
  size_t i;
  for (i = 0; i < N_STRING_HEADERS; i++)
    op(field(inv, i));
  op(&inv->payload);
  inv->deadline_ms = 0;
}

void invocation_init (struct invocation *inv) {
  each_buffer(inv, buffer_init);
}

void invocation_free (struct invocation *inv) {
  each_buffer(inv, buffer_free);
}

void invocation_reset (struct invocation *inv) {
  each_buffer(inv, buffer_clear);
}

static int is_space (char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses a decimal epoch-ms value; anything else leaves 0 (no deadline). */
static int64_t parse_deadline (const char *s, size_t len) {
  int64_t v = 0;
  size_t i;
  if (len == 0 || len > 18)
    return 0;
  for (i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int invocation_parse_header (struct invocation *inv, const char *line,
                             size_t len) {
  const char *colon = memchr(line, ':', len);
  const char *value, *end;
  size_t name_len, i;
  if (colon == NULL)
    return 0;  /* status line or the blank line that ends the headers */
  name_len = (size_t)(colon - line);
  /* Date, Content-Length and the like: not looked at further. */
  if (name_len <= PREFIX_LEN || strncasecmp(line, PREFIX, PREFIX_LEN) != 0)
    return 0;
  value = colon + 1;
  end = line + len;
  while (value < end && is_space(*value))
    value++;
  while (end > value && is_space(end[-1]))
    end--;
  if (name_len == strlen("Lambda-Runtime-Deadline-Ms") &&
      strncasecmp(line, "Lambda-Runtime-Deadline-Ms", name_len) == 0) {
    inv->deadline_ms = parse_deadline(value, (size_t)(end - value));
    return 0;
  }
  for (i = 0; i < N_STRING_HEADERS; i++) {
    if (name_len == string_headers[i].len &&
        strncasecmp(line + PREFIX_LEN, string_headers[i].name + PREFIX_LEN,
                    name_len - PREFIX_LEN) == 0)
      return buffer_set(field(inv, i), value, (size_t)(end - value));
  }
  return 0;
}
