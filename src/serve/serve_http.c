#include "serve_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <microhttpd.h>

#include "base64.h"
#include "clock.h"
#include "serve_event_stream.h"
#include "json_quote.h"
#include "serve_mhd_log.h"

#define API_PREFIX "/2018-06-01/runtime/"
#define EXT_PREFIX "/2020-01-01/extension/"
#define INVOKE_PREFIX "/2015-03-31/functions/"
#define STREAM_PREFIX "/2021-11-15/functions/"  /* as long as INVOKE_PREFIX */

/* A streamed response cut off with no error document in its trailers. */
#define STREAM_BROKE "{\"errorType\":\"Runtime.StreamError\"," \
  "\"errorMessage\":\"the response stream broke off\"}"

/* The Runtime API refuses a buffered response over this (DESIGN.md). */
#define RESPONSE_LIMIT 6291556

/*
** Connections a server serves at once: the invoke endpoint's clients, a
** runtime's few (its own, its extensions'). Past that, as many spare ones
** answer 503, with a short idle timeout so a flood cannot hold them; only
** past the spares is a connection closed unanswered. Idle connections (a
** request sent halfway, say) are closed after a while.
*/
#define INVOKE_CONNECTIONS 512
#define API_CONNECTIONS 16  /* and two a slot with --managed-instances */
#define CONNECTION_IDLE_S 60
#define SPARE_IDLE_S 1

/* One server and the connections it has open (counted as MHD opens
   and closes them). */
struct listener {
  struct MHD_Daemon *daemon;
  int served;                   /* past this many, 503 */
  atomic_int open;
  struct mhd_log log;           /* libmicrohttpd's messages */
};

struct api_server {
  struct emulator *emu;
  int worker;
  struct listener listener;
};

struct emu_http {
  struct emulator *emu;
  struct api_server api[EMU_MAX_WORKERS];
  struct listener invoke;
};

/* The socket context of a connection past its listener's served. */
static char over_limit;

enum request_kind { REQ_OTHER, REQ_NEXT, REQ_RESPONSE, REQ_ERROR,
                    REQ_INIT_ERROR, REQ_INVOKE, REQ_INVOKE_STREAM,
                    REQ_EXT_REGISTER, REQ_EXT_NEXT, REQ_EXT_INIT_ERROR,
                    REQ_EXT_EXIT_ERROR };

/* One request: what it is, its body so far, the job it concerns. */
struct request {
  enum request_kind kind;
  struct buffer body;
  struct emu_job *job;
  int streaming;
  int too_large;       /* the body went over its limit */
  int log_tail;        /* X-Amz-Log-Type: Tail */
  int not_found;       /* names another function, or a qualifier serve
                          does not have */
};

/* A streamed invoke response reads the job from here. */
struct stream_reader {
  struct emulator *emu;
  struct emu_job *job;
  size_t pos;
  int log_tail;          /* LogResult in InvokeComplete */
  int completed;         /* InvokeComplete sent */
  struct buffer frame;   /* a message being framed */
};

/*
** Queues a reply with its Content-Type and the headers in extra: name,
** value, ..., NULL (or extra itself NULL).
*/
static enum MHD_Result reply_with (struct MHD_Connection *c, unsigned status,
                                   const char *body, size_t len,
                                   const char *content_type,
                                   const char *const *extra) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
    len, (void *)body, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result rc;
  if (r == NULL)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", content_type);
  for (; extra != NULL && extra[0] != NULL; extra += 2)
    MHD_add_response_header(r, extra[0], extra[1]);
  rc = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return rc;
}

static enum MHD_Result reply (struct MHD_Connection *c, unsigned status,
                              const char *body, size_t len,
                              const char *content_type) {
  return reply_with(c, status, body, len, content_type, NULL);
}

static enum MHD_Result reply_json (struct MHD_Connection *c, unsigned status,
                                   const char *json) {
  return reply(c, status, json, strlen(json), "application/json");
}

static void on_connection (void *cls, struct MHD_Connection *c,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode code) {
  struct listener *l = cls;
  if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    atomic_fetch_sub(&l->open, 1);
    return;
  }
  if (atomic_fetch_add(&l->open, 1) >= l->served) {
    *socket_context = &over_limit;
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
                              (unsigned int)SPARE_IDLE_S);
  }
}

/* A connection over the limit gets 503 for its first request, and is
   closed (MHD closes it: the request was not read whole). */
