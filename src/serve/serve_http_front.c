#include "serve_http_front.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "clock.h"
#include "lambda_limits.h"
#include "serve_http.h"
#include "request_id.h"
#include "serve_http_lua.h"

#define WEB_CONNECTIONS 256
#define CONNECTION_IDLE_S 60

/* A streamed HTTP response's content type: a JSON prelude, 8 NUL bytes,
   then the body (lambda.http.stream). */
#define PRELUDE_TYPE "application/vnd.awslambda.http-integration-response"
#define PRELUDE_END_LEN 8

/* A prelude longer than this is not one. */
#define PRELUDE_MAX (64 * 1024)

struct web_front {
  struct emulator *emu;
  struct web_lua *lua;
  struct MHD_Daemon *daemon;
  char format[16];
  struct mhd_log log;  /* libmicrohttpd's messages */
};

/* One request: its URI as sent (path and query), its body so far. */
struct web_request_state {
  char *uri;
  struct buffer body;
  int started;
  int too_large;
};

/* A streamed answer reads the job from here, after what came with the
   prelude. */
struct web_stream {
  struct emulator *emu;
  struct emu_job *job;
  size_t pos;
  struct buffer pending;
  size_t pending_pos;
};

/* Headers a function may not set: the server frames the message. */
static int framing_header (const char *name) {
  return strcasecmp(name, "content-length") == 0 ||
         strcasecmp(name, "transfer-encoding") == 0 ||
         strcasecmp(name, "connection") == 0;
}

/* Adds the answer's headers to r; 0, or -1 if MHD refused one (a CR or
   LF in it, say). */
static int add_headers (struct MHD_Response *r, const struct web_answer *a) {
  size_t i;
  for (i = 0; i < a->n_headers; i++) {
    const char *name = a->headers[2 * i], *value = a->headers[2 * i + 1];
    if (framing_header(name))
      continue;
    if (MHD_add_response_header(r, name, value) != MHD_YES)
      return -1;
  }
  return 0;
}

static enum MHD_Result send_answer (struct web_front *web,
                                    struct MHD_Connection *c,
                                    struct web_answer *a) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
    a->body.len, a->body.data, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result rc;
  if (r == NULL)
    return MHD_NO;
  if (add_headers(r, a) != 0) {
    /* Lambda's front ends refuse a response they cannot send. */
    MHD_destroy_response(r);
    fprintf(stderr, "lua-lambda: serve --http: a response header the "
            "function set is not valid HTTP (a line break in it?)\n");
    web_lua_failed(web->lua, web->format, a);
    r = MHD_create_response_from_buffer(a->body.len, a->body.data,
                                        MHD_RESPMEM_MUST_COPY);
    if (r == NULL || add_headers(r, a) != 0)
      return MHD_NO;
  }
  rc = MHD_queue_response(c, (unsigned)a->status, r);
  MHD_destroy_response(r);
  return rc;
}

static ssize_t read_web_stream (void *cls, uint64_t pos, char *buf,
                                size_t max) {
  struct web_stream *s = cls;
  ssize_t n;
  (void)pos;
  if (s->pending_pos < s->pending.len) {
    size_t left = s->pending.len - s->pending_pos;
    n = (ssize_t)(left < max ? left : max);
    memcpy(buf, s->pending.data + s->pending_pos, (size_t)n);
    s->pending_pos += (size_t)n;
    return n;
  }
  n = emu_read_stream(s->emu, s->job, &s->pos, buf, max);
  if (n == EMU_STREAM_END)
    return MHD_CONTENT_READER_END_OF_STREAM;
  if (n == EMU_STREAM_CUT)  /* broke off or timed out: the client sees it cut, as on AWS */
    return MHD_CONTENT_READER_END_WITH_ERROR;
  return n;
}

static void free_web_stream (void *cls) {
  struct web_stream *s = cls;
  emu_release(s->emu, s->job);
  buffer_free(&s->pending);
  free(s);
}

