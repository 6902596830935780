/* Standard base64 (RFC 4648), for X-Amz-Client-Context and error trailers. */
#ifndef LUA_LAMBDA_BASE64_H
#define LUA_LAMBDA_BASE64_H

#include "buffer.h"

/* Decodes text into out (replacing it). Returns 0, or -1 if malformed. */
int base64_decode (const char *text, struct buffer *out);

#endif
