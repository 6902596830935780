#include "runtime_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "base64.h"
#include "clock.h"
#include "lambda_limits.h"
#include "log_stderr.h"
#include "version.h"

#define API_PREFIX "/2018-06-01/runtime"

/* Transport failures (refused, reset, empty reply) are retried this often. */
#define TRANSPORT_RETRIES 2

struct runtime_api {
  CURL *curl;
  CURLSH *share;              /* the connection pool, shared with streams */
  struct buffer url;          /* a post's URL, made in place */
  size_t base_len;            /* length of "http://host:port" + API_PREFIX */
  char *next_url;             /* /invocation/next's, made once */
  int introduced;             /* the first /next said who we are */
  struct curl_slist *post_headers;  /* every post's, made once */
  char *endpoint;             /* "host:port", AWS_LAMBDA_RUNTIME_API */
  struct buffer reply;        /* body of the last reply to a post */
  struct buffer *sink;        /* where the write callback puts bytes */
  struct invocation *target;  /* where the header callback puts headers */
  int header_oom;             /* the header callback ran out of memory */
  int64_t fallback_ms;        /* an invocation's time when /next gives none */
  char error[512];
};

static size_t on_body (char *data, size_t size, size_t n, void *ud) {
  struct runtime_api *api = ud;
  size_t len = size * n;
  if (buffer_append(api->sink, data, len) != 0)
    return 0;  /* tells libcurl to abort: CURLE_WRITE_ERROR */
  return len;
}

static size_t on_header (char *line, size_t size, size_t n, void *ud) {
  struct runtime_api *api = ud;
  size_t len = size * n;
  if (api->target != NULL &&
      invocation_parse_header(api->target, line, len) != 0)
    api->header_oom = 1;
  return len;
}

/*
** Appends "name: value" to list, of any length. A value with CR, LF or
** NUL is refused (it would end the header and start another): *failed.
*/
static struct curl_slist *add_header (struct curl_slist *list,
                                      const char *name, const char *value,
                                      int *failed) {
  size_t name_len = strlen(name), value_len = strlen(value);
  struct curl_slist *next;
  char *line;
  if (*failed)
    return list;
  if (strpbrk(value, "\r\n") != NULL) {
    *failed = 1;
    return list;
  }
  line = malloc(name_len + value_len + 3);
  if (line == NULL) {
    *failed = 1;
    return list;
  }
  memcpy(line, name, name_len);
  memcpy(line + name_len, ": ", 2);
  memcpy(line + name_len + 2, value, value_len + 1);
  next = curl_slist_append(list, line);  /* copies it */
  free(line);
  if (next == NULL)
    *failed = 1;
  return next != NULL ? next : list;
}

/* Options every handle of ours carries. */
static void configure (struct runtime_api *api, CURL *curl) {
  /* A user's HTTP_PROXY/http_proxy must never capture Runtime API traffic;
     and with no proxy there is no NO_PROXY to read from the environment
     (libcurl would getenv it at every request). */
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  /* Nagle would hold back small posts waiting for an ACK. */
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  /* No signals: libcurl must not install SIGALRM/SIGPIPE handlers. */
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  /* The API is on the same host; a connect that takes longer has failed. */
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  /* Plain HTTP/1.1 with keep-alive; no upgrade attempts. */
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION,
                   (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, api);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, api);
  /* Streams use handles of their own; the connection stays the same. */
  curl_easy_setopt(curl, CURLOPT_SHARE, api->share);
}

/*
** How long an invocation whose /next carries no usable deadline may run:
** the function's timeout when the environment says it
** (AWS_LAMBDA_FUNCTION_TIMEOUT, seconds, which AWS's emulator reads;
** Lambda does not set it), else Lambda's longest.
*/
static int64_t fallback_timeout_ms (void) {
  const char *v = getenv("AWS_LAMBDA_FUNCTION_TIMEOUT");
  char *end;
  long s;
  if (v == NULL || v[0] == '\0')
    return (int64_t)LAMBDA_MAX_TIMEOUT_S * 1000;
  s = strtol(v, &end, 10);
  if (*end != '\0' || s < 1 || s > LAMBDA_MAX_TIMEOUT_S)
    return (int64_t)LAMBDA_MAX_TIMEOUT_S * 1000;
  return (int64_t)s * 1000;
}

