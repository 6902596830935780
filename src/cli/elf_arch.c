#include "elf_arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* e_machine (ELF) of each: EM_X86_64 and EM_AARCH64 */
#define EM_X86_64_ 62
#define EM_AARCH64_ 183

const char *elf_arch (const char *path) {
  unsigned char h[20];
  FILE *f = fopen(path, "rb");
  size_t n;
  unsigned machine;
  if (f == NULL)
    return NULL;
  n = fread(h, 1, sizeof(h), f);
  fclose(f);
  /* "\177ELF", ELFCLASS64; e_machine at 18, in the file's byte order */
  if (n < sizeof(h) || memcmp(h, "\177ELF", 4) != 0 || h[4] != 2)
    return NULL;
  machine = h[5] == 2 ? (unsigned)(h[18] << 8 | h[19])
                      : (unsigned)(h[19] << 8 | h[18]);
  if (machine == EM_X86_64_)
    return "x86_64";
  if (machine == EM_AARCH64_)
    return "arm64";
  return NULL;
}

const char *host_arch (void) {
#if defined(__aarch64__)
  return "arm64";
#else
  return "x86_64";
#endif
}

char *qemu_for (const char *arch) {
  const char *machine = strcmp(arch, "arm64") == 0 ? "aarch64" : "x86_64";
  const char *path = getenv("PATH");
  static const char *const forms[] = { "qemu-%s-static", "qemu-%s", NULL };
  size_t i;
  if (path == NULL || path[0] == '\0')
    path = "/usr/local/bin:/usr/bin:/bin";
  for (i = 0; forms[i] != NULL; i++) {
    const char *dir = path;
    char name[64];
    snprintf(name, sizeof(name), forms[i], machine);
    while (*dir != '\0') {
      size_t len = strcspn(dir, ":");
      char *full = malloc(len + strlen(name) + 2);
      if (full == NULL)
        return NULL;
      snprintf(full, len + strlen(name) + 2, "%.*s/%s", (int)len, dir, name);
      if (len > 0 && access(full, X_OK) == 0)
        return full;
      free(full);
      dir += len;
      if (*dir == ':')
        dir++;
    }
  }
  return NULL;
}
