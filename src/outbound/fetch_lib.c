/*
** lambda.fetch: HTTPS (and HTTP) requests from Lua on libcurl.
**   request(url, opts) -> res | nil, err
**   opts: method, headers ({name = value} or {{name, value}, ...}), body
**   (a string, or a function returning chunks then nil), timeout (ms),
**   max_body (bytes), redirect:
**     "same-origin" (the default; true)  followed to the same scheme, host
**                                        and port, else a "redirect" error
**     "follow"   to other origins too, without the caller's headers (but
**                those that describe a body sent again: Content-Type...)
**     "manual" (false)  the redirect is the answer
**     "error"    a redirect is an error
**   at most 5, never from https to http; after 303 (and 301, 302 for a
**   POST) a GET with no body, else the method and body again (a body
**   given as a function cannot be). Where the body goes (at most one):
**     stream = true   returned at the headers, res.body nil, the body
**                     through res.read() / res.chunks() / res:close()
**                     (fetch_stream.c)
**     on_body = fn    fn(chunk) for each chunk of a 2xx answer as it
**                     arrives (false stops: "aborted"; an error raised
**                     is raised again)
**     sink = name | file   a 2xx answer's body written there as it arrives
**   with the three, max_body applies only when given (nothing is kept),
**   and any other answer than a 2xx is kept in res.body as usual (not
**   for stream). A field set to lambda.json.null is absent; one of the
**   wrong type raises, naming it.
**   res:  status, headers (lower-case names; repeats joined by ","),
**         header_list ({{name, value}, ...} in order), body, url (the
**         last asked), connections (new connections it made: 0 when a
**         warm one served); bytes (on_body, sink: the bytes handed on);
**         read, chunks, close (stream)
**   err:  the error value of every lambda.* module (lambda_error.h):
**         { kind = "timeout" | "dns" | "connect" | "tls" | "too_large" |
**           "connection" | "invalid" | "redirect" | "http" | "aborted" |
**           "io" (the sink) | "closed" (res.read after res:close()),
**           message = ...,
**           curl_code = n; for "redirect" status and location }
**
** One curl multi handle per Lua state (fetch_multi.c), kept across
** invocations: its connection cache keeps TLS connections warm; each
** request takes an easy handle from it (a spare is kept), runs on it, and
** gives it back (a stream, once its body is read or closed). A request
** cannot be made from inside another's callbacks (on_body, a body
** function): "invalid". A connection idle longer than
** MAX_IDLE_S is not reused (after a freeze it may be dead), and an
** idempotent request that fails on a reused connection is sent once more
** on a fresh one; any other (a POST) is sent once only, curl's own retry
** included. The timeout is never past the invocation's deadline
** (registry_keys.h) and covers the redirects. The environment's proxy
** variables (HTTPS_PROXY, NO_PROXY) apply here as libcurl reads them;
** SSL_CERT_FILE and SSL_CERT_DIR name other trusted CAs.
*/
#include "fetch_lib.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "buffer.h"
#include "fetch_error.h"
#include "fetch_multi.h"
#include "fetch_redirect.h"
#include "fetch_stream.h"
#include "registry_keys.h"
#define DEFAULT_TIMEOUT_MS 30000      /* with no deadline armed (init) */
#define DEFAULT_MAX_BODY (10L << 20)  /* 10 MiB */
#define MAX_IDLE_S 20                 /* then a pooled connection is closed */
#define MAX_REDIRECTS 5

/* The state's client: one multi handle (fetch_multi.h: its connection
   cache, and a spare easy handle reused request after request), and the
   trusted CAs the environment names (read once, when it is made). */
struct client {
  struct fetch_multi m;
  char *ca_file;   /* SSL_CERT_FILE, or NULL */
  char *ca_dir;    /* SSL_CERT_DIR, or NULL */
};

/* A copy of the variable's value, or NULL when unset or empty. */
static char *env_copy (const char *name) {
  const char *v = getenv(name);
  return v != NULL && v[0] != '\0' ? strdup(v) : NULL;
}

/* One request under way: what curl's callbacks read and write, and what
   C memory it holds. It lives in a to-be-closed userdata on lib_request's
   stack, so a Lua error anywhere (out of memory, a bad option) frees it. */
struct transfer {
  lua_State *L;
  int self;                   /* its own stack index (user values: 1 the
                                 chunk, 2 an on_body function's error, 3
                                 the client) */
  struct fetch_multi *m;
  CURL *easy;                 /* taken from the client, given back at close */
  struct fetch_job job;
  int attached;               /* easy is on the multi handle */
  long long deadline;         /* of the request under way (fetch_now_ms) */
  int headers_done;           /* the final answer's headers are in */
  struct fetch_stream *stream;  /* opts.stream: where the body goes */
  /* opts.on_body (its stack index) or opts.sink: where a 2xx answer's
     body goes; any other answer's body is kept (res.body, max_body) */
  int on_chunk;
  FILE *file;
  int own_file;               /* opened from a path: closed here */
  const char *sink_path;
  int deliver_now;            /* the answer under way is a 2xx */
  size_t delivered, deliver_max;
  int callback_failed, aborted, io_errno;
  struct curl_slist *caller;  /* the caller's headers */
  struct curl_slist *sent;    /* what the request under way sends */
  struct buffer body;
  struct buffer head;         /* the last response's header lines */
  size_t max_body;
  int too_large;
  /* a body given as a function: its index on the stack, and the chunk
     being sent */
  int reader;
  const char *chunk;
  size_t chunk_len, chunk_pos;
  int reader_failed;          /* the function raised: its error is on top */
  int reader_done;
  /* times this request was about to go out (curl's own retries count),
     how many it may, and whether one more was refused */
  int sends, may_send;
  int resend_refused;
};

