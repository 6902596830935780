/*
** One invocation as the Runtime API hands it out on /next. This is the
** only type shared by the HTTP side (runtime_api.c) and the Lua side
** (lua_host.c); neither knows the other.
*/
#ifndef LUA_LAMBDA_INVOCATION_H
#define LUA_LAMBDA_INVOCATION_H

#include <stdint.h>

#include "buffer.h"

struct invocation {
  struct buffer request_id;       /* Lambda-Runtime-Aws-Request-Id */
  int64_t deadline_ms;            /* Lambda-Runtime-Deadline-Ms, epoch ms;
                                     0 if absent */
  struct buffer function_arn;     /* Lambda-Runtime-Invoked-Function-Arn */
  struct buffer trace_id;         /* Lambda-Runtime-Trace-Id */
  struct buffer client_context;   /* Lambda-Runtime-Client-Context (JSON) */
  struct buffer cognito_identity; /* Lambda-Runtime-Cognito-Identity (JSON) */
  struct buffer tenant_id;        /* Lambda-Runtime-Aws-Tenant-Id */
  struct buffer invocation_id;    /* Lambda-Runtime-Invocation-Id */
  struct buffer payload;          /* the event, as sent */
};

void invocation_init (struct invocation *inv);
void invocation_free (struct invocation *inv);

/* Forgets the previous invocation, keeping the buffers' memory. */
void invocation_reset (struct invocation *inv);

/*
** Takes one raw header line ("Name: value\r\n") from /next and stores it
** if it is one of the Runtime API's. Names match case-insensitively.
** Returns 0, or -1 when memory runs out.
*/
int invocation_parse_header (struct invocation *inv, const char *line,
                             size_t len);

#endif