static int refused_as_full (struct MHD_Connection *c, enum MHD_Result *rc) {
  const union MHD_ConnectionInfo *info =
    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  static const char body[] = "{\"errorType\":\"ServiceUnavailable\","
    "\"errorMessage\":\"lua-lambda serve has too many connections open\"}";
  static const char *const close_it[] = { "Connection", "close", NULL };
  if (info == NULL || info->socket_context != &over_limit)
    return 0;
  *rc = reply_with(c, MHD_HTTP_SERVICE_UNAVAILABLE, body, sizeof(body) - 1,
                   "application/json", close_it);
  return 1;
}

static void on_completed (void *cls, struct MHD_Connection *c,
                          void **con_cls, enum MHD_RequestTerminationCode t) {
  struct request *req = *con_cls;
  struct emulator *emu = cls;
  (void)c;
  (void)t;
  if (req == NULL)
    return;
  if (req->job != NULL)
    emu_release(emu, req->job);
  buffer_free(&req->body);
  free(req);
  *con_cls = NULL;
}

/* --- the Runtime API, for the workers ------------------------------------ */

static enum MHD_Result serve_next (struct api_server *srv,
                                   struct MHD_Connection *c) {
  struct emulator *emu = srv->emu;
  struct MHD_Response *r;
  struct emu_job *job;
  char deadline[32], arn[256];
  enum MHD_Result rc;
  int generation;
  pthread_mutex_lock(&emu->lock);
  generation = emu->workers[srv->worker].generation;
  pthread_mutex_unlock(&emu->lock);
  job = emu_take(emu, srv->worker, generation);
  if (job == NULL)  /* restarted or stopping: this runtime must go */
    return reply_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                      "{\"errorType\":\"Runtime.Stopped\"}");
  r = MHD_create_response_from_buffer(job->event.len, job->event.data,
                                      MHD_RESPMEM_MUST_COPY);
  if (r == NULL) {
    emu_release(emu, job);
    return MHD_NO;
  }
  snprintf(deadline, sizeof(deadline), "%lld", (long long)job->deadline_ms);
  snprintf(arn, sizeof(arn), "arn:aws:lambda:us-east-1:000000000000:"
           "function:%s", emu->cfg.function_name);
  MHD_add_response_header(r, "Content-Type", "application/json");
  MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id",
                          job->request_id);
  MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms", deadline);
  MHD_add_response_header(r, "Lambda-Runtime-Invoked-Function-Arn", arn);
  MHD_add_response_header(r, "Lambda-Runtime-Trace-Id", job->trace_id.data);
  if (job->client_context.len > 0)
    MHD_add_response_header(r, "Lambda-Runtime-Client-Context",
                            job->client_context.data);
  rc = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  emu_release(emu, job);
  return rc;
}

/* "invocation/<id>/response" -> job; kind set from the last part. */
static struct emu_job *job_of (struct emulator *emu, const char *rest,
                               enum request_kind *kind) {
  char id[64];
  const char *slash = strchr(rest, '/');
  size_t n;
  if (slash == NULL || (size_t)(slash - rest) >= sizeof(id))
    return NULL;
  n = (size_t)(slash - rest);
  memcpy(id, rest, n);
  id[n] = '\0';
  if (strcmp(slash + 1, "response") == 0)
    *kind = REQ_RESPONSE;
  else if (strcmp(slash + 1, "error") == 0)
    *kind = REQ_ERROR;
  else
    return NULL;
  return emu_find(emu, id);
}