static int transfer_close (lua_State *L) {
  struct transfer *t = luaL_checkudata(L, 1, REGISTRY_FETCH_TRANSFER_META);
  if (t->easy != NULL) {
    if (t->attached)
      fetch_multi_drop(t->m, t->easy);
    else
      fetch_multi_give(t->m, t->easy);
  }
  t->easy = NULL;
  t->attached = 0;
  if (t->own_file && t->file != NULL)
    fclose(t->file);
  t->file = NULL;
  curl_slist_free_all(t->caller);
  curl_slist_free_all(t->sent);
  t->caller = t->sent = NULL;
  buffer_free(&t->body);
  buffer_free(&t->head);
  return 0;
}

/* [-0, +1] Pushes a new transfer, marked to be closed. */
static struct transfer *transfer_new (lua_State *L) {
  struct transfer *t = lua_newuserdatauv(L, sizeof(*t), 3);  /* [t] */
  memset(t, 0, sizeof(*t));
  buffer_init(&t->body);
  buffer_init(&t->head);
  if (luaL_newmetatable(L, REGISTRY_FETCH_TRANSFER_META)) {  /* [t, mt] */
    lua_pushcfunction(L, transfer_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, transfer_close);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);                                   /* [t] */
  t->L = L;
  t->self = lua_gettop(L);
  lua_toclose(L, t->self);
  return t;
}

/* One request of the chain a redirect makes. */
struct hop {
  const char *url;
  const char *method;
  const char *body;   /* NULL: none (or streamed) */
  size_t body_len;
  int streamed;
  long ms;            /* the time left for it */
};

/* --- the client ---------------------------------------------------------- */

static int client_gc (lua_State *L) {
  struct client *c = luaL_checkudata(L, 1, REGISTRY_FETCH_CLIENT_META);
  fetch_multi_free(&c->m);
  free(c->ca_file);
  free(c->ca_dir);
  c->ca_file = c->ca_dir = NULL;
  return 0;
}

/* [-0, +0] The state's client, made on first use (the registry keeps
   it). */
static struct client *client_of (lua_State *L) {
  struct client *c;
  if (lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_FETCH_CLIENT) ==
      LUA_TUSERDATA) {
    c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c;
  }
  lua_pop(L, 1);
  c = lua_newuserdatauv(L, sizeof(*c), 0);                   /* [c] */
  memset(c, 0, sizeof(*c));
  c->ca_file = c->ca_dir = NULL;
  if (luaL_newmetatable(L, REGISTRY_FETCH_CLIENT_META)) {
    lua_pushcfunction(L, client_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  c->ca_file = env_copy("SSL_CERT_FILE");
  c->ca_dir = env_copy("SSL_CERT_DIR");
  if (fetch_multi_init(&c->m) != 0)
    luaL_error(L, "lambda.fetch: cannot make a curl handle");
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_FETCH_CLIENT);  /* [] */
  return c;
}

/* --- callbacks (no Lua error may cross curl: every call is protected) ---- */

static size_t on_body (char *data, size_t size, size_t n, void *ud) {
  struct transfer *t = ud;
  size_t len = size * n;
  if (t->body.len + len > t->max_body) {
    t->too_large = 1;
    return 0;  /* curl stops: CURLE_WRITE_ERROR */
  }
  return buffer_append(&t->body, data, len) == 0 ? len : 0;
}

/* The sink's file, opened (a path: truncated) as a 2xx answer begins:
   0, or -1 with t->io_errno set. */
static int open_sink (struct transfer *t) {
  if (t->sink_path == NULL || t->file != NULL)
    return 0;
  t->file = fopen(t->sink_path, "wb");
  if (t->file == NULL) {
    t->io_errno = errno != 0 ? errno : EIO;
    return -1;
  }
  t->own_file = 1;
  return 0;
}

/* The blank line that ends an answer's headers: whether its body is
   delivered (a 2xx, with on_body or sink) and, past any 1xx, that the
   final answer's headers are in (what a stream waits for). */
static int end_of_headers (struct transfer *t) {
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200)
    t->headers_done = 1;
  t->deliver_now = status >= 200 && status < 300 &&
                   (t->on_chunk != 0 || t->file != NULL ||
                    t->sink_path != NULL);
  return t->deliver_now ? open_sink(t) : 0;
}

static size_t on_header (char *data, size_t size, size_t n, void *ud) {
  struct transfer *t = ud;
  size_t len = size * n;
  /* A status line starts a response: after a redirect or a 100 Continue
     only the last response's headers count. */
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    buffer_clear(&t->head);
    t->deliver_now = 0;
  } else if ((len == 2 && data[0] == '\r') || (len == 1 && data[0] == '\n')) {
    if (end_of_headers(t) != 0)
      return 0;  /* curl stops: CURLE_WRITE_ERROR */
  }
  return buffer_append(&t->head, data, len) == 0 ? len : 0;
}

/* Hands a chunk to the on_body function (protected): 0 go on, -1 stop
   (it returned false, or raised: its error kept as user value 2). */
static int call_on_body (struct transfer *t, const char *data, size_t len) {
  lua_State *L = t->L;
  int stop;
  lua_pushvalue(L, t->on_chunk);                    /* [.., fn] */
  lua_pushlstring(L, data, len);                    /* [.., fn, chunk] */
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {            /* [.., err] */
    lua_setiuservalue(L, t->self, 2);
    t->callback_failed = 1;
    return -1;
  }
  stop = lua_isboolean(L, -1) && !lua_toboolean(L, -1);
  lua_pop(L, 1);
  t->aborted = stop;
  return stop ? -1 : 0;
}

/* The write callback with opts.on_body or opts.sink: a 2xx answer's body
   goes there (max_body applies only when given), any other is kept. */