struct runtime_api *runtime_api_new (const char *host_port, char *err,
                                     size_t errlen) {
  struct runtime_api *api;
  CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    snprintf(err, errlen, "curl_global_init: %s", curl_easy_strerror(rc));
    return NULL;
  }
  api = calloc(1, sizeof(*api));
  if (api == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  buffer_init(&api->url);
  buffer_init(&api->reply);
  api->share = curl_share_init();
  api->curl = curl_easy_init();
  if (api->share == NULL || api->curl == NULL ||
      curl_share_setopt(api->share, CURLSHOPT_SHARE,
                        CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
      buffer_append_literal(&api->url, "http://") != 0 ||
      buffer_append(&api->url, host_port, strlen(host_port)) != 0 ||
      buffer_append(&api->url, API_PREFIX, strlen(API_PREFIX)) != 0 ||
      (api->endpoint = strdup(host_port)) == NULL) {
    snprintf(err, errlen, "cannot set up libcurl");
    runtime_api_free(api);
    return NULL;
  }
  api->base_len = api->url.len;
  api->fallback_ms = fallback_timeout_ms();
  /*
  ** What every request of the loop's sends the same each time is made
  ** here, once: the /next URL and the posts' headers (libcurl copies
  ** neither; they live as long as the handle).
  */
  api->next_url = malloc(api->base_len + sizeof("/invocation/next"));
  if (api->next_url == NULL) {
    snprintf(err, errlen, "out of memory");
    runtime_api_free(api);
    return NULL;
  }
  memcpy(api->next_url, api->url.data, api->base_len);
  memcpy(api->next_url + api->base_len, "/invocation/next",
         sizeof("/invocation/next"));
  {
    int failed = 0;
    api->post_headers = add_header(NULL, "Content-Type", "application/json",
                                   &failed);
    /* Without this libcurl waits for "100 Continue" before large bodies. */
    api->post_headers = add_header(api->post_headers, "Expect", "", &failed);
    if (failed) {
      snprintf(err, errlen, "out of memory");
      runtime_api_free(api);
      return NULL;
    }
  }

  configure(api, api->curl);
  /* /next blocks while Lambda freezes us: no total timeout, ever. */
  curl_easy_setopt(api->curl, CURLOPT_TIMEOUT_MS, 0L);
  return api;
}

void runtime_api_free (struct runtime_api *api) {
  if (api == NULL)
    return;
  if (api->curl != NULL)
    curl_easy_cleanup(api->curl);
  if (api->share != NULL)
    curl_share_cleanup(api->share);
  buffer_free(&api->url);
  buffer_free(&api->reply);
  curl_slist_free_all(api->post_headers);
  free(api->next_url);
  free(api->endpoint);
  free(api);
  curl_global_cleanup();
}

const char *runtime_api_endpoint (const struct runtime_api *api) {
  return api->endpoint;
}

const char *runtime_api_last_error (const struct runtime_api *api) {
  return api->error;
}

/*
** Appends id as one path segment: every byte outside RFC 3986's
** unreserved set (A-Z a-z 0-9 - . _ ~) percent-encoded. The id comes
** from a header; "/", "#", "?", ".." or a space in it must neither move
** the post to another path nor make the URL one libcurl refuses, so
** whatever it holds, the invocation gets its answer.
*/
static int append_segment (struct buffer *url, const char *id, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  size_t i;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)id[i];
    char escaped[3];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      if (buffer_append(url, id + i, 1) != 0)
        return -1;
      continue;
    }
    escaped[0] = '%';
    escaped[1] = hex[c >> 4];
    escaped[2] = hex[c & 15];
    if (buffer_append(url, escaped, 3) != 0)
      return -1;
  }
  return 0;
}

