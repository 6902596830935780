/*
** The runtime's own messages, one line each on stderr (which is
** unbuffered, so nothing is lost when Lambda freezes or kills us).
*/
#ifndef LUA_LAMBDA_LOG_STDERR_H
#define LUA_LAMBDA_LOG_STDERR_H

#if defined(__GNUC__)
#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LOG_PRINTF(f, a)
#endif

void log_stderr (const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
