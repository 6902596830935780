/*
** Lambda's own limits that the runtime enforces before Lambda would.
*/
#ifndef LUA_LAMBDA_LAMBDA_LIMITS_H
#define LUA_LAMBDA_LAMBDA_LIMITS_H

/* A buffered response, in bytes: Lambda's errors name this figure. */
#define LAMBDA_RESPONSE_LIMIT 6291556

#endif
