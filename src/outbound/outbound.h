/*
** The C modules for calls out of the function (lambda.fetch, and
** lambda.sigv4 under lambda.aws), for a host's config: programs that
** link them (bootstrap, lua-lambda) hand them to the host, which knows
** neither curl nor libcrypto.
*/
#ifndef LUA_LAMBDA_OUTBOUND_H
#define LUA_LAMBDA_OUTBOUND_H

#include <lauxlib.h>

extern const luaL_Reg outbound_modules[];

#endif
