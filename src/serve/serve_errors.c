#include "serve_errors.h"

#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "json_quote.h"
#include "lambda_limits.h"

/* How a document is laid out: as each API writes its own. */
enum shape {
  TYPE_MESSAGE,   /* {"errorType", "errorMessage"}: the message optional */
  MESSAGE_TYPE,   /* {"errorMessage", "errorType"}: the Runtime API's 413 */
  USER_MESSAGE,   /* {"Type": "User", "message"}: the Invoke API's 404 */
  MESSAGE_ONLY    /* {"Message"}: a function URL's */
};

struct error {
  unsigned status;
  enum shape shape;
  const char *type;      /* errorType, and X-Amzn-ErrorType if header */
  const char *message;   /* a format of figure; NULL: none */
  long figure;
  int header;
};

static const struct error errors[] = {
  [SERVE_ERR_RUNTIME_STOPPED] = { MHD_HTTP_INTERNAL_SERVER_ERROR,
    TYPE_MESSAGE, "Runtime.Stopped", NULL, 0, 0 },
  [SERVE_ERR_INVALID_REQUEST_ID] = { MHD_HTTP_BAD_REQUEST,
    TYPE_MESSAGE, "InvalidRequestID", NULL, 0, 0 },
  [SERVE_ERR_RESPONSE_TOO_LARGE] = { MHD_HTTP_CONTENT_TOO_LARGE,
    MESSAGE_TYPE, "RequestEntityTooLarge",
    "Exceeded maximum allowed payload size (%ld bytes).",
    LAMBDA_RESPONSE_LIMIT, 0 },
  [SERVE_ERR_API_NOT_FOUND] = { MHD_HTTP_NOT_FOUND,
    TYPE_MESSAGE, "NotFound", NULL, 0, 0 },
  [SERVE_ERR_EXT_MISSING_NAME] = { MHD_HTTP_FORBIDDEN,
    TYPE_MESSAGE, "Extension.MissingHeader",
    "Missing Lambda-Extension-Name header", 0, 0 },
  [SERVE_ERR_EXT_INVALID_STATE] = { MHD_HTTP_FORBIDDEN,
    TYPE_MESSAGE, "Extension.InvalidState",
    "registration is only open during Init", 0, 0 },
  [SERVE_ERR_EXT_TOO_MANY] = { MHD_HTTP_INTERNAL_SERVER_ERROR,
    TYPE_MESSAGE, "Extension.TooManyExtensions", "too many extensions", 0,
    0 },
  [SERVE_ERR_EXT_MISSING_ID] = { MHD_HTTP_FORBIDDEN,
    TYPE_MESSAGE, "Extension.MissingExtensionIdentifier",
    "Missing Lambda-Extension-Identifier header", 0, 0 },
  [SERVE_ERR_EXT_INVALID_ID] = { MHD_HTTP_FORBIDDEN,
    TYPE_MESSAGE, "Extension.InvalidExtensionIdentifier",
    "Invalid Lambda-Extension-Identifier", 0, 0 },
  [SERVE_ERR_EXT_STOPPED] = { MHD_HTTP_INTERNAL_SERVER_ERROR,
    TYPE_MESSAGE, "Extension.Stopped", NULL, 0, 0 },
  [SERVE_ERR_CLIENT_CONTEXT] = { MHD_HTTP_BAD_REQUEST,
    TYPE_MESSAGE, "InvalidRequestContentException",
    "X-Amz-Client-Context must be base64", 0, 0 },
  [SERVE_ERR_THROTTLED] = { MHD_HTTP_TOO_MANY_REQUESTS,
    TYPE_MESSAGE, "TooManyRequestsException", "Rate Exceeded.", 0, 1 },
  [SERVE_ERR_SERVICE] = { MHD_HTTP_INTERNAL_SERVER_ERROR,
    TYPE_MESSAGE, "ServiceException", NULL, 0, 0 },
  [SERVE_ERR_FUNCTION_NOT_FOUND] = { MHD_HTTP_NOT_FOUND,
    USER_MESSAGE, "ResourceNotFoundException", "Function not found", 0, 1 },
  [SERVE_ERR_INVOKE_NOT_FOUND] = { MHD_HTTP_NOT_FOUND,
    TYPE_MESSAGE, "NotFound",
    "POST /2015-03-31/functions/function/invocations", 0, 0 },
  [SERVE_ERR_REQUEST_TOO_LARGE] = { MHD_HTTP_CONTENT_TOO_LARGE,
    TYPE_MESSAGE, "RequestEntityTooLarge",
    "Request must be smaller than %ld bytes for the InvokeFunction "
    "operation", LAMBDA_REQUEST_LIMIT, 0 },
  [SERVE_ERR_TOO_MANY_CONNECTIONS] = { MHD_HTTP_SERVICE_UNAVAILABLE,
    TYPE_MESSAGE, "ServiceUnavailable",
    "lua-lambda serve has too many connections open", 0, 0 },
  [SERVE_ERR_URL_TOO_LARGE] = { MHD_HTTP_CONTENT_TOO_LARGE,
    MESSAGE_ONLY, NULL,
    "Request must be smaller than %ld bytes for the InvokeFunction "
    "operation", LAMBDA_REQUEST_LIMIT, 0 },
  [SERVE_ERR_URL_NO_EVENT] = { MHD_HTTP_INTERNAL_SERVER_ERROR,
    MESSAGE_ONLY, NULL, "lua-lambda could not make the event", 0, 0 },
  [SERVE_ERR_URL_THROTTLED] = { MHD_HTTP_TOO_MANY_REQUESTS,
    MESSAGE_ONLY, NULL, "Rate Exceeded.", 0, 0 },
  [SERVE_ERR_URL_SERVICE] = { MHD_HTTP_INTERNAL_SERVER_ERROR,
    MESSAGE_ONLY, NULL, "Service Exception", 0, 0 },
  [SERVE_ERR_STREAM_BROKE] = { MHD_HTTP_OK,
    TYPE_MESSAGE, "Runtime.StreamError", "the response stream broke off", 0,
    0 },
};

