#include "clock.h"

int64_t clock_now_us (void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_now_ms (void) {
  return clock_now_us() / 1000;
}

void clock_sleep_ms (int64_t ms) {
  struct timespec ts;
  if (ms <= 0)
    return;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

struct timespec clock_timespec (int64_t epoch_ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(epoch_ms / 1000);
  ts.tv_nsec = (long)(epoch_ms % 1000) * 1000000L;
  return ts;
}

int64_t clock_left_ms (int64_t deadline_ms, long margin_ms) {
  int64_t left = deadline_ms - margin_ms - clock_now_ms();
  return left > 0 ? left : 0;
}