static size_t on_deliver (char *data, size_t size, size_t n, void *ud) {
  struct transfer *t = ud;
  size_t len = size * n;
  if (!t->deliver_now)
    return on_body(data, size, n, ud);
  if (t->delivered + len > t->deliver_max) {
    t->too_large = 1;
    return 0;
  }
  if (t->on_chunk != 0) {
    if (call_on_body(t, data, len) != 0)
      return 0;
  } else if (fwrite(data, 1, len, t->file) != len || fflush(t->file) != 0) {
    t->io_errno = errno != 0 ? errno : EIO;
    return 0;
  }
  t->delivered += len;
  return len;
}

/* Calls the body function for its next chunk: 0 [-0, +0], or -1
   [-0, +1] when it raised (its error left on the stack). */
static int next_chunk (struct transfer *t) {
  lua_State *L = t->L;
  lua_pushvalue(L, t->reader);                      /* [.., fn] */
  if (lua_pcall(L, 0, 1, 0) != LUA_OK) {            /* [.., chunk | err] */
    t->reader_failed = 1;
    return -1;
  }
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    t->reader_done = 1;
    return 0;
  }
  if (lua_type(L, -1) != LUA_TSTRING) {
    lua_pushfstring(L, "the body function returned a %s, not a string "
                    "or nil", luaL_typename(L, -1));
    lua_remove(L, -2);
    t->reader_failed = 1;
    return -1;
  }
  /* The chunk stays referenced from the transfer until the next. */
  t->chunk = lua_tolstring(L, -1, &t->chunk_len);
  lua_setiuservalue(L, t->self, 1);                 /* [..] */
  t->chunk_pos = 0;
  return 0;
}

static size_t on_read (char *out, size_t size, size_t n, void *ud) {
  struct transfer *t = ud;
  size_t room = size * n, k;
  while (!t->reader_done && t->chunk_pos >= t->chunk_len) {
    if (next_chunk(t) != 0)
      return CURL_READFUNC_ABORT;
  }
  if (t->reader_done)
    return 0;
  k = t->chunk_len - t->chunk_pos;
  if (k > room)
    k = room;
  memcpy(out, t->chunk + t->chunk_pos, k);
  t->chunk_pos += k;
  return k;
}

/*
** Called as the request is about to go out, on a new connection or a
** reused one, curl's own retries included (curl sends a request once more
** when a reused connection gave no answer, even a POST it has already
** sent): past what it may, the request is not sent again.
*/
static int on_prereq (void *ud, char *primary_ip, char *local_ip,
                      int primary_port, int local_port) {
  struct transfer *t = ud;
  (void)primary_ip;
  (void)local_ip;
  (void)primary_port;
  (void)local_port;
  if (t->sends >= t->may_send) {
    t->resend_refused = 1;
    return CURL_PREREQFUNC_ABORT;
  }
  t->sends++;
  return CURL_PREREQFUNC_OK;
}

/* --- the request --------------------------------------------------------- */

/* lambda.json.null: an option or header set to it counts as absent. */
static int is_json_null (lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA &&
         lua_touserdata(L, idx) == NULL;
}

/* A header value or name with CR, LF or NUL would inject headers. */
static int header_safe (const char *s, size_t len) {
  return memchr(s, '\r', len) == NULL && memchr(s, '\n', len) == NULL &&
         memchr(s, '\0', len) == NULL;
}

/* Adds "name: value" (the values at name_idx and value_idx) to *list:
   0 [-0, +0], or -1 [-0, +1] with a message pushed. */
static int add_header (lua_State *L, struct curl_slist **list, int name_idx,
                       int value_idx) {
  size_t nl, vl;
  const char *name, *value;
  struct curl_slist *grown;
  if (is_json_null(L, value_idx))
    return 0;  /* absent */
  if (lua_type(L, name_idx) != LUA_TSTRING ||
      (lua_type(L, value_idx) != LUA_TSTRING &&
       lua_type(L, value_idx) != LUA_TNUMBER)) {
    lua_pushstring(L, "header names and values must be strings");
    return -1;
  }
  name = lua_tolstring(L, name_idx, &nl);
  value = lua_tolstring(L, value_idx, &vl);
  if (nl == 0 || !header_safe(name, nl) || !header_safe(value, vl) ||
      memchr(name, ':', nl) != NULL) {
    lua_pushfstring(L, "header \"%s\": names and values must not hold CR, LF "
                    "or NUL (nor names a colon)", name);
    return -1;
  }
  /* "name;" sends a header with an empty value; "name:" would remove it */
  lua_pushfstring(L, vl == 0 ? "%s;" : "%s: %s", name, value);
  grown = curl_slist_append(*list, lua_tostring(L, -1));
  lua_pop(L, 1);
  if (grown == NULL) {
    lua_pushstring(L, "not enough memory");
    return -1;
  }
  *list = grown;
  return 0;
}

/* The headers table at idx (a map, or a list of pairs) as a curl list:
   0 [-0, +0], or -1 [-0, +1] with a message pushed. */
static int build_headers (lua_State *L, int idx, struct curl_slist **list) {
  if (lua_isnil(L, idx))
    return 0;
  if (lua_rawgeti(L, idx, 1) != LUA_TNIL) {       /* a list of pairs */
    lua_Integer i, n = (lua_Integer)luaL_len(L, idx);
    lua_pop(L, 1);
    for (i = 1; i <= n; i++) {
      int rc;
      if (lua_rawgeti(L, idx, i) != LUA_TTABLE) {   /* [.., pair] */
        lua_pop(L, 1);
        lua_pushstring(L, "headers must be {name = value} or "
                       "{{name, value}, ...}");
        return -1;
      }
      lua_rawgeti(L, -1, 1);
      lua_rawgeti(L, -2, 2);                        /* [.., pair, k, v] */
      rc = add_header(L, list, lua_gettop(L) - 1, lua_gettop(L));
      if (rc != 0) {                           /* [.., pair, k, v, msg] */
        lua_replace(L, -4);
        lua_pop(L, 2);                              /* [.., msg] */
        return -1;
      }
      lua_pop(L, 3);                                /* [..] */
    }
    return 0;
  }
  lua_pop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {                 /* [k, v] */
    if (add_header(L, list, lua_gettop(L) - 1, lua_gettop(L)) != 0) {
      lua_replace(L, -3);
      lua_pop(L, 1);                                /* [.., msg] */
      return -1;
    }
    lua_pop(L, 1);
  }
  return 0;
}

