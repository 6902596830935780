/*
** A client of Lambda's Extensions API, for the runtime's own internal
** extension: register, then event/next from a thread of its own. It has
** its own libcurl handle and connection, apart from the Runtime API's,
** because event/next blocks for the life of the process while the loop
** goes on calling /next.
*/
#ifndef LUA_LAMBDA_EXTENSION_API_H
#define LUA_LAMBDA_EXTENSION_API_H

#include <stddef.h>

#include "buffer.h"

struct extension_api;

/* host_port is AWS_LAMBDA_RUNTIME_API. NULL with a message in err. */
struct extension_api *extension_api_new (const char *host_port, char *err,
                                         size_t errlen);
void extension_api_free (struct extension_api *ext);

/*
** POST /2020-01-01/extension/register with Lambda-Extension-Name: name and
** the body {"events": events_json}; keeps the Lambda-Extension-Identifier
** of the answer for extension_api_next. Returns 0, or -1 (see last_error).
*/
int extension_api_register (struct extension_api *ext, const char *name,
                            const char *events_json);

/*
** GET /2020-01-01/extension/event/next: blocks, with no timeout, until
** Lambda has an event for this extension; its JSON goes to event.
** Returns 0, or -1 (see last_error).
*/
int extension_api_next (struct extension_api *ext, struct buffer *event);

/* The identifier Lambda gave at registration ("" before it). */
const char *extension_api_identifier (const struct extension_api *ext);

const char *extension_api_last_error (const struct extension_api *ext);

#endif
