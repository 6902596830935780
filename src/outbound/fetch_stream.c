/*
** A streamed response body (fetch_stream.h):
**   res.read()    -> chunk (a non-empty string) | nil (the end) |
**                    nil, err (an error value of lambda.fetch's kinds, and
**                    "closed" after res:close())
**   res:close()   abandons the rest (the connection is not reused unless
**                 the body was read to its end); also res's __close, so
**                 `local res <close> = lambda.fetch(...)` closes it
**   res.chunks()  an iterator over the chunks; raises the error value when
**                 the body fails midway
** A response dropped unclosed is closed by the stream's __gc. The transfer
** moves only while read() runs it (or another request on the client's
** multi handle); past FETCH_STREAM_HELD unread bytes it pauses.
*/
#include "fetch_stream.h"

#include <string.h>

#include <lauxlib.h>

#include "fetch_error.h"

/* The metatables (this file's own: no other part names them). */
#define STREAM_META "lambda.fetch.stream"
#define RESPONSE_META "lambda.fetch.stream_response"

enum { STREAM_OPEN, STREAM_ENDED, STREAM_FAILED, STREAM_CLOSED };

#define ERROR_VALUE 3  /* the stream's user value: the error once failed */

/* Takes the transfer off the multi handle (abandoned if not over) and
   frees what it held. */
static void release (struct fetch_stream *s) {
  if (s->easy != NULL)
    fetch_multi_drop(s->m, s->easy);
  s->easy = NULL;
  curl_slist_free_all(s->sent);
  s->sent = NULL;
}

static int stream_gc (lua_State *L) {
  struct fetch_stream *s = luaL_checkudata(L, 1, STREAM_META);
  release(s);
  buffer_free(&s->pending);
  return 0;
}

struct fetch_stream *fetch_stream_new (lua_State *L, struct fetch_multi *m,
                                       size_t max_body) {
  struct fetch_stream *s = lua_newuserdatauv(L, sizeof(*s), 3);  /* [s] */
  memset(s, 0, sizeof(*s));
  buffer_init(&s->pending);
  s->m = m;
  s->max_body = max_body;
  s->state = STREAM_OPEN;
  if (luaL_newmetatable(L, STREAM_META)) {                    /* [s, mt] */
    lua_pushcfunction(L, stream_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);                                    /* [s] */
  return s;
}

void fetch_stream_reset (struct fetch_stream *s) {
  buffer_clear(&s->pending);
  s->received = 0;
  s->too_large = s->paused = s->discard = 0;
}

size_t fetch_stream_write (char *data, size_t size, size_t n, void *ud) {
  struct fetch_stream *s = ud;
  size_t len = size * n;
  if (s->discard)
    return len;
  if (s->received + len > s->max_body) {
    s->too_large = 1;
    return 0;  /* curl stops: CURLE_WRITE_ERROR */
  }
  if (s->pending.len > 0 && s->pending.len + len > FETCH_STREAM_HELD) {
    s->paused = 1;  /* curl keeps this data and gives it again */
    return CURL_WRITEFUNC_PAUSE;
  }
  if (buffer_append(&s->pending, data, len) != 0)
    return 0;
  s->received += len;
  return len;
}

/* The callbacks of a transfer a stream owns: headers (the trailers of a
   chunked body) are dropped, and a request body still unsent when the
   answer came cannot be read any more. */
static size_t drop (char *data, size_t size, size_t n, void *ud) {
  (void)data;
  (void)ud;
  return size * n;
}

static size_t no_more (char *out, size_t size, size_t n, void *ud) {
  (void)out;
  (void)size;
  (void)n;
  (void)ud;
  return CURL_READFUNC_ABORT;
}

void fetch_stream_own (struct fetch_stream *s, CURL *easy,
                       const struct fetch_job *job, struct curl_slist **sent,
                       long long deadline) {
  s->easy = easy;
  s->job = *job;
  s->sent = *sent;
  *sent = NULL;
  s->deadline = deadline;
  s->errbuf[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)&s->job);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, s->errbuf);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, drop);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, NULL);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, no_more);
  curl_easy_setopt(easy, CURLOPT_READDATA, NULL);
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, NULL);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, NULL);
}

/* --- reading ------------------------------------------------------------ */

static int has_chunk (void *arg) {
  return ((struct fetch_stream *)arg)->pending.len > 0;
}

/* [-0, +1] Pushes what is held, and lets the transfer go on. */
static int push_chunk (lua_State *L, struct fetch_stream *s) {
  lua_pushlstring(L, s->pending.data, s->pending.len);
  buffer_clear(&s->pending);
  if (s->paused && s->easy != NULL) {
    s->paused = 0;
    curl_easy_pause(s->easy, CURLPAUSE_CONT);  /* may write at once */
  }
  return 1;
}