/* Whether the curl list has a header of this name (any case). */
static int has_header (const struct curl_slist *list, const char *name) {
  size_t n = strlen(name);
  for (; list != NULL; list = list->next) {
    if (strncasecmp(list->data, name, n) == 0 &&
        (list->data[n] == ':' || list->data[n] == ';'))
      return 1;
  }
  return 0;
}

/*
** Turns off what curl adds by itself: a form Content-Type on a body the
** caller did not type (a fetch sends what it is given), and Expect:
** 100-continue (a round trip lost on every large body). 0 [-0, +0], or
** -1 [-0, +1] with a message pushed.
*/
static int no_defaults (lua_State *L, struct curl_slist **list) {
  static const char *const off[] = { "Content-Type", "Expect" };
  size_t i;
  for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
    char line[32];
    struct curl_slist *grown;
    if (has_header(*list, off[i]))
      continue;
    snprintf(line, sizeof(line), "%s:", off[i]);
    grown = curl_slist_append(*list, line);
    if (grown == NULL) {
      lua_pushstring(L, "not enough memory");
      return -1;
    }
    *list = grown;
  }
  return 0;
}

/* [-0, +0] Sets res.headers and res.header_list, from the response's
   header lines in head, in the table res on top. */
static void push_headers (lua_State *L, const struct buffer *head) {
  const char *p = head->data != NULL ? head->data : "";
  const char *end = p + head->len;
  lua_Integer n = 0;
  int res = lua_gettop(L);
  lua_newtable(L);                                  /* [res, headers] */
  lua_newtable(L);                                  /* [res, h, list] */
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *colon, *v, *ve;
    size_t i, nlen;
    if (eol == NULL)
      eol = end;
    colon = memchr(p, ':', (size_t)(eol - p));
    if (colon != NULL && !(eol - p >= 5 && memcmp(p, "HTTP/", 5) == 0)) {
      luaL_Buffer b;
      nlen = (size_t)(colon - p);
      luaL_buffinit(L, &b);
      for (i = 0; i < nlen; i++) {
        char ch = p[i];
        luaL_addchar(&b, (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch));
      }
      luaL_pushresult(&b);                          /* [.., name] */
      v = colon + 1;
      ve = eol;
      while (v < ve && (*v == ' ' || *v == '\t'))
        v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      /* list[n] = {name, value} */
      lua_createtable(L, 2, 0);                     /* [.., name, pair] */
      lua_pushvalue(L, -2);
      lua_rawseti(L, -2, 1);
      lua_pushlstring(L, v, (size_t)(ve - v));
      lua_rawseti(L, -2, 2);
      lua_rawseti(L, res + 2, ++n);                 /* [.., name] */
      /* headers[name] = value, or "old,value" for a repeat, as AWS joins
         an HTTP API's (payload 2.0) and a function URL's, and as
         lambda.http does: "Duplicate headers are combined with commas"
         (API Gateway Developer Guide, http-api-develop-integrations-lambda) */
      lua_pushvalue(L, -1);
      if (lua_rawget(L, res + 1) == LUA_TSTRING) {  /* [.., name, old] */
        lua_pushliteral(L, ",");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);                           /* [.., name, joined] */
      } else {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));    /* [.., name, value] */
      }
      lua_rawset(L, res + 1);                       /* [res, h, list] */
    }
    p = eol + 1;
  }
  lua_setfield(L, res, "header_list");              /* [res, headers] */
  lua_setfield(L, res, "headers");                  /* [res] */
}

/* --- the options -------------------------------------------------------- */

/* [-0, +1] Pushes opts[name] (opts 0: none), nil when it is absent or
   lambda.json.null; returns its type. */
static int push_option (lua_State *L, int opts, const char *name) {
  if (opts == 0 || lua_getfield(L, opts, name) == LUA_TNIL ||
      is_json_null(L, -1)) {
    if (opts != 0)
      lua_pop(L, 1);
    lua_pushnil(L);
  }
  return lua_type(L, -1);
}

/* [-0, +0, raises] The option on top is not what it must be. */
static int option_error (lua_State *L, const char *name, const char *want) {
  return luaL_error(L, "lambda.fetch: option '%s' must be %s, got %s", name,
                    want, luaL_typename(L, -1));
}

/* [-0, +0] The options table's field as a positive integer, or dflt. */
static lua_Integer opt_integer (lua_State *L, int opts, const char *name,
                                lua_Integer dflt) {
  lua_Integer v = dflt;
  int type = push_option(L, opts, name);
  if (type != LUA_TNIL) {
    int ok;
    v = lua_tointegerx(L, -1, &ok);
    if (type != LUA_TNUMBER || !ok || v <= 0)
      option_error(L, name, "a positive integer");
  }
  lua_pop(L, 1);
  return v;
}

enum redirect_mode {
  REDIRECT_SAME_ORIGIN,  /* the default, and true */
  REDIRECT_FOLLOW,       /* to other origins too, without the headers */
  REDIRECT_MANUAL,       /* the redirect is the answer; and false */
  REDIRECT_ERROR         /* a redirect is an error */
};