/* The Extensions API, as a runtime's internal extensions use it. */
static enum MHD_Result ext_finish (struct api_server *srv,
                                   struct MHD_Connection *c,
                                   struct request *req) {
  struct emulator *emu = srv->emu;
  const char *id = MHD_lookup_connection_value(
    c, MHD_HEADER_KIND, "Lambda-Extension-Identifier");
  const char *type = MHD_lookup_connection_value(
    c, MHD_HEADER_KIND, "Lambda-Extension-Function-Error-Type");
  struct buffer event;
  enum MHD_Result rc;
  char new_id[40];
  if (req->kind == REQ_EXT_REGISTER) {
    const char *name = MHD_lookup_connection_value(
      c, MHD_HEADER_KIND, "Lambda-Extension-Name");
    int got;
    if (name == NULL || name[0] == '\0')
      return reply_json(c, MHD_HTTP_FORBIDDEN,
                        "{\"errorType\":\"Extension.MissingHeader\","
                        "\"errorMessage\":\"Missing Lambda-Extension-Name "
                        "header\"}");
    got = emu_ext_register(emu, srv->worker,
                           req->body.data ? req->body.data : "", new_id);
    if (got == -1)
      return reply_json(c, MHD_HTTP_FORBIDDEN,
                        "{\"errorType\":\"Extension.InvalidState\","
                        "\"errorMessage\":\"registration is only open "
                        "during Init\"}");
    if (got != 0)
      return reply_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "{\"errorType\":\"Extension.TooManyExtensions\","
                        "\"errorMessage\":\"too many extensions\"}");
    printf("lua-lambda: extension %s registered\n", name);
    {
      static const char info[] = "{\"functionName\":\"function\","
        "\"functionVersion\":\"$LATEST\",\"handler\":\"\"}";
      const char *extra[] = { "Lambda-Extension-Identifier", new_id, NULL };
      return reply_with(c, MHD_HTTP_OK, info, sizeof(info) - 1,
                        "application/json", extra);
    }
  }
  if (id == NULL)
    return reply_json(c, MHD_HTTP_FORBIDDEN,
                      "{\"errorType\":\"Extension.MissingExtensionIdentifier"
                      "\",\"errorMessage\":\"Missing "
                      "Lambda-Extension-Identifier header\"}");
  if (!emu_ext_known(emu, srv->worker, id))
    return reply_json(c, MHD_HTTP_FORBIDDEN,
                      "{\"errorType\":\"Extension.InvalidExtensionIdentifier"
                      "\",\"errorMessage\":\"Invalid "
                      "Lambda-Extension-Identifier\"}");
  if (req->kind == REQ_EXT_INIT_ERROR || req->kind == REQ_EXT_EXIT_ERROR) {
    printf("lua-lambda: extension %s error (%s): %.*s\n",
           req->kind == REQ_EXT_INIT_ERROR ? "init" : "exit",
           type ? type : "?", (int)req->body.len,
           req->body.data ? req->body.data : "");
    if (req->kind == REQ_EXT_INIT_ERROR)
      emu_init_error(emu, srv->worker, type ? type : "Extension.Unknown",
                     req->body.data ? req->body.data : "", req->body.len);
    return reply_json(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
  }
  buffer_init(&event);
  if (emu_ext_next(emu, srv->worker, id, &event) != 0) {
    buffer_free(&event);
    return reply_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                      "{\"errorType\":\"Extension.Stopped\"}");
  }
  rc = reply(c, MHD_HTTP_OK, event.data, event.len, "application/json");
  buffer_free(&event);
  return rc;
}