/* The URL of a post about inv: the API base, /invocation/ID, then tail. */
static int invocation_url (struct runtime_api *api,
                           const struct invocation *inv, const char *tail) {
  api->url.len = api->base_len;
  if (buffer_append_literal(&api->url, "/invocation/") != 0 ||
      append_segment(&api->url, inv->request_id.data,
                     inv->request_id.len) != 0 ||
      buffer_append(&api->url, tail, strlen(tail)) != 0) {
    snprintf(api->error, sizeof(api->error), "%s: out of memory", tail);
    return -1;
  }
  return 0;
}

/*
** Runs the prepared request, retrying when the connection is refused or
** dropped before a reply: the API may close an idle keep-alive connection,
** and a new one is then opened. Returns the HTTP status, or 0 on failure
** with api->error set.
*/
static long perform_tries (struct runtime_api *api, CURL *curl,
                           const char *what, int retries);

static long perform (struct runtime_api *api, const char *what) {
  return perform_tries(api, api->curl, what, TRANSPORT_RETRIES);
}

static long perform_tries (struct runtime_api *api, CURL *curl,
                           const char *what, int retries) {
  int attempt;
  CURLcode rc = CURLE_OK;
  for (attempt = 0; attempt <= retries; attempt++) {
    long status = 0;
    if (attempt > 0)
      clock_sleep_ms(attempt * 50L);
    buffer_clear(api->sink);
    if (api->target != NULL)
      invocation_reset(api->target);
    api->header_oom = 0;
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
      if (api->header_oom) {
        snprintf(api->error, sizeof(api->error),
                 "%s: out of memory reading headers", what);
        return 0;
      }
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      return status;
    }
    if (rc == CURLE_WRITE_ERROR || rc == CURLE_OUT_OF_MEMORY)
      break;  /* our side failed; trying again will not help */
  }
  snprintf(api->error, sizeof(api->error),
           "%s: Runtime API at %s unreachable: %s", what, api->endpoint,
           curl_easy_strerror(rc));
  return 0;
}

/* Describes an unexpected HTTP status with the start of the reply body. */
static void describe_status (struct runtime_api *api, const char *what,
                             long status, const struct buffer *body) {
  int shown = body->len > 300 ? 300 : (int)body->len;
  snprintf(api->error, sizeof(api->error), "%s: HTTP %ld%s%.*s", what,
           status, shown > 0 ? ": " : "", shown,
           shown > 0 ? body->data : "");
}