/* [-0, +0] The redirect option. */
static enum redirect_mode opt_redirect (lua_State *L, int opts) {
  static const char *const names[] = {
    "same-origin", "follow", "manual", "error", NULL
  };
  enum redirect_mode mode = REDIRECT_SAME_ORIGIN;
  int type = push_option(L, opts, "redirect");
  if (type == LUA_TBOOLEAN) {
    mode = lua_toboolean(L, -1) ? REDIRECT_SAME_ORIGIN : REDIRECT_MANUAL;
  } else if (type != LUA_TNIL) {
    int i = -1;
    if (type == LUA_TSTRING) {
      const char *s = lua_tostring(L, -1);
      for (i = 0; names[i] != NULL && strcmp(names[i], s) != 0; i++)
        ;
    }
    if (i < 0 || names[i] == NULL)
      option_error(L, "redirect", "\"same-origin\", \"follow\", \"manual\", "
                   "\"error\" or a boolean");
    mode = (enum redirect_mode)i;
  }
  lua_pop(L, 1);
  return mode;
}

/* [-0, +0] Milliseconds this request may take: its own timeout, never
   past the deadline of the work under way. */
static long timeout_ms (lua_State *L, int opts) {
  lua_Integer want = opt_integer(L, opts, "timeout", DEFAULT_TIMEOUT_MS);
  if (lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_TIME_LEFT) ==
      LUA_TFUNCTION) {                              /* [.., time_left] */
    lua_call(L, 0, 1);                              /* [.., ms | nil] */
    if (lua_isinteger(L, -1)) {
      lua_Integer left = lua_tointeger(L, -1);
      if (left < want)
        want = left;
    }
  }
  lua_pop(L, 1);
  return want > 0 ? (long)want : 0;
}

/* --- sending ------------------------------------------------------------ */

/* lib_request's stack: its arguments, then what it keeps for the request
   (the options it read, each hop's URL, the transfer). */
#define URL_ARG 1
#define OPTS_ARG 2
#define METHOD_SLOT 3
#define HEADERS_SLOT 4
#define BODY_SLOT 5
#define HOP_URL_SLOT 6     /* the URL of the request under way */
#define ON_BODY_SLOT 7     /* opts.on_body, or nil */
#define SINK_SLOT 8        /* opts.sink, or nil */
#define TRANSFER_SLOT 9
#define STREAM_SLOT 10     /* opts.stream: the stream, else nil */

/* One lib_request: what each request of its chain reads and leaves for
   the next. */
struct request {
  struct client *c;
  struct transfer *t;
  struct hop hop;            /* the request under way */
  enum redirect_mode mode;
  size_t max_body;
  int max_body_given;
  int stream;                /* opts.stream */
  int other_origin;          /* a redirect went to another origin: the
                                caller's headers stay behind */
  int body_dropped;          /* a redirect turned it into a GET */
  long connections;          /* new connections made, all hops */
  char errbuf[CURL_ERROR_SIZE];
};

static int idempotent (const char *method) {
  return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
         strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
         strcmp(method, "OPTIONS") == 0;
}

/* Sets the options of r's request under way on its client (reset first:
   the connection cache survives a reset). */
static void set_options (const struct request *r, int fresh) {
  const struct client *c = r->c;
  struct transfer *t = r->t;
  const struct hop *hop = &r->hop;
  CURL *h = t->easy;
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, hop->url);
  curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
  /* Only what a function calls: no file://, no gopher:// */
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  /* Redirects are followed in lib_request, one request at a time, so
     that each of fetch_redirect.h's rules is applied. */
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  /* Signals would interrupt the Lua host; timeouts are curl's own. */
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, hop->ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   hop->ms < 5000 ? hop->ms : 5000L);
  /* After a freeze a pooled connection may be dead: do not trust an old
     one. */
  curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, (long)MAX_IDLE_S);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (c->ca_file != NULL)
    curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
  if (c->ca_dir != NULL)
    curl_easy_setopt(h, CURLOPT_CAPATH, c->ca_dir);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->sent);
  if (t->stream != NULL) {
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_stream_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t->stream);
  } else {
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION,
                     t->on_chunk != 0 || t->file != NULL ||
                     t->sink_path != NULL ? on_deliver : on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
  }
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
  /* Counts every time the request goes out, curl's own retries too. */
  curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(h, CURLOPT_PREREQDATA, t);
  /* a body not kept has no limit unless one is given */
  if (r->max_body_given || (t->stream == NULL && t->on_chunk == 0 &&
                            t->file == NULL && t->sink_path == NULL))
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_body);
  if (strcmp(hop->method, "HEAD") == 0) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (hop->streamed) {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);  /* chunked, or its length */
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, t);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, hop->method);
  } else if (hop->body != NULL) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)hop->body_len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, hop->body);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, hop->method);
  } else if (strcmp(hop->method, "GET") != 0) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, hop->method);
  }
}

/* What a reused connection found dead gives. */
static int dead_connection (CURLcode rc) {
  return rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
         rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
}

static int headers_in (void *arg) {
  return ((struct transfer *)arg)->headers_done;
}

/*
** Runs the transfer set up on t->easy on the client's multi handle until
** it is over, or (a stream) until the final answer's headers are in: then
** it stays on the multi handle (t->attached) and CURLE_OK is returned.
*/
static CURLcode perform (struct request *r) {
  struct transfer *t = r->t;
  int run;
  CURLcode rc = fetch_multi_start(&r->c->m, t->easy, &t->job);
  if (rc != CURLE_OK)
    return rc;
  t->attached = 1;
  t->headers_done = 0;
  run = fetch_multi_run(&r->c->m, &t->job, t->stream != NULL ? headers_in
                        : NULL, t, t->deadline);
  if (run == 1)
    rc = CURLE_OPERATION_TIMEDOUT;
  else if (run < 0 || t->job.done)
    rc = t->job.result;
  if (t->job.done || rc != CURLE_OK) {
    fetch_multi_stop(&r->c->m, t->easy);
    t->attached = 0;
  }
  return rc;
}

/* Reads the rest of a streamed answer not returned (a redirect's body) to
   its end, so that its connection can serve the next request. */
