/*
** Log records as Lambda's advanced logging controls describe them:
** AWS_LAMBDA_LOG_FORMAT Text (a line of tab-separated fields, newlines in
** the message turned into \r so it stays one CloudWatch event) or JSON
** (one object a line); AWS_LAMBDA_LOG_LEVEL filters. Each record is one
** write(2) to stdout, so nothing is held back when Lambda freezes us.
*/
#ifndef LUA_LAMBDA_LOG_STDOUT_H
#define LUA_LAMBDA_LOG_STDOUT_H

#include <stddef.h>

#include "buffer.h"
#include "lua_host.h"

/*
** Where one Lua host's records go, and how: no process-wide state, so two
** hosts (Managed Instances: one per worker thread) log apart.
*/
struct log_stdout {
  int json;                   /* JSON records, else Text */
  enum log_level min_level;   /* records below it are dropped */
  const char *request_id;     /* the invocation under way, or NULL */
  const char *tenant_id;
  int flush_stdio;            /* stdout is buffered (a stock lua5.4): flush
                                 it first, to keep io.write's order */
  struct buffer line;         /* reused: one record at a time */
};

/*
** Lambda's rules for the format and level (the values of
** AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL, NULL or "" when unset):
** JSON by default with many invocations at once (Managed Instances),
** else Text; INFO by default in JSON mode, no level in Text mode.
*/
void log_stdout_settings (const char *format, const char *level,
                          int concurrent, int *json, enum log_level *min);

void log_stdout_init (struct log_stdout *sink, int json, enum log_level min);
void log_stdout_free (struct log_stdout *sink);
int log_stdout_enabled (const struct log_stdout *sink, enum log_level level);

/* The invocation under way; both may be NULL or "" (init phase). They
   must stay valid until the next call. */
void log_stdout_set_invocation (struct log_stdout *sink,
                                const char *request_id,
                                const char *tenant_id);

/*
** Writes one record if level is enabled. members, if not NULL, are JSON
** object members ("\"k\":1,\"j\":2") added to the record: in JSON mode as
** fields, in Text mode as an object after the message.
*/
void log_stdout_write (struct log_stdout *sink, enum log_level level,
                       const char *message, size_t len, const char *members,
                       size_t members_len);

const char *log_level_name (enum log_level level);
/* Case-insensitive; WARNING is WARN. Returns 0, or -1 if unknown. */
int log_level_parse (const char *name, enum log_level *out);

#endif
