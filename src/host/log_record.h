/*
** Log records as Lambda's advanced logging controls describe them:
** AWS_LAMBDA_LOG_FORMAT Text (a line of tab-separated fields, newlines in
** the message turned into \r so it stays one CloudWatch event) or JSON
** (one object a line); AWS_LAMBDA_LOG_LEVEL filters. Each record is one
** write(2) to stdout, so nothing is held back when Lambda freezes us.
*/
#ifndef LUA_LAMBDA_LOG_RECORD_H
#define LUA_LAMBDA_LOG_RECORD_H

#include <stddef.h>

enum log_level { LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR,
                 LOG_FATAL };

/* The format and the lowest level; call before the first record. */
void log_record_configure (int json, enum log_level min);

int log_record_is_json (void);
int log_record_enabled (enum log_level level);
enum log_level log_record_min_level (void);
void log_record_set_min_level (enum log_level level);
const char *log_level_name (enum log_level level);
/* Case-insensitive; WARNING is WARN. Returns 0, or -1 if unknown. */
int log_level_parse (const char *name, enum log_level *out);

/* The invocation under way; both may be NULL or "" (init phase). */
void log_record_set_invocation (const char *request_id,
                                const char *tenant_id);

/*
** Writes one record if level is enabled. members, if not NULL, are JSON
** object members ("\"k\":1,\"j\":2") added to the record: in JSON mode as
** fields, in Text mode as an object after the message.
*/
void log_record_write (enum log_level level, const char *message,
                       size_t len, const char *members, size_t members_len);

#endif
