/*
** Pieces of the JSON text the runtime writes itself (error documents, log
** records): a string literal for any bytes, and an object's members made
** elsewhere. They never fail on content, only on memory.
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

/*
** Appends ",members" when len > 0: members (NULL when len is 0) are JSON
** object members without the braces, for an object out has written
** members of already. Returns 0, or -1 when memory runs out.
*/
int json_append_members (struct buffer *out, const char *members,
                         size_t len);

#endif