static enum MHD_Result api_finish (struct api_server *srv,
                                   struct MHD_Connection *c,
                                   struct request *req) {
  struct emulator *emu = srv->emu;
  const char *type = MHD_lookup_connection_value(
    c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type");
  switch (req->kind) {
    case REQ_EXT_REGISTER:
    case REQ_EXT_NEXT:
    case REQ_EXT_INIT_ERROR:
    case REQ_EXT_EXIT_ERROR:
      return ext_finish(srv, c, req);
    case REQ_NEXT:
      return serve_next(srv, c);
    case REQ_INIT_ERROR:
      /* The type alone: the document is what the runtime posted, and it
         has said it on its own output already (bootstrap does), as on
         Lambda; the invocations that fail with it carry it whole. */
      printf("lua-lambda: init error: %s\n", type ? type : "Runtime.Unknown");
      emu_init_error(emu, srv->worker, type, req->body.data, req->body.len);
      return reply_json(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
    case REQ_RESPONSE:
    case REQ_ERROR:
      if (req->job == NULL)
        return reply_json(c, MHD_HTTP_BAD_REQUEST,
                          "{\"errorType\":\"InvalidRequestID\"}");
      if (req->kind == REQ_RESPONSE && req->too_large)
        return reply_json(c, MHD_HTTP_CONTENT_TOO_LARGE,
                          "{\"errorMessage\":\"Exceeded maximum allowed "
                          "payload size (6291556 bytes).\",\"errorType\":"
                          "\"RequestEntityTooLarge\"}");
      if (req->kind == REQ_RESPONSE) {
        /* A streamed response reports a late error in trailers. */
        const char *late = MHD_lookup_connection_value(
          c, MHD_FOOTER_KIND, "Lambda-Runtime-Function-Error-Type");
        const char *doc64 = MHD_lookup_connection_value(
          c, MHD_FOOTER_KIND, "Lambda-Runtime-Function-Error-Body");
        if (late != NULL) {
          struct buffer doc;
          printf("lua-lambda: %s failed mid-stream: %s\n",
                 req->job->request_id, late);
          /* The error document, for a caller that waits for the whole. */
          buffer_init(&doc);
          if (doc64 == NULL || base64_decode(doc64, strlen(doc64), &doc) != 0)
            buffer_clear(&doc);
          emu_finish(emu, req->job, 1, late, doc.data ? doc.data : "",
                     doc.len);
          buffer_free(&doc);
        } else {
          emu_finish(emu, req->job, 0, NULL, req->body.data, req->body.len);
        }
      } else {
        emu_finish(emu, req->job, 1, type ? type : "Runtime.Unknown",
                   req->body.data, req->body.len);
      }
      return reply_json(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
    default:
      return reply_json(c, MHD_HTTP_NOT_FOUND,
                        "{\"errorType\":\"NotFound\"}");
  }
}

static enum MHD_Result api_handler (void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload, size_t *upload_size,
                                    void **con_cls) {
  struct api_server *srv = cls;
  struct request *req = *con_cls;
  enum MHD_Result rc;
  (void)version;
  if (req == NULL) {
    const char *mode;
    if (refused_as_full(c, &rc))
      return rc;
    req = calloc(1, sizeof(*req));
    if (req == NULL)
      return MHD_NO;
    buffer_init(&req->body);
    *con_cls = req;
    if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) == 0) {
      const char *rest = url + strlen(API_PREFIX);
      if (strcmp(method, "GET") == 0 &&
          strcmp(rest, "invocation/next") == 0)
        req->kind = REQ_NEXT;
      else if (strcmp(method, "POST") == 0 &&
               strcmp(rest, "init/error") == 0)
        req->kind = REQ_INIT_ERROR;
      else if (strcmp(method, "POST") == 0 &&
               strncmp(rest, "invocation/", 11) == 0)
        req->job = job_of(srv->emu, rest + 11, &req->kind);
    } else if (strncmp(url, EXT_PREFIX, strlen(EXT_PREFIX)) == 0) {
      const char *rest = url + strlen(EXT_PREFIX);
      int post = strcmp(method, "POST") == 0;
      if (post && strcmp(rest, "register") == 0)
        req->kind = REQ_EXT_REGISTER;
      else if (!post && strcmp(rest, "event/next") == 0)
        req->kind = REQ_EXT_NEXT;
      else if (post && strcmp(rest, "init/error") == 0)
        req->kind = REQ_EXT_INIT_ERROR;
      else if (post && strcmp(rest, "exit/error") == 0)
        req->kind = REQ_EXT_EXIT_ERROR;
    }
    mode = MHD_lookup_connection_value(
      c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Response-Mode");
    req->streaming = req->kind == REQ_RESPONSE && mode != NULL &&
                     strcmp(mode, "streaming") == 0;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (req->streaming && req->job != NULL)
      emu_stream(srv->emu, req->job,
                 MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                             "Content-Type"),
                 upload, *upload_size);
    else if (req->body.len + *upload_size > RESPONSE_LIMIT)
      req->too_large = 1;  /* answered 413 at the end; nothing kept */
    else
      buffer_append(&req->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  return api_finish(srv, c, req);
}

/* --- the invoke endpoint ------------------------------------------------- */

/* The last EMU_LOG_TAIL bytes of the job's log, base64, into out. */
static void log_result (const struct emu_job *job, struct buffer *out) {
  size_t n = job->log.len < EMU_LOG_TAIL ? job->log.len : EMU_LOG_TAIL;
  if (base64_encode(job->log.data + job->log.len - n, n, out) != 0)
    buffer_clear(out);
}

/*
** InvokeComplete's payload: {"ErrorCode", "ErrorDetails", "LogResult"},
** each only when there is one. The job is done (read under the lock).
*/
static int invoke_complete (struct emulator *emu, struct emu_job *job,
                            int log_tail, struct buffer *out) {
  struct buffer json, tail;
  const char *sep = "";
  int rc = 0;
  buffer_init(&json);
  buffer_init(&tail);
  pthread_mutex_lock(&emu->lock);
  buffer_append(&json, "{", 1);
  if (job->failed || job->state != JOB_DONE) {
    static const char timed_out[] = "Task timed out";
    const char *type = job->failed && job->error_type[0] ? job->error_type
                       : "Sandbox.Timedout";
    const struct buffer *doc = job->streaming ? &job->error_doc : &job->body;
    buffer_append(&json, "\"ErrorCode\":", 12);
    json_quote(&json, type, strlen(type));
    buffer_append(&json, ",\"ErrorDetails\":", 16);
    if (job->failed && doc->len > 0)
      json_quote(&json, doc->data, doc->len);
    else if (job->failed)
      json_quote(&json, STREAM_BROKE, sizeof(STREAM_BROKE) - 1);
    else
      json_quote(&json, timed_out, sizeof(timed_out) - 1);
    sep = ",";
  }
  if (log_tail) {
    log_result(job, &tail);
    buffer_append(&json, sep, strlen(sep));
    buffer_append(&json, "\"LogResult\":", 12);
    json_quote(&json, tail.data ? tail.data : "", tail.len);
  }
  pthread_mutex_unlock(&emu->lock);
  if (buffer_append(&json, "}", 1) != 0 ||
      event_stream_append(out, "InvokeComplete", "application/json",
                          json.data, json.len) != 0)
    rc = -1;
  buffer_free(&json);
  buffer_free(&tail);
  return rc;
}

/*
** InvokeWithResponseStream's body: each piece the function streams as a
** PayloadChunk event, then InvokeComplete (with the error, if it broke).
*/
static ssize_t read_stream (void *cls, uint64_t pos, char *buf, size_t max) {
  struct stream_reader *s = cls;
  char chunk[32 * 1024];
  size_t cap = max - EVENT_STREAM_OVERHEAD;
  ssize_t n;
  (void)pos;
  if (s->completed)
    return MHD_CONTENT_READER_END_OF_STREAM;
  if (max <= EVENT_STREAM_OVERHEAD + 1)
    return 0;  /* MHD asks again with more room */
  n = emu_read_stream(s->emu, s->job, &s->pos, chunk,
                      cap < sizeof(chunk) ? cap : sizeof(chunk));
  buffer_clear(&s->frame);
  if (n >= 0) {
    if (event_stream_append(&s->frame, "PayloadChunk",
                            "application/octet-stream", chunk,
                            (size_t)n) != 0)
      return MHD_CONTENT_READER_END_WITH_ERROR;
  } else {
    if (invoke_complete(s->emu, s->job, s->log_tail, &s->frame) != 0 ||
        s->frame.len > max)
      return MHD_CONTENT_READER_END_WITH_ERROR;
    s->completed = 1;
  }
  memcpy(buf, s->frame.data, s->frame.len);
  return (ssize_t)s->frame.len;
}

static void free_stream (void *cls) {
  struct stream_reader *s = cls;
  emu_release(s->emu, s->job);
  buffer_free(&s->frame);
  free(s);
}

static enum MHD_Result reply_streamed (struct emulator *emu,
                                       struct MHD_Connection *c,
                                       struct emu_job *job, int log_tail) {
  struct stream_reader *s = calloc(1, sizeof(*s));
  struct MHD_Response *r;
  enum MHD_Result rc;
  if (s == NULL)
    return MHD_NO;
  s->emu = emu;
  s->job = job;
  s->log_tail = log_tail;
  buffer_init(&s->frame);
  pthread_mutex_lock(&emu->lock);
  job->refs++;  /* the reader's */
  pthread_mutex_unlock(&emu->lock);
  r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                        read_stream, s, free_stream);
  if (r == NULL) {
    free_stream(s);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", EVENT_STREAM_TYPE);
  MHD_add_response_header(r, "X-Amzn-RequestId", job->request_id);
  MHD_add_response_header(r, "X-Amz-Executed-Version", "$LATEST");
  rc = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return rc;
}

/* A done job's answer: its body or error document, and the log's tail. */
static enum MHD_Result reply_done (struct emulator *emu,
                                   struct MHD_Connection *c,
                                   const struct request *req,
                                   struct emu_job *job) {
  struct buffer body, tail;
  const char *extra[9];
  enum MHD_Result rc;
  int n = 0;
  buffer_init(&body);
  buffer_init(&tail);
  extra[n++] = "X-Amzn-RequestId";
  extra[n++] = job->request_id;
  extra[n++] = "X-Amz-Executed-Version";
  extra[n++] = "$LATEST";
  if (job->failed) {
    extra[n++] = "X-Amz-Function-Error";
    extra[n++] = "Unhandled";
  }
  if (req->log_tail) {
    log_result(job, &tail);
    extra[n++] = "X-Amz-Log-Result";
    extra[n++] = tail.data ? tail.data : "";
  }
  extra[n] = NULL;
  if (req->kind == REQ_INVOKE_STREAM) {
    if (invoke_complete(emu, job, req->log_tail, &body) != 0)
      buffer_clear(&body);
    rc = reply_with(c, MHD_HTTP_OK, body.data ? body.data : "", body.len,
                    EVENT_STREAM_TYPE, extra);
  } else if (job->failed && job->streaming) {
    /* It broke midway: the caller gets the error, not half a body. */
    if (job->error_doc.len == 0)
      buffer_set(&job->error_doc, STREAM_BROKE, sizeof(STREAM_BROKE) - 1);
    rc = reply_with(c, MHD_HTTP_OK, job->error_doc.data, job->error_doc.len,
                    "application/json", extra);
  } else {
    rc = reply_with(c, MHD_HTTP_OK, job->body.data, job->body.len,
                    "application/json", extra);
  }
  buffer_free(&body);
  buffer_free(&tail);
  return rc;
}

static enum MHD_Result invoke_finish (struct emulator *emu,
                                      struct MHD_Connection *c,
                                      struct request *req) {
  const char *cc64 = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "X-Amz-Client-Context");
  const char *trace = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "X-Amzn-Trace-Id");
  const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "X-Amz-Invocation-Type");
  struct buffer cc;
  size_t i;
  int throttled;
  struct emu_job *job;
  buffer_init(&cc);
  if (type != NULL && strcmp(type, "DryRun") == 0) {
    /* Lambda checks the call and runs nothing. */
    buffer_free(&cc);
    return reply(c, MHD_HTTP_NO_CONTENT, "", 0, "application/json");
  }
  if (cc64 != NULL && base64_decode(cc64, strlen(cc64), &cc) != 0) {
    buffer_free(&cc);
    return reply_json(c, MHD_HTTP_BAD_REQUEST,
                      "{\"errorType\":\"InvalidRequestContentException\","
                      "\"errorMessage\":\"X-Amz-Client-Context must be "
                      "base64\"}");
  }
  /*
  ** The context goes on in a header: a line break would end it (and MHD
  ** refuses the value). In JSON a raw CR or LF can only be whitespace
  ** between tokens, so a space keeps the value the same.
  */
  for (i = 0; i < cc.len; i++) {
    if (cc.data[i] == '\r' || cc.data[i] == '\n')
      cc.data[i] = ' ';
  }
  if (req->body.len == 0)
    buffer_set(&req->body, "{}", 2);
  job = emu_submit(emu, req->body.data, req->body.len,
                   cc.data ? cc.data : "", cc.len, trace, &throttled);
  buffer_free(&cc);
  if (job == NULL && throttled) {
    static const char body[] = "{\"errorType\":\"TooManyRequestsException\","
                               "\"errorMessage\":\"Rate Exceeded.\"}";
    const char *error_type[] = { "X-Amzn-ErrorType",
                                 "TooManyRequestsException", NULL };
    return reply_with(c, MHD_HTTP_TOO_MANY_REQUESTS, body, sizeof(body) - 1,
                      "application/json", error_type);
  }
  if (job == NULL)
    return reply_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                      "{\"errorType\":\"ServiceException\"}");
  req->job = job;  /* released when the request completes */
  if (type != NULL && strcmp(type, "Event") == 0)
    return reply(c, MHD_HTTP_ACCEPTED, "", 0, "application/json");
  /*
  ** Only InvokeWithResponseStream streams; a plain Invoke of a streaming
  ** function gets the whole body at the end, as on Lambda. A function
  ** that failed before it wrote a byte gets InvokeComplete alone.
  */
  if (req->kind == REQ_INVOKE_STREAM &&
      (emu_wait(emu, job, 0) != JOB_DONE || !job->failed ||
       job->streaming))
    return reply_streamed(emu, c, job, req->log_tail);
  if (req->kind != REQ_INVOKE_STREAM)
    emu_wait(emu, job, 1);
  return reply_done(emu, c, req, job);
}