static CURLcode finish (struct request *r) {
  struct transfer *t = r->t;
  CURLcode rc;
  int run;
  curl_off_t before = 0, after = 0;
  if (!t->attached)
    return CURLE_OK;
  t->stream->discard = 1;
  curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &before);
  run = fetch_multi_run(&r->c->m, &t->job, NULL, NULL, t->deadline);
  rc = run == 1 ? CURLE_OPERATION_TIMEDOUT : t->job.result;
  curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &after);
  r->hop.ms -= (long)((after - before) / 1000);  /* the next hop has less */
  fetch_multi_stop(&r->c->m, t->easy);
  t->attached = 0;
  return rc;
}

/*
** Sends r's request under way; adds the connections it made to
** r->connections and takes the time it took from its hop->ms. A request
** that failed on a reused connection goes once more on a new one when
** sending it again cannot do harm: an idempotent method, a body that can
** be sent again, and not sent twice already (by curl itself). A POST is
** never sent twice: it may have reached the server.
*/
static CURLcode send_hop (struct request *r) {
  struct transfer *t = r->t;
  struct hop *hop = &r->hop;
  char *errbuf = r->errbuf;
  CURLcode rc = CURLE_OK;
  int attempt;
  t->sends = 0;
  t->may_send = idempotent(hop->method) && !hop->streamed ? 2 : 1;
  t->resend_refused = 0;
  for (attempt = 1; attempt <= 2 && hop->ms > 0; attempt++) {
    long fresh = 0;
    curl_off_t took_us = 0;
    buffer_clear(&t->body);
    buffer_clear(&t->head);
    t->too_large = 0;
    if (t->stream != NULL)
      fetch_stream_reset(t->stream);
    set_options(r, attempt > 1);
    errbuf[0] = '\0';
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, errbuf);
    t->deadline = fetch_now_ms() + hop->ms;
    rc = perform(r);
    if (!t->attached)
      curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &fresh);
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &took_us);
    r->connections += fresh;
    hop->ms -= (long)(took_us / 1000);
    /* not again once a callback failed, or part of a body was handed on */
    if (t->reader_failed || t->callback_failed || t->aborted ||
        t->delivered > 0 || !(attempt == 1 && fresh == 0 &&
        t->sends < t->may_send && dead_connection(rc)))
      break;
  }
  /* a stream whose answer failed after its headers: what came is read,
     then the error (fetch_stream.c) */
  if (rc != CURLE_OK && t->stream != NULL && t->headers_done && t->job.done)
    rc = CURLE_OK;
  return rc;
}

/* Pushes nil and the error of a request that failed; returns 2. */
static int send_error (lua_State *L, struct transfer *t, CURLcode rc,
                       const char *errbuf, const char *method) {
  /* curl would send it again (a reused connection gave no answer): on_prereq
     refused, or a streamed body could not be rewound */
  if (t->resend_refused || rc == CURLE_SEND_FAIL_REWIND) {
    lua_pushfstring(L, "the connection closed with no answer after the %s "
                    "was sent; it is not sent again (it may have reached "
                    "the server)", method);
    return fetch_fail(L, "connection", lua_tostring(L, -1), rc);
  }
  if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return fetch_fail(L, "too_large", "the response body is over max_body", rc);
  if (t->aborted)
    return fetch_fail(L, "aborted", "the on_body function returned false", 0);
  if (t->io_errno != 0) {
    lua_pushfstring(L, "sink %s: %s", t->sink_path != NULL ? t->sink_path
                    : "(file)", strerror(t->io_errno));
    return fetch_fail(L, "io", lua_tostring(L, -1), rc);
  }
  return fetch_fail(L, fetch_kind_of(rc), errbuf[0] != '\0' ? errbuf :
              curl_easy_strerror(rc), rc);
}

/* Pushes nil and a "redirect" error (with the status and the Location);
   returns 2. */
static int redirect_error (lua_State *L, long status, const char *location,
                           const char *why) {
  lua_pushfstring(L, "%d to %s: %s", (int)status, location, why);
  fetch_fail(L, "redirect", lua_tostring(L, -1), 0);
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  lua_pushstring(L, location);
  lua_setfield(L, -2, "location");
  return 2;
}

/*
** After the answer status to r's request under way, the next request as
** the rules say (fetch_redirect.h), its URL kept in HOP_URL_SLOT: 0
** [-0, +0], or -1 [-0, +2] with nil and the error pushed.
*/
static int next_hop (lua_State *L, struct request *r, long status,
                     const char *location) {
  struct hop *hop = &r->hop;
  int drops;
  char *from = NULL;
  enum redirect_target target;
  /* curl's own spelling of both URLs, so that they compare */
  curl_easy_getinfo(r->t->easy, CURLINFO_EFFECTIVE_URL, &from);
  target = redirect_target(from != NULL ? from : hop->url, location);
  if (target == TARGET_DOWNGRADE) {
    redirect_error(L, status, location, "from https to http is never "
                   "followed");
    return -1;
  }
  if (target == TARGET_NOT_HTTP || target == TARGET_UNREADABLE) {
    redirect_error(L, status, location, "not an http or https URL");
    return -1;
  }
  if (target == TARGET_OTHER_ORIGIN && r->mode != REDIRECT_FOLLOW) {
    redirect_error(L, status, location, "another origin, not followed "
                   "(redirect = \"follow\" follows it, without the "
                   "caller's headers)");
    return -1;
  }
  hop->method = redirect_method(status, hop->method, &drops);
  if (drops) {
    r->body_dropped = 1;
    hop->body = NULL;
    hop->body_len = 0;
    hop->streamed = 0;
  } else if (hop->streamed) {
    redirect_error(L, status, location, "a body given as a function cannot "
                   "be sent again");
    return -1;
  }
  if (target == TARGET_OTHER_ORIGIN)
    r->other_origin = 1;  /* and stays: the headers do not come back */
  lua_pushstring(L, location);
  lua_replace(L, HOP_URL_SLOT);
  hop->url = lua_tostring(L, HOP_URL_SLOT);
  return 0;
}

