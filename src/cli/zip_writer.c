#include "zip_writer.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buffer.h"
#include "utf8.h"

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

static uint32_t crc32_update (uint32_t c, const unsigned char *p,
                              size_t len) {
  size_t i;
  for (i = 0; i < len; i++)
    c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c;
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

/*
** The flag for name: UTF-8 when it is and has a byte past ASCII; else
** none, and a reader takes it as CP437 (the format's default), which
** decodes any byte. Flagging bytes that are not UTF-8 makes a zip that
** Python's zipfile, for one, cannot open.
*/
static unsigned name_flags (const char *name, size_t len) {
  const unsigned char *p = (const unsigned char *)name, *end = p + len;
  int wide = 0;
  while (p < end) {
    size_t n;
    if (*p < 0x80) {
      p++;
      continue;
    }
    n = utf8_sequence(p, end);
    if (n == 0)
      return 0;
    wide = 1;
    p += n;
  }
  return wide ? FLAG_UTF8 : 0;
}

/* The fields local and central headers share, from "version needed". */
static int put_common (struct buffer *b, uint32_t crc, uint32_t size,
                       const char *name, size_t name_len) {
  return put16(b, VERSION) || put16(b, name_flags(name, name_len)) ||
         put16(b, 0) || put16(b, 0) || put16(b, DOS_DATE_1980) ||
         put32(b, crc) || put32(b, size) || put32(b, size) ||
         put16(b, (unsigned)name_len) || put16(b, 0);
}

/* Where a local header's CRC-32 is, from its start. */
#define LOCAL_CRC_AT 14

/*
** Copies the file e names to f, after its local header, in chunks;
** *crc and *size say what went. Its size is taken from fstat before a
** byte is read (a file over 4 GB is refused then), and what is read must
** come to it (a file that changed under the build is not packed half).
*/
static int copy_in (FILE *f, const struct zip_entry *e, uint64_t offset,
                    uint32_t *crc, uint32_t *size, char *err,
                    size_t errlen) {
  char chunk[65536];
  struct stat st;
  uint64_t total = 0;
  uint32_t c = 0xffffffffu;
  size_t n;
  FILE *in = fopen(e->file, "rb");
  if (in == NULL || fstat(fileno(in), &st) != 0) {
    snprintf(err, errlen, "cannot read %s: %s", e->file, strerror(errno));
    if (in != NULL)
      fclose(in);
    return -1;
  }
  if ((uint64_t)st.st_size > MAX_32 ||
      offset + 30 + strlen(e->name) + (uint64_t)st.st_size > MAX_32) {
    snprintf(err, errlen, "%s: over 4 GB, more than a zip without zip64 "
             "holds", e->name);
    fclose(in);
    return -1;
  }
  while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
    total += n;
    if (total > (uint64_t)st.st_size)
      break;
    c = crc32_update(c, (const unsigned char *)chunk, n);
    if (fwrite(chunk, 1, n, f) != n) {
      snprintf(err, errlen, "cannot write the zip: %s", strerror(errno));
      fclose(in);
      return -1;
    }
  }
  if (ferror(in)) {
    snprintf(err, errlen, "cannot read %s", e->file);
    fclose(in);
    return -1;
  }
  fclose(in);
  if (total != (uint64_t)st.st_size) {
    snprintf(err, errlen, "%s changed while it was packed: build again",
             e->file);
    return -1;
  }
  *crc = c ^ 0xffffffffu;
  *size = (uint32_t)total;
  return 0;
}

/* The entry's local header and data at offset (where f is); its size in
   *written, its CRC and size for the central directory. */
static int write_entry (FILE *f, const struct zip_entry *e, uint64_t offset,
                        struct buffer *header, uint32_t *crc,
                        uint32_t *size, uint64_t *written, char *err,
                        size_t errlen) {
  size_t name_len = strlen(e->name);
  unsigned char patch[4];
  if (e->link != NULL) {
    /* a symbolic link: its target is its data, known before it goes */
    *size = (uint32_t)strlen(e->link);
    *crc = crc32_update(0xffffffffu, (const unsigned char *)e->link,
                        *size) ^ 0xffffffffu;
  } else {
    *crc = 0;  /* patched once the data has gone through */
    *size = 0;
  }
  buffer_clear(header);
  if (put32(header, LOCAL_SIG) ||
      put_common(header, *crc, *size, e->name, name_len) ||
      buffer_append(header, e->name, name_len)) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (fwrite(header->data, 1, header->len, f) != header->len ||
      (e->link != NULL && *size > 0 &&
       fwrite(e->link, 1, *size, f) != *size)) {
    snprintf(err, errlen, "cannot write the zip: %s", strerror(errno));
    return -1;
  }
  *written = header->len + *size;
  if (e->link != NULL)
    return 0;
  if (copy_in(f, e, offset, crc, size, err, errlen) != 0)
    return -1;
  *written = header->len + *size;
  /* the CRC and both sizes, now known, into the header already written */
  if (fseeko(f, (off_t)(offset + LOCAL_CRC_AT), SEEK_SET) != 0)
    goto seek_failed;
  patch[0] = (unsigned char)*crc;
  patch[1] = (unsigned char)(*crc >> 8);
  patch[2] = (unsigned char)(*crc >> 16);
  patch[3] = (unsigned char)(*crc >> 24);
  if (fwrite(patch, 1, 4, f) != 4)
    goto seek_failed;
  patch[0] = (unsigned char)*size;
  patch[1] = (unsigned char)(*size >> 8);
  patch[2] = (unsigned char)(*size >> 16);
  patch[3] = (unsigned char)(*size >> 24);
  if (fwrite(patch, 1, 4, f) != 4 || fwrite(patch, 1, 4, f) != 4 ||
      fseeko(f, 0, SEEK_END) != 0)
    goto seek_failed;
  return 0;
seek_failed:
  snprintf(err, errlen, "cannot write the zip: %s", strerror(errno));
  return -1;
}

int zip_write (const char *out, const struct zip_entry *entries, size_t n,
               char *err, size_t errlen) {
  struct buffer central, header;
  char tmp[4096];
  FILE *f;
  size_t i;
  uint64_t offset = 0;
  int rc = -1;
  crc_init();
  buffer_init(&central);
  buffer_init(&header);
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
    uint32_t crc, size, unix_mode;
    uint64_t written;
    if (write_entry(f, e, offset, &header, &crc, &size, &written, err,
                    errlen) != 0)
      goto done;
    /* the file type goes with the permission bits, as zip -y writes */
    unix_mode = e->link != NULL ? 0120777u : 0100000u | e->mode;
    if (put32(&central, CENTRAL_SIG) ||
        put16(&central, MADE_BY_UNIX | VERSION) ||
        put_common(&central, crc, size, e->name, name_len) ||
        put16(&central, 0) || put16(&central, 0) || put16(&central, 0) ||
        put32(&central, unix_mode << 16) ||
        put32(&central, (uint32_t)offset) ||
        buffer_append(&central, e->name, name_len)) {
      snprintf(err, errlen, "out of memory");
      goto done;
    }
    offset += written;
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
  return rc;
}
