/*
** The error documents serve answers with itself, in one table: each with
** its HTTP status, errorType (or Type) and message as Lambda's APIs
** answer them: the Runtime API and the Extensions API to a runtime, the
** Invoke API (Lambda's API Reference, "Errors" of Invoke) to a caller, a
** function URL's own answers to an HTTP client.
*/
#ifndef LUA_LAMBDA_SERVE_ERRORS_H
#define LUA_LAMBDA_SERVE_ERRORS_H

#include "buffer.h"

enum serve_error {
  /* the Runtime API */
  SERVE_ERR_RUNTIME_STOPPED,     /* /next of a runtime serve restarted */
  SERVE_ERR_INVALID_REQUEST_ID,  /* /response of no invocation running */
  SERVE_ERR_RESPONSE_TOO_LARGE,  /* over LAMBDA_RESPONSE_LIMIT */
  SERVE_ERR_API_NOT_FOUND,
  /* the Extensions API */
  SERVE_ERR_EXT_MISSING_NAME,
  SERVE_ERR_EXT_INVALID_STATE,   /* register after Init */
  SERVE_ERR_EXT_TOO_MANY,
  SERVE_ERR_EXT_MISSING_ID,
  SERVE_ERR_EXT_INVALID_ID,
  SERVE_ERR_EXT_STOPPED,         /* event/next of a worker that went away */
  /* the Invoke API */
  SERVE_ERR_CLIENT_CONTEXT,      /* X-Amz-Client-Context not base64 */
  SERVE_ERR_THROTTLED,           /* the queue is full */
  SERVE_ERR_SERVICE,             /* out of memory */
  SERVE_ERR_FUNCTION_NOT_FOUND,  /* another function, or a qualifier */
  SERVE_ERR_INVOKE_NOT_FOUND,    /* not an invocation's path */
  SERVE_ERR_REQUEST_TOO_LARGE,   /* over LAMBDA_REQUEST_LIMIT */
  SERVE_ERR_TOO_MANY_CONNECTIONS,
  /* a function URL (serve --http) */
  SERVE_ERR_URL_TOO_LARGE,
  SERVE_ERR_URL_NO_EVENT,        /* the request could not become an event */
  SERVE_ERR_URL_THROTTLED,
  SERVE_ERR_URL_SERVICE,
  /* an invocation's own error document */
  SERVE_ERR_STREAM_BROKE         /* a stream cut off with no document */
};

/* The HTTP status the error is answered with. */
unsigned serve_error_status (enum serve_error e);

/* Its X-Amzn-ErrorType header's value, or NULL when it has none. */
const char *serve_error_header (enum serve_error e);

/*
** Its document into out (replacing what it held). message, when not
** NULL, is said instead of the table's (Function not found names what
** was asked for). 0, or -1 when memory runs out.
*/
int serve_error_build (struct buffer *out, enum serve_error e,
                       const char *message);

/*
** {"errorType": type, "errorMessage": message}: an invocation that
** serve fails itself (a timeout, a runtime's exit). Lambda's own errors
** carry no stackTrace. 0, or -1 when memory runs out.
*/
int serve_error_doc (struct buffer *out, const char *type,
                     const char *message);

#endif