/*
** Reads a streamed response's prelude (up to its 8 NUL bytes) into s,
** what came after it into s->pending. 0, or -1 if the stream ended or
** broke first or it is too long to be a prelude.
*/
static int read_prelude (struct web_stream *s, struct buffer *prelude) {
  static const char end[PRELUDE_END_LEN] = { 0 };
  char chunk[4096];
  size_t from = 0;  /* where the end may start, in what has come so far */
  for (;;) {
    ssize_t n;
    size_t i;
    for (i = from; i + PRELUDE_END_LEN <= prelude->len; i++) {
      if (memcmp(prelude->data + i, end, PRELUDE_END_LEN) == 0) {
        buffer_set(&s->pending, prelude->data + i + PRELUDE_END_LEN,
                   prelude->len - i - PRELUDE_END_LEN);
        prelude->len = i;
        prelude->data[i] = '\0';
        return 0;
      }
    }
    if (prelude->len > PRELUDE_MAX)
      return -1;
    from = i;  /* the end may straddle what comes next */
    n = emu_read_stream(s->emu, s->job, &s->pos, chunk, sizeof(chunk));
    if (n < 0 || buffer_append(prelude, chunk, (size_t)n) != 0)
      return -1;
  }
}

/* The job streams: status and headers now, the body as it comes. */
static enum MHD_Result send_stream (struct web_front *web,
                                    struct MHD_Connection *c,
                                    struct emu_job *job, unsigned *status) {
  struct emulator *emu = web->emu;
  struct web_stream *s = calloc(1, sizeof(*s));
  struct web_answer a;
  struct buffer prelude;
  struct MHD_Response *r;
  enum MHD_Result rc;
  char content_type[sizeof(job->content_type)];
  if (s == NULL)
    return MHD_NO;
  s->emu = emu;
  s->job = job;
  buffer_init(&s->pending);
  buffer_init(&prelude);
  web_answer_init(&a);
  pthread_mutex_lock(&emu->lock);
  job->refs++;  /* the stream's */
  memcpy(content_type, job->content_type, sizeof(content_type));
  pthread_mutex_unlock(&emu->lock);
  if (strcmp(content_type, PRELUDE_TYPE) == 0) {
    if (read_prelude(s, &prelude) == 0)
      web_lua_prelude(web->lua, web->format, prelude.data, prelude.len, &a);
    else
      web_lua_failed(web->lua, web->format, &a);
  } else {
    /* No prelude: a 200 with the stream's own content type. */
    web_answer_free(&a);
    a.status = 200;
    a.headers = calloc(3, sizeof(char *));
    if (a.headers != NULL) {
      a.headers[0] = strdup("Content-Type");
      a.headers[1] = strdup(content_type[0] ? content_type
                                            : "application/octet-stream");
      a.n_headers = a.headers[0] && a.headers[1] ? 1 : 0;
    }
  }
  buffer_free(&prelude);
  *status = (unsigned)a.status;
  if (a.status >= 500 && a.body.len > 0) {
    /* The prelude was not there: the failure answer, whole. */
    free_web_stream(s);
    rc = send_answer(web, c, &a);
    web_answer_free(&a);
    return rc;
  }
  r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
                                        read_web_stream, s, free_web_stream);
  if (r == NULL) {
    free_web_stream(s);
    web_answer_free(&a);
    return MHD_NO;
  }
  if (add_headers(r, &a) != 0) {
    MHD_destroy_response(r);
    web_lua_failed(web->lua, web->format, &a);
    *status = (unsigned)a.status;
    rc = send_answer(web, c, &a);
    web_answer_free(&a);
    return rc;
  }
  rc = MHD_queue_response(c, (unsigned)a.status, r);
  MHD_destroy_response(r);
  web_answer_free(&a);
  return rc;
}

struct header_list {
  const char **pairs;
  size_t n, cap;
};

