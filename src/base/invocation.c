#include "invocation.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The string headers of /next and where each one is kept. */
static const struct {
  const char *name;
  size_t offset;
} string_headers[] = {
  {"Lambda-Runtime-Aws-Request-Id", offsetof(struct invocation, request_id)},
  {"Lambda-Runtime-Invoked-Function-Arn",
   offsetof(struct invocation, function_arn)},
  {"Lambda-Runtime-Trace-Id", offsetof(struct invocation, trace_id)},
  {"Lambda-Runtime-Client-Context",
   offsetof(struct invocation, client_context)},
  {"Lambda-Runtime-Cognito-Identity",
   offsetof(struct invocation, cognito_identity)},
  {"Lambda-Runtime-Aws-Tenant-Id", offsetof(struct invocation, tenant_id)},
  {"Lambda-Runtime-Invocation-Id", offsetof(struct invocation, invocation_id)},
};

#define N_STRING_HEADERS (sizeof(string_headers) / sizeof(string_headers[0]))

static struct buffer *field (struct invocation *inv, size_t i) {
  return (struct buffer *)((char *)inv + string_headers[i].offset);
}

void invocation_init (struct invocation *inv) {
  size_t i;
  for (i = 0; i < N_STRING_HEADERS; i++)
    buffer_init(field(inv, i));
  buffer_init(&inv->payload);
  inv->deadline_ms = 0;
}

void invocation_free (struct invocation *inv) {
  size_t i;
  for (i = 0; i < N_STRING_HEADERS; i++)
    buffer_free(field(inv, i));
  buffer_free(&inv->payload);
  inv->deadline_ms = 0;
}

void invocation_reset (struct invocation *inv) {
  size_t i;
  for (i = 0; i < N_STRING_HEADERS; i++)
    buffer_clear(field(inv, i));
  buffer_clear(&inv->payload);
  inv->deadline_ms = 0;
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
    const char *name = string_headers[i].name;
    if (name_len == strlen(name) && strncasecmp(line, name, name_len) == 0)
      return buffer_set(field(inv, i), value, (size_t)(end - value));
  }
  return 0;
}
