#include "so_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What objdump says of one file. */
struct elf_summary {
  char arch[64];        /* objdump's name: "i386:x86-64", "aarch64" */
  int glibc_minor;      /* the newest GLIBC_2.x needed */
  char foreign[128];    /* a symbol version not GLIBC_ / OPENSSL_3.0.0 */
  char library[128];    /* a NEEDED library provided.al2023 lacks */
};

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

/* What provided.al2023 has for bootstrap to link (README: Deploy). */
static int allowed_library (const char *name) {
  static const char *const names[] = {
    "libc.so.6", "libm.so.6", "libcrypto.so.3", "libcurl.so.4",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", NULL
  };
  size_t i;
  for (i = 0; names[i] != NULL; i++) {
    if (strcmp(name, names[i]) == 0)
      return 1;
  }
  return 0;
}

/* Notes the versions in one line of the dynamic symbol table: "(NAME)". */
static void note_versions (struct elf_summary *s, const char *line) {
  const char *open = line;
  while ((open = strchr(open, '(')) != NULL) {
    char version[96];
    if (sscanf(open + 1, "%95[A-Za-z0-9_.]", version) == 1 &&
        strchr(open, ')') != NULL) {
      if (strncmp(version, "GLIBC_2.", 8) == 0) {
        int minor = atoi(version + 8);
        if (minor > s->glibc_minor)
          s->glibc_minor = minor;
      } else if (strncmp(version, "GLIBC_", 6) != 0 &&
                 strcmp(version, "OPENSSL_3.0.0") != 0 &&
                 s->foreign[0] == '\0') {
        snprintf(s->foreign, sizeof(s->foreign), "%s", version);
      }
    }
    open++;
  }
}

static int summarize (const char *path, struct elf_summary *s, char *why,
                      size_t whylen) {
  char cmd[8192] = "objdump -f -p -T ", line[4096];
  static const char quiet[] = " 2>/dev/null";
  FILE *p;
  int rc, in_symbols = 0;
  memset(s, 0, sizeof(*s));
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
    const char *a = strstr(line, "architecture: ");
    char needed[128];
    if (a != NULL)
      sscanf(a + 14, "%63[^, \n]", s->arch);
    else if (sscanf(line, " NEEDED %127s", needed) == 1) {
      if (!allowed_library(needed) && s->library[0] == '\0')
        snprintf(s->library, sizeof(s->library), "%s", needed);
    } else if (strncmp(line, "DYNAMIC SYMBOL TABLE", 20) == 0)
      in_symbols = 1;
    else if (in_symbols)
      note_versions(s, line);
  }
  rc = pclose(p);
  if (rc != 0 || s->arch[0] == '\0') {
    snprintf(why, whylen, "%s: objdump (binutils) could not read it as an "
             "ELF object", path);
    return -1;
  }
  return 0;
}

/* The checks both kinds of file share. */
static int check_common (const char *path, const struct elf_summary *s,
                         const char *arch, const char *remedy, char *why,
                         size_t whylen) {
  if (strcmp(s->arch, objdump_arch(arch)) != 0) {
    snprintf(why, whylen, "%s is built for %s, not for the function's %s: "
             "%s", path, s->arch, arch, remedy);
    return 1;
  }
  if (s->glibc_minor > GLIBC_MINOR_MAX) {
    snprintf(why, whylen, "%s needs GLIBC_2.%d, newer than provided.al2023's "
             "glibc 2.%d, so it would not load on Lambda: %s",
             path, s->glibc_minor, GLIBC_MINOR_MAX, remedy);
    return 1;
  }
  return 0;
}

int so_check (const char *path, const char *arch, char *why,
              size_t whylen) {
  struct elf_summary s;
  char remedy[128];
  if (summarize(path, &s, why, whylen) != 0)
    return -1;
  snprintf(remedy, sizeof(remedy), "build it for Lambda with `lua-lambda "
           "build --docker --arch %s` (Amazon Linux 2023)", arch);
  return check_common(path, &s, arch, remedy, why, whylen);
}

int bootstrap_check (const char *path, const char *arch, char *why,
                     size_t whylen) {
  struct elf_summary s;
  static const char remedy[] = "use a bootstrap built by lua-lambda's "
    "CMake build (any Linux) or its release";
  int rc;
  if (summarize(path, &s, why, whylen) != 0)
    return -1;
  rc = check_common(path, &s, arch, remedy, why, whylen);
  if (rc != 0)
    return rc;
  if (s.library[0] != '\0') {
    snprintf(why, whylen, "%s needs %s, which provided.al2023 does not have "
             "(it has libc, libm, libcrypto.so.3 and libcurl.so.4): %s",
             path, s.library, remedy);
    return 1;
  }
  if (s.foreign[0] != '\0') {
    snprintf(why, whylen, "%s needs symbols of version %s, which only this "
             "machine's libraries define (Amazon Linux's libcurl versions "
             "none), so it would not start on Lambda: %s", path, s.foreign,
             remedy);
    return 1;
  }
  return 0;
}
