/*
** The Lambda Runtime API client: /next, /response, /error, /init/error.
** Knows HTTP and the Runtime API; knows nothing of Lua. One libcurl easy
** handle is kept for the whole process (streamed responses get one each,
** sharing its connection pool), so every request reuses one keep-alive
** connection.
*/
#ifndef LUA_LAMBDA_RUNTIME_API_H
#define LUA_LAMBDA_RUNTIME_API_H

#include <stddef.h>

#include "invocation.h"

enum runtime_api_status {
  RUNTIME_API_OK,         /* 2xx */
  RUNTIME_API_GONE,       /* 410: the invocation already timed out; go on */
  RUNTIME_API_TOO_LARGE,  /* 413: the response is over Lambda's limit */
  RUNTIME_API_REJECTED,   /* other 4xx to a post: logged, the loop goes on */
  RUNTIME_API_FATAL       /* 5xx, a bad /next, or no connection: exit */
};

struct runtime_api;

/*
** host_port is AWS_LAMBDA_RUNTIME_API ("127.0.0.1:9001"). Returns NULL
** with a message in err when libcurl cannot be set up.
*/
struct runtime_api *runtime_api_new (const char *host_port, char *err,
                                     size_t errlen);
void runtime_api_free (struct runtime_api *api);

/* Blocks (with no timeout) until Lambda hands out the next invocation. */
enum runtime_api_status runtime_api_next (struct runtime_api *api,
                                   struct invocation *inv);

enum runtime_api_status runtime_api_respond (struct runtime_api *api,
                                      const struct invocation *inv,
                                      const char *body, size_t len);

/* error_type goes in Lambda-Runtime-Function-Error-Type. */
enum runtime_api_status runtime_api_fail (struct runtime_api *api,
                                   const struct invocation *inv,
                                   const char *error_type,
                                   const char *body, size_t len);

enum runtime_api_status runtime_api_init_error (struct runtime_api *api,
                                         const char *error_type,
                                         const char *body, size_t len);

/*
** A streamed response's body comes from pull: it fills up to cap bytes of
** buf and returns how many, 0 at the end of the body, or -1 to cut the
** body short (a mid-stream error). trailers then supplies the error type
** and body (or NULL for a body that ended well).
*/
struct runtime_api_stream {
  const char *content_type;
  long (*pull) (void *ud, char *buf, size_t cap);
  /* After the body: the function error type and its JSON document for
     the trailers, or NULL when there was no error. */
  const char *(*error_type) (void *ud);
  const char *(*error_body) (void *ud, size_t *len);
  void *ud;
  int close_after;  /* close the connection after it (Managed Instances) */
};

/*
** POSTs a streamed /response: chunked, with
** Lambda-Runtime-Function-Response-Mode: streaming and declared trailers
** that carry a mid-stream error. Never retried: a stream cannot be
** replayed.
*/
enum runtime_api_status runtime_api_stream (struct runtime_api *api,
                                     const struct invocation *inv,
                                     const struct runtime_api_stream *stream);

/* AWS_LAMBDA_RUNTIME_API as given: "host:port". */
const char *runtime_api_endpoint (const struct runtime_api *api);

/* What went wrong with the last request that did not return RUNTIME_API_OK. */
const char *runtime_api_last_error (const struct runtime_api *api);

#endif
