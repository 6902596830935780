/*
** HTTP for the local Lambda (libmicrohttpd, a thread per connection):
** one Runtime API server per worker (api_port + i, serve_runtime_api.c)
** and the invoke endpoint (serve_invoke_api.c), started and stopped by
** serve_http.c, which also holds what their replies share.
*/
#ifndef LUA_LAMBDA_SERVE_HTTP_H
#define LUA_LAMBDA_SERVE_HTTP_H

#include <stdatomic.h>

#include <microhttpd.h>

#include "serve_errors.h"
#include "serve_mhd_log.h"
#include "serve_queue.h"

struct emu_http;

/* Starts every server; NULL (with a message printed) on failure. */
struct emu_http *emu_http_start (struct emulator *emu);
void emu_http_stop (struct emu_http *http);

/* The invoke endpoint's port, as bound. */
int emu_http_invoke_port (const struct emu_http *http);

/* --- what the servers share ---------------------------------------------- */

/* One server and the connections it has open (counted as MHD opens
   and closes them). */
struct listener {
  struct MHD_Daemon *daemon;
  int served;                   /* past this many, 503 */
  atomic_int open;
  struct mhd_log log;           /* libmicrohttpd's messages */
};

/* Worker w's Runtime API server. */
struct api_server {
  struct emulator *emu;
  int worker;
  struct listener listener;
};

enum request_kind { REQ_OTHER, REQ_NEXT, REQ_RESPONSE, REQ_ERROR,
                    REQ_INIT_ERROR, REQ_INVOKE, REQ_INVOKE_STREAM,
                    REQ_EXT_REGISTER, REQ_EXT_NEXT, REQ_EXT_INIT_ERROR,
                    REQ_EXT_EXIT_ERROR };

/* One request: what it is, its body so far, the job it concerns. */
struct request {
  enum request_kind kind;
  struct buffer body;
  struct emu_job *job;
  int streaming;
  int too_large;       /* the body went over its limit */
  int log_tail;        /* X-Amz-Log-Type: Tail */
  int not_found;       /* names another function, or a qualifier serve
                          does not have */
};

/* The value of the request's header name, or NULL. */
const char *serve_header (struct MHD_Connection *c, const char *name);

/*
** A new request for MHD's first call of a connection's request, kept in
** *con_cls; NULL with *rc MHD's answer when the connection is over its
** listener's limit (a 503) or memory runs out.
*/
struct request *serve_request_new (struct MHD_Connection *c, void **con_cls,
                                   enum MHD_Result *rc);

/*
** Queues a reply with its Content-Type and the headers in extra: name,
** value, ..., NULL (or extra itself NULL).
*/
enum MHD_Result serve_reply_with (struct MHD_Connection *c, unsigned status,
                                  const char *body, size_t len,
                                  const char *content_type,
                                  const char *const *extra);
enum MHD_Result serve_reply (struct MHD_Connection *c, unsigned status,
                             const char *body, size_t len,
                             const char *content_type);
enum MHD_Result serve_reply_json (struct MHD_Connection *c, unsigned status,
                                  const char *json);

/* The error's document (serve_errors.h), with its status and its
   X-Amzn-ErrorType if it has one; message as serve_error_build takes. */
enum MHD_Result serve_reply_error (struct MHD_Connection *c,
                                   enum serve_error e, const char *message);

/* A connection over the limit gets 503 for its first request, and is
   closed (MHD closes it: the request was not read whole). 1 when c is
   one, with *rc MHD's answer. */
int serve_refused_as_full (struct MHD_Connection *c, enum MHD_Result *rc);

/* MHD_RequestCompletedCallback: frees the struct request; cls is the
   emulator. */
void serve_request_completed (void *cls, struct MHD_Connection *c,
                              void **con_cls,
                              enum MHD_RequestTerminationCode t);

/* MHD_AccessHandlerCallbacks: cls a struct api_server, the emulator. */
enum MHD_Result serve_runtime_api_handler (void *cls, struct MHD_Connection *c,
                                           const char *url,
                                           const char *method,
                                           const char *version,
                                           const char *upload,
                                           size_t *upload_size,
                                           void **con_cls);
enum MHD_Result serve_invoke_api_handler (void *cls, struct MHD_Connection *c,
                                          const char *url, const char *method,
                                          const char *version,
                                          const char *upload,
                                          size_t *upload_size, void **con_cls);

#endif
