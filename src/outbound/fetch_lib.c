/*
** lambda.fetch: HTTPS (and HTTP) requests from Lua on libcurl.
**   request(url, opts) -> res | nil, err
**   opts: method, headers ({name = value} or {{name, value}, ...}), body
**   (a string, or a function returning chunks then nil), timeout (ms),
**   max_body (bytes), redirect (false: do not follow)
**   res:  status, headers (lower-case names; repeats joined by ", "),
**         header_list ({{name, value}, ...} in order), body, url,
**         connections (new connections it made: 0 when a warm one served)
**   err:  { kind = "timeout" | "dns" | "connect" | "tls" | "too_large" |
**           "connection" | "invalid" | "body" | "http", message = ...,
**           curl_code = n }, with __tostring
**
** One curl handle per Lua state, kept across invocations: its connection
** cache keeps TLS connections warm. A connection idle longer than
** MAX_IDLE_S is not reused (after a freeze it may be dead), and an
** idempotent request that fails on a reused connection is sent once more
** on a fresh one. The timeout is never past the invocation's deadline
** (time_left.h). The environment's proxy variables (HTTPS_PROXY,
** NO_PROXY) apply here as libcurl reads them; SSL_CERT_FILE and
** SSL_CERT_DIR name other trusted CAs.
*/
#include "fetch_lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "buffer.h"
#include "time_left.h"

#define CLIENT_KEY "lambda.fetch.client"       /* the registry's client */
#define CLIENT_META "lambda.fetch.client_meta"  /* and its metatable */
#define ERROR_META "lambda.fetch.error"
#define DEFAULT_TIMEOUT_MS 30000      /* with no deadline armed (init) */
#define DEFAULT_MAX_BODY (10L << 20)  /* 10 MiB */
#define MAX_IDLE_S 20                 /* then a pooled connection is closed */
#define MAX_REDIRECTS 5

/* The state's client: one easy handle, reused request after request, and
   the trusted CAs the environment names (read once, when it is made). */
struct client {
  CURL *curl;
  char *ca_file;   /* SSL_CERT_FILE, or NULL */
  char *ca_dir;    /* SSL_CERT_DIR, or NULL */
};

/* A copy of the variable's value, or NULL when unset or empty. */
static char *env_copy (const char *name) {
  const char *v = getenv(name);
  return v != NULL && v[0] != '\0' ? strdup(v) : NULL;
}

/* One request under way: what curl's callbacks read and write. */
struct transfer {
  lua_State *L;
  struct buffer body;
  struct buffer head;        /* the last response's header lines */
  size_t max_body;
  int too_large;
  /* a body given as a function: its index on the stack, and the chunk
     being sent */
  int reader;
  const char *chunk;
  size_t chunk_len, chunk_pos;
  int reader_failed;         /* the function raised: its error is on top */
  int reader_done;
};

/* --- the client ---------------------------------------------------------- */

static int client_gc (lua_State *L) {
  struct client *c = luaL_checkudata(L, 1, CLIENT_META);
  if (c->curl != NULL) {
    curl_easy_cleanup(c->curl);
    c->curl = NULL;
  }
  free(c->ca_file);
  free(c->ca_dir);
  c->ca_file = c->ca_dir = NULL;
  return 0;
}

