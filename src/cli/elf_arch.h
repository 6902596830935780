/*
** Which of Lambda's architectures an executable is for, read from its ELF
** header; the machine's own; and the qemu-user emulator that runs the
** other on this machine (Debian's qemu-user-static).
*/
#ifndef LUA_LAMBDA_ELF_ARCH_H
#define LUA_LAMBDA_ELF_ARCH_H

/* "x86_64", "arm64", or NULL (not a 64-bit ELF file of either). */
const char *elf_arch (const char *path);

/* The architecture lua-lambda runs on, in Lambda's words. */
const char *host_arch (void);

/* The emulator for arch on PATH (qemu-aarch64-static, qemu-aarch64, ...),
   malloc'd, or NULL. */
char *qemu_for (const char *arch);

#endif
