#include "runtime_loop.h"

#include <stdio.h>
#include <stdlib.h>

#include "error_body.h"
#include "log.h"
#include "log_record.h"

/* Lambda's limit for a buffered response, in bytes. */
#define RESPONSE_LIMIT 6291556

/* X-Ray reads the trace header of the invocation under way from here. */
static void set_trace_env (const struct invocation *inv) {
  if (inv->trace_id.len > 0)
    setenv("_X_AMZN_TRACE_ID", inv->trace_id.data, 1);
  else
    unsetenv("_X_AMZN_TRACE_ID");
}

/* Says what a post's status means for the loop: 0 go on, 1 exit. */
static int after_post (struct runtime_api *api, enum rapi_status st,
                       const struct invocation *inv) {
  switch (st) {
    case RAPI_OK:
      return 0;
    case RAPI_GONE:
      log_runtime("invocation %s had already timed out (%s); going on",
                  inv->request_id.data, runtime_api_last_error(api));
      return 0;
    case RAPI_TOO_LARGE:
    case RAPI_REJECTED:
      log_runtime("invocation %s: the Runtime API refused the post (%s)",
                  inv->request_id.data, runtime_api_last_error(api));
      return 0;
    case RAPI_FATAL:
      break;
  }
  log_runtime("%s; exiting", runtime_api_last_error(api));
  return 1;
}

/* 413: the result was over the limit; say so as the invocation's error. */
static enum rapi_status report_too_large (struct runtime_api *api,
                                          const struct invocation *inv,
                                          size_t len,
                                          struct buffer *scratch) {
  static const char type[] = "Function.ResponseSizeTooLarge";
  char msg[160];
  int n = snprintf(msg, sizeof(msg),
                   "Response payload size (%zu bytes) exceeded maximum "
                   "allowed payload size (%d bytes).", len, RESPONSE_LIMIT);
  if (error_body_build(scratch, type, msg, (size_t)n, NULL) != 0) {
    log_runtime("out of memory reporting an oversized response");
    return RAPI_FATAL;
  }
  return runtime_api_fail(api, inv, type, scratch->data, scratch->len);
}

static int serve (struct runtime_api *api, struct lua_host *host) {
  struct invocation inv;
  struct host_outcome out;
  struct buffer scratch;
  int status = 0;
  invocation_init(&inv);
  buffer_init(&scratch);
  for (;;) {
    enum rapi_status st = runtime_api_next(api, &inv);
    if (st != RAPI_OK) {
      log_runtime("%s; exiting", runtime_api_last_error(api));
      status = 1;
      break;
    }
    set_trace_env(&inv);
    lua_host_invoke(host, &inv, &out);
    if (out.failed) {
      /* The unhandled error is logged once, with its whole document. */
      if (out.len >= 2)
        log_record_write(LOG_ERROR, "Invoke Error", 12, out.body + 1,
                         out.len - 2);
      st = runtime_api_fail(api, &inv, out.error_type, out.body, out.len);
    } else {
      st = runtime_api_respond(api, &inv, out.body, out.len);
      if (st == RAPI_TOO_LARGE)
        st = report_too_large(api, &inv, out.len, &scratch);
    }
    if (after_post(api, st, &inv) != 0) {
      status = 1;
      break;
    }
  }
  buffer_free(&scratch);
  invocation_free(&inv);
  return status;
}

int runtime_loop_run (struct runtime_api *api, struct lua_host *host,
                      const struct host_config *cfg) {
  struct host_outcome out;
  if (lua_host_load(host, cfg, &out) != 0) {
    enum rapi_status st;
    log_runtime("init failed: %s: %.*s", out.error_type, (int)out.len,
                out.body);
    st = runtime_api_init_error(api, out.error_type, out.body, out.len);
    if (st != RAPI_OK)
      log_runtime("%s", runtime_api_last_error(api));
    return 1;
  }
  return serve(api, host);
}
