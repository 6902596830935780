/*
** Whether a shared object built on this machine can load on Lambda: the
** right architecture, and no symbol version newer than provided.al2023's
** glibc (2.34). Reads `objdump -f -T` (binutils).
*/
#ifndef LUA_LAMBDA_SO_CHECK_H
#define LUA_LAMBDA_SO_CHECK_H

#include <stddef.h>

/*
** arch: "x86_64" or "arm64". Returns 0 when path fits; 1 when it does
** not, with why (and what to do) in why; -1 when it cannot be read
** (objdump missing, not an ELF object), with why.
*/
int so_check (const char *path, const char *arch, int glibc_minor_max,
              char *why, size_t whylen);

#endif