/* The headers the next request sends (as t->sent): 0 [-0, +0], or -1
   [-0, +1] with a message pushed. */
static int hop_headers (lua_State *L, struct request *r) {
  struct transfer *t = r->t;
  curl_slist_free_all(t->sent);
  t->sent = NULL;
  if (redirect_headers(t->caller, r->other_origin, r->body_dropped,
                       &t->sent) != 0) {
    lua_pushstring(L, "not enough memory");
    return -1;
  }
  return no_defaults(L, &t->sent);
}

/* [-0, +1] Pushes the response to r's request just made; returns 1. */
static int push_response (lua_State *L, const struct request *r,
                          long status) {
  const struct transfer *t = r->t;
  char *effective = NULL;
  lua_createtable(L, 0, 6);                         /* [res] */
  lua_pushinteger(L, r->connections);
  lua_setfield(L, -2, "connections");
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  if (t->stream == NULL && !t->deliver_now) {  /* else: res.read, the sink */
    lua_pushlstring(L, t->body.data != NULL ? t->body.data : "",
                    t->body.len);
    lua_setfield(L, -2, "body");
  }
  if (t->on_chunk != 0 || t->file != NULL || t->sink_path != NULL) {
    lua_pushinteger(L, (lua_Integer)t->delivered);
    lua_setfield(L, -2, "bytes");
  }
  curl_easy_getinfo(r->t->easy, CURLINFO_EFFECTIVE_URL, &effective);
  lua_pushstring(L, effective != NULL ? effective : r->hop.url);
  lua_setfield(L, -2, "url");
  push_headers(L, &t->head);                        /* [res] */
  return 1;
}

/* The sink once the answer is in: a file it opened closed, one given
   flushed; 0, or -1 with t->io_errno set. */
static int close_sink (struct transfer *t) {
  int rc = 0;
  if (t->file != NULL)
    rc = t->own_file ? fclose(t->file) : fflush(t->file);
  if (t->own_file)
    t->file = NULL;
  if (rc != 0)
    t->io_errno = errno != 0 ? errno : EIO;
  return rc != 0 ? -1 : 0;
}

/* [-0, +1|2] The answer to r's request, status: the response (a stream
   takes the transfer over), or nil and an error. */
static int answer (lua_State *L, struct request *r, long status) {
  struct transfer *t = r->t;
  if (close_sink(t) != 0)
    return send_error(L, t, CURLE_WRITE_ERROR, r->errbuf, r->hop.method);
  push_response(L, r, status);                      /* [.., res] */
  if (t->stream != NULL) {
    if (t->attached) {
      fetch_stream_own(t->stream, t->easy, &t->job, &t->sent, t->deadline);
      t->easy = NULL;
      t->attached = 0;
    } else {
      /* over already: all of it is held, and how it ended */
      t->stream->job = t->job;
      memcpy(t->stream->errbuf, r->errbuf, sizeof(r->errbuf));
    }
    fetch_stream_push(L, STREAM_SLOT, lua_gettop(L));
  }
  return 1;
}

/*
** [-0, +2] Reads where the body goes: pushes opts.on_body and opts.sink
** (ON_BODY_SLOT, SINK_SLOT; nil when absent) and sets r->stream. Raises on
** an option of the wrong type, or on more than one of the three.
*/
static void read_body_options (lua_State *L, int opts, struct request *r) {
  int type, given = 0;
  if ((type = push_option(L, opts, "stream")) != LUA_TNIL &&
      type != LUA_TBOOLEAN)
    option_error(L, "stream", "a boolean");
  r->stream = lua_toboolean(L, -1);
  lua_pop(L, 1);
  type = push_option(L, opts, "on_body");
  if (type != LUA_TNIL && type != LUA_TFUNCTION)
    option_error(L, "on_body", "a function");
  given = r->stream + (type != LUA_TNIL);
  type = push_option(L, opts, "sink");
  if (type == LUA_TUSERDATA) {
    luaL_Stream *f = luaL_testudata(L, -1, LUA_FILEHANDLE);
    if (f == NULL || f->closef == NULL || f->f == NULL)
      option_error(L, "sink", "a file name or an open file");
  } else if (type != LUA_TNIL && type != LUA_TSTRING) {
    option_error(L, "sink", "a file name or an open file");
  }
  if (given + (type != LUA_TNIL) > 1)
    luaL_error(L, "lambda.fetch: options 'stream', 'on_body' and 'sink' "
               "do not go together");
}

/*
** [-0, +6] Reads the options at index opts (0: none) into r: pushes the
** method, headers and body (METHOD_SLOT, HEADERS_SLOT, BODY_SLOT; nil
** when absent), the URL (HOP_URL_SLOT), on_body and sink. Raises on an
** option of the wrong type.
*/
static void read_options (lua_State *L, int opts, struct request *r) {
  int type;
  lua_Integer max_body;
  struct hop *hop = &r->hop;
  if (push_option(L, opts, "method") != LUA_TNIL &&
      lua_type(L, METHOD_SLOT) != LUA_TSTRING)
    option_error(L, "method", "a string");
  type = push_option(L, opts, "headers");
  if (type != LUA_TNIL && type != LUA_TTABLE)
    option_error(L, "headers", "a table");
  type = push_option(L, opts, "body");
  if (type != LUA_TNIL && type != LUA_TSTRING && type != LUA_TFUNCTION)
    option_error(L, "body", "a string or a function");
  r->mode = opt_redirect(L, opts);
  max_body = opt_integer(L, opts, "max_body", DEFAULT_MAX_BODY);
  r->max_body_given = push_option(L, opts, "max_body") != LUA_TNIL;
  lua_pop(L, 1);
  memset(hop, 0, sizeof(*hop));
  hop->streamed = type == LUA_TFUNCTION;
  if (type == LUA_TSTRING)
    hop->body = lua_tolstring(L, BODY_SLOT, &hop->body_len);
  if (!lua_isnil(L, METHOD_SLOT))
    hop->method = lua_tostring(L, METHOD_SLOT);
  else
    hop->method = hop->body != NULL || hop->streamed ? "POST" : "GET";
  hop->ms = timeout_ms(L, opts);
  lua_pushvalue(L, URL_ARG);                        /* [.., hop url] */
  hop->url = lua_tostring(L, HOP_URL_SLOT);
  r->max_body = (size_t)max_body;
  read_body_options(L, opts, r);                    /* [.., on_body, sink] */
}

