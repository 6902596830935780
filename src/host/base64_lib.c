/*
** require "lambda.base64": encode(bytes) -> text; decode(text) -> bytes,
** or nil and an error value (kind "base64"). Standard alphabet with
** padding (RFC 4648), as API Gateway, ALB and function URLs use for
** binary bodies.
*/
#include <lauxlib.h>

#include "base64.h"
#include "lambda_error.h"
#include "lua_host.h"

static int base64_lib_encode (lua_State *L) {
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  struct buffer out;
  buffer_init(&out);
  if (base64_encode(data, len, &out) != 0) {
    buffer_free(&out);
    return luaL_error(L, "not enough memory");
  }
  lua_pushlstring(L, out.data != NULL ? out.data : "", out.len);
  buffer_free(&out);
  return 1;
}

static int base64_lib_decode (lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  struct buffer out;
  int rc;
  buffer_init(&out);
  rc = base64_decode(text, len, &out);
  if (rc == 0)
    lua_pushlstring(L, out.data != NULL ? out.data : "", out.len);
  buffer_free(&out);
  if (rc != 0)
    return lambda_error_result(L, "base64", "invalid base64");
  return 1;
}

static const luaL_Reg base64_lib_funcs[] = {
  {"encode", base64_lib_encode},
  {"decode", base64_lib_decode},
  {NULL, NULL}
};

int luaopen_lambda_base64 (lua_State *L) {
  luaL_newlib(L, base64_lib_funcs);
  return 1;
}
