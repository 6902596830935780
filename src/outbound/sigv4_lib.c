/*
** lambda.sigv4: the C half of Signature Version 4 for lambda.aws.sign.
** Internal: lambda.aws.sign is the user's API.
**   sign(t [, credentials [, amz_date]]) -> headers to add, details
**     t is aws.sign's table, read here as options.lua would read it. When
**     anything in it is not plainly what options.lua accepts (a wrong
**     type, a header value that is a list, a metatable on the headers, a
**     time out of 0000-9999, a URL with no host) it returns false, and
**     sign.lua reads it in Lua (raising what it raises) and calls again
**     with a plain table, the credentials and the x-amz-date; with no
**     credentials (t.credentials nil, none given) it returns nil.
**   canonical_request{method, path, query, headers = {{name, value}...},
**                     payload_hash, normalize, encode_path}
**     -> canonical request, signed header names
**   signature(secret, date, region, service, string_to_sign) -> hex
**   sha256_hex(s) -> hex;  hmac_sha256(key, s) -> 32 bytes
**   uri_encode(s [, keep_slash]) -> s percent-encoded
** One signer (SHA-256 fetched once, the derived keys kept) per Lua state,
** the functions' upvalue.
*/
#include "sigv4_lib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "sigv4.h"

#define STATE "lambda.sigv4.state"

struct state {
  struct sigv4_signer *signer;    /* NULL in a scratch state */
  struct sigv4_signed out;        /* reused: no allocation once grown */
  struct sigv4_header *headers;   /* the caller's headers, read */
  size_t cap;
  int busy;                       /* a sign is using out and headers */
};

static struct state *state_of (lua_State *L) {
  return lua_touserdata(L, lua_upvalueindex(1));
}

/* --- reading aws.sign's table -------------------------------------------- */

/* Pushes t[name], nil for json.null (NULL light userdata); its type. */
static int get (lua_State *L, int t, const char *name) {
  int type = lua_getfield(L, t, name);
  if (type == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == NULL) {
    lua_pop(L, 1);
    lua_pushnil(L);
    return LUA_TNIL;
  }
  return type;
}

/* Pushes t[name]: 1 when it is absent (*s NULL) or a string (non-empty
   when required), 0 when options.lua would refuse it. */
static int get_string (lua_State *L, int t, const char *name, int required,
                       const char **s, size_t *len) {
  int type = get(L, t, name);
  *s = NULL;
  *len = 0;
  if (type == LUA_TNIL)
    return !required;
  if (type != LUA_TSTRING)
    return 0;
  *s = lua_tolstring(L, -1, len);
  return !required || *len > 0;
}

/* Pushes t[name]: 1 when absent (*b := dflt) or a boolean, else 0. */
static int get_bool (lua_State *L, int t, const char *name, int *b,
                     int dflt) {
  int type = get(L, t, name);
  *b = type == LUA_TNIL ? dflt : lua_toboolean(L, -1);
  return type == LUA_TNIL || type == LUA_TBOOLEAN;
}

/* Pushes t[name]: 1 when absent or of the type wanted, else 0. */
static int get_kind (lua_State *L, int t, const char *name, int wanted) {
  int type = get(L, t, name);
  return type == LUA_TNIL || type == wanted;
}

/* The fields of t (index 1) with a fixed meaning; 0 if one is odd. */
static int read_fields (lua_State *L, struct sigv4_input *in) {
  int type;
  if (!get_string(L, 1, "method", 0, &in->method, &in->method_len) ||
      !get_string(L, 1, "url", 1, &in->url, &in->url_len) ||
      !get_string(L, 1, "service", 1, &in->service, &in->service_len) ||
      !get_string(L, 1, "region", 1, &in->region, &in->region_len) ||
      !get_string(L, 1, "payload_hash", 0, &in->payload_hash,
                  &in->payload_hash_len) ||
      !get_bool(L, 1, "unsigned_payload", &in->unsigned_payload, 0) ||
      !get_bool(L, 1, "sign_payload", &in->sign_payload, 0) ||
      !get_bool(L, 1, "omit_session_token", &in->omit_session_token, 0) ||
      !get_bool(L, 1, "normalize_path", &in->normalize_path, -1) ||
      !get_bool(L, 1, "encode_path", &in->encode_path, -1) ||
      !get_kind(L, 1, "expires", LUA_TNUMBER))
    return 0;
  type = get(L, 1, "body");
  if (type == LUA_TSTRING)
    in->body = lua_tolstring(L, -1, &in->body_len);
  else if (type == LUA_TFUNCTION)
    in->body_streamed = 1;
  else if (type != LUA_TNIL)
    return 0;
  return 1;
}