static enum MHD_Result collect_header (void *cls, enum MHD_ValueKind kind,
                                       const char *key, const char *value) {
  struct header_list *h = cls;
  (void)kind;
  if (h->n == h->cap) {
    size_t cap = h->cap ? 2 * h->cap : 32;
    const char **p = realloc(h->pairs, 2 * cap * sizeof(*p));
    if (p == NULL)
      return MHD_NO;
    h->pairs = p;
    h->cap = cap;
  }
  h->pairs[2 * h->n] = key;
  h->pairs[2 * h->n + 1] = value != NULL ? value : "";
  h->n++;
  return MHD_YES;
}

static void client_ip (struct MHD_Connection *c, char *out, size_t cap) {
  const union MHD_ConnectionInfo *info =
    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  snprintf(out, cap, "127.0.0.1");
  if (info != NULL && info->client_addr != NULL &&
      info->client_addr->sa_family == AF_INET) {
    const struct sockaddr_in *in =
      (const struct sockaddr_in *)(const void *)info->client_addr;
    inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)cap);
  }
}

/* The job's answer: streamed as it comes, or whole through the format's
   Lua; *status is the HTTP status it has. */
static enum MHD_Result answer_job (struct web_front *web,
                                   struct MHD_Connection *c,
                                   struct emu_job *job, unsigned *status) {
  struct emulator *emu = web->emu;
  struct web_answer a;
  enum MHD_Result rc;
  int failed, streaming, done;
  done = emu_wait(emu, job, 0) == JOB_DONE;
  pthread_mutex_lock(&emu->lock);  /* the worker's threads write these */
  failed = job->failed;
  streaming = job->streaming;
  pthread_mutex_unlock(&emu->lock);
  if (!done || (streaming && !failed))
    return send_stream(web, c, job, status);
  web_answer_init(&a);
  if (failed)
    web_lua_failed(web->lua, web->format, &a);
  else
    web_lua_response(web->lua, web->format, job->body.data, job->body.len,
                     &a);
  *status = (unsigned)a.status;
  rc = send_answer(web, c, &a);
  web_answer_free(&a);
  return rc;
}

/* The request, whole: into an event, through the function, back out. */
static enum MHD_Result web_finish (struct web_front *web,
                                   struct MHD_Connection *c,
                                   const char *method, const char *version,
                                   struct web_request_state *st) {
  struct emulator *emu = web->emu;
  struct header_list headers = { NULL, 0, 0 };
  struct web_request req;
  struct buffer event;
  struct emu_job *job;
  enum MHD_Result rc;
  char ip[64], request_id[40], *query;
  unsigned status = 0;
  int throttled;
  query = strchr(st->uri, '?');
  if (query != NULL)
    *query++ = '\0';
  if (st->too_large)
    return serve_reply_error(c, SERVE_ERR_URL_TOO_LARGE, NULL);
  MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &headers);
  client_ip(c, ip, sizeof(ip));
  request_id_make(request_id);
  memset(&req, 0, sizeof(req));
  req.method = method;
  req.path = st->uri;
  req.query = query != NULL ? query : "";
  req.protocol = version;
  req.source_ip = ip;
  req.request_id = request_id;
  req.id_prefix = "local";
  req.time_ms = clock_now_ms();
  req.headers = headers.pairs;
  req.n_headers = headers.n;
  req.body = st->body.data;
  req.body_len = st->body.len;
  buffer_init(&event);
  if (web_lua_event(web->lua, web->format, &req, &event) != 0) {
    fprintf(stderr, "lua-lambda: serve --http: %s\n",
            event.data ? event.data : "no event");
    buffer_free(&event);
    free(headers.pairs);
    return serve_reply_error(c, SERVE_ERR_URL_NO_EVENT, NULL);
  }
  free(headers.pairs);
  if (event.len > LAMBDA_REQUEST_LIMIT) {
    /* A body under the limit can grow past it as base64. */
    buffer_free(&event);
    return serve_reply_error(c, SERVE_ERR_URL_TOO_LARGE, NULL);
  }
  job = emu_submit(emu, event.data, event.len, "", 0, NULL, &throttled);
  buffer_free(&event);
  if (job == NULL)
    return serve_reply_error(c, throttled ? SERVE_ERR_URL_THROTTLED
                                          : SERVE_ERR_URL_SERVICE, NULL);
  rc = answer_job(web, c, job, &status);
  printf("lua-lambda: %s %s%s%s -> %u (%s)\n", method, st->uri,
         query ? "?" : "", query ? query : "", status, job->request_id);
  emu_release(emu, job);
  return rc;
}

