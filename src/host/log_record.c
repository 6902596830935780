#include "log_record.h"

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

static int json_format;
static enum log_level min_level;
static const char *request_id, *tenant_id;
static struct buffer line;  /* reused: records are written one at a time */

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

void log_record_configure (int json, enum log_level min) {
  json_format = json;
  min_level = min;
}

int log_record_is_json (void) {
  return json_format;
}

int log_record_enabled (enum log_level level) {
  return level >= min_level;
}

enum log_level log_record_min_level (void) {
  return min_level;
}

void log_record_set_min_level (enum log_level level) {
  min_level = level;
}

void log_record_set_invocation (const char *id, const char *tenant) {
  request_id = id;
  tenant_id = tenant;
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

static int append (const char *s, size_t len) {
  return buffer_append(&line, s, len);
}

static int append_str (const char *s) {
  return append(s, strlen(s));
}

static int text_record (enum log_level level, const char *msg, size_t len,
                        const char *members, size_t members_len) {
  char ts[32];
  size_t i, start = 0;
  if (append(ts, timestamp(ts)) != 0 || append("\t", 1) != 0 ||
      append_str(request_id && *request_id ? request_id : "-") != 0 ||
      append("\t", 1) != 0 || append_str(level_names[level]) != 0 ||
      append("\t", 1) != 0)
    return -1;
  /* One CloudWatch event per record: a newline inside becomes \r. */
  for (i = 0; i < len; i++) {
    if (msg[i] != '\n')
      continue;
    if (append(msg + start, i - start) != 0 || append("\r", 1) != 0)
      return -1;
    start = i + 1;
  }
  if (append(msg + start, len - start) != 0)
    return -1;
  if (members != NULL && members_len > 0 &&
      (append(" {", 2) != 0 || append(members, members_len) != 0 ||
       append("}", 1) != 0))
    return -1;
  return append("\n", 1);
}

static int json_record (enum log_level level, const char *msg, size_t len,
                        const char *members, size_t members_len) {
  char ts[32];
  size_t n = timestamp(ts);
  if (append("{\"timestamp\":", 13) != 0 || json_quote(&line, ts, n) != 0 ||
      append(",\"level\":", 9) != 0 ||
      json_quote(&line, level_names[level], strlen(level_names[level])) != 0)
    return -1;
  if (request_id != NULL && *request_id != '\0' &&
      (append(",\"requestId\":", 13) != 0 ||
       json_quote(&line, request_id, strlen(request_id)) != 0))
    return -1;
  if (tenant_id != NULL && *tenant_id != '\0' &&
      (append(",\"tenantId\":", 12) != 0 ||
       json_quote(&line, tenant_id, strlen(tenant_id)) != 0))
    return -1;
  if (append(",\"message\":", 11) != 0 || json_quote(&line, msg, len) != 0)
    return -1;
  if (members != NULL && members_len > 0 &&
      (append(",", 1) != 0 || append(members, members_len) != 0))
    return -1;
  return append("}\n", 2);
}

void log_record_write (enum log_level level, const char *msg, size_t len,
                       const char *members, size_t members_len) {
  const char *p;
  size_t left;
  int rc;
  if (!log_record_enabled(level))
    return;
  buffer_clear(&line);
  rc = json_format ? json_record(level, msg, len, members, members_len)
                   : text_record(level, msg, len, members, members_len);
  if (rc != 0)
    return;  /* out of memory: the record is lost, the function is not */
  for (p = line.data, left = line.len; left > 0;) {
    ssize_t n = write(STDOUT_FILENO, p, left);
    if (n <= 0)
      break;
    p += n;
    left -= (size_t)n;
  }
  /* A huge record once must not pin its memory for the process's life. */
  if (line.cap > 1 << 20)
    buffer_free(&line);
}
