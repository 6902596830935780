#include "utf8.h"

size_t utf8_sequence (const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0], lo = 0x80, hi = 0xBF;
  size_t n, i;
  if (c < 0xC2)
    return 0;  /* ASCII is not a sequence; 0x80-0xC1 never lead one */
  else if (c < 0xE0)
    n = 2;
  else if (c < 0xF0) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  /* overlong */
    if (c == 0xED) hi = 0x9F;  /* surrogates */
  } else if (c < 0xF5) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  /* overlong */
    if (c == 0xF4) hi = 0x8F;  /* above U+10FFFF */
  } else
    return 0;
  if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
    return 0;
  for (i = 2; i < n; i++) {
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  }
  return n;
}
