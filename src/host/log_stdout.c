#include "log_stdout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "json_quote.h"

static const char *const level_names[] = {
  "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"
};

const char *log_level_name (enum log_level level) {
  return level_names[level];
}

int log_level_parse (const char *name, enum log_level *out) {
  int i;
  if (name == NULL)
    return -1;
  if (strcasecmp(name, "WARNING") == 0) {
    *out = LOG_WARN;
    return 0;
  }
  for (i = LOG_TRACE; i <= LOG_FATAL; i++) {
    if (strcasecmp(name, level_names[i]) == 0) {
      *out = (enum log_level)i;
      return 0;
    }
  }
  return -1;
}

void log_stdout_settings (const char *format, const char *level,
                          int concurrent, int *json, enum log_level *min) {
  /* JSON is what Managed Instances accept, and their default. */
  *json = format != NULL && *format != '\0' ? strcasecmp(format, "JSON") == 0
                                            : concurrent;
  /* Lambda's default application level is INFO in JSON mode; Text mode
     has no level unless one is set. */
  *min = *json ? LOG_INFO : LOG_TRACE;
  log_level_parse(level, min);
}

void log_stdout_init (struct log_stdout *sink, int json, enum log_level min) {
  sink->json = json;
  sink->min_level = min;
  sink->request_id = NULL;
  sink->tenant_id = NULL;
  sink->flush_stdio = 0;
  buffer_init(&sink->line);
}

void log_stdout_free (struct log_stdout *sink) {
  buffer_free(&sink->line);
}

int log_stdout_enabled (const struct log_stdout *sink, enum log_level level) {
  return level >= sink->min_level;
}

void log_stdout_set_invocation (struct log_stdout *sink, const char *id,
                                const char *tenant) {
  sink->request_id = id;
  sink->tenant_id = tenant;
}

/* RFC 3339 in UTC with milliseconds: 2026-11-22T21:00:00.123Z */
static size_t timestamp (char out[32]) {
  struct timespec ts;
  struct tm tm;
  size_t n;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  out[n++] = '.';
  out[n++] = (char)('0' + ts.tv_nsec / 100000000 % 10);
  out[n++] = (char)('0' + ts.tv_nsec / 10000000 % 10);
  out[n++] = (char)('0' + ts.tv_nsec / 1000000 % 10);
  out[n++] = 'Z';
  out[n] = '\0';
  return n;
}

static int append (struct log_stdout *sink, const char *s, size_t len) {
  return buffer_append(&sink->line, s, len);
}

#define append_literal(sink, s) buffer_append_literal(&(sink)->line, s)

static int append_str (struct log_stdout *sink, const char *s) {
  return append(sink, s, strlen(s));
}

static int text_record (struct log_stdout *sink, enum log_level level,
                        const char *msg, size_t len, const char *members,
                        size_t members_len) {
  const char *id = sink->request_id;
  char ts[32];
  size_t i, start = 0;
  if (append(sink, ts, timestamp(ts)) != 0 ||
      append_literal(sink, "\t") != 0 ||
      append_str(sink, id != NULL && *id != '\0' ? id : "-") != 0 ||
      append_literal(sink, "\t") != 0 ||
      append_str(sink, level_names[level]) != 0 ||
      append_literal(sink, "\t") != 0)
    return -1;
  /* One CloudWatch event per record: a newline inside becomes \r. */
  for (i = 0; i < len; i++) {
    if (msg[i] != '\n')
      continue;
    if (append(sink, msg + start, i - start) != 0 ||
        append_literal(sink, "\r") != 0)
      return -1;
    start = i + 1;
  }
  if (append(sink, msg + start, len - start) != 0)
    return -1;
  if (members != NULL && members_len > 0 &&
      (append_literal(sink, " {") != 0 ||
       append(sink, members, members_len) != 0 ||
       append_literal(sink, "}") != 0))
    return -1;
  return append_literal(sink, "\n");
}

static int json_record (struct log_stdout *sink, enum log_level level,
                        const char *msg, size_t len, const char *members,
                        size_t members_len) {
  struct buffer *line = &sink->line;
  const char *id = sink->request_id, *tenant = sink->tenant_id;
  char ts[32];
  size_t n = timestamp(ts);
  if (append_literal(sink, "{\"timestamp\":") != 0 ||
      json_quote(line, ts, n) != 0 ||
      append_literal(sink, ",\"level\":") != 0 ||
      json_quote(line, level_names[level], strlen(level_names[level])) != 0)
    return -1;
  if (id != NULL && *id != '\0' &&
      (append_literal(sink, ",\"requestId\":") != 0 ||
       json_quote(line, id, strlen(id)) != 0))
    return -1;
  if (tenant != NULL && *tenant != '\0' &&
      (append_literal(sink, ",\"tenantId\":") != 0 ||
       json_quote(line, tenant, strlen(tenant)) != 0))
    return -1;
  if (append_literal(sink, ",\"message\":") != 0 ||
      json_quote(line, msg, len) != 0)
    return -1;
  if (json_append_members(line, members,
                          members != NULL ? members_len : 0) != 0)
    return -1;
  return append_literal(sink, "}\n");
}

void log_stdout_write (struct log_stdout *sink, enum log_level level,
                       const char *msg, size_t len, const char *members,
                       size_t members_len) {
  struct buffer *line = &sink->line;
  const char *p;
  size_t left;
  int rc;
  if (!log_stdout_enabled(sink, level))
    return;
  buffer_clear(line);
  rc = sink->json
       ? json_record(sink, level, msg, len, members, members_len)
       : text_record(sink, level, msg, len, members, members_len);
  if (rc != 0)
    return;  /* out of memory: the record is lost, the function is not */
  if (sink->flush_stdio)
    fflush(stdout);
  for (p = line->data, left = line->len; left > 0;) {
    ssize_t n = write(STDOUT_FILENO, p, left);
    if (n <= 0)
      break;
    p += n;
    left -= (size_t)n;
  }
  /* A huge record once must not pin its memory for the process's life. */
  if (line->cap > 1 << 20)
    buffer_free(line);
}
