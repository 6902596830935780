#include "base64.h"

#include <string.h>

static int sextet (char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int base64_decode (const char *text, struct buffer *out) {
  size_t len = strlen(text), i;
  unsigned acc = 0;
  int bits = 0;
  buffer_clear(out);
  while (len > 0 && text[len - 1] == '=')
    len--;
  for (i = 0; i < len; i++) {
    int v = sextet(text[i]);
    char byte;
    if (v < 0)
      return -1;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      byte = (char)((acc >> bits) & 0xFF);
      if (buffer_append(out, &byte, 1) != 0)
        return -1;
    }
  }
  return 0;
}
