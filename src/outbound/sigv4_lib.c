/*
** lambda.sigv4: the C half of Signature Version 4 for lambda.aws, which
** decides what to sign. Internal: lambda.aws.sign is the user's API.
**   canonical_request{method, path, query, headers = {{name, value}...},
**                     payload_hash, normalize, encode_path}
**     -> canonical request, signed header names
**   signature(secret, date, region, service, string_to_sign) -> hex
**   sha256_hex(s) -> hex;  hmac_sha256(key, s) -> 32 bytes
*/
#include "sigv4_lib.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "sigv4.h"

static const char *field_string (lua_State *L, const char *name,
                                 size_t *len, const char *dflt) {
  const char *s;
  lua_getfield(L, 1, name);
  s = luaL_optlstring(L, -1, dflt, len);
  lua_pop(L, 1);  /* the table keeps the string alive */
  return s;
}

static int field_bool (lua_State *L, const char *name) {
  int b;
  lua_getfield(L, 1, name);
  b = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return b;
}

/* The headers list at stack index idx into h (n of them), as strings
   the list keeps alive. */
static void read_headers (lua_State *L, int idx, struct sigv4_header *h,
                          size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, idx, (lua_Integer)i + 1);           /* [pair] */
    luaL_argcheck(L, lua_istable(L, -1), 1,
                  "headers must be a list of {name, value}");
    lua_rawgeti(L, -1, 1);                              /* [pair, name] */
    lua_rawgeti(L, -2, 2);                              /* [pair, name, value] */
    h[i].name = luaL_checklstring(L, -2, &h[i].name_len);
    h[i].value = luaL_checklstring(L, -1, &h[i].value_len);
    lua_pop(L, 3);  /* still referenced from the list */
  }
}

static int lib_canonical_request (lua_State *L) {
  struct sigv4_request req;
  struct sigv4_header *headers;
  struct buffer out, signed_h;
  size_t n;
  int rc;
  luaL_checktype(L, 1, LUA_TTABLE);
  memset(&req, 0, sizeof(req));
  req.method = field_string(L, "method", NULL, "GET");
  req.path = field_string(L, "path", &req.path_len, "/");
  req.query = field_string(L, "query", &req.query_len, "");
  req.payload_hash = field_string(L, "payload_hash", NULL,
                                  "UNSIGNED-PAYLOAD");
  req.normalize_path = field_bool(L, "normalize");
  req.encode_path = field_bool(L, "encode_path");
  lua_getfield(L, 1, "headers");                        /* [headers] */
  luaL_argcheck(L, lua_istable(L, -1), 1, "headers must be a list");
  n = (size_t)luaL_len(L, -1);
  headers = lua_newuserdatauv(L, (n + 1) * sizeof(*headers), 0);
  read_headers(L, lua_gettop(L) - 1, headers, n);       /* [headers, ud] */
  req.headers = headers;
  req.n_headers = n;
  buffer_init(&out);
  buffer_init(&signed_h);
  rc = sigv4_canonical_request(&req, &out, &signed_h);
  if (rc == 0) {
    lua_pushlstring(L, out.data, out.len);
    lua_pushlstring(L, signed_h.data != NULL ? signed_h.data : "",
                    signed_h.len);
  }
  buffer_free(&out);
  buffer_free(&signed_h);
  if (rc != 0)
    return luaL_error(L, "not enough memory");
  return 2;
}

static int lib_signature (lua_State *L) {
  const char *secret = luaL_checkstring(L, 1);
  const char *date = luaL_checkstring(L, 2);
  const char *region = luaL_checkstring(L, 3);
  const char *service = luaL_checkstring(L, 4);
  size_t len;
  const char *sts = luaL_checklstring(L, 5, &len);
  char hex[65];
  if (sigv4_signature(secret, date, region, service, sts, len, hex) != 0)
    return luaL_error(L, "not enough memory");
  lua_pushlstring(L, hex, 64);
  return 1;
}

static int lib_sha256_hex (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char hex[65];
  sigv4_sha256_hex(s, len, hex);
  lua_pushlstring(L, hex, 64);
  return 1;
}

static int lib_hmac_sha256 (lua_State *L) {
  size_t key_len, len;
  const char *key = luaL_checklstring(L, 1, &key_len);
  const char *s = luaL_checklstring(L, 2, &len);
  unsigned char mac[32];
  sigv4_hmac_sha256(key, key_len, s, len, mac);
  lua_pushlstring(L, (const char *)mac, sizeof(mac));
  return 1;
}

static int lib_uri_encode (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  struct buffer out;
  int rc;
  buffer_init(&out);
  rc = sigv4_uri_encode(&out, s, len, lua_toboolean(L, 2));
  if (rc == 0)
    lua_pushlstring(L, out.data != NULL ? out.data : "", out.len);
  buffer_free(&out);
  if (rc != 0)
    return luaL_error(L, "not enough memory");
  return 1;
}

static const luaL_Reg sigv4_functions[] = {
  {"canonical_request", lib_canonical_request},
  {"signature",         lib_signature},
  {"sha256_hex",        lib_sha256_hex},
  {"hmac_sha256",       lib_hmac_sha256},
  {"uri_encode",        lib_uri_encode},
  {NULL, NULL}
};

int luaopen_lambda_sigv4 (lua_State *L) {
  luaL_newlib(L, sigv4_functions);
  return 1;
}
