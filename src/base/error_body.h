/*
** The Runtime API's error document,
**   {"errorMessage": "...", "errorType": "...", "stackTrace": ["...", ...]}
** and the Lambda-Runtime-Function-Error-Type header that goes with it.
** Written here in C, independent of the JSON codec, so an error can be
** reported even when encoding the user's value is what failed.
*/
#ifndef LUA_LAMBDA_ERROR_BODY_H
#define LUA_LAMBDA_ERROR_BODY_H

#include <stddef.h>

#include "buffer.h"

/*
** Writes the error document into out (replacing what it held). traceback
** is a Lua traceback ("stack traceback:\n\t..." or NULL); each frame
** becomes one stackTrace entry. Returns 0, or -1 when memory runs out.
*/
int error_body_build (struct buffer *out, const char *type,
                      const char *message, size_t message_len,
                      const char *traceback);

/* The same, with extra JSON object members ("\"k\":1") at the end. */
int error_body_build_extra (struct buffer *out, const char *type,
                            const char *message, size_t message_len,
                            const char *traceback, const char *extra,
                            size_t extra_len);

/*
** Lambda accepts only "(Runtime|Function)\.[A-Z][a-zA-Z]+" as the error
** type header. Writes prefix + "." + type reduced to that form (letters
** only, first one upper-cased; "Error" when none are left) into out.
*/
void error_header_type (char *out, size_t cap, const char *prefix,
                        const char *type);

#endif
