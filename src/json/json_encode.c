/*
** Lua values -> JSON text. Recursive over tables with raw access only, so
** no Lua code runs; a fault unwinds by return codes, each level adding
** its key to the path named in the message.
*/
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "json.h"
#include "json_float.h"
#include "json_scan.h"
#include "registry_keys.h"
#include "utf8.h"

/* Tables on the path from the root, for finding cycles; this many inline. */
#define INLINE_PATH 64

struct encoder {
  lua_State *L;
  struct buffer *out;
  int depth;
  int max_depth;
  const void **path;     /* the tables being encoded, outermost first */
  const void *inline_path[INLINE_PATH];  /* path, until it grows longer */
  int array_mt;          /* stack indices of the marks */
  int object_mt;
  char *err;
  size_t errlen;
  char where[256];       /* the path to the fault, built while unwinding */
  int where_cut;         /* the path was too long: its outer part is "..." */
  size_t max_len;        /* of the whole text, counted from out's start */
  size_t limit;          /* max_len, or SIZE_MAX for none */
  int (*expired) (void *ud);
  void *expired_ud;
  unsigned values_left;  /* before expired() is asked again */
  enum json_encode_status stopped;  /* TOO_LONG or EXPIRED, or OK */
};

/* Values between two looks at expired(). */
#define VALUES_PER_LOOK 4096

static int oom (struct encoder *e) {
  snprintf(e->err, e->errlen, "not enough memory");
  return -1;
}

static int fault (struct encoder *e, const char *fmt, const char *arg) {
  snprintf(e->err, e->errlen, fmt, arg);
  return -1;
}

/*
** Output goes straight into the buffer: room is checked inline and the
** NUL is written once, at the end, not after every piece.
*/
static int grow (struct encoder *e, size_t n) {
  if (e->max_len != 0 && e->out->len + n > e->max_len) {
    e->stopped = JSON_ENCODE_TOO_LONG;
    snprintf(e->err, e->errlen, "the JSON text is longer than %zu bytes",
             e->max_len);
    return -1;
  }
  return buffer_reserve(e->out, n) == 0 ? 0 : oom(e);
}

static inline int room (struct encoder *e, size_t n) {
  struct buffer *b = e->out;
  return b->cap - b->len > n && b->len + n <= e->limit ? 0 : grow(e, n);
}

static inline int put (struct encoder *e, const char *s, size_t n) {
  if (room(e, n) != 0)
    return -1;
  memcpy(e->out->data + e->out->len, s, n);
  e->out->len += n;
  return 0;
}

/* put of a string literal, its length counted by the compiler. */
#define put_literal(e, s) put((e), "" s, sizeof(s) - 1)

static inline int put_char (struct encoder *e, char c) {
  if (room(e, 1) != 0)
    return -1;
  e->out->data[e->out->len++] = c;
  return 0;
}

/* Puts part in front of the path built so far; "..." once it is full. */
static void prepend_where (struct encoder *e, const char *part) {
  size_t n = strlen(part), have = strlen(e->where);
  if (e->where_cut)
    return;
  if (n + have + 4 > sizeof(e->where)) {
    part = "...";
    n = 3;
    e->where_cut = 1;
  }
  memmove(e->where + n, e->where, have + 1);
  memcpy(e->where, part, n);
}

static void where_key (struct encoder *e, lua_State *L, int key) {
  char part[96];
  if (lua_type(L, key) == LUA_TSTRING)
    snprintf(part, sizeof(part), ".%.80s", lua_tostring(L, key));
  else if (lua_isinteger(L, key))
    snprintf(part, sizeof(part), "[%lld]",
             (long long)lua_tointeger(L, key));
  else
    snprintf(part, sizeof(part), "[?]");
  prepend_where(e, part);
}

static const char hex_digits[] = "0123456789abcdef";

/* The escape for a byte that JSON strings cannot hold as it is. */
static size_t escape (unsigned c, char out[6]) {
  out[0] = '\\';
  switch (c) {
    case '"': out[1] = '"'; return 2;
    case '\\': out[1] = '\\'; return 2;
    case '\n': out[1] = 'n'; return 2;
    case '\r': out[1] = 'r'; return 2;
    case '\t': out[1] = 't'; return 2;
    case '\b': out[1] = 'b'; return 2;
    case '\f': out[1] = 'f'; return 2;
    default:
      memcpy(out + 1, "u00", 3);
      out[4] = hex_digits[c >> 4];
      out[5] = hex_digits[c & 0xF];
      return 6;
  }
}

