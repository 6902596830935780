/*
** HTTP for the local Lambda (libmicrohttpd, a thread per connection):
** starts and stops the Runtime API servers (serve_runtime_api.c) and the
** invoke endpoint (serve_invoke_api.c), and what their replies share.
*/
#include "serve_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clock.h"

/*
** Connections a server serves at once: the invoke endpoint's clients, a
** runtime's few (its own, its extensions'). Past that, as many spare ones
** answer 503, with a short idle timeout so a flood cannot hold them; only
** past the spares is a connection closed unanswered. Idle connections (a
** request sent halfway, say) are closed after a while.
*/
#define INVOKE_CONNECTIONS 512
#define API_CONNECTIONS 16  /* and two a slot with --managed-instances */
#define CONNECTION_IDLE_S 60
#define SPARE_IDLE_S 1

struct emu_http {
  struct emulator *emu;
  struct api_server api[SERVE_MAX_WORKERS];
  struct listener invoke;
};

/* The socket context of a connection past its listener's served. */
static char over_limit;
/*
** Queues a reply with its Content-Type and the headers in extra: name,
** value, ..., NULL (or extra itself NULL).
*/
enum MHD_Result serve_reply_with (struct MHD_Connection *c, unsigned status,
                                  const char *body, size_t len,
                                  const char *content_type,
                                  const char *const *extra) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
    len, (void *)body, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result rc;
  if (r == NULL)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", content_type);
  for (; extra != NULL && extra[0] != NULL; extra += 2)
    MHD_add_response_header(r, extra[0], extra[1]);
  rc = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return rc;
}

enum MHD_Result serve_reply (struct MHD_Connection *c, unsigned status,
                             const char *body, size_t len,
                             const char *content_type) {
  return serve_reply_with(c, status, body, len, content_type, NULL);
}

enum MHD_Result serve_reply_error (struct MHD_Connection *c,
                                   enum serve_error e, const char *message) {
  const char *type = serve_error_header(e);
  const char *extra[] = { "X-Amzn-ErrorType", type, NULL };
  struct buffer body;
  enum MHD_Result rc = MHD_NO;
  buffer_init(&body);
  if (serve_error_build(&body, e, message) == 0)
    rc = serve_reply_with(c, serve_error_status(e), body.data, body.len,
                          "application/json", type != NULL ? extra : NULL);
  buffer_free(&body);
  return rc;
}

enum MHD_Result serve_reply_json (struct MHD_Connection *c, unsigned status,
                                  const char *json) {
  return serve_reply(c, status, json, strlen(json), "application/json");
}

static void on_connection (void *cls, struct MHD_Connection *c,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode code) {
  struct listener *l = cls;
  if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    atomic_fetch_sub(&l->open, 1);
    return;
  }
  if (atomic_fetch_add(&l->open, 1) >= l->served) {
    *socket_context = &over_limit;
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
                              (unsigned int)SPARE_IDLE_S);
  }
}

/* A connection over the limit gets 503 for its first request, and is
   closed (MHD closes it: the request was not read whole). */
int serve_refused_as_full (struct MHD_Connection *c, enum MHD_Result *rc) {
  const union MHD_ConnectionInfo *info =
    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  static const char *const close_it[] = { "Connection", "close", NULL };
  const enum serve_error full = SERVE_ERR_TOO_MANY_CONNECTIONS;
  struct buffer body;
  if (info == NULL || info->socket_context != &over_limit)
    return 0;
  buffer_init(&body);
  if (serve_error_build(&body, full, NULL) != 0)
    *rc = MHD_NO;
  else
    *rc = serve_reply_with(c, serve_error_status(full), body.data, body.len,
                           "application/json", close_it);
  buffer_free(&body);
  return 1;
}