static int ends_with (const char *s, const char *end) {
  size_t n = strlen(s), m = strlen(end);
  return n >= m && strcmp(s + n - m, end) == 0;
}

/*
** The {name} in /2015-03-31/functions/{name}/invocations: "function" (as
** AWS's emulator takes), --function-name, either as "name:qualifier" or
** as an ARN; the qualifier (there or in ?Qualifier=) must be $LATEST,
** the one version serve has.
*/
static int names_this_function (struct emulator *emu, struct MHD_Connection *c,
                                const char *url) {
  const char *start = url + strlen(INVOKE_PREFIX), *end = strchr(start, '/');
  const char *query = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                  "Qualifier");
  const char *arn_part = NULL, *colon;
  size_t len;
  if (end == NULL)
    return 0;
  if (strncmp(start, "arn:", 4) == 0) {
    arn_part = strstr(start, ":function:");
    if (arn_part == NULL || arn_part > end)
      return 0;
    start = arn_part + strlen(":function:");
  }
  colon = memchr(start, ':', (size_t)(end - start));
  len = (size_t)((colon != NULL ? colon : end) - start);
  if (!((len == 8 && strncmp(start, "function", 8) == 0) ||
        (len == strlen(emu->cfg.function_name) &&
         strncmp(start, emu->cfg.function_name, len) == 0)))
    return 0;
  if (colon != NULL && ((size_t)(end - colon - 1) != 7 ||
                        strncmp(colon + 1, "$LATEST", 7) != 0))
    return 0;
  return query == NULL || strcmp(query, "$LATEST") == 0;
}