/* The state's client, made on first use. */
static struct client *client_of (lua_State *L) {
  struct client *c;
  if (lua_getfield(L, LUA_REGISTRYINDEX, CLIENT_KEY) == LUA_TUSERDATA) {
    c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c;
  }
  lua_pop(L, 1);
  c = lua_newuserdatauv(L, sizeof(*c), 0);
  c->curl = NULL;
  c->ca_file = c->ca_dir = NULL;
  if (luaL_newmetatable(L, CLIENT_META)) {
    lua_pushcfunction(L, client_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  c->ca_file = env_copy("SSL_CERT_FILE");
  c->ca_dir = env_copy("SSL_CERT_DIR");
  c->curl = curl_easy_init();
  if (c->curl == NULL)
    luaL_error(L, "lambda.fetch: cannot make a curl handle");
  lua_setfield(L, LUA_REGISTRYINDEX, CLIENT_KEY);
  return c;
}

/* --- errors -------------------------------------------------------------- */

static int error_tostring (lua_State *L) {
  lua_getfield(L, 1, "kind");
  lua_getfield(L, 1, "message");
  lua_pushfstring(L, "%s: %s", luaL_optstring(L, -2, "error"),
                  luaL_optstring(L, -1, ""));
  return 1;
}

/* Pushes nil and an error value; returns 2. */
static int fail (lua_State *L, const char *kind, const char *message,
                 int curl_code) {
  lua_pushnil(L);
  lua_createtable(L, 0, 3);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  if (curl_code != 0) {
    lua_pushinteger(L, curl_code);
    lua_setfield(L, -2, "curl_code");
  }
  if (luaL_newmetatable(L, ERROR_META)) {
    lua_pushcfunction(L, error_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_setmetatable(L, -2);
  return 2;
}

static const char *kind_of (CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "dns";
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED:
      return "tls";
    case CURLE_FILESIZE_EXCEEDED:
      return "too_large";
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return "connection";
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "invalid";
    default:
      return "http";
  }
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

static size_t on_header (char *data, size_t size, size_t n, void *ud) {
  struct transfer *t = ud;
  size_t len = size * n;
  /* A status line starts a response: after a redirect or a 100 Continue
     only the last response's headers count. */
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
    buffer_clear(&t->head);
  return buffer_append(&t->head, data, len) == 0 ? len : 0;
}

/* Calls the body function for its next chunk: 0, or -1 when it raised
   (the error left on the stack). */
static int next_chunk (struct transfer *t) {
  lua_State *L = t->L;
  lua_pushvalue(L, t->reader);
  if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
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
  /* The chunk stays referenced from a registry slot until the next. */
  lua_setfield(L, LUA_REGISTRYINDEX, "lambda.fetch.chunk");
  lua_getfield(L, LUA_REGISTRYINDEX, "lambda.fetch.chunk");
  t->chunk = lua_tolstring(L, -1, &t->chunk_len);
  lua_pop(L, 1);
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

/* --- the request --------------------------------------------------------- */

/* A header value or name with CR, LF or NUL would inject headers. */
static int header_safe (const char *s, size_t len) {
  return memchr(s, '\r', len) == NULL && memchr(s, '\n', len) == NULL &&
         memchr(s, '\0', len) == NULL;
}

/* Adds "name: value" to *list; 0, or -1 with a message pushed. */
static int add_header (lua_State *L, struct curl_slist **list, int name_idx,
                       int value_idx) {
  size_t nl, vl;
  const char *name, *value;
  struct curl_slist *grown;
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

/* The headers table at idx (a map, or a list of pairs) as a curl list;
   0, or -1 with a message pushed. */
static int build_headers (lua_State *L, int idx, struct curl_slist **list) {
  if (lua_isnoneornil(L, idx))
    return 0;
  if (!lua_istable(L, idx)) {
    lua_pushstring(L, "headers must be a table");
    return -1;
  }
  if (lua_rawgeti(L, idx, 1) != LUA_TNIL) {       /* a list of pairs */
    lua_Integer i, n = (lua_Integer)luaL_len(L, idx);
    lua_pop(L, 1);
    for (i = 1; i <= n; i++) {
      int rc;
      if (lua_rawgeti(L, idx, i) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushstring(L, "headers must be {name = value} or "
                       "{{name, value}, ...}");
        return -1;
      }
      lua_rawgeti(L, -1, 1);
      lua_rawgeti(L, -2, 2);
      rc = add_header(L, list, lua_gettop(L) - 1, lua_gettop(L));
      if (rc != 0) {
        lua_replace(L, -4);
        lua_pop(L, 2);
        return -1;
      }
      lua_pop(L, 3);
    }
    return 0;
  }
  lua_pop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {                 /* [k, v] */
    if (add_header(L, list, lua_gettop(L) - 1, lua_gettop(L)) != 0) {
      lua_replace(L, -3);
      lua_pop(L, 1);
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
** 100-continue (a round trip lost on every large body). 0, or -1 with a
** message pushed.
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

/* The options table's field as an integer, or dflt. */
static lua_Integer opt_integer (lua_State *L, int opts, const char *name,
                                lua_Integer dflt) {
  lua_Integer v = dflt;
  if (opts != 0 && lua_getfield(L, opts, name) != LUA_TNIL) {
    int ok;
    v = lua_tointegerx(L, -1, &ok);
    if (!ok || v <= 0)
      luaL_error(L, "lambda.fetch: %s must be a positive integer", name);
  }
  if (opts != 0)
    lua_pop(L, 1);
  return v;
}

/* Milliseconds this request may take: its own timeout, never past the
   deadline of the work under way. */
static long timeout_ms (lua_State *L, int opts) {
  lua_Integer want = opt_integer(L, opts, "timeout", DEFAULT_TIMEOUT_MS);
  if (lua_getfield(L, LUA_REGISTRYINDEX, TIME_LEFT_REGISTRY_KEY) ==
      LUA_TFUNCTION) {
    lua_call(L, 0, 1);
    if (lua_isinteger(L, -1)) {
      lua_Integer left = lua_tointeger(L, -1);
      if (left < want)
        want = left;
    }
  }
  lua_pop(L, 1);
  return want > 0 ? (long)want : 0;
}

static int idempotent (const char *method) {
  return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
         strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
         strcmp(method, "OPTIONS") == 0;
}

/* Sets the options of one request on c (reset first: the connection
   cache survives a reset). */
static void set_options (struct client *c, struct transfer *t,
                         const char *url, const char *method,
                         struct curl_slist *headers, long ms, int follow,
                         const char *body, size_t body_len, int streamed,
                         int fresh) {
  CURL *h = c->curl;
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
  /* Only what a function calls: no file://, no gopher:// */
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  /* Signals would interrupt the Lua host; timeouts are curl's own. */
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms < 5000 ? ms : 5000L);
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
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_body);
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (streamed) {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);  /* chunked, or its length */
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, t);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  } else if (body != NULL) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  } else if (strcmp(method, "GET") != 0) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  }
}

/* Pushes the response headers (from t->head) as res.headers and
   res.header_list into the table on top. */
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
      lua_createtable(L, 2, 0);
      lua_pushvalue(L, -2);
      lua_rawseti(L, -2, 1);
      lua_pushlstring(L, v, (size_t)(ve - v));
      lua_rawseti(L, -2, 2);
      lua_rawseti(L, res + 2, ++n);
      /* headers[name] = value, or "old, value" for a repeat */
      lua_pushvalue(L, -1);
      if (lua_rawget(L, res + 1) == LUA_TSTRING) {  /* [.., name, old] */
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      } else {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      }
      lua_rawset(L, res + 1);
    }
    p = eol + 1;
  }
  lua_setfield(L, res, "header_list");
  lua_setfield(L, res, "headers");
}

