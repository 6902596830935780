/*
** A streamed response body (opts.stream = true): lambda.fetch returns at
** the headers, and res.read() takes the body piece by piece as it comes
** (fetch_stream.c). The transfer stays on the client's multi handle
** (fetch_multi.h) between reads.
*/
#ifndef LUA_LAMBDA_FETCH_STREAM_H
#define LUA_LAMBDA_FETCH_STREAM_H

#include <curl/curl.h>
#include <lua.h>

#include "buffer.h"
#include "fetch_multi.h"

/* At most this much body is held unread: past it the transfer pauses
   until res.read() takes what is there. */
#define FETCH_STREAM_HELD (64 * 1024)

struct fetch_stream {
  struct fetch_job job;
  struct fetch_multi *m;    /* the client's */
  CURL *easy;               /* NULL once over: ended, failed or closed */
  struct curl_slist *sent;  /* the request's headers, kept while curl may
                               read them */
  struct buffer pending;    /* received, not read yet */
  size_t received, max_body;
  long long deadline;       /* fetch_now_ms() past which a read times out */
  int too_large, paused, discard;
  int state;                /* STREAM_OPEN, ..._ENDED, ..._FAILED, ..._CLOSED */
  char errbuf[CURL_ERROR_SIZE];
};

/*
** [-0, +1] Pushes a new stream for a request about to go out, its body
** taken to at most max_body bytes. Its user values: 1 what must live as
** long as it (the client), 2 the request's body string (curl may still
** send it after the headers came back); the caller sets them.
*/
struct fetch_stream *fetch_stream_new (lua_State *L, struct fetch_multi *m,
                                       size_t max_body);

/* A new attempt, or the next request after a redirect: nothing received. */
void fetch_stream_reset (struct fetch_stream *s);

/* The write callback of a streamed request (CURLOPT_WRITEDATA: the
   stream). With s->discard set, the body is dropped (a redirect's). */
size_t fetch_stream_write (char *data, size_t size, size_t n, void *ud);

/*
** Takes over the transfer under way on easy (on the multi handle, the
** headers in, the body to come) and the header list *sent (set to NULL):
** curl's callbacks no longer see the request's own memory; a read past
** deadline times out.
*/
void fetch_stream_own (struct fetch_stream *s, CURL *easy,
                       const struct fetch_job *job, struct curl_slist **sent,
                       long long deadline);

/* [-0, +0] Sets res.read, res.close and res.chunks on the response table
   at res, for the stream at stream, and the response's metatable
   (__close). */
void fetch_stream_push (lua_State *L, int stream, int res);

#endif
