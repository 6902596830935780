/*
** The Runtime API, one server per worker (api_port + i): /next hands the
** runtime an invocation, /response and /error finish it, /init/error
** fails the init; and the Extensions API its internal extensions use.
*/
#include "serve_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "lambda_limits.h"
#include "serve_errors.h"

#define API_PREFIX "/2018-06-01/runtime/"
#define EXT_PREFIX "/2020-01-01/extension/"


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
    return serve_reply_error(c, SERVE_ERR_RUNTIME_STOPPED, NULL);
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
  const char *id = serve_header(c, "Lambda-Extension-Identifier");
  const char *type = serve_header(c, "Lambda-Extension-Function-Error-Type");
  struct buffer event;
  enum MHD_Result rc;
  char new_id[40];
  if (req->kind == REQ_EXT_REGISTER) {
    const char *name = serve_header(c, "Lambda-Extension-Name");
    int got;
    if (name == NULL || name[0] == '\0')
      return serve_reply_error(c, SERVE_ERR_EXT_MISSING_NAME, NULL);
    got = emu_ext_register(emu, srv->worker,
                           req->body.data ? req->body.data : "", new_id);
    if (got == -1)
      return serve_reply_error(c, SERVE_ERR_EXT_INVALID_STATE, NULL);
    if (got != 0)
      return serve_reply_error(c, SERVE_ERR_EXT_TOO_MANY, NULL);
    printf("lua-lambda: extension %s registered\n", name);
    {
      static const char info[] = "{\"functionName\":\"function\","
        "\"functionVersion\":\"$LATEST\",\"handler\":\"\"}";
      const char *extra[] = { "Lambda-Extension-Identifier", new_id, NULL };
      return serve_reply_with(c, MHD_HTTP_OK, info, sizeof(info) - 1,
                              "application/json", extra);
    }
  }
  if (id == NULL)
    return serve_reply_error(c, SERVE_ERR_EXT_MISSING_ID, NULL);
  if (!emu_ext_known(emu, srv->worker, id))
    return serve_reply_error(c, SERVE_ERR_EXT_INVALID_ID, NULL);
  if (req->kind == REQ_EXT_INIT_ERROR || req->kind == REQ_EXT_EXIT_ERROR) {
    printf("lua-lambda: extension %s error (%s): %.*s\n",
           req->kind == REQ_EXT_INIT_ERROR ? "init" : "exit",
           type ? type : "?", (int)req->body.len,
           req->body.data ? req->body.data : "");
    if (req->kind == REQ_EXT_INIT_ERROR)
      emu_init_error(emu, srv->worker, type ? type : "Extension.Unknown",
                     req->body.data ? req->body.data : "", req->body.len);
    return serve_reply_json(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
  }
  buffer_init(&event);
  if (emu_ext_next(emu, srv->worker, id, &event) != 0) {
    buffer_free(&event);
    return serve_reply_error(c, SERVE_ERR_EXT_STOPPED, NULL);
  }
  rc = serve_reply(c, MHD_HTTP_OK, event.data, event.len, "application/json");
  buffer_free(&event);
  return rc;
}

static enum MHD_Result api_finish (struct api_server *srv,
                                   struct MHD_Connection *c,
                                   struct request *req) {
  struct emulator *emu = srv->emu;
  const char *type = serve_header(c, "Lambda-Runtime-Function-Error-Type");
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
      return serve_reply_json(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
    case REQ_RESPONSE:
    case REQ_ERROR:
      if (req->job == NULL)
        return serve_reply_error(c, SERVE_ERR_INVALID_REQUEST_ID, NULL);
      if (req->kind == REQ_RESPONSE && req->too_large)
        return serve_reply_error(c, SERVE_ERR_RESPONSE_TOO_LARGE, NULL);
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
      return serve_reply_json(c, MHD_HTTP_ACCEPTED, "{\"status\":\"OK\"}");
    default:
      return serve_reply_error(c, SERVE_ERR_API_NOT_FOUND, NULL);
  }
}

enum MHD_Result serve_runtime_api_handler (void *cls, struct MHD_Connection *c,
                                           const char *url, const char *method,
                                           const char *version,
                                           const char *upload,
                                           size_t *upload_size,
                                           void **con_cls) {
  struct api_server *srv = cls;
  struct request *req = *con_cls;
  enum MHD_Result rc;
  (void)version;
  if (req == NULL) {
    const char *mode;
    req = serve_request_new(c, con_cls, &rc);
    if (req == NULL)
      return rc;
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
    mode = serve_header(c, "Lambda-Runtime-Function-Response-Mode");
    req->streaming = req->kind == REQ_RESPONSE && mode != NULL &&
                     strcmp(mode, "streaming") == 0;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (req->streaming && req->job != NULL)
      emu_stream(srv->emu, req->job, serve_header(c, "Content-Type"),
                 upload, *upload_size);
    else if (req->body.len + *upload_size > LAMBDA_RESPONSE_LIMIT)
      req->too_large = 1;  /* answered 413 at the end; nothing kept */
    else
      buffer_append(&req->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  return api_finish(srv, c, req);
}
