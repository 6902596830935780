/*
** serve --http's translation between HTTP and Lambda's event and result
** shapes (src/cli/files/web_event.lua, run in a Lua state of its own,
** one caller at a time). Formats: "url" (a function URL), "apigw-v2",
** "apigw-v1", "alb".
*/
#ifndef LUA_LAMBDA_SERVE_HTTP_LUA_H
#define LUA_LAMBDA_SERVE_HTTP_LUA_H

#include <stddef.h>
#include <stdint.h>

#include "buffer.h"

struct web_lua;

struct web_request {
  const char *method, *path, *query;  /* path and query as sent */
  const char *protocol, *source_ip;
  const char *request_id, *id_prefix;
  int64_t time_ms;
  const char *const *headers;        /* name, value, name, value, ... */
  size_t n_headers;                  /* pairs */
  const char *body;
  size_t body_len;
};

/* An HTTP answer: status, headers (name, value, ...), body. */
struct web_answer {
  int status;
  char **headers;
  size_t n_headers;                  /* pairs */
  struct buffer body;
};

/* NULL (with why in err) when the state cannot be made. */
struct web_lua *web_lua_new (char *err, size_t cap);
void web_lua_free (struct web_lua *w);

/* Whether format is one of the four. */
int web_lua_known_format (struct web_lua *w, const char *format);

/* The event for req, as JSON, into event. 0, or -1 (a message in event). */
int web_lua_event (struct web_lua *w, const char *format,
                   const struct web_request *req, struct buffer *event);

/* The answer to a result (JSON text). Never fails: a result the source
   cannot read gets its failure answer. */
void web_lua_response (struct web_lua *w, const char *format,
                       const char *result, size_t len,
                       struct web_answer *out);

/* The status and headers of a streamed response's prelude (JSON). */
void web_lua_prelude (struct web_lua *w, const char *format,
                      const char *prelude, size_t len,
                      struct web_answer *out);

/* What the source answers when the function failed. */
void web_lua_failed (struct web_lua *w, const char *format,
                     struct web_answer *out);

void web_answer_init (struct web_answer *a);
void web_answer_free (struct web_answer *a);

#endif