enum runtime_api_status runtime_api_next (struct runtime_api *api,
                                   struct invocation *inv) {
  long status;
  curl_easy_setopt(api->curl, CURLOPT_URL, api->next_url);
  curl_easy_setopt(api->curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(api->curl, CURLOPT_HTTPHEADER, NULL);
  /*
  ** The User-Agent goes with the first /next only (the one that ends
  ** Init): libcurl formats it anew for every request it is set on, about
  ** a tenth of an invocation's instructions (bench/per_invoke.sh).
  */
  if (!api->introduced)
    curl_easy_setopt(api->curl, CURLOPT_USERAGENT, LUA_LAMBDA_USER_AGENT);
  api->sink = &inv->payload;
  api->target = inv;
  status = perform(api, "/next");
  api->target = NULL;
  if (!api->introduced) {
    curl_easy_setopt(api->curl, CURLOPT_USERAGENT, NULL);
    api->introduced = 1;
  }
  if (status == 0)
    return RUNTIME_API_FATAL;
  if (status != 200) {
    describe_status(api, "/next", status, &inv->payload);
    return RUNTIME_API_FATAL;
  }
  if (inv->request_id.len == 0) {
    snprintf(api->error, sizeof(api->error),
             "/next: reply has no Lambda-Runtime-Aws-Request-Id");
    return RUNTIME_API_FATAL;
  }
  /*
  ** Lambda always sends the deadline; one missing or unreadable (parsed
  ** as 0) must not switch the deadline guard off: fail closed.
  */
  if (inv->deadline_ms <= 0) {
    inv->deadline_ms = clock_now_ms() + api->fallback_ms;
    log_stderr("invocation %s: no usable Lambda-Runtime-Deadline-Ms; its "
               "deadline is %lld ms from now", inv->request_id.data,
               (long long)api->fallback_ms);
  }
  return RUNTIME_API_OK;
}

/* What the status of a post means for the loop. */
static enum runtime_api_status classify_post (struct runtime_api *api,
                                       const char *what, long status) {
  if (status == 0)
    return RUNTIME_API_FATAL;
  if (status >= 200 && status < 300)
    return RUNTIME_API_OK;
  describe_status(api, what, status, &api->reply);
  if (status == 410)
    return RUNTIME_API_GONE;
  if (status == 413)
    return RUNTIME_API_TOO_LARGE;
  if (status >= 400 && status < 500)
    return RUNTIME_API_REJECTED;
  return RUNTIME_API_FATAL;
}

static enum runtime_api_status post (struct runtime_api *api, const char *what,
                              const char *error_type,
                              const char *invocation_id,
                              const char *body, size_t len) {
  struct curl_slist *extra = NULL, *last = NULL;
  int failed = 0;
  long status;
  /*
  ** The common post (a response, no invocation id) sends the headers made
  ** once; an error type or an invocation id goes on a list of its own,
  ** hung off those for this post only.
  */
  if (error_type != NULL)
    extra = add_header(extra, "Lambda-Runtime-Function-Error-Type",
                       error_type, &failed);
  if (invocation_id != NULL && invocation_id[0] != '\0')
    extra = add_header(extra, "Lambda-Runtime-Invocation-Id",
                       invocation_id, &failed);
  if (failed) {
    curl_slist_free_all(extra);
    snprintf(api->error, sizeof(api->error), "%s: cannot build headers",
             what);
    return RUNTIME_API_FATAL;
  }
  if (extra != NULL) {
    for (last = api->post_headers; last->next != NULL; last = last->next)
      ;
    last->next = extra;
  }
  curl_easy_setopt(api->curl, CURLOPT_HTTPHEADER, api->post_headers);
  curl_easy_setopt(api->curl, CURLOPT_POSTFIELDS, body);
  /* An explicit Content-Length; never chunked for a buffered body. */
  curl_easy_setopt(api->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  api->sink = &api->reply;
  status = perform(api, what);
  if (last != NULL)
    last->next = NULL;  /* the made-once list, as it was */
  curl_slist_free_all(extra);
  return classify_post(api, what, status);
}

enum runtime_api_status runtime_api_respond (struct runtime_api *api,
                                      const struct invocation *inv,
                                      const char *body, size_t len) {
  if (invocation_url(api, inv, "/response") != 0)
    return RUNTIME_API_FATAL;
  curl_easy_setopt(api->curl, CURLOPT_URL, api->url.data);
  return post(api, "/response", NULL, inv->invocation_id.data, body, len);
}

enum runtime_api_status runtime_api_fail (struct runtime_api *api,
                                   const struct invocation *inv,
                                   const char *error_type,
                                   const char *body, size_t len) {
  if (invocation_url(api, inv, "/error") != 0)
    return RUNTIME_API_FATAL;
  curl_easy_setopt(api->curl, CURLOPT_URL, api->url.data);
  return post(api, "/error", error_type, inv->invocation_id.data, body,
              len);
}

enum runtime_api_status runtime_api_init_error (struct runtime_api *api,
                                         const char *error_type,
                                         const char *body, size_t len) {
  api->url.len = api->base_len;
  if (buffer_append_literal(&api->url, "/init/error") != 0) {
    snprintf(api->error, sizeof(api->error), "/init/error: out of memory");
    return RUNTIME_API_FATAL;
  }
  curl_easy_setopt(api->curl, CURLOPT_URL, api->url.data);
  return post(api, "/init/error", error_type, NULL, body, len);
}

/* --- streamed responses -------------------------------------------------- */

struct stream_call {
  const struct runtime_api_stream *stream;
  struct buffer encoded;  /* the error body in base64, for its trailer */
};

static size_t on_read (char *buf, size_t size, size_t n, void *ud) {
  struct stream_call *call = ud;
  long got = call->stream->pull(call->stream->ud, buf, size * n);
  if (got < 0)
    return 0;  /* end the body here; the trailers say why */
  return (size_t)got;
}

static int on_trailers (struct curl_slist **list, void *ud) {
  struct stream_call *call = ud;
  const char *type = call->stream->error_type(call->stream->ud);
  const char *body;
  size_t len = 0;
  struct curl_slist *next;
  char *line;
  if (type == NULL)
    return CURL_TRAILERFUNC_OK;
  body = call->stream->error_body(call->stream->ud, &len);
  if (base64_encode(body, len, &call->encoded) != 0)
    return CURL_TRAILERFUNC_ABORT;
  line = malloc(strlen(type) + call->encoded.len + 64);
  if (line == NULL)
    return CURL_TRAILERFUNC_ABORT;
  sprintf(line, "Lambda-Runtime-Function-Error-Type: %s", type);
  next = curl_slist_append(*list, line);
  if (next != NULL) {
    *list = next;
    sprintf(line, "Lambda-Runtime-Function-Error-Body: %.*s",
            (int)call->encoded.len, call->encoded.data);
    next = curl_slist_append(*list, line);
  }
  free(line);
  if (next == NULL)
    return CURL_TRAILERFUNC_ABORT;
  *list = next;
  return CURL_TRAILERFUNC_OK;
}

enum runtime_api_status runtime_api_stream (struct runtime_api *api,
                                     const struct invocation *inv,
                                     const struct runtime_api_stream *stream) {
  struct curl_slist *headers = NULL;
  struct stream_call call;
  CURL *curl;
  int failed = 0;
  long status;
  if (invocation_url(api, inv, "/response") != 0)
    return RUNTIME_API_FATAL;
  call.stream = stream;
  buffer_init(&call.encoded);
  headers = add_header(headers, "Content-Type", stream->content_type,
                       &failed);
  headers = add_header(headers, "Lambda-Runtime-Function-Response-Mode",
                       "streaming", &failed);
  /* No length: libcurl sends the body in chunks as pull gives them. */
  headers = add_header(headers, "Transfer-Encoding", "chunked", &failed);
  headers = add_header(headers, "Trailer",
                       "Lambda-Runtime-Function-Error-Type, "
                       "Lambda-Runtime-Function-Error-Body", &failed);
  headers = add_header(headers, "Expect", "", &failed);
  if (inv->invocation_id.len > 0)
    headers = add_header(headers, "Lambda-Runtime-Invocation-Id",
                         inv->invocation_id.data, &failed);
  if (failed) {
    curl_slist_free_all(headers);
    snprintf(api->error, sizeof(api->error), "stream: cannot build headers");
    return RUNTIME_API_FATAL;
  }
  /*
  ** A handle of its own, made for this stream and dropped after it: the
  ** libcurl of Debian 12 (7.88) keeps its trailer state on a handle after
  ** a transfer with trailers and corrupts the next chunked upload. The
  ** shared connection pool keeps the one keep-alive connection.
  */
  curl = curl_easy_init();
  if (curl == NULL) {
    curl_slist_free_all(headers);
    snprintf(api->error, sizeof(api->error), "stream: out of memory");
    return RUNTIME_API_FATAL;
  }
  configure(api, curl);
  curl_easy_setopt(curl, CURLOPT_URL, api->url.data);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &call);
  curl_easy_setopt(curl, CURLOPT_TRAILERFUNCTION, on_trailers);
  curl_easy_setopt(curl, CURLOPT_TRAILERDATA, &call);
  /* Managed Instances ask for a fresh connection after a stream. */
  if (stream->close_after)
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  api->sink = &api->reply;
  status = perform_tries(api, curl, "/response (streamed)", 0);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  buffer_free(&call.encoded);
  return classify_post(api, "/response (streamed)", status);
}
