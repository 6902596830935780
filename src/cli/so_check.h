/*
** Whether an ELF file built on this machine can run on Lambda: the right
** architecture, no symbol version newer than provided.al2023's glibc
** (2.34) and, for bootstrap itself, only the libraries provided.al2023
** has and no symbol version that only this machine's libraries define
** (Debian's libcurl versions its symbols CURL_OPENSSL_4; Amazon Linux's
** has none). Reads `objdump -f -p -T` (binutils).
*/
#ifndef LUA_LAMBDA_SO_CHECK_H
#define LUA_LAMBDA_SO_CHECK_H

#include <stddef.h>

#define GLIBC_MINOR_MAX 34   /* provided.al2023's glibc is 2.34 */

/*
** A C module going into a zip. arch: "x86_64" or "arm64". Returns 0 when
** path fits; 1 when it does not, with why (and what to do) in why; -1
** when it cannot be read (objdump missing, not an ELF object), with why.
*/
int so_check (const char *path, const char *arch, char *why,
              size_t whylen);

/* The runtime going into a zip or layer: as so_check, and the rules for
   an executable Lambda starts (above). */
int bootstrap_check (const char *path, const char *arch, char *why,
                     size_t whylen);

#endif
