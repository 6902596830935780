/* UTF-8 validation shared by the JSON decoder and encoder. */
#ifndef LUA_LAMBDA_UTF8_H
#define LUA_LAMBDA_UTF8_H

#include <stddef.h>

/*
** Length of the well-formed UTF-8 sequence starting at p (RFC 3629: no
** overlong forms, no surrogates, nothing above U+10FFFF), or 0. p < end.
*/
size_t utf8_sequence (const unsigned char *p, const unsigned char *end);

#endif