/* The credentials table at idx, as options.lua checks it (given is 1):
   or, from aws.credentials(), strings as they are (given 0). */
static int read_credentials (lua_State *L, int idx, struct sigv4_input *in) {
  if (!get_string(L, idx, "access_key_id", 1, &in->access_key_id,
                  &in->access_key_id_len) ||
      !get_string(L, idx, "secret_access_key", 1, &in->secret,
                  &in->secret_len) ||
      !get_string(L, idx, "session_token", 0, &in->token, &in->token_len))
    return 0;
  return 1;
}

/* in->amz_date from t.time (now when absent): 0 if it is not a number of
   seconds from 0000 to 9999 (sign.lua's os.date then decides). */
static int read_time (lua_State *L, struct sigv4_input *in, char date[17]) {
  int type = get(L, 1, "time");
  int64_t t;
  if (type == LUA_TNIL) {
    t = (int64_t)time(NULL);
  } else if (type != LUA_TNUMBER) {
    return 0;
  } else if (lua_isinteger(L, -1)) {
    t = (int64_t)lua_tointeger(L, -1);
  } else {
    lua_Number x = floor(lua_tonumber(L, -1));
    if (!(x >= 0 && x <= 253402300799.0))  /* and not NaN */
      return 0;
    t = (int64_t)x;
  }
  if (sigv4_amz_date(t, date) != 0)
    return 0;
  in->amz_date = date;
  in->amz_date_len = 16;
  return 1;
}

static int grow_headers (struct state *st, size_t n) {
  struct sigv4_header *h;
  if (n <= st->cap)
    return 0;
  h = realloc(st->headers, n * sizeof(*h));
  if (h == NULL)
    return -1;
  st->headers = h;
  st->cap = n;
  return 0;
}

/* The string at the top (a string or a number, made one in place; the
   stack keeps it), or NULL. */
static const char *top_string (lua_State *L, size_t *len) {
  int type = lua_type(L, -1);
  if (type != LUA_TSTRING && type != LUA_TNUMBER)
    return NULL;
  return lua_tolstring(L, -1, len);
}

/* A list of {name, value} pairs at idx, as header_pairs reads one: a
   value nil or json.null is left out. 0 if a pair is odd. */
static int read_list (lua_State *L, int idx, struct state *st, size_t *n) {
  lua_Integer i;
  for (i = 1;; i++) {
    struct sigv4_header h;
    luaL_checkstack(L, 4, "too many headers");
    if (lua_rawgeti(L, idx, i) == LUA_TNIL) {
      lua_pop(L, 1);
      return 1;
    }
    if (!lua_istable(L, -1) || lua_getmetatable(L, -1))
      return 0;
    lua_rawgeti(L, -1, 2);                        /* [pair, value] */
    if (lua_isnil(L, -1) ||
        (lua_islightuserdata(L, -1) && lua_touserdata(L, -1) == NULL)) {
      lua_pop(L, 2);
      continue;
    }
    if ((h.value = top_string(L, &h.value_len)) == NULL)
      return 0;
    lua_rawgeti(L, -2, 1);                        /* [pair, value, name] */
    if ((h.name = top_string(L, &h.name_len)) == NULL)
      return 0;
    lua_remove(L, -3);                            /* [value, name] */
    if (grow_headers(st, *n + 1) != 0)
      return luaL_error(L, "not enough memory");
    st->headers[(*n)++] = h;
  }
}

/* A map of name = value at idx, in the order of the names (as
   header_pairs sorts them): 0 if a name is not a string or a value not a
   string or a number (json.null is left out). */