/*
** Sends r's request, then each redirect the rules follow, until an
** answer: [-0, +1] the response, or [-0, +2] nil and an error; a body
** function's error is raised again.
*/
static int follow (lua_State *L, struct request *r) {
  int hops;
  for (hops = 0; ; hops++) {
    CURLcode rc;
    long status = 0;
    char *location = NULL;
    if (r->hop.ms <= 0)
      return fetch_fail(L, "timeout", "the redirects took the time there was",
                  CURLE_OPERATION_TIMEDOUT);
    if (hop_headers(L, r) != 0)
      return fetch_fail(L, "invalid", lua_tostring(L, -1), 0);
    rc = send_hop(r);
    if (r->t->reader_failed)
      return lua_error(L);  /* the body function's error, as it raised it */
    if (r->t->callback_failed) {  /* on_body's error, as it raised it */
      lua_getiuservalue(L, r->t->self, 2);
      return lua_error(L);
    }
    curl_easy_getinfo(r->t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && redirect_status(status) &&
        r->mode != REDIRECT_MANUAL)
      rc = finish(r);  /* a stream's: the redirect's body read */
    if (rc != CURLE_OK)
      return send_error(L, r->t, rc, r->errbuf, r->hop.method);
    if (redirect_status(status) && r->mode != REDIRECT_MANUAL)
      curl_easy_getinfo(r->t->easy, CURLINFO_REDIRECT_URL, &location);
    if (location == NULL)  /* not a redirect, or one without a Location */
      return answer(L, r, status);
    if (r->mode == REDIRECT_ERROR)
      return redirect_error(L, status, location, "redirect = \"error\"");
    if (hops == MAX_REDIRECTS)
      return redirect_error(L, status, location, "more than 5 redirects");
    if (next_hop(L, r, status, location) != 0)
      return 2;
  }
}

/*
** [-0, +1] With the transfer at TRANSFER_SLOT: its easy handle and where
** the body goes; pushes the stream (opts.stream; its user values the
** client and the request's body) or nil at STREAM_SLOT. Raises out of
** memory.
*/
static void prepare (lua_State *L, struct request *r) {
  struct transfer *t = r->t;
  lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_FETCH_CLIENT);  /* [.., c] */
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, TRANSFER_SLOT, 3);  /* the client outlives it */
  t->m = &r->c->m;
  t->reader = BODY_SLOT;
  t->max_body = r->max_body;
  t->deliver_max = r->max_body_given ? r->max_body : SIZE_MAX;
  if (lua_isfunction(L, ON_BODY_SLOT))
    t->on_chunk = ON_BODY_SLOT;
  if (lua_type(L, SINK_SLOT) == LUA_TSTRING)
    t->sink_path = lua_tostring(L, SINK_SLOT);
  else if (!lua_isnil(L, SINK_SLOT))
    t->file = ((luaL_Stream *)lua_touserdata(L, SINK_SLOT))->f;
  t->easy = fetch_multi_take(t->m);
  if (t->easy == NULL)
    luaL_error(L, "lambda.fetch: cannot make a curl handle");
  if (!r->stream) {
    lua_pop(L, 1);
    lua_pushnil(L);                                 /* [.., nil] */
    return;
  }
  t->stream = fetch_stream_new(L, t->m, r->max_body_given ? r->max_body
                               : SIZE_MAX);         /* [.., c, s] */
  lua_rotate(L, -2, 1);                             /* [.., s, c] */
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, BODY_SLOT);
  lua_setiuservalue(L, -2, 2);                      /* [.., s] */
}

/* request(url, opts) -> res | nil, err */
static int lib_request (lua_State *L) {
  struct request r;
  int opts = 0;
  luaL_checkstring(L, URL_ARG);
  if (!lua_isnoneornil(L, OPTS_ARG) && !is_json_null(L, OPTS_ARG)) {
    luaL_checktype(L, OPTS_ARG, LUA_TTABLE);
    opts = OPTS_ARG;
  }
  lua_settop(L, OPTS_ARG);                          /* [url, opts] */
  memset(&r, 0, sizeof(r));
  read_options(L, opts, &r);  /* [url, opts, method, headers, body, url,
                                 on_body, sink] */
  /* the client before any C memory: client_of may raise */
  r.c = client_of(L);
  if (r.c->m.running)
    return fetch_fail(L, "invalid", "lambda.fetch cannot be called from "
                      "inside another request's callbacks (on_body, a body "
                      "function)", 0);
  r.t = transfer_new(L);                            /* [.., transfer] */
  prepare(L, &r);                                   /* [.., transfer, s] */
  if (r.hop.method[0] == '\0' ||
      !header_safe(r.hop.method, strlen(r.hop.method)) ||
      strchr(r.hop.method, ' ') != NULL)
    return fetch_fail(L, "invalid", "method must be one word", 0);
  if (r.hop.ms <= 0)
    return fetch_fail(L, "timeout", "no time left before the deadline", 0);
  if (build_headers(L, HEADERS_SLOT, &r.t->caller) != 0)
    return fetch_fail(L, "invalid", lua_tostring(L, -1), 0);
  return follow(L, &r);
}

static const luaL_Reg fetch_functions[] = {
  {"request", lib_request},
  {NULL, NULL}
};

int luaopen_lambda_fetch (lua_State *L) {
  luaL_newlib(L, fetch_functions);
  return 1;
}
