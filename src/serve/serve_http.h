/*
** HTTP for the local Lambda (libmicrohttpd, a thread per connection):
** one Runtime API server per worker (api_port + i) and the invoke
** endpoint POST /2015-03-31/functions/function/invocations.
*/
#ifndef LUA_LAMBDA_EMULATOR_HTTP_H
#define LUA_LAMBDA_EMULATOR_HTTP_H

#include "serve_queue.h"

struct emu_http;

/* Starts every server; NULL (with a message printed) on failure. */
struct emu_http *emu_http_start (struct emulator *emu);
void emu_http_stop (struct emu_http *http);

/* The invoke endpoint's port, as bound. */
int emu_http_invoke_port (const struct emu_http *http);

#endif
