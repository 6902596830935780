/* The Lua face of log_stdout.c: require "lambda.log" and print. */
#ifndef LUA_LAMBDA_LOG_LIB_H
#define LUA_LAMBDA_LOG_LIB_H

#include <lua.h>

#include "log_stdout.h"

/* Makes sink the one lambda.log and print write to in L. */
void log_lib_open (lua_State *L, struct log_stdout *sink);

/*
** require "lambda.log": writes to the sink log_lib_open gave L, else (a
** stock lua5.4 loading log.so) to one of its own, set from
** AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL.
*/
int luaopen_lambda_log (lua_State *L);

/* The runtime's print: one INFO record of the arguments, tab-separated. */
int log_lib_print (lua_State *L);

#endif
