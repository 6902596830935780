#include "serve_event_stream.h"

#include <string.h>

#define HEADER_STRING 7  /* the header value type of a UTF-8 string */

uint32_t event_stream_crc32 (uint32_t crc, const void *data, size_t len) {
  const unsigned char *p = data;
  size_t i;
  int bit;
  crc = ~crc;
  for (i = 0; i < len; i++) {
    crc ^= p[i];
    for (bit = 0; bit < 8; bit++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static void put_u32 (unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

/* name (1-byte length), type 7, value (2-byte length); returns its size. */
static size_t put_header (unsigned char *p, const char *name,
                          const char *value) {
  size_t n = strlen(name), v = strlen(value);
  p[0] = (unsigned char)n;
  memcpy(p + 1, name, n);
  p[1 + n] = HEADER_STRING;
  p[2 + n] = (unsigned char)(v >> 8);
  p[3 + n] = (unsigned char)v;
  memcpy(p + 4 + n, value, v);
  return 4 + n + v;
}

int event_stream_append (struct buffer *out, const char *event_type,
                         const char *content_type, const char *payload,
                         size_t len) {
  unsigned char headers[EVENT_STREAM_OVERHEAD - 16];
  unsigned char prelude[12], crc[4];
  size_t h = 0, start = out->len;
  uint32_t total;
  if (strlen(event_type) > 32 || strlen(content_type) > 32)
    return -1;
  h += put_header(headers + h, ":event-type", event_type);
  h += put_header(headers + h, ":content-type", content_type);
  h += put_header(headers + h, ":message-type", "event");
  total = (uint32_t)(12 + h + len + 4);
  put_u32(prelude, total);
  put_u32(prelude + 4, (uint32_t)h);
  put_u32(prelude + 8, event_stream_crc32(0, prelude, 8));
  if (buffer_reserve(out, total) != 0)
    return -1;
  buffer_append(out, prelude, sizeof(prelude));
  buffer_append(out, headers, h);
  buffer_append(out, payload, len);
  put_u32(crc, event_stream_crc32(0, out->data + start, out->len - start));
  buffer_append(out, crc, sizeof(crc));
  return 0;
}