/* [-0, +2] The stream at idx failed: pushes nil and its error (kept for
   the reads after), and lets the transfer go. */
static int stream_fail (lua_State *L, struct fetch_stream *s, int idx,
                        const char *kind, const char *message, int code) {
  fetch_fail(L, kind, message, code);               /* [nil, err] */
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, idx, ERROR_VALUE);
  s->state = STREAM_FAILED;
  release(s);
  return 2;
}

/* [-0, +1|2] After a run of the multi handle that gave no chunk (rc as
   fetch_multi_run's): the end, or the error. */
static int stream_over (lua_State *L, struct fetch_stream *s, int idx,
                        int rc) {
  CURLcode res = s->job.result;
  if (rc == 1)
    return stream_fail(L, s, idx, "timeout", "the response body did not "
                       "come before the timeout (or the deadline)",
                       CURLE_OPERATION_TIMEDOUT);
  if (s->too_large || res == CURLE_FILESIZE_EXCEEDED)
    return stream_fail(L, s, idx, "too_large", "the response body is over "
                       "max_body", res);
  if (rc < 0 || res != CURLE_OK)
    return stream_fail(L, s, idx, fetch_kind_of(res), s->errbuf[0] != '\0'
                       ? s->errbuf : curl_easy_strerror(res), res);
  s->state = STREAM_ENDED;
  release(s);  /* read to its end: the connection goes back to the cache */
  lua_pushnil(L);
  return 1;
}

/* res.read() -> chunk | nil | nil, err  (upvalue 1: the stream) */
static int stream_read (lua_State *L) {
  int idx = lua_upvalueindex(1);
  struct fetch_stream *s = luaL_checkudata(L, idx, STREAM_META);
  int rc = 0;
  if (s->pending.len > 0)
    return push_chunk(L, s);
  switch (s->state) {
    case STREAM_ENDED:
      lua_pushnil(L);
      return 1;
    case STREAM_FAILED:
      lua_pushnil(L);
      lua_getiuservalue(L, idx, ERROR_VALUE);
      return 2;
    case STREAM_CLOSED:
      return fetch_fail(L, "closed", "the response was closed", 0);
    default:
      break;
  }
  if (s->m->running)
    return fetch_fail(L, "invalid", "a response cannot be read from "
                      "inside another request's callbacks", 0);
  if (!s->job.done)
    rc = fetch_multi_run(s->m, &s->job, has_chunk, s, s->deadline);
  if (s->pending.len > 0)
    return push_chunk(L, s);
  return stream_over(L, s, idx, rc);
}

/* res:close()  (upvalue 1: the stream) */
static int stream_close (lua_State *L) {
  struct fetch_stream *s = luaL_checkudata(L, lua_upvalueindex(1),
                                           STREAM_META);
  if (s->state == STREAM_OPEN)
    s->state = STREAM_CLOSED;
  release(s);
  buffer_free(&s->pending);
  return 0;
}

/* The iterator of res.chunks(): the next chunk, nil at the end; raises the
   error value (upvalue 1: res.read). */
static int chunks_next (lua_State *L) {
  lua_settop(L, 0);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_call(L, 0, 2);                                /* [chunk | nil, err] */
  if (lua_isnil(L, 1) && !lua_isnil(L, 2))
    return lua_error(L);
  lua_settop(L, 1);
  return 1;
}

/* res.chunks() -> iterator  (upvalue 1: res.read) */
static int stream_chunks (lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushcclosure(L, chunks_next, 1);
  return 1;
}

/* The response's __close (and what res:close() does): res.close(). */
static int response_close (lua_State *L) {
  if (lua_istable(L, 1) && lua_getfield(L, 1, "close") == LUA_TFUNCTION)
    lua_call(L, 0, 0);
  return 0;
}

void fetch_stream_push (lua_State *L, int stream, int res) {
  lua_pushvalue(L, stream);
  lua_pushcclosure(L, stream_read, 1);              /* [.., read] */
  lua_pushvalue(L, -1);
  lua_pushcclosure(L, stream_chunks, 1);            /* [.., read, chunks] */
  lua_setfield(L, res, "chunks");
  lua_setfield(L, res, "read");                     /* [..] */
  lua_pushvalue(L, stream);
  lua_pushcclosure(L, stream_close, 1);
  lua_setfield(L, res, "close");
  if (luaL_newmetatable(L, RESPONSE_META)) {        /* [.., mt] */
    lua_pushcfunction(L, response_close);
    lua_setfield(L, -2, "__close");
  }
  lua_setmetatable(L, res);                         /* [..] */
}