/* Bytes a string cannot carry as they are: 1 to escape, 2 to validate. */
static const unsigned char string_class[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x00 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x10 */
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20: '"' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,  /* 0x50: '\\' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0x80 */
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Encodes the string at idx; invalid UTF-8 is refused. */
static int put_string (struct encoder *e, int idx) {
  size_t len;
  const unsigned char *s = (const unsigned char *)lua_tolstring(e->L, idx,
                                                                &len);
  const unsigned char *p = s, *end = s + len, *run = s;
  if (room(e, len + 2) != 0)
    return -1;
  e->out->data[e->out->len++] = '"';
  for (;;) {
    char esc[6];
    p = json_skip_plain(p, end);
    if (p == end)
      break;
    if (string_class[*p] == 2) {
      size_t n = utf8_sequence(p, end);
      if (n == 0) {
        char at[32];
        snprintf(at, sizeof(at), "%lld", (long long)(p - s));
        return fault(e, "string is not valid UTF-8 (at byte %s)", at);
      }
      p += n;
      continue;
    }
    if (put(e, (const char *)run, (size_t)(p - run)) != 0 ||
        put(e, esc, escape(*p, esc)) != 0)
      return -1;
    run = ++p;
  }
  /* Room for the rest was made above unless an escape used it up. */
  if (put(e, (const char *)run, (size_t)(p - run)) != 0 ||
      room(e, 1) != 0)
    return -1;
  e->out->data[e->out->len++] = '"';
  return 0;
}

static int put_integer (struct encoder *e, lua_Integer v) {
  char tmp[24], *q = tmp + sizeof(tmp);
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                : (unsigned long long)v;
  do {
    *--q = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0)
    *--q = '-';
  return put(e, q, (size_t)(tmp + sizeof(tmp) - q));
}

/*
** The shortest of %.15g, %.16g, %.17g that reads back as v (15 digits
** always survive decimal -> double -> decimal, so the first that round
** trips is the shortest), with ".0" added so it decodes as a float again.
*/
static int put_float (struct encoder *e, double v) {
  char tmp[40];
  char point;
  int n = 0, precision;
  size_t i = json_float_format(v, tmp);
  if (i > 0)
    return put(e, tmp, i);
  point = localeconv()->decimal_point[0];
  if (isnan(v))
    return fault(e, "cannot encode NaN%s", "");
  if (isinf(v))
    return fault(e, "cannot encode %s", v > 0 ? "inf" : "-inf");
  /* Subnormals carry fewer digits: search them from 1. */
  precision = fabs(v) < DBL_MIN && v != 0 ? 1 : 15;
  for (; precision <= 17; precision++) {
    n = snprintf(tmp, sizeof(tmp), "%.*g", precision, v);
    if (strtod(tmp, NULL) == v)
      break;
  }
  for (i = 0; i < (size_t)n; i++) {
    if (tmp[i] == point)
      tmp[i] = '.';
  }
  if (strpbrk(tmp, ".e") == NULL) {
    memcpy(tmp + n, ".0", 3);
    n += 2;
  }
  return put(e, tmp, (size_t)n);
}

static int put_value (struct encoder *e, int idx);

/* Is the table at idx a sequence 1..n (n > 0) and nothing else? */
static int is_sequence (lua_State *L, int idx, lua_Unsigned n) {
  lua_Unsigned count = 0;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_Integer k;
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || (k = lua_tointeger(L, -1)) < 1 ||
        (lua_Unsigned)k > n) {
      lua_pop(L, 1);
      return 0;
    }
    count++;
  }
  return count == n;
}

static int put_array (struct encoder *e, int idx, lua_Unsigned n) {
  lua_Unsigned i;
  if (put_char(e, '[') != 0)
    return -1;
  for (i = 1; i <= n; i++) {
    if (i > 1 && put_char(e, ',') != 0)
      return -1;
    lua_rawgeti(e->L, idx, (lua_Integer)i);
    if (put_value(e, -1) != 0) {
      char part[32];
      snprintf(part, sizeof(part), "[%llu]", (unsigned long long)i);
      prepend_where(e, part);
      return -1;
    }
    lua_pop(e->L, 1);
  }
  return put_char(e, ']');
}

static int put_object (struct encoder *e, int idx) {
  lua_State *L = e->L;
  int first = 1;
  if (put_char(e, '{') != 0)
    return -1;
  lua_pushnil(L);                                     /* [key] */
  while (lua_next(L, idx) != 0) {                     /* [key, value] */
    int key = lua_gettop(L) - 1;
    if (lua_type(L, key) != LUA_TSTRING) {
      const char *what = luaL_typename(L, key);
      if (lua_type(L, key) == LUA_TNUMBER) {
        lua_pushvalue(L, key);
        what = lua_pushfstring(L, "%s (a number)", lua_tostring(L, -1));
      }
      return fault(e, "object key %s is not a string (use "
                   "json.array for arrays, string keys for objects)", what);
    }
    if ((!first && put_char(e, ',') != 0) || put_string(e, key) != 0 ||
        put_char(e, ':') != 0)
      return -1;
    first = 0;
    if (put_value(e, key + 1) != 0) {
      where_key(e, L, key);
      return -1;
    }
    lua_pop(L, 1);                                    /* [key] */
  }
  return put_char(e, '}');
}