/* Lambda's 404 for a function or version it does not have. */
static enum MHD_Result function_not_found (struct emulator *emu,
                                           struct MHD_Connection *c,
                                           const char *url) {
  static const char *const error_type[] = {
    "X-Amzn-ErrorType", "ResourceNotFoundException", NULL };
  static const char head[] = "{\"Type\":\"User\",\"message\":";
  const char *qualifier = MHD_lookup_connection_value(
    c, MHD_GET_ARGUMENT_KIND, "Qualifier");
  struct buffer body;
  enum MHD_Result rc;
  char text[512];
  buffer_init(&body);
  snprintf(text, sizeof(text), "Function not found: %s (serve has "
           "arn:aws:lambda:us-east-1:000000000000:function:%s, $LATEST)%s%s",
           url, emu->cfg.function_name, qualifier ? ", Qualifier " : "",
           qualifier ? qualifier : "");
  buffer_append(&body, head, sizeof(head) - 1);
  json_quote(&body, text, strlen(text));
  buffer_append(&body, "}", 1);
  rc = reply_with(c, MHD_HTTP_NOT_FOUND, body.data, body.len,
                  "application/json", error_type);
  buffer_free(&body);
  return rc;
}

static enum MHD_Result invoke_handler (void *cls, struct MHD_Connection *c,
                                       const char *url, const char *method,
                                       const char *version,
                                       const char *upload,
                                       size_t *upload_size, void **con_cls) {
  struct emulator *emu = cls;
  struct request *req = *con_cls;
  enum MHD_Result rc;
  const char *type;
  (void)version;
  if (req == NULL) {
    if (refused_as_full(c, &rc))
      return rc;
    req = calloc(1, sizeof(*req));
    if (req == NULL)
      return MHD_NO;
    buffer_init(&req->body);
    *con_cls = req;
    if (strcmp(method, "POST") == 0 &&
        strncmp(url, INVOKE_PREFIX, strlen(INVOKE_PREFIX)) == 0 &&
        ends_with(url, "/invocations"))
      req->kind = REQ_INVOKE;
    else if (strcmp(method, "POST") == 0 &&
             strncmp(url, STREAM_PREFIX, strlen(STREAM_PREFIX)) == 0 &&
             ends_with(url, "/response-streaming-invocations"))
      req->kind = REQ_INVOKE_STREAM;
    if (req->kind != REQ_OTHER && !names_this_function(emu, c, url)) {
      req->kind = REQ_OTHER;
      req->not_found = 1;
    }
    type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type");
    req->log_tail = type != NULL && strcmp(type, "Tail") == 0;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    /* Over Lambda's limit the body is dropped: 413, worker untouched. */
    if (req->body.len + *upload_size > EMU_PAYLOAD_LIMIT)
      req->too_large = 1;
    else if (buffer_append(&req->body, upload, *upload_size) != 0)
      return MHD_NO;
    *upload_size = 0;
    return MHD_YES;
  }
  if (req->not_found)
    return function_not_found(emu, c, url);
  if (req->kind != REQ_INVOKE && req->kind != REQ_INVOKE_STREAM)
    return reply_json(c, MHD_HTTP_NOT_FOUND,
                      "{\"errorType\":\"NotFound\",\"errorMessage\":"
                      "\"POST /2015-03-31/functions/function/invocations\"}");
  if (req->too_large)
    return reply_json(c, MHD_HTTP_CONTENT_TOO_LARGE,
                      "{\"errorType\":\"RequestEntityTooLarge\","
                      "\"errorMessage\":\"Request must be smaller than "
                      "6291456 bytes for the InvokeFunction operation\"}");
  return invoke_finish(emu, c, req);
}