static int read_map (lua_State *L, int idx, struct state *st, size_t *n) {
  size_t i, j;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {                 /* [key, value] */
    struct sigv4_header h;
    luaL_checkstack(L, 4, "too many headers");
    if (lua_type(L, -2) != LUA_TSTRING)
      return 0;
    if (lua_islightuserdata(L, -1) && lua_touserdata(L, -1) == NULL) {
      lua_pop(L, 1);
      continue;
    }
    if ((h.value = top_string(L, &h.value_len)) == NULL)
      return 0;
    h.name = lua_tolstring(L, -2, &h.name_len);   /* the table keeps it */
    lua_insert(L, -2);                            /* [value, key] */
    if (grow_headers(st, *n + 1) != 0)
      return luaL_error(L, "not enough memory");
    st->headers[(*n)++] = h;
  }
  for (i = 1; i < *n; i++) {  /* by name, byte by byte: few of them */
    struct sigv4_header x = st->headers[i];
    for (j = i; j > 0; j--) {
      const struct sigv4_header *p = &st->headers[j - 1];
      size_t m = p->name_len < x.name_len ? p->name_len : x.name_len;
      int c = memcmp(p->name, x.name, m);
      if (c < 0 || (c == 0 && p->name_len <= x.name_len))
        break;
      st->headers[j] = *p;
    }
    st->headers[j] = x;
  }
  return 1;
}

/* t.headers (absent, a map or a list) into st->headers; 0 if odd. */
static int read_headers (lua_State *L, struct state *st, size_t *n) {
  int type = get(L, 1, "headers"), idx = lua_gettop(L);
  *n = 0;
  if (type == LUA_TNIL)
    return 1;
  if (type != LUA_TTABLE || lua_getmetatable(L, idx))
    return 0;
  type = lua_rawgeti(L, idx, 1);
  lua_pop(L, 1);
  return type != LUA_TNIL ? read_list(L, idx, st, n)
                          : read_map(L, idx, st, n);
}

/* --- sign ---------------------------------------------------------------- */

static void set_field (lua_State *L, const char *name, const char *s,
                       size_t len) {
  lua_pushlstring(L, s, len);
  lua_setfield(L, -2, name);
}

/* Pushes the headers to add and the details. */
static void push_signed (lua_State *L, const struct sigv4_input *in,
                         const struct sigv4_signed *out) {
  lua_createtable(L, 0, 4);
  set_field(L, "x-amz-date", in->amz_date, in->amz_date_len);
  if (out->add_content_sha256)
    set_field(L, "x-amz-content-sha256", out->hash, out->hash_len);
  if (out->add_token)
    set_field(L, "x-amz-security-token", in->token, in->token_len);
  set_field(L, "authorization", out->authorization.data,
            out->authorization.len);
  lua_createtable(L, 0, 5);
  set_field(L, "canonical_request", out->canonical.data, out->canonical.len);
  set_field(L, "string_to_sign", out->string_to_sign.data,
            out->string_to_sign.len);
  set_field(L, "signature", out->signature, 64);
  set_field(L, "signed_headers", out->signed_headers.data != NULL
            ? out->signed_headers.data : "", out->signed_headers.len);
  set_field(L, "scope", out->scope.data, out->scope.len);
}

/* Whether the URL is one sign.lua's split_url takes. */
static int url_ok (const struct sigv4_input *in) {
  struct sigv4_url u;
  return sigv4_split_url(in->url, in->url_len, &u) == 0;
}

/* What lib_sign does, on st's buffers. */
static int sign_with (lua_State *L, struct sigv4_signer *signer,
                      struct state *st) {
  struct sigv4_input in;
  char date[17];
  int rc;
  memset(&in, 0, sizeof(in));
  if (!lua_istable(L, 1) || !read_fields(L, &in) ||
      !get_kind(L, 1, "headers", LUA_TTABLE))
    return lua_pushboolean(L, 0), 1;
  if (lua_istable(L, 2)) {
    if (!read_credentials(L, 2, &in))
      return lua_pushboolean(L, 0), 1;
  } else {
    int type = get(L, 1, "credentials");
    if (type == LUA_TNIL)  /* aws.credentials()'s, sign.lua's: once the */
      return url_ok(&in) ? (lua_pushnil(L), 1)  /* URL is known good */
                         : (lua_pushboolean(L, 0), 1);
    if (type != LUA_TTABLE || !read_credentials(L, lua_gettop(L), &in))
      return lua_pushboolean(L, 0), 1;
  }
  if (lua_type(L, 3) == LUA_TSTRING) {
    in.amz_date = lua_tolstring(L, 3, &in.amz_date_len);
  } else if (!read_time(L, &in, date)) {
    return lua_pushboolean(L, 0), 1;
  }
  if (!read_headers(L, st, &in.n_headers))
    return lua_pushboolean(L, 0), 1;
  in.headers = st->headers;
  rc = sigv4_sign(signer, &in, &st->out);
  if (rc == -2)
    return lua_pushboolean(L, 0), 1;
  if (rc != 0)
    return luaL_error(L, "not enough memory");
  push_signed(L, &in, &st->out);
  return 2;
}