/* MHD's first look at a request: its URI as sent, query and all. */
static void *log_uri (void *cls, const char *uri, struct MHD_Connection *c) {
  struct web_request_state *st = calloc(1, sizeof(*st));
  (void)cls;
  (void)c;
  if (st == NULL)
    return NULL;
  st->uri = strdup(uri);
  buffer_init(&st->body);
  return st;
}

static enum MHD_Result web_handler (void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls) {
  struct web_front *web = cls;
  struct web_request_state *st = *con_cls;
  (void)url;
  if (st == NULL || st->uri == NULL)
    return MHD_NO;
  if (!st->started) {
    /* The first call has the headers only; the body, if any, follows. */
    st->started = 1;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (st->body.len + *upload_size > LAMBDA_REQUEST_LIMIT)
      st->too_large = 1;  /* answered 413 at the end; nothing kept */
    else if (buffer_append(&st->body, upload, *upload_size) != 0)
      return MHD_NO;
    *upload_size = 0;
    return MHD_YES;
  }
  return web_finish(web, c, method, version, st);
}

static void on_completed (void *cls, struct MHD_Connection *c,
                          void **con_cls, enum MHD_RequestTerminationCode t) {
  struct web_request_state *st = *con_cls;
  (void)cls;
  (void)c;
  (void)t;
  if (st == NULL)
    return;
  free(st->uri);
  buffer_free(&st->body);
  free(st);
  *con_cls = NULL;
}

struct web_front *web_front_start (struct emulator *emu, int port,
                                   const char *format) {
  struct web_front *web = calloc(1, sizeof(*web));
  struct sockaddr_in addr;
  char err[256];
  if (web == NULL)
    return NULL;
  web->emu = emu;
  web->lua = web_lua_new(err, sizeof(err));
  if (web->lua == NULL) {
    fprintf(stderr, "lua-lambda: serve --http: %s\n", err);
    free(web);
    return NULL;
  }
  if (strlen(format) >= sizeof(web->format) ||
      !web_lua_known_format(web->lua, format)) {
    fprintf(stderr, "lua-lambda: --http-format takes url, apigw-v2, "
            "apigw-v1 or alb, not %s\n", format);
    web_front_stop(web);
    return NULL;
  }
  snprintf(web->format, sizeof(web->format), "%s", format);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  /* never beyond this host */
  mhd_log_starting(&web->log, "serve --http");
  web->daemon = MHD_start_daemon(
    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
    MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, web_handler, web,
    /* first, so that no message of its start goes to stderr raw */
    MHD_OPTION_EXTERNAL_LOGGER, mhd_log_message, &web->log,
    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)WEB_CONNECTIONS,
    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_IDLE_S,
    MHD_OPTION_URI_LOG_CALLBACK, log_uri, NULL,
    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
    MHD_OPTION_END);
  mhd_log_started(&web->log);
  if (web->daemon == NULL) {
    mhd_log_cannot_listen(&web->log, port, "--http PORT picks another");
    web_front_stop(web);
    return NULL;
  }
  return web;
}

int web_front_port (const struct web_front *web) {
  const union MHD_DaemonInfo *info =
    MHD_get_daemon_info(web->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info != NULL ? (int)info->port : 0;
}

void web_front_stop (struct web_front *web) {
  if (web == NULL)
    return;
  if (web->daemon != NULL)
    MHD_stop_daemon(web->daemon);
  web_lua_free(web->lua);
  free(web);
}
