#include "json_quote.h"

#include <string.h>

#include "utf8.h"

/* U+FFFD REPLACEMENT CHARACTER, for bytes that are not UTF-8. */
static const char replacement[] = "\xEF\xBF\xBD";

int json_quote (struct buffer *out, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;
  size_t i, start = 0;
  if (buffer_append_literal(out, "\"") != 0)
    return -1;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[7];
    size_t esc_len = 2;
    if (c >= 0x80) {
      size_t n = utf8_sequence(u + i, u + len);
      if (n > 0) {
        i += n - 1;  /* a whole character: kept as it is */
        continue;
      }
      /* Not UTF-8: the byte becomes U+FFFD, so the text stays JSON. */
      if (buffer_append(out, s + start, i - start) != 0 ||
          buffer_append(out, replacement, 3) != 0)
        return -1;
      start = i + 1;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    if (buffer_append(out, s + start, i - start) != 0)
      return -1;
    esc[0] = '\\';
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      default:
        memcpy(esc + 1, "u00", 3);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 0xf];
        esc_len = 6;
    }
    if (buffer_append(out, esc, esc_len) != 0)
      return -1;
    start = i + 1;
  }
  if (buffer_append(out, s + start, len - start) != 0)
    return -1;
  return buffer_append_literal(out, "\"");
}

int json_append_members (struct buffer *out, const char *members,
                         size_t len) {
  if (len == 0)
    return 0;
  if (buffer_append_literal(out, ",") != 0 ||
      buffer_append(out, members, len) != 0)
    return -1;
  return 0;
}
