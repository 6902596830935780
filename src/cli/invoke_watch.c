#include "invoke_watch.h"

#include <stdio.h>
#include <string.h>

#include "buffer.h"
#include "deadline_watchdog.h"
#include "error_body.h"
#include "lua_host.h"

/* What bootstrap would post, written where invoke writes a failure. */
static int report_stuck (void *ud, const char *request_id, int answered) {
  static const char type[] = "Runtime.Timeout";
  struct buffer body;
  (void)ud;
  (void)request_id;
  if (answered)
    return 1;
  buffer_init(&body);
  if (error_body_build(&body, type, DEADLINE_WATCHDOG_MESSAGE,
                       strlen(DEADLINE_WATCHDOG_MESSAGE), NULL) == 0)
    fprintf(stderr, "%.*s\n", (int)body.len, body.data);
  else
    fprintf(stderr, "lua-lambda: %s\n", type);
  return 1;
}

struct deadline_watchdog *invoke_watch_start (const struct host_config *cfg) {
  struct deadline_watchdog *dog =
    deadline_watchdog_start(report_stuck, NULL, cfg->timeout_margin_ms);
  if (dog == NULL)
    fprintf(stderr, "lua-lambda: cannot start the deadline watchdog: only "
            "the hook stops the handler at its deadline\n");
  return dog;
}

void invoke_watched (struct deadline_watchdog *dog, struct lua_host *host,
                     const struct invocation *inv, struct host_outcome *out) {
  lua_host_prepare(host, inv->deadline_ms);
  if (dog != NULL)
    deadline_watchdog_arm(dog, inv->request_id.data, lua_host_deadline(host),
                          lua_host_stopping(host),
                          lua_host_in_user_code(host));
  lua_host_invoke(host, inv, out);
  if (dog != NULL) {
    deadline_watchdog_answering(dog);
    deadline_watchdog_disarm(dog);
  }
}
