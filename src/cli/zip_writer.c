#include "zip_writer.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

#define LOCAL_SIG 0x04034b50u
#define CENTRAL_SIG 0x02014b50u
#define END_SIG 0x06054b50u
#define VERSION 20          /* 2.0: what stored entries and dirs need */
#define MADE_BY_UNIX (3 << 8)
#define FLAG_UTF8 0x0800    /* names are UTF-8 */
#define DOS_DATE_1980 0x0021 /* 1980-01-01; the time is 00:00:00 */
#define MAX_32 0xffffffffu

static uint32_t crc_table[256];

static void crc_init (void) {
  uint32_t i, k;
  for (i = 0; i < 256; i++) {
    uint32_t c = i;
    for (k = 0; k < 8; k++)
      c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static uint32_t crc32_of (const unsigned char *p, size_t len) {
  uint32_t c = 0xffffffffu;
  size_t i;
  for (i = 0; i < len; i++)
    c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static int put16 (struct buffer *b, unsigned v) {
  unsigned char s[2] = { (unsigned char)v, (unsigned char)(v >> 8) };
  return buffer_append(b, s, 2);
}

static int put32 (struct buffer *b, uint32_t v) {
  unsigned char s[4] = { (unsigned char)v, (unsigned char)(v >> 8),
                         (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
  return buffer_append(b, s, 4);
}

/* The fields local and central headers share, from "version needed". */
static int put_common (struct buffer *b, uint32_t crc, uint32_t size,
                       size_t name_len) {
  return put16(b, VERSION) || put16(b, FLAG_UTF8) || put16(b, 0) ||
         put16(b, 0) || put16(b, DOS_DATE_1980) || put32(b, crc) ||
         put32(b, size) || put32(b, size) || put16(b, (unsigned)name_len) ||
         put16(b, 0);
}

static int read_whole (const char *path, struct buffer *data, char *err,
                       size_t errlen) {
  FILE *f = fopen(path, "rb");
  char chunk[65536];
  size_t n;
  if (f == NULL) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  buffer_clear(data);
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    if (buffer_append(data, chunk, n) != 0) {
      fclose(f);
      snprintf(err, errlen, "out of memory reading %s", path);
      return -1;
    }
  }
  if (ferror(f)) {
    fclose(f);
    snprintf(err, errlen, "cannot read %s", path);
    return -1;
  }
  fclose(f);
  return 0;
}

int zip_write (const char *out, const struct zip_entry *entries, size_t n,
               char *err, size_t errlen) {
  struct buffer central, header, data;
  char tmp[4096];
  FILE *f;
  size_t i;
  uint64_t offset = 0;
  int rc = -1;
  crc_init();
  buffer_init(&central);
  buffer_init(&header);
  buffer_init(&data);
  snprintf(tmp, sizeof(tmp), "%s.part", out);
  f = fopen(tmp, "wb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    return -1;
  }
  if (n > 0xffff) {
    snprintf(err, errlen, "%zu files: more than a zip without zip64 holds", n);
    goto done;
  }
  for (i = 0; i < n; i++) {
    const struct zip_entry *e = &entries[i];
    size_t name_len = strlen(e->name);
    uint32_t crc;
    if (read_whole(e->file, &data, err, errlen) != 0)
      goto done;
    if (data.len > MAX_32 || offset > MAX_32) {
      snprintf(err, errlen, "%s: over 4 GB, more than a zip without zip64 "
               "holds", e->name);
      goto done;
    }
    crc = crc32_of((const unsigned char *)data.data, data.len);
    buffer_clear(&header);
    if (put32(&header, LOCAL_SIG) ||
        put_common(&header, crc, (uint32_t)data.len, name_len) ||
        buffer_append(&header, e->name, name_len) ||
        put32(&central, CENTRAL_SIG) || put16(&central, MADE_BY_UNIX | VERSION) ||
        put_common(&central, crc, (uint32_t)data.len, name_len) ||
        put16(&central, 0) || put16(&central, 0) || put16(&central, 0) ||
        put32(&central, (uint32_t)(0100000u | e->mode) << 16) ||
        put32(&central, (uint32_t)offset) ||
        buffer_append(&central, e->name, name_len)) {
      snprintf(err, errlen, "out of memory");
      goto done;
    }
    if (fwrite(header.data, 1, header.len, f) != header.len ||
        (data.len > 0 && fwrite(data.data, 1, data.len, f) != data.len)) {
      snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
      goto done;
    }
    offset += header.len + data.len;
  }
  if (offset > MAX_32) {
    snprintf(err, errlen, "over 4 GB, more than a zip without zip64 holds");
    goto done;
  }
  buffer_clear(&header);
  if (put32(&header, END_SIG) || put16(&header, 0) || put16(&header, 0) ||
      put16(&header, (unsigned)n) || put16(&header, (unsigned)n) ||
      put32(&header, (uint32_t)central.len) ||
      put32(&header, (uint32_t)offset) || put16(&header, 0)) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  if ((central.len > 0 &&
       fwrite(central.data, 1, central.len, f) != central.len) ||
      fwrite(header.data, 1, header.len, f) != header.len) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto done;
  }
  rc = 0;
done:
  if (fclose(f) != 0 && rc == 0) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    rc = -1;
  }
  if (rc == 0 && rename(tmp, out) != 0) {
    snprintf(err, errlen, "cannot replace %s: %s", out, strerror(errno));
    rc = -1;
  }
  if (rc != 0)
    remove(tmp);
  buffer_free(&central);
  buffer_free(&header);
  buffer_free(&data);
  return rc;
}
