/*
** lua-lambda's JSON codec: lossless between JSON text and Lua values.
**   - integers that fit in 64 bits are Lua integers, other numbers floats;
**     floats are written as the shortest text that reads back the same;
**   - arrays decode with a metatable mark, so [] stays [] on the way back;
**   - null is a sentinel (json.null, the same light userdata as
**     cjson.null), so arrays keep their length;
**   - strict RFC 8259 and UTF-8 both ways, with the byte offset of a fault.
*/
#ifndef LUA_LAMBDA_JSON_H
#define LUA_LAMBDA_JSON_H

#include <stddef.h>

#include <lua.h>

#include "buffer.h"

#define JSON_DEFAULT_MAX_DEPTH 1000

/* Creates the two metatables that mark arrays and objects
   (REGISTRY_JSON_ARRAY_META, REGISTRY_JSON_OBJECT_META) if they do not
   exist yet. */
void json_open_marks (lua_State *L);

/*
** Decodes len bytes and pushes the value. Raises a Lua error naming the
** byte offset on invalid input: call it protected.
*/
void json_decode (lua_State *L, const char *text, size_t len,
                  int max_depth);

/*
** Bounds on one encode, for text the runtime makes of user values (a
** result must not outgrow Lambda's limit, the function's memory or the
** deadline while it is made): the text stops at max_len bytes (0: no
** bound), and expired(ud), when given, is asked every few thousand
** values whether to stop.
*/
struct json_bounds {
  size_t max_len;
  int (*expired) (void *ud);
  void *ud;
};

/* How an encode ended. */
enum json_encode_status {
  JSON_ENCODE_OK = 0,    /* the text is out */
  JSON_ENCODE_FAULT,     /* the value cannot be JSON, or memory ran out */
  JSON_ENCODE_TOO_LONG,  /* the text would pass max_len */
  JSON_ENCODE_EXPIRED    /* expired() said stop */
};

/*
** Appends the JSON text of the value at idx to out. Returns
** JSON_ENCODE_OK, or another status with a message (naming where in the
** value the fault is) written to err. bounds may be NULL. Runs no Lua
** code (no metamethods) and raises only on memory errors.
*/
enum json_encode_status json_encode (lua_State *L, int idx,
                                     struct buffer *out, int max_depth,
                                     const struct json_bounds *bounds,
                                     char *err, size_t errlen);

/* Pushes a userdata holding an empty buffer, freed with it by the GC. */
struct buffer *json_push_buffer (lua_State *L);

/* require "lambda.json" */
int luaopen_lambda_json (lua_State *L);

#endif
