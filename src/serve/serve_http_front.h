/*
** serve --http: a plain HTTP server on 127.0.0.1 in front of the local
** Lambda, as a function URL (or API Gateway, or an ALB) is in front of a
** function: each request becomes an invocation with the source's event,
** and its result (or its streamed response) the HTTP answer.
*/
#ifndef LUA_LAMBDA_SERVE_HTTP_FRONT_H
#define LUA_LAMBDA_SERVE_HTTP_FRONT_H

#include "serve_queue.h"

struct web_front;

/* NULL, with a message printed, when it cannot listen or the format is
   not one of url, apigw-v1, apigw-v2, alb. */
struct web_front *web_front_start (struct emulator *emu, int port,
                                   const char *format);
void web_front_stop (struct web_front *web);

/* The port, as bound. */
int web_front_port (const struct web_front *web);

#endif