/* A state of its own for a sign that runs while another is under way (a
   finalizer's, run by the collector while the first pushes a string): on
   the stack, its buffers freed by the collector. */
static struct state *scratch_state (lua_State *L) {
  struct state *st = lua_newuserdatauv(L, sizeof(*st), 0);
  memset(st, 0, sizeof(*st));
  sigv4_signed_init(&st->out);
  luaL_setmetatable(L, STATE);
  return st;
}

static int lib_sign (lua_State *L) {
  struct state *shared = state_of(L), *st;
  int rc;
  lua_settop(L, 3);
  luaL_checkstack(L, 40, "lambda.sigv4.sign");
  st = shared->busy ? scratch_state(L) : shared;
  st->busy = 1;  /* a Lua error leaves it set: later signs use scratch */
  rc = sign_with(L, shared->signer, st);
  st->busy = 0;
  return rc;
}
/* --- the parts, for presign ---------------------------------------------- */

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
static void read_pairs (lua_State *L, int idx, struct sigv4_header *h,
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
  req.method = field_string(L, "method", &req.method_len, "GET");
  req.path = field_string(L, "path", &req.path_len, "/");
  req.query = field_string(L, "query", &req.query_len, "");
  req.payload_hash = field_string(L, "payload_hash", &req.payload_hash_len,
                                  "UNSIGNED-PAYLOAD");
  req.normalize_path = field_bool(L, "normalize");
  req.encode_path = field_bool(L, "encode_path");
  lua_getfield(L, 1, "headers");                        /* [headers] */
  luaL_argcheck(L, lua_istable(L, -1), 1, "headers must be a list");
  n = (size_t)luaL_len(L, -1);
  headers = lua_newuserdatauv(L, (n + 1) * sizeof(*headers), 0);
  read_pairs(L, lua_gettop(L) - 1, headers, n);         /* [headers, ud] */
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
  size_t secret_len, region_len, service_len, len;
  const char *secret = luaL_checklstring(L, 1, &secret_len);
  const char *date = luaL_checkstring(L, 2);
  const char *region = luaL_checklstring(L, 3, &region_len);
  const char *service = luaL_checklstring(L, 4, &service_len);
  const char *sts = luaL_checklstring(L, 5, &len);
  char hex[65];
  if (sigv4_signature(state_of(L)->signer, secret, secret_len, date, region,
                      region_len, service, service_len, sts, len, hex) != 0)
    return luaL_error(L, "not enough memory");
  lua_pushlstring(L, hex, 64);
  return 1;
}

static int lib_sha256_hex (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char hex[65];
  sigv4_sha256_hex(state_of(L)->signer, s, len, hex);
  lua_pushlstring(L, hex, 64);
  return 1;
}

static int lib_hmac_sha256 (lua_State *L) {
  size_t key_len, len;
  const char *key = luaL_checklstring(L, 1, &key_len);
  const char *s = luaL_checklstring(L, 2, &len);
  unsigned char mac[32];
  sigv4_hmac_sha256(state_of(L)->signer, key, key_len, s, len, mac);
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

static int state_gc (lua_State *L) {
  struct state *st = luaL_checkudata(L, 1, STATE);
  sigv4_signer_free(st->signer);
  st->signer = NULL;
  sigv4_signed_free(&st->out);
  free(st->headers);
  st->headers = NULL;
  st->cap = 0;
  return 0;
}

static const luaL_Reg sigv4_functions[] = {
  {"sign",              lib_sign},
  {"canonical_request", lib_canonical_request},
  {"signature",         lib_signature},
  {"sha256_hex",        lib_sha256_hex},
  {"hmac_sha256",       lib_hmac_sha256},
  {"uri_encode",        lib_uri_encode},
  {NULL, NULL}
};

int luaopen_lambda_sigv4 (lua_State *L) {
  struct state *st;
  luaL_newlibtable(L, sigv4_functions);
  st = lua_newuserdatauv(L, sizeof(*st), 0);
  memset(st, 0, sizeof(*st));
  sigv4_signed_init(&st->out);
  if (luaL_newmetatable(L, STATE)) {
    lua_pushcfunction(L, state_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  st->signer = sigv4_signer_new();
  if (st->signer == NULL)
    return luaL_error(L, "lambda.sigv4: no SHA-256 (libcrypto) or memory");
  luaL_setfuncs(L, sigv4_functions, 1);
  return 1;
}
