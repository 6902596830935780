/*
** The bytes of a JSON string that need no look: printable ASCII other
** than '"' and '\\'. Both directions spend most of their time skipping
** them, so they are skipped eight at a time (SWAR: a word's bytes tested
** in parallel with carries that cannot cross a byte whose top bit is 0).
*/
#ifndef LUA_LAMBDA_JSON_SCAN_H
#define LUA_LAMBDA_JSON_SCAN_H

#include <stdint.h>
#include <string.h>

#define JSON_ONES UINT64_C(0x0101010101010101)
#define JSON_HIGHS UINT64_C(0x8080808080808080)

/*
** Non-zero exactly when a byte of w is < 0x20, '"', '\\' or >= 0x80
** ((x - ones) & ~x has a byte's top bit set for the lowest zero byte of
** x, and only ever when x has some zero byte).
*/
static inline uint64_t json_word_stops (uint64_t w) {
  uint64_t quote = w ^ (JSON_ONES * '"');
  uint64_t bslash = w ^ (JSON_ONES * '\\');
  return (((w - JSON_ONES * 0x20) & ~w) |
          ((quote - JSON_ONES) & ~quote) |
          ((bslash - JSON_ONES) & ~bslash) |
          w) & JSON_HIGHS;
}

/*
** The first byte in [p, end) that is a control character, '"', '\\' or
** not ASCII; end if there is none.
*/
static inline const unsigned char *json_skip_plain (const unsigned char *p,
                                                    const unsigned char *end) {
  while (end - p >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    if (json_word_stops(w) != 0)
      break;
    p += 8;
  }
  while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
    p++;
  return p;
}

#endif
