#include "so_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* objdump's name of the architecture Lambda calls arch. */
static const char *objdump_arch (const char *arch) {
  return strcmp(arch, "arm64") == 0 ? "aarch64" : "i386:x86-64";
}

/* Appends path to cmd in single quotes, for sh. 0, or -1 if too long. */
static int append_quoted (char *cmd, size_t cap, const char *path) {
  size_t len = strlen(cmd);
  const char *p;
  if (len + 2 >= cap)
    return -1;
  cmd[len++] = '\'';
  for (p = path; *p != '\0'; p++) {
    if (*p == '\'') {
      if (len + 4 >= cap)
        return -1;
      memcpy(cmd + len, "'\\''", 4);
      len += 4;
    } else {
      if (len + 1 >= cap)
        return -1;
      cmd[len++] = *p;
    }
  }
  if (len + 2 >= cap)
    return -1;
  cmd[len++] = '\'';
  cmd[len] = '\0';
  return 0;
}

int so_check (const char *path, const char *arch, int glibc_minor_max,
              char *why, size_t whylen) {
  char cmd[8192] = "objdump -f -T ", line[4096], found_arch[64] = "";
  int newest = 0, rc;
  FILE *p;
  static const char quiet[] = " 2>/dev/null";
  if (append_quoted(cmd, sizeof(cmd) - sizeof(quiet), path) != 0) {
    snprintf(why, whylen, "%s: path too long", path);
    return -1;
  }
  strcat(cmd, quiet);  /* room kept for it above */
  p = popen(cmd, "r");
  if (p == NULL) {
    snprintf(why, whylen, "cannot run objdump (binutils) on %s", path);
    return -1;
  }
  while (fgets(line, sizeof(line), p) != NULL) {
    const char *g = line, *a = strstr(line, "architecture: ");
    if (a != NULL)
      sscanf(a + 14, "%63[^, \n]", found_arch);
    while ((g = strstr(g, "GLIBC_2.")) != NULL) {
      int minor = atoi(g + 8);
      if (minor > newest)
        newest = minor;
      g += 8;
    }
  }
  rc = pclose(p);
  if (rc != 0 || found_arch[0] == '\0') {
    snprintf(why, whylen, "%s: objdump (binutils) could not read it as a "
             "shared object", path);
    return -1;
  }
  if (strcmp(found_arch, objdump_arch(arch)) != 0) {
    snprintf(why, whylen, "%s is built for %s, not for the function's %s: "
             "build it for Lambda with `lua-lambda build --docker --arch "
             "%s`", path, found_arch, arch, arch);
    return 1;
  }
  if (newest > glibc_minor_max) {
    snprintf(why, whylen, "%s needs GLIBC_2.%d, newer than provided.al2023's "
             "glibc 2.%d, so it would not load on Lambda: build it there "
             "with `lua-lambda build --docker` (Amazon Linux 2023)",
             path, newest, glibc_minor_max);
    return 1;
  }
  return 0;
}