unsigned serve_error_status (enum serve_error e) {
  return errors[e].status;
}

const char *serve_error_header (enum serve_error e) {
  return errors[e].header ? errors[e].type : NULL;
}

/* Appends "key":"value" after sep (a string of one byte, or ""). */
static int member (struct buffer *out, const char *sep, const char *key,
                   const char *value) {
  if (buffer_append(out, sep, strlen(sep)) != 0 ||
      json_quote(out, key, strlen(key)) != 0 ||
      buffer_append_literal(out, ":") != 0)
    return -1;
  return json_quote(out, value, strlen(value));
}

/* {"first": a, "second": b}, without the second when b is NULL. */
static int pair (struct buffer *out, const char *first, const char *a,
                 const char *second, const char *b) {
  buffer_clear(out);
  if (member(out, "{", first, a) != 0 ||
      (b != NULL && member(out, ",", second, b) != 0))
    return -1;
  return buffer_append_literal(out, "}");
}

int serve_error_doc (struct buffer *out, const char *type,
                     const char *message) {
  return pair(out, "errorType", type, "errorMessage", message);
}

int serve_error_build (struct buffer *out, enum serve_error e,
                       const char *message) {
  const struct error *d = &errors[e];
  char text[256];
  if (message == NULL && d->message != NULL) {
    snprintf(text, sizeof(text), d->message, d->figure);
    message = text;
  }
  switch (d->shape) {
    case MESSAGE_TYPE:
      return pair(out, "errorMessage", message, "errorType", d->type);
    case USER_MESSAGE:
      return pair(out, "Type", "User", "message", message);
    case MESSAGE_ONLY:
      return pair(out, "Message", message, NULL, NULL);
    case TYPE_MESSAGE:
      break;
  }
  return pair(out, "errorType", d->type, "errorMessage", message);
}
