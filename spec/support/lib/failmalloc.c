/* LD_PRELOAD: the FAIL_NTH-th malloc called from the code between
   FAIL_LO and FAIL_HI (offsets in the executable, from nm) returns NULL;
   a free from there of a pointer no malloc or calloc from there gave is
   said on stderr. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc (size_t);
extern void *__libc_calloc (size_t, size_t);
extern void __libc_free (void *);
static atomic_int seen;
static void *given[4096];
static atomic_int n_given;

/* The executable is the first object dl_iterate_phdr reports. */
static int first_object (struct dl_phdr_info *info, size_t size, void *out) {
  (void)size;
  *(uintptr_t *)out = (uintptr_t)info->dlpi_addr;
  return 1;
}

static int from_range (void *ret) {
  const char *lo = getenv("FAIL_LO"), *hi = getenv("FAIL_HI");
  Dl_info info;
  uintptr_t off, exe = 0;
  if (!lo || !hi || !dladdr(ret, &info) || !info.dli_fbase)
    return 0;
  /* Offsets in a shared library (libmicrohttpd's, say) are not ours. */
  dl_iterate_phdr(first_object, &exe);
  if ((uintptr_t)info.dli_fbase != exe)
    return 0;
  off = (uintptr_t)ret - (uintptr_t)info.dli_fbase;
  return off >= strtoul(lo, NULL, 16) && off < strtoul(hi, NULL, 16);
}

static void *note (void *p) {
  int i = atomic_fetch_add(&n_given, 1);
  if (p && i < 4096) given[i] = p;
  return p;
}

void *malloc (size_t n) {
  if (from_range(__builtin_return_address(0))) {
    const char *nth = getenv("FAIL_NTH");
    if (nth && atomic_fetch_add(&seen, 1) + 1 == atoi(nth)) {
      fprintf(stderr, "failmalloc: malloc(%zu) in the range fails\n", n);
      errno = ENOMEM;
      return NULL;
    }
    return note(__libc_malloc(n));
  }
  return __libc_malloc(n);
}

void *calloc (size_t n, size_t size) {
  void *p = __libc_calloc(n, size);
  if (from_range(__builtin_return_address(0))) note(p);
  return p;
}

void free (void *p) {
  if (p && from_range(__builtin_return_address(0))) {
    int i, n = atomic_load(&n_given), found = 0;
    for (i = 0; i < n && i < 4096; i++)
      if (given[i] == p) { given[i] = NULL; found = 1; break; }
    fprintf(stderr, "failmalloc: free(%p) in the range: %s\n", p,
            found ? "allocated there" : "NEVER ALLOCATED THERE");
  }
  __libc_free(p);
}
