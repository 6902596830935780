/*
** The invoke endpoint: Invoke (POST /2015-03-31/functions/{name}/
** invocations) and InvokeWithResponseStream, as Lambda's API answers
** them.
*/
#include "serve_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json_quote.h"
#include "lambda_limits.h"
#include "serve_errors.h"
#include "serve_event_stream.h"

#define INVOKE_PREFIX "/2015-03-31/functions/"
#define STREAM_PREFIX "/2021-11-15/functions/"  /* as long as INVOKE_PREFIX */


/* A streamed invoke response reads the job from here. */
struct stream_reader {
  struct emulator *emu;
  struct emu_job *job;
  size_t pos;
  int log_tail;          /* LogResult in InvokeComplete */
  int completed;         /* InvokeComplete sent */
  struct buffer frame;   /* a message being framed */
};

/* The last LAMBDA_LOG_TAIL bytes of the job's log, base64, into out. */
static void log_result (const struct emu_job *job, struct buffer *out) {
  size_t n = job->log.len < LAMBDA_LOG_TAIL ? job->log.len : LAMBDA_LOG_TAIL;
  if (base64_encode(job->log.data + job->log.len - n, n, out) != 0)
    buffer_clear(out);
}

/*
** InvokeComplete's payload: {"ErrorCode", "ErrorDetails", "LogResult"},
** each only when there is one. The job is done (read under the lock).
*/
static int invoke_complete (struct emulator *emu, struct emu_job *job,
                            int log_tail, struct buffer *out) {
  struct buffer json, tail, broke;
  const char *sep = "";
  int rc = 0;
  buffer_init(&json);
  buffer_init(&tail);
  buffer_init(&broke);
  pthread_mutex_lock(&emu->lock);
  buffer_append_literal(&json, "{");
  if (job->failed || job->state != JOB_DONE) {
    static const char timed_out[] = "Task timed out";
    const char *type = job->failed && job->error_type[0] ? job->error_type
                       : "Sandbox.Timedout";
    const struct buffer *doc = job->streaming ? &job->error_doc : &job->body;
    buffer_append_literal(&json, "\"ErrorCode\":");
    json_quote(&json, type, strlen(type));
    buffer_append_literal(&json, ",\"ErrorDetails\":");
    if (job->failed && doc->len > 0)
      json_quote(&json, doc->data, doc->len);
    else if (job->failed && serve_error_build(&broke, SERVE_ERR_STREAM_BROKE,
                                              NULL) == 0)
      json_quote(&json, broke.data, broke.len);
    else
      json_quote(&json, timed_out, sizeof(timed_out) - 1);
    sep = ",";
  }
  if (log_tail) {
    log_result(job, &tail);
    buffer_append(&json, sep, strlen(sep));
    buffer_append_literal(&json, "\"LogResult\":");
    json_quote(&json, tail.data ? tail.data : "", tail.len);
  }
  pthread_mutex_unlock(&emu->lock);
  if (buffer_append_literal(&json, "}") != 0 ||
      event_stream_append(out, "InvokeComplete", "application/json",
                          json.data, json.len) != 0)
    rc = -1;
  buffer_free(&json);
  buffer_free(&tail);
  buffer_free(&broke);
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
    rc = serve_reply_with(c, MHD_HTTP_OK, body.data ? body.data : "", body.len,
                          EVENT_STREAM_TYPE, extra);
  } else if (job->failed && job->streaming) {
    /* It broke midway: the caller gets the error, not half a body. */
    if (job->error_doc.len == 0)
      serve_error_build(&job->error_doc, SERVE_ERR_STREAM_BROKE, NULL);
    rc = serve_reply_with(c, MHD_HTTP_OK, job->error_doc.data,
                          job->error_doc.len, "application/json", extra);
  } else {
    rc = serve_reply_with(c, MHD_HTTP_OK, job->body.data, job->body.len,
                          "application/json", extra);
  }
  buffer_free(&body);
  buffer_free(&tail);
  return rc;
}

static enum MHD_Result invoke_finish (struct emulator *emu,
                                      struct MHD_Connection *c,
                                      struct request *req) {
  const char *cc64 = serve_header(c, "X-Amz-Client-Context");
  const char *trace = serve_header(c, "X-Amzn-Trace-Id");
  const char *type = serve_header(c, "X-Amz-Invocation-Type");
  struct buffer cc;
  size_t i;
  int throttled;
  struct emu_job *job;
  buffer_init(&cc);
  if (type != NULL && strcmp(type, "DryRun") == 0) {
    /* Lambda checks the call and runs nothing. */
    buffer_free(&cc);
    return serve_reply(c, MHD_HTTP_NO_CONTENT, "", 0, "application/json");
  }
  if (cc64 != NULL && base64_decode(cc64, strlen(cc64), &cc) != 0) {
    buffer_free(&cc);
    return serve_reply_error(c, SERVE_ERR_CLIENT_CONTEXT, NULL);
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
  if (job == NULL && throttled)
    return serve_reply_error(c, SERVE_ERR_THROTTLED, NULL);
  if (job == NULL)
    return serve_reply_error(c, SERVE_ERR_SERVICE, NULL);
  req->job = job;  /* released when the request completes */
  if (type != NULL && strcmp(type, "Event") == 0)
    return serve_reply(c, MHD_HTTP_ACCEPTED, "", 0, "application/json");
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
  const char *qualifier = MHD_lookup_connection_value(
    c, MHD_GET_ARGUMENT_KIND, "Qualifier");
  char text[512];
  snprintf(text, sizeof(text), "Function not found: %s (serve has "
           "arn:aws:lambda:us-east-1:000000000000:function:%s, $LATEST)%s%s",
           url, emu->cfg.function_name, qualifier ? ", Qualifier " : "",
           qualifier ? qualifier : "");
  return serve_reply_error(c, SERVE_ERR_FUNCTION_NOT_FOUND, text);
}

enum MHD_Result serve_invoke_api_handler (void *cls, struct MHD_Connection *c,
                                          const char *url, const char *method,
                                          const char *version,
                                          const char *upload,
                                          size_t *upload_size,
                                          void **con_cls) {
  struct emulator *emu = cls;
  struct request *req = *con_cls;
  enum MHD_Result rc;
  const char *type;
  (void)version;
  if (req == NULL) {
    req = serve_request_new(c, con_cls, &rc);
    if (req == NULL)
      return rc;
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
    type = serve_header(c, "X-Amz-Log-Type");
    req->log_tail = type != NULL && strcmp(type, "Tail") == 0;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    /* Over Lambda's limit the body is dropped: 413, worker untouched. */
    if (req->body.len + *upload_size > LAMBDA_REQUEST_LIMIT)
      req->too_large = 1;
    else if (buffer_append(&req->body, upload, *upload_size) != 0)
      return MHD_NO;
    *upload_size = 0;
    return MHD_YES;
  }
  if (req->not_found)
    return function_not_found(emu, c, url);
  if (req->kind != REQ_INVOKE && req->kind != REQ_INVOKE_STREAM)
    return serve_reply_error(c, SERVE_ERR_INVOKE_NOT_FOUND, NULL);
  if (req->too_large)
    return serve_reply_error(c, SERVE_ERR_REQUEST_TOO_LARGE, NULL);
  return invoke_finish(emu, c, req);
}
