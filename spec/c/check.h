/* A minimal check harness for the C tests: CHECK and a closing tally. */
#ifndef LUA_LAMBDA_CHECK_H
#define LUA_LAMBDA_CHECK_H

#include <stdio.h>
#include <string.h>

static int checks_run, checks_failed;

#define CHECK(cond)                                                       \
  do {                                                                    \
    checks_run++;                                                         \
    if (!(cond)) {                                                        \
      checks_failed++;                                                    \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,    \
              #cond);                                                     \
    }                                                                     \
  } while (0)

#define CHECK_STR(got, want)                                              \
  do {                                                                    \
    const char *got_ = (got), *want_ = (want);                            \
    checks_run++;                                                         \
    if (got_ == NULL || strcmp(got_, want_) != 0) {                       \
      checks_failed++;                                                    \
      fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__,       \
              __LINE__, got_ ? got_ : "(null)", want_);                   \
    }                                                                     \
  } while (0)

/* Prints "N passed, N failed" and gives the exit status. */
static int check_report (void) {
  printf("%d passed, %d failed\n", checks_run - checks_failed,
         checks_failed);
  return checks_failed != 0;
}

#endif
