#include "request_id.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void request_id_make (char out[40]) {
  unsigned char r[16];
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
    /* No randomness: the time still tells invocations apart. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    memset(r, 0, sizeof(r));
    memcpy(r, &ts.tv_sec, sizeof(ts.tv_sec));
    memcpy(r + 8, &ts.tv_nsec, sizeof(ts.tv_nsec));
  }
  if (fd >= 0)
    close(fd);
  r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);  /* version 4 */
  r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);  /* RFC 4122 variant */
  snprintf(out, 40,
           "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
           "%02x%02x%02x%02x%02x%02x",
           r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
           r[10], r[11], r[12], r[13], r[14], r[15]);
}
