/*
** An invocation's END and REPORT lines, as Lambda writes them.
*/
#include "serve_locked.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "serve_worker_output.h"

long emu_worker_max_rss_mb (struct emulator *emu, int w) {
  char path[64], line[128];
  long kb = 0;
  FILE *f;
  if (w < 0 || emu->workers[w].pid <= 0)
    return 0;
  snprintf(path, sizeof(path), "/proc/%d/status", (int)emu->workers[w].pid);
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
      break;
  }
  fclose(f);
  return (kb + 1023) / 1024;
}

/*
** END and REPORT, as Lambda writes them; called as a job becomes done.
** Billed Duration is the duration rounded up to the next millisecond,
** capped at the timeout; the first invocation of a worker also carries
** its Init Duration, which provided.al2023 bills with it.
*/
void emu_report_locked (struct emulator *emu, struct emu_job *job,
                        const char *status) {
  double ms = (double)(clock_now_us() - job->started_us) / 1000.0;
  long billed = (long)ceil(ms), cap = emu->cfg.timeout_s * 1000L;
  char init[64] = "", lines[512];
  int n;
  struct emu_worker *worker = job->worker >= 0
                              ? &emu->workers[job->worker] : NULL;
  if (billed > cap)
    billed = cap;
  if (worker != NULL && worker->init_ms > 0) {
    billed += (long)ceil(worker->init_ms);
    snprintf(init, sizeof(init), "\tInit Duration: %.2f ms", worker->init_ms);
    worker->init_ms = 0;  /* once per worker */
  }
  /* What the function wrote before it finished goes out before END, and
     into the invocation's log (one invocation at a time: with several,
     no line can be told apart). */
  if (worker != NULL && worker->out != NULL && worker->slots == 1) {
    worker_output_drain(worker->out);
    worker_output_take(worker->out, &job->log);
  }
  n = snprintf(lines, sizeof(lines), "END RequestId: %s\n"
               "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: "
               "%ld ms\tMemory Size: %d MB\tMax Memory Used: %ld MB%s%s%s\n",
               job->request_id, job->request_id, ms, billed,
               emu->cfg.memory_mb, emu_worker_max_rss_mb(emu, job->worker),
               init, status ? "\tStatus: " : "", status ? status : "");
  if (n > 0) {
    fputs(lines, stdout);
    buffer_append(&job->log, lines, (size_t)n < sizeof(lines)
                  ? (size_t)n : sizeof(lines) - 1);
  }
}
