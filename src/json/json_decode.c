/*
** JSON text -> Lua values. A recursive descent parser over the input
** bytes; strings without escapes are pushed straight from the input.
*/
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "json.h"
#include "json_float.h"
#include "json_scan.h"
#include "registry_keys.h"
#include "utf8.h"

struct decoder {
  lua_State *L;
  const char *start;
  const char *p;
  const char *end;
  int depth;
  int max_depth;
  int array_mt;   /* stack index of the array mark */
};

#if defined(__GNUC__)
#define JSON_NORETURN __attribute__((noreturn))
#else
#define JSON_NORETURN
#endif

JSON_NORETURN static void fail (struct decoder *d, const char *what) {
  luaL_error(d->L, "invalid JSON at byte %I: %s",
             (lua_Integer)(d->p - d->start), what);
  abort();  /* not reached: luaL_error does not return */
}

static void skip_space (struct decoder *d) {
  const char *p = d->p, *end = d->end;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  d->p = p;
}

static int is_digit (char c) {
  return c >= '0' && c <= '9';
}

static unsigned hex4 (struct decoder *d) {
  unsigned v = 0;
  int i;
  if (d->end - d->p < 4)
    fail(d, "truncated \\u escape");
  for (i = 0; i < 4; i++) {
    char c = *d->p++;
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else {
      d->p--;
      fail(d, "invalid hex digit in \\u escape");
    }
  }
  return v;
}

