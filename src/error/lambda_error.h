/*
** The error value every lambda.* module returns as `nil, err`
** (docs/errors.md): a table with kind (the cause, "timeout", "json",
** ...), message, and the module's own fields, whose metatable is the
** one registry entry REGISTRY_ERROR_META (registry_keys.h). That metatable is made by
** whichever comes first, this file or lua/lambda/errors.lua, and both
** give it the same __tostring ("code: message", or "kind: message")
** and __concat.
*/
#ifndef LAMBDA_ERROR_H
#define LAMBDA_ERROR_H

#include <lua.h>

/* Pushes the state's metatable of error values, made on first use. */
void lambda_error_pushmeta (lua_State *L);

/* Pushes a new error value {kind = kind, message = message}. */
void lambda_error_push (lua_State *L, const char *kind, const char *message);

/* Pushes nil and a new error value, which stays on top for more fields;
   returns 2, so that a library function can `return` it. */
int lambda_error_result (lua_State *L, const char *kind,
                         const char *message);

#endif
