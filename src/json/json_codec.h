/*
** The wire codec: every event decode and every result encode goes through
** these three functions, so replacing the codec touches one file
** (json_codec.c).
*/
#ifndef LUA_LAMBDA_JSON_CODEC_H
#define LUA_LAMBDA_JSON_CODEC_H

#include <stddef.h>

#include <lua.h>

#include "json.h"

/*
** Sets the codec up in L, nesting of events and results limited to
** max_depth (LUA_LAMBDA_JSON_MAX_DEPTH). Raises a Lua error on failure;
** call it protected.
*/
void json_codec_open (lua_State *L, int max_depth);

/*
** Decodes len bytes of JSON text and pushes the value. On failure pushes
** an error message instead. Returns LUA_OK or the lua_pcall status.
*/
int json_codec_decode (lua_State *L, const char *text, size_t len);

/*
** Encodes the value at idx within bounds (NULL for none). On success
** returns JSON_ENCODE_OK, text and len give the JSON text, valid until
** the next json_codec_encode, and nothing is pushed. On failure pushes an
** error message and returns how the encode ended.
*/
enum json_encode_status json_codec_encode (lua_State *L, int idx,
                                           const struct json_bounds *bounds,
                                           const char **text, size_t *len);

#endif