static int lib_request (lua_State *L) {
  const char *url = luaL_checkstring(L, 1);
  int opts = lua_istable(L, 2) ? 2 : 0;
  const char *method, *body = NULL;
  size_t body_len = 0;
  int streamed = 0, follow = 1, attempt;
  struct curl_slist *headers = NULL;
  struct transfer t;
  struct client *c;
  CURLcode rc = CURLE_OK;
  long ms, status = 0;
  char errbuf[CURL_ERROR_SIZE];
  if (!lua_isnoneornil(L, 2))
    luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  /* 3: method, 4: headers, 5: body, 6: redirect */
  if (opts != 0) {
    lua_getfield(L, 2, "method");
    lua_getfield(L, 2, "headers");
    lua_getfield(L, 2, "body");
    lua_getfield(L, 2, "redirect");
  } else {
    lua_settop(L, 6);
  }
  if (lua_type(L, 5) == LUA_TFUNCTION)
    streamed = 1;
  else if (!lua_isnil(L, 5))
    body = luaL_checklstring(L, 5, &body_len);
  follow = lua_isnil(L, 6) || lua_toboolean(L, 6);
  if (!lua_isnil(L, 3)) {
    method = luaL_checkstring(L, 3);
  } else {
    method = (body != NULL || streamed) ? "POST" : "GET";
  }
  if (!header_safe(method, strlen(method)) || strchr(method, ' ') != NULL)
    return fail(L, "invalid", "method must be one word", 0);
  memset(&t, 0, sizeof(t));
  t.L = L;
  t.reader = 5;
  t.max_body = (size_t)opt_integer(L, opts, "max_body", DEFAULT_MAX_BODY);
  ms = timeout_ms(L, opts);
  if (ms <= 0)
    return fail(L, "timeout", "no time left before the deadline", 0);
  if (build_headers(L, 4, &headers) != 0 || no_defaults(L, &headers) != 0) {
    curl_slist_free_all(headers);
    return fail(L, "invalid", lua_tostring(L, -1), 0);
  }
  c = client_of(L);
  buffer_init(&t.body);
  buffer_init(&t.head);
  long fresh = 0;
  for (attempt = 1; attempt <= 2; attempt++) {
    buffer_clear(&t.body);
    buffer_clear(&t.head);
    t.too_large = 0;
    set_options(c, &t, url, method, headers, ms, follow, body, body_len,
                streamed, attempt > 1);
    errbuf[0] = '\0';
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(c->curl);
    curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &fresh);
    /* A reused connection that was dead (closed while frozen): once
       more on a new one, when sending it again cannot do harm. */
    if (attempt == 1 && fresh == 0 && !streamed && idempotent(method) &&
        (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
         rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE))
      continue;
    break;
  }
  curl_slist_free_all(headers);
  curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "lambda.fetch.chunk");
  if (t.reader_failed) {
    buffer_free(&t.body);
    buffer_free(&t.head);
    return lua_error(L);  /* the body function's error, as it raised it */
  }
  if (rc != CURLE_OK) {
    int n;
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED)
      n = fail(L, "too_large", "the response body is over max_body", rc);
    else
      n = fail(L, kind_of(rc), errbuf[0] != '\0' ? errbuf :
               curl_easy_strerror(rc), rc);
    buffer_free(&t.body);
    buffer_free(&t.head);
    return n;
  }
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, fresh);
  lua_setfield(L, -2, "connections");
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  lua_pushlstring(L, t.body.data != NULL ? t.body.data : "", t.body.len);
  lua_setfield(L, -2, "body");
  {
    char *effective = NULL;
    curl_easy_getinfo(c->curl, CURLINFO_EFFECTIVE_URL, &effective);
    lua_pushstring(L, effective != NULL ? effective : url);
    lua_setfield(L, -2, "url");
  }
  push_headers(L, &t.head);
  buffer_free(&t.body);
  buffer_free(&t.head);
  return 1;
}

static const luaL_Reg fetch_functions[] = {
  {"request", lib_request},
  {NULL, NULL}
};

int luaopen_lambda_fetch (lua_State *L) {
  luaL_newlib(L, fetch_functions);
  return 1;
}