/* Starts l's daemon on 127.0.0.1:port, serving served connections at
   once; 0 when it could not listen (l->log knows why). */
static int start (struct listener *l, const char *who, int port, int served,
                  MHD_AccessHandlerCallback fn, void *cls,
                  struct emulator *emu) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  /* never beyond this host */
  l->served = served;
  atomic_init(&l->open, 0);
  mhd_log_starting(&l->log, who);
  l->daemon = MHD_start_daemon(
    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
    MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, fn, cls,
    /* first, so that no message of its start goes to stderr raw */
    MHD_OPTION_EXTERNAL_LOGGER, mhd_log_message, &l->log,
    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
    MHD_OPTION_CONNECTION_LIMIT,
    (unsigned int)(2 * served),  /* the spares: as many */
    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_IDLE_S,
    MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
    MHD_OPTION_NOTIFY_COMPLETED, on_completed, emu,
    MHD_OPTION_END);
  mhd_log_started(&l->log);
  return l->daemon != NULL;
}

/* The port a daemon listens on (the one the kernel chose for port 0). */
static int bound_port (struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *info =
    MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  return info != NULL ? (int)info->port : 0;
}

int emu_http_invoke_port (const struct emu_http *http) {
  return bound_port(http->invoke.daemon);
}

/*
** Raises this process's soft RLIMIT_NOFILE, as far as the hard limit
** lets it, to hold every connection the servers may take, and then some
** (pipes, files). A default of 1,024 would not.
*/
static void have_files_for (int connections) {
  struct rlimit rl;
  rlim_t want = (rlim_t)connections + 256;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
    return;
  rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
  setrlimit(RLIMIT_NOFILE, &rl);
}