static void add_utf8 (luaL_Buffer *b, unsigned cp) {
  char s[4];
  size_t n;
  if (cp < 0x80) {
    s[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    s[0] = (char)(0xC0 | (cp >> 6));
    s[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    s[0] = (char)(0xE0 | (cp >> 12));
    s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    s[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    s[0] = (char)(0xF0 | (cp >> 18));
    s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    s[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  luaL_addlstring(b, s, n);
}

/* After a backslash: one escape into b. */
static void add_escape (struct decoder *d, luaL_Buffer *b) {
  unsigned cp;
  char c;
  if (d->p >= d->end)
    fail(d, "unterminated string");
  c = *d->p++;
  switch (c) {
    case '"': luaL_addchar(b, '"'); return;
    case '\\': luaL_addchar(b, '\\'); return;
    case '/': luaL_addchar(b, '/'); return;
    case 'b': luaL_addchar(b, '\b'); return;
    case 'f': luaL_addchar(b, '\f'); return;
    case 'n': luaL_addchar(b, '\n'); return;
    case 'r': luaL_addchar(b, '\r'); return;
    case 't': luaL_addchar(b, '\t'); return;
    case 'u': break;
    default:
      d->p--;
      fail(d, "invalid escape in string");
  }
  cp = hex4(d);
  if (cp >= 0xDC00 && cp <= 0xDFFF) {
    d->p -= 6;
    fail(d, "lone low surrogate in \\u escape");
  }
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    unsigned lo;
    if (d->end - d->p < 6 || d->p[0] != '\\' || d->p[1] != 'u')
      fail(d, "high surrogate not followed by a low surrogate");
    d->p += 2;
    lo = hex4(d);
    if (lo < 0xDC00 || lo > 0xDFFF) {
      d->p -= 6;
      fail(d, "high surrogate not followed by a low surrogate");
    }
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  }
  add_utf8(b, cp);
}

/* d->p is at the opening quote. Pushes the string. */
static void parse_string (struct decoder *d) {
  const unsigned char *p = (const unsigned char *)d->p + 1;
  const unsigned char *end = (const unsigned char *)d->end;
  const unsigned char *run = p;
  luaL_Buffer b;
  /* Fast path: no escapes, pushed straight from the input. */
  for (;;) {
    p = json_skip_plain(p, end);
    if (p >= end || *p == '\\' || *p < 0x20)
      break;
    if (*p == '"') {
      lua_pushlstring(d->L, (const char *)run, (size_t)(p - run));
      d->p = (const char *)p + 1;
      return;
    } else {
      size_t n = utf8_sequence(p, end);
      if (n == 0) {
        d->p = (const char *)p;
        fail(d, "invalid UTF-8 in string");
      }
      p += n;
    }
  }
  luaL_buffinit(d->L, &b);
  luaL_addlstring(&b, (const char *)run, (size_t)(p - run));
  while (p < end) {
    unsigned c = *p;
    if (c == '"') {
      luaL_pushresult(&b);
      d->p = (const char *)p + 1;
      return;
    }
    d->p = (const char *)p;
    if (c == '\\') {
      d->p++;
      add_escape(d, &b);
      p = (const unsigned char *)d->p;
    } else if (c < 0x20) {
      fail(d, "control character in string (must be escaped)");
    } else if (c < 0x80) {
      luaL_addchar(&b, (char)c);
      p++;
    } else {
      size_t n = utf8_sequence(p, end);
      if (n == 0)
        fail(d, "invalid UTF-8 in string");
      luaL_addlstring(&b, (const char *)p, n);
      p += n;
    }
  }
  d->p = (const char *)p;
  fail(d, "unterminated string");
}

/*
** Converts a number token that is not a 64-bit integer: exactly in
** json_float.c when it is short, else with strtod.
*/
static void push_float (struct decoder *d, const char *s, size_t len) {
  char small[64], *buf = small, *dot, *endp;
  char point;
  double v;
  if (json_float_parse(s, len, &v)) {
    lua_pushnumber(d->L, (lua_Number)v);
    return;
  }
  point = localeconv()->decimal_point[0];
  if (len >= sizeof(small)) {
    buf = lua_newuserdatauv(d->L, len + 1, 0);  /* freed by the GC */
  }
  memcpy(buf, s, len);
  buf[len] = '\0';
  /* strtod reads the locale's decimal point; JSON's is always '.'. */
  if (point != '.' && (dot = strchr(buf, '.')) != NULL)
    *dot = point;
  v = strtod(buf, &endp);
  if (buf != small)
    lua_pop(d->L, 1);
  if (v - v != 0) {  /* inf: the value is beyond a double */
    d->p = s;
    fail(d, "number out of range");
  }
  lua_pushnumber(d->L, (lua_Number)v);
}

/* d->p is at '-' or a digit. Pushes the number. */
static void parse_number (struct decoder *d) {
  const char *s = d->p, *p = d->p, *end = d->end, *digits;
  int negative = 0, integral = 1;
  if (*p == '-') {
    negative = 1;
    p++;
  }
  digits = p;
  if (p < end && *p == '0') {
    p++;
    if (p < end && is_digit(*p)) {
      d->p = p;
      fail(d, "leading zero in number");
    }
  } else if (p < end && is_digit(*p)) {
    while (p < end && is_digit(*p)) p++;
  } else {
    d->p = p;
    fail(d, "expected a digit");
  }
  if (p < end && *p == '.') {
    p++;
    if (!(p < end && is_digit(*p))) {
      d->p = p;
      fail(d, "expected a digit after '.'");
    }
    while (p < end && is_digit(*p)) p++;
    integral = 0;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (!(p < end && is_digit(*p))) {
      d->p = p;
      fail(d, "expected a digit in the exponent");
    }
    while (p < end && is_digit(*p)) p++;
    integral = 0;
  }
  d->p = p;
  if (integral && !(negative && p - digits == 1 && *digits == '0')) {
    /* Exact while it fits: up to 2^63 - 1, or -2^63. */
    uint64_t v = 0, limit = (uint64_t)INT64_MAX + (uint64_t)negative;
    const char *q;
    for (q = digits; q < p; q++) {
      unsigned digit = (unsigned)(*q - '0');
      if (v > (limit - digit) / 10)
        break;
      v = v * 10 + digit;
    }
    if (q == p) {
      if (!negative)
        lua_pushinteger(d->L, (lua_Integer)v);
      else if (v == (uint64_t)INT64_MAX + 1)
        lua_pushinteger(d->L, LUA_MININTEGER);
      else
        lua_pushinteger(d->L, -(lua_Integer)v);
      return;
    }
  }
  /* A fraction, an exponent, -0, or an integer beyond 64 bits. */
  push_float(d, s, (size_t)(p - s));
}

static void parse_value (struct decoder *d);

/*
** Members are parsed onto the stack and put into a table made at their
** final size, so no table is grown and rehashed on the way: up to CHUNK
** at a time, so a long array does not need a stack as long as itself.
*/
#define CHUNK 32

static void enter (struct decoder *d) {
  if (++d->depth > d->max_depth) {
    lua_pushfstring(d->L, "nesting deeper than %d levels", d->max_depth);
    fail(d, lua_tostring(d->L, -1));
  }
  d->p++;  /* past '[' or '{' */
}

/* Takes the next byte when it is c: 1, else 0 (nothing taken). */
static int take (struct decoder *d, char c) {
  if (d->p < d->end && *d->p == c) {
    d->p++;
    return 1;
  }
  return 0;
}

/*
** Before an array's or object's next member: 0 at its end (close taken),
** else 1, with the ',' before any member but the first taken.
*/
static int more_members (struct decoder *d, char close, int *first) {
  if (take(d, close))
    return 0;
  if (!*first && !take(d, ','))
    fail(d, close == ']' ? "expected ',' or ']' in array"
                         : "expected ',' or '}' in object");
  *first = 0;
  return 1;
}

/* Room for a chunk of members (2 slots each) and a nested value. */
static void reserve_chunk (struct decoder *d) {
  luaL_checkstack(d->L, 2 * CHUNK + 8, "JSON nesting");
}

/*
** The array's table at *table (made at base + 1 on the first flush, as
** large as the values pending then), takes the n values above it as
** elements last + 1 .. last + n.
*/
static void flush_array (struct decoder *d, int base, int *table,
                         lua_Integer last, int n) {
  lua_State *L = d->L;
  if (*table == 0) {
    lua_createtable(L, n, 0);
    lua_pushvalue(L, d->array_mt);
    lua_setmetatable(L, -2);
    lua_insert(L, base + 1);
    *table = base + 1;
  }
  for (; n > 0; n--)
    lua_rawseti(L, *table, last + n);  /* pops the top value */
}

static void parse_array (struct decoder *d) {
  lua_State *L = d->L;
  int base = lua_gettop(L), table = 0, pending = 0, first = 1;
  lua_Integer n = 0;
  enter(d);
  reserve_chunk(d);
  skip_space(d);
  while (more_members(d, ']', &first)) {
    parse_value(d);
    if (++pending == CHUNK) {
      flush_array(d, base, &table, n, pending);
      n += pending;
      pending = 0;
      reserve_chunk(d);
    }
    skip_space(d);
  }
  d->depth--;
  flush_array(d, base, &table, n, pending);
}

/*
** As flush_array for an object's n pending key/value pairs, set in the
** order they came so that of a repeated key the last one stands.
*/
static void flush_object (struct decoder *d, int base, int *table, int n) {
  lua_State *L = d->L;
  int first, i;
  if (*table == 0) {
    lua_createtable(L, 0, n);
    lua_insert(L, base + 1);
    *table = base + 1;
  }
  first = lua_gettop(L) - 2 * n + 1;
  for (i = 0; i < n; i++) {
    lua_pushvalue(L, first + 2 * i);
    lua_pushvalue(L, first + 2 * i + 1);
    lua_rawset(L, *table);
  }
  lua_settop(L, *table);
}

static void parse_object (struct decoder *d) {
  lua_State *L = d->L;
  int base = lua_gettop(L), table = 0, pending = 0, first = 1;
  enter(d);
  reserve_chunk(d);
  skip_space(d);
  while (more_members(d, '}', &first)) {
    skip_space(d);
    if (!(d->p < d->end && *d->p == '"'))
      fail(d, "expected a string key in object");
    parse_string(d);
    skip_space(d);
    if (!take(d, ':'))
      fail(d, "expected ':' after object key");
    parse_value(d);
    if (++pending == CHUNK) {
      flush_object(d, base, &table, pending);
      pending = 0;
      reserve_chunk(d);
    }
    skip_space(d);
  }
  d->depth--;
  flush_object(d, base, &table, pending);
}

static void parse_literal (struct decoder *d, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0)
    fail(d, "unexpected character");
  d->p += n;
}

static void parse_value (struct decoder *d) {
  skip_space(d);
  if (d->p >= d->end)
    fail(d, "unexpected end of input, expected a value");
  switch (*d->p) {
    case '{': parse_object(d); return;
    case '[': parse_array(d); return;
    case '"': parse_string(d); return;
    case 't': parse_literal(d, "true"); lua_pushboolean(d->L, 1); return;
    case 'f': parse_literal(d, "false"); lua_pushboolean(d->L, 0); return;
    case 'n': parse_literal(d, "null"); lua_pushlightuserdata(d->L, NULL);
      return;
    default:
      if (*d->p == '-' || is_digit(*d->p)) {
        parse_number(d);
        return;
      }
      fail(d, "unexpected character");
  }
}

void json_decode (lua_State *L, const char *text, size_t len,
                  int max_depth) {
  struct decoder d;
  luaL_checkstack(L, 4, "JSON decode");
  luaL_getmetatable(L, REGISTRY_JSON_ARRAY_META);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    json_open_marks(L);
    luaL_getmetatable(L, REGISTRY_JSON_ARRAY_META);
  }
  d.L = L;
  d.start = d.p = text != NULL ? text : "";
  d.end = d.start + len;
  d.depth = 0;
  d.max_depth = max_depth > 0 ? max_depth : JSON_DEFAULT_MAX_DEPTH;
  d.array_mt = lua_gettop(L);
  parse_value(&d);
  skip_space(&d);
  if (d.p != d.end)
    fail(&d, "unexpected data after the JSON value");
  lua_remove(L, d.array_mt);
}
