/* Standard base64 (RFC 4648), for X-Amz-Client-Context and error trailers. */
#ifndef LUA_LAMBDA_BASE64_H
#define LUA_LAMBDA_BASE64_H

#include "buffer.h"

#include <stddef.h>

/* Decodes len bytes of text into out (replacing it). Returns 0, or -1 if
   malformed (a character outside the alphabet, or a lone last sextet). */
int base64_decode (const char *text, size_t len, struct buffer *out);

/* Encodes len bytes into out (replacing it), with '=' padding. */
int base64_encode (const char *data, size_t len, struct buffer *out);

#endif
