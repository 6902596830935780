/*
** libmicrohttpd's own messages, through serve's logging: each one line
** on stderr, prefixed "lua-lambda: WHO: " like the rest of serve's
** output (MHD_OPTION_EXTERNAL_LOGGER). While a daemon starts they are
** kept instead, so that a failure to listen is said in one line of
** serve's, with the reason libmicrohttpd gave.
*/
#ifndef LUA_LAMBDA_SERVE_MHD_LOG_H
#define LUA_LAMBDA_SERVE_MHD_LOG_H

#include <stdarg.h>
#include <stdatomic.h>

struct mhd_log {
  const char *who;     /* "serve --http", "the invoke endpoint", ... */
  atomic_int starting;
  char said[256];      /* while starting: the first message */
};

/* Before MHD_start_daemon; l must outlive the daemon. */
void mhd_log_starting (struct mhd_log *l, const char *who);

/* After it returned: its messages are said from now on. */
void mhd_log_started (struct mhd_log *l);

/* MHD_OPTION_EXTERNAL_LOGGER's function; cls is the struct mhd_log. */
void mhd_log_message (void *cls, const char *format, va_list ap);

/*
** The one line for a daemon that would not start on 127.0.0.1:port:
** "lua-lambda: cannot listen on 127.0.0.1:PORT: address already in use
** (HINT)".
*/
void mhd_log_cannot_listen (const struct mhd_log *l, int port,
                            const char *hint);

#endif