const char *serve_header (struct MHD_Connection *c, const char *name) {
  return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

struct request *serve_request_new (struct MHD_Connection *c, void **con_cls,
                                   enum MHD_Result *rc) {
  struct request *req;
  if (serve_refused_as_full(c, rc))
    return NULL;
  req = calloc(1, sizeof(*req));
  if (req == NULL) {
    *rc = MHD_NO;
    return NULL;
  }
  buffer_init(&req->body);
  *con_cls = req;
  return req;
}

void serve_request_completed (void *cls, struct MHD_Connection *c,
                              void **con_cls,
                              enum MHD_RequestTerminationCode t) {
  struct request *req = *con_cls;
  struct emulator *emu = cls;
  (void)c;
  (void)t;
  if (req == NULL)
    return;
  if (req->job != NULL)
    emu_release(emu, req->job);
  buffer_free(&req->body);
  free(req);
  *con_cls = NULL;
}

/* Starts l's daemon on 127.0.0.1:port, serving served connections at
   once; 0 when it could not listen (l->log knows why). */
static int start (struct listener *l, const char *who, int port, int served,
                  MHD_AccessHandlerCallback fn, void *cls,
                  struct emulator *emu) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  /* never beyond this host */
  l->served = served;
  atomic_init(&l->open, 0);
  mhd_log_starting(&l->log, who);
  l->daemon = MHD_start_daemon(
    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
    MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, fn, cls,
    /* first, so that no message of its start goes to stderr raw */
    MHD_OPTION_EXTERNAL_LOGGER, mhd_log_message, &l->log,
    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
    MHD_OPTION_CONNECTION_LIMIT,
    (unsigned int)(2 * served),  /* the spares: as many */
    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_IDLE_S,
    MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
    MHD_OPTION_NOTIFY_COMPLETED, serve_request_completed, emu,
    MHD_OPTION_END);
  mhd_log_started(&l->log);
  return l->daemon != NULL;
}

/* The port a daemon listens on (the one the kernel chose for port 0). */
static int bound_port (struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *info =
    MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  return info != NULL ? (int)info->port : 0;
}

int emu_http_invoke_port (const struct emu_http *http) {
  return bound_port(http->invoke.daemon);
}

/*
** Raises this process's soft RLIMIT_NOFILE, as far as the hard limit
** lets it, to hold every connection the servers may take, and then some
** (pipes, files). A default of 1,024 would not.
*/
static void have_files_for (int connections) {
  struct rlimit rl;
  rlim_t want = (rlim_t)connections + 256;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
    return;
  rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
  setrlimit(RLIMIT_NOFILE, &rl);
}

struct emu_http *emu_http_start (struct emulator *emu) {
  struct emu_http *http = calloc(1, sizeof(*http));
  int w, api_served = API_CONNECTIONS;
  if (http == NULL)
    return NULL;
  http->emu = emu;
  if (2 * emu->cfg.managed_instances > api_served)
    api_served = 2 * emu->cfg.managed_instances;
  have_files_for(2 * (INVOKE_CONNECTIONS +
                      emu->cfg.concurrency * api_served));
  for (w = 0; w < emu->cfg.concurrency; w++) {
    http->api[w].emu = emu;
    http->api[w].worker = w;
    int port = emu->cfg.api_port > 0 ? emu->cfg.api_port + w : 0;
    if (!start(&http->api[w].listener, "the Runtime API", port, api_served,
               serve_runtime_api_handler, &http->api[w], emu)) {
      mhd_log_cannot_listen(&http->api[w].listener.log, port,
                            "--port picks another");
      emu_http_stop(http);
      return NULL;
    }
    emu->api_ports[w] = bound_port(http->api[w].listener.daemon);
  }
  if (!start(&http->invoke, "the invoke endpoint", emu->cfg.invoke_port,
             INVOKE_CONNECTIONS, serve_invoke_api_handler, emu, emu)) {
    mhd_log_cannot_listen(&http->invoke.log, emu->cfg.invoke_port,
                          "--invoke-port picks another");
    emu_http_stop(http);
    return NULL;
  }
  return http;
}

/* Waits (2 s at most) until the invoke endpoint has no connection left:
   replies already made (a shut-down invocation's error) go out whole. */
static void drain (struct MHD_Daemon *d) {
  int64_t until = clock_now_ms() + 2000;
  while (clock_now_ms() < until) {
    const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    if (info == NULL || info->num_connections == 0)
      break;
    clock_sleep_ms(10);
  }
}

void emu_http_stop (struct emu_http *http) {
  int w;
  if (http == NULL)
    return;
  if (http->invoke.daemon != NULL) {
    drain(http->invoke.daemon);
    MHD_stop_daemon(http->invoke.daemon);
  }
  for (w = 0; w < SERVE_MAX_WORKERS; w++) {
    if (http->api[w].listener.daemon != NULL)
      MHD_stop_daemon(http->api[w].listener.daemon);
  }
  free(http);
}