static int put_table (struct encoder *e, int idx) {
  lua_State *L = e->L;
  const void *self = lua_topointer(L, idx);
  lua_Unsigned n;
  int i, mark = 0, rc;
  for (i = 0; i < e->depth; i++) {
    if (e->path[i] == self)
      return fault(e, "cannot encode a table that contains itself%s", "");
  }
  if (e->depth >= e->max_depth) {
    char limit[16];
    snprintf(limit, sizeof(limit), "%d", e->max_depth);
    return fault(e, "nesting deeper than %s levels", limit);
  }
  if (!lua_checkstack(L, 6))
    return oom(e);
  /* Most values are shallow: the path goes to the heap only when deep. */
  if (e->depth == INLINE_PATH && e->path == e->inline_path) {
    e->path = malloc(sizeof(*e->path) * (size_t)e->max_depth);
    if (e->path == NULL) {
      e->path = e->inline_path;
      return oom(e);
    }
    memcpy(e->path, e->inline_path, sizeof(e->inline_path));
  }
  if (lua_getmetatable(L, idx)) {
    if (lua_rawequal(L, -1, e->array_mt))
      mark = 'a';
    else if (lua_rawequal(L, -1, e->object_mt))
      mark = 'o';
    lua_pop(L, 1);
  }
  e->path[e->depth++] = self;
  n = lua_rawlen(L, idx);
  if (mark == 'a')
    rc = put_array(e, idx, n);
  else if (mark != 'o' && n > 0 && is_sequence(L, idx, n))
    rc = put_array(e, idx, n);
  else
    rc = put_object(e, idx);
  e->depth--;
  return rc;
}

static int put_value (struct encoder *e, int idx) {
  lua_State *L = e->L;
  idx = lua_absindex(L, idx);
  if (e->expired != NULL && --e->values_left == 0) {
    e->values_left = VALUES_PER_LOOK;
    if (e->expired(e->expired_ud)) {
      e->stopped = JSON_ENCODE_EXPIRED;
      snprintf(e->err, e->errlen, "the deadline passed while encoding");
      return -1;
    }
  }
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      return put_literal(e, "null");
    case LUA_TBOOLEAN:
      return lua_toboolean(L, idx) ? put_literal(e, "true")
                                   : put_literal(e, "false");
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx))
        return put_integer(e, lua_tointeger(L, idx));
      return put_float(e, (double)lua_tonumber(L, idx));
    case LUA_TSTRING:
      return put_string(e, idx);
    case LUA_TTABLE:
      return put_table(e, idx);
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, idx) == NULL)  /* json.null, cjson.null */
        return put_literal(e, "null");
      /* fall through */
    default:
      return fault(e, "cannot encode a %s value", luaL_typename(L, idx));
  }
}

enum json_encode_status json_encode (lua_State *L, int idx,
                                     struct buffer *out, int max_depth,
                                     const struct json_bounds *bounds,
                                     char *err, size_t errlen) {
  struct encoder e;
  enum json_encode_status status = JSON_ENCODE_OK;
  int top = lua_gettop(L), rc;
  idx = lua_absindex(L, idx);
  e.L = L;
  e.out = out;
  e.depth = 0;
  e.max_depth = max_depth > 0 ? max_depth : JSON_DEFAULT_MAX_DEPTH;
  e.err = err;
  e.errlen = errlen;
  e.where[0] = '\0';
  e.where_cut = 0;
  e.path = e.inline_path;
  e.max_len = bounds != NULL ? bounds->max_len : 0;
  e.expired = bounds != NULL ? bounds->expired : NULL;
  e.expired_ud = bounds != NULL ? bounds->ud : NULL;
  e.limit = e.max_len != 0 ? e.max_len : SIZE_MAX;
  e.values_left = VALUES_PER_LOOK;
  e.stopped = JSON_ENCODE_OK;
  luaL_checkstack(L, 4, "JSON encode");
  luaL_getmetatable(L, REGISTRY_JSON_ARRAY_META);
  e.array_mt = lua_gettop(L);
  luaL_getmetatable(L, REGISTRY_JSON_OBJECT_META);
  e.object_mt = lua_gettop(L);
  rc = put_value(&e, idx);
  if (rc == 0 && room(&e, 0) == 0)
    out->data[out->len] = '\0';
  if (rc != 0 && e.stopped == JSON_ENCODE_OK) {
    status = JSON_ENCODE_FAULT;
    if (e.where[0] != '\0') {
      size_t n = strlen(err);
      snprintf(err + n, errlen > n ? errlen - n : 0, " at $%s", e.where);
    }
  } else if (rc != 0) {
    status = e.stopped;
  }
  if (e.path != e.inline_path)
    free(e.path);
  lua_settop(L, top);
  return status;
}
