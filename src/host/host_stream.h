/* host_stream.c: streaming handlers (lambda.streaming). */
#ifndef LUA_LAMBDA_HOST_STREAM_H
#define LUA_LAMBDA_HOST_STREAM_H

#include "lua_host.h"

/*
** Streaming handlers (lambda.streaming): lua_host_is_streaming says
** whether the handler is one. lua_host_stream_begin runs it until it
** writes its first bytes, returns, or raises; it returns -1 with the
** failure in out if it raised before any byte (report it with /error),
** else 0 with the content type set. lua_host_stream_pull then gives the
** body: up to cap bytes, 0 at the end, -1 when the handler raised after
** bytes went out, with the failure in out (for the trailers).
*/
int lua_host_is_streaming (const struct lua_host *host);
int lua_host_stream_begin (struct lua_host *host,
                           const struct invocation *inv,
                           struct host_outcome *out,
                           const char **content_type);
long lua_host_stream_pull (struct lua_host *host, char *buf, size_t cap);

#endif