struct emu_http *emu_http_start (struct emulator *emu) {
  struct emu_http *http = calloc(1, sizeof(*http));
  int w, api_served = API_CONNECTIONS;
  if (http == NULL)
    return NULL;
  http->emu = emu;
  if (2 * emu->cfg.managed_instances > api_served)
    api_served = 2 * emu->cfg.managed_instances;
  have_files_for(2 * (INVOKE_CONNECTIONS +
                      emu->cfg.concurrency * api_served));
  for (w = 0; w < emu->cfg.concurrency; w++) {
    http->api[w].emu = emu;
    http->api[w].worker = w;
    int port = emu->cfg.api_port > 0 ? emu->cfg.api_port + w : 0;
    if (!start(&http->api[w].listener, "the Runtime API", port, api_served,
               api_handler, &http->api[w], emu)) {
      mhd_log_cannot_listen(&http->api[w].listener.log, port,
                            "--port picks another");
      emu_http_stop(http);
      return NULL;
    }
    emu->api_ports[w] = bound_port(http->api[w].listener.daemon);
  }
  if (!start(&http->invoke, "the invoke endpoint", emu->cfg.invoke_port,
             INVOKE_CONNECTIONS, invoke_handler, emu, emu)) {
    mhd_log_cannot_listen(&http->invoke.log, emu->cfg.invoke_port,
                          "--invoke-port picks another");
    emu_http_stop(http);
    return NULL;
  }
  return http;
}

/* Waits (2 s at most) until the invoke endpoint has no connection left:
   replies already made (a shut-down invocation's error) go out whole. */
static void drain (struct MHD_Daemon *d) {
  int64_t until = clock_now_ms() + 2000;
  while (clock_now_ms() < until) {
    const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    if (info == NULL || info->num_connections == 0)
      break;
    clock_sleep_ms(10);
  }
}

void emu_http_stop (struct emu_http *http) {
  int w;
  if (http == NULL)
    return;
  if (http->invoke.daemon != NULL) {
    drain(http->invoke.daemon);
    MHD_stop_daemon(http->invoke.daemon);
  }
  for (w = 0; w < EMU_MAX_WORKERS; w++) {
    if (http->api[w].listener.daemon != NULL)
      MHD_stop_daemon(http->api[w].listener.daemon);
  }
  free(http);
}
