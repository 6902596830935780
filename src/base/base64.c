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

int base64_decode (const char *text, size_t len, struct buffer *out) {
  size_t i;
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
  return bits >= 6 ? -1 : 0;  /* 6 bits left over: a lone sextet */
}

int base64_encode (const char *data, size_t len, struct buffer *out) {
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *p = (const unsigned char *)data;
  size_t i;
  buffer_clear(out);
  if (buffer_reserve(out, (len + 2) / 3 * 4) != 0)
    return -1;
  for (i = 0; i + 2 < len; i += 3) {
    char q[4];
    q[0] = alphabet[p[i] >> 2];
    q[1] = alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
    q[2] = alphabet[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
    q[3] = alphabet[p[i + 2] & 63];
    buffer_append(out, q, 4);
  }
  if (i < len) {
    char q[4];
    q[0] = alphabet[p[i] >> 2];
    if (i + 1 < len) {
      q[1] = alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
      q[2] = alphabet[(p[i + 1] & 15) << 2];
    } else {
      q[1] = alphabet[(p[i] & 3) << 4];
      q[2] = '=';
    }
    q[3] = '=';
    buffer_append(out, q, 4);
  }
  return 0;
}
