/*
** lambda.fetch's error values (fetch_error.c), shared by the request
** (fetch_lib.c) and the streamed body (fetch_stream.c).
*/
#ifndef LUA_LAMBDA_FETCH_ERROR_H
#define LUA_LAMBDA_FETCH_ERROR_H

#include <curl/curl.h>
#include <lua.h>

/* [-0, +2] Pushes nil and an error value (lambda_error.h) of this kind,
   with curl's code when it is not 0; returns 2. */
int fetch_fail (lua_State *L, const char *kind, const char *message,
                int curl_code);

/* The kind a failed transfer is reported as: "timeout", "dns", "connect",
   "tls", "too_large", "connection", "invalid" or "http". */
const char *fetch_kind_of (CURLcode rc);

#endif
