/*
** Whether an ELF file built on this machine can run on Lambda, by the
** rules of check-portable.sh (src/cli/files/, compiled in: the one place
** they are written): the right architecture, no glibc symbol newer than
** provided.al2023's 2.34 and, for bootstrap itself, only the libraries
** provided.al2023 has and no symbol version only this machine's libraries
** define. Runs it with sh; it reads the file with readelf (binutils).
*/
#ifndef LUA_LAMBDA_SO_CHECK_H
#define LUA_LAMBDA_SO_CHECK_H

#include <stddef.h>

/*
** A C module going into a zip. arch: "x86_64" or "arm64". Returns 0 when
** path fits; 1 when it does not, with why (and what to do) in why; -1
** when it cannot be checked, with why.
*/
int so_check (const char *path, const char *arch, char *why,
              size_t whylen);

/* The runtime going into a zip or layer: as so_check, and the rules for
   an executable Lambda starts (above). */
int bootstrap_check (const char *path, const char *arch, char *why,
                     size_t whylen);

#endif
