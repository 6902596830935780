/*
** Writes a zip archive that the same inputs always give byte for byte:
** entries in the order given (the caller sorts them), stored (no
** compression: nothing to vary between zlib versions), every time
** 1980-01-01 00:00 (the format's epoch), modes as given. For function.zip
** and layer.zip (lua-lambda build); Lambda unzips stored entries as any.
** Files are streamed in, their size checked first; a name is flagged
** UTF-8 only when it is (and is not plain ASCII), else it is CP437 by the
** format's rules, which every reader can decode. A symbolic link is
** stored as zip -y stores one: the Unix mode says link, the data is the
** target.
*/
#ifndef LUA_LAMBDA_ZIP_WRITER_H
#define LUA_LAMBDA_ZIP_WRITER_H

#include <stddef.h>

struct zip_entry {
  const char *name;   /* the path inside the archive ("lua_modules/x.lua") */
  const char *file;   /* the file on disk to copy (a link's: its target) */
  const char *link;   /* NULL, or the target a symbolic link entry holds */
  unsigned mode;      /* Unix permission bits: 0644 or 0755 */
};

/* Returns 0, or -1 with a message in err. out is replaced whole (written
   beside it, then renamed). */
int zip_write (const char *out, const struct zip_entry *entries, size_t n,
               char *err, size_t errlen);

#endif
