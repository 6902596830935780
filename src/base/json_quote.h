/*
** A JSON string literal for any bytes, for text the runtime writes itself
** (error documents, log records): never fails on content, only on memory.
*/
#ifndef LUA_LAMBDA_JSON_QUOTE_H
#define LUA_LAMBDA_JSON_QUOTE_H

#include <stddef.h>

#include "buffer.h"

/*
** Appends s, quoted and escaped: control characters as \uXXXX, and each
** byte that is not part of well-formed UTF-8 as U+FFFD, so the result is
** always valid JSON. Returns 0, or -1 when memory runs out.
*/
int json_quote (struct buffer *out, const char *s, size_t len);

#endif
