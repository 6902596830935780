/* clock.c: the time user code has left never goes below 0. */
#include "check.h"
#include "clock.h"

int main (void) {
  int64_t now = clock_now_ms();
  /* Past the deadline, and past it by the margin: nothing left, not less. */
  CHECK(clock_left_ms(now - 1000, 0) == 0);
  CHECK(clock_left_ms(now - 1, 100) == 0);
  CHECK(clock_left_ms(now + 50, 100) == 0);  /* within the margin */
  CHECK(clock_left_ms(0, 0) == 0);           /* the epoch itself */
  /* Ahead of it: the time to the deadline less the margin (the clock may
     move on between the two readings, never back). */
  {
    int64_t left = clock_left_ms(now + 60000, 100);
    CHECK(left > 0 && left <= 60000 - 100);
  }
  /* A timespec for the same instant. */
  {
    struct timespec ts = clock_timespec(1700000000123LL);
    CHECK(ts.tv_sec == 1700000000 && ts.tv_nsec == 123000000L);
  }
  return check_report();
}
