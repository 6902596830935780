/*
** The AWS services a Lua source names, read from its tokens (comments
** and the insides of strings are not code, so they name none):
**   aws.client("x" ...) / aws.client 'x'     x, whatever it is (NAMED)
**   aws.warm("x", "y", ...)                   each literal (NAMED)
**   aws.x, aws.x:m(...), aws["x"]            x, if it is a service
**                                             (FIELD: the caller checks)
** where "aws" is the name aws (a local, lambda.aws, require("lambda").aws)
** or require("lambda.aws") / require "lambda.aws" itself. A service
** named through a value (aws.client(name)), or through another name for
** the module (local A = require "lambda.aws"; A.sns), is not seen: the
** function's aws-services.txt names those (aws_services.h).
*/
#ifndef LUA_LAMBDA_AWS_SCAN_H
#define LUA_LAMBDA_AWS_SCAN_H

#include <stddef.h>

enum aws_scan_kind {
  AWS_SCAN_NAMED,   /* a string given as a service's name */
  AWS_SCAN_FIELD    /* a field of the module: a service if one has it */
};

/* Called for each name found, with its line (1-based); returns 0 to go
   on, anything else to stop the scan with that value. */
typedef int (*aws_scan_found) (void *ud, const char *name, size_t len,
                               enum aws_scan_kind kind, int line);

/* Scans text; 0, or what found returned to stop it. */
int aws_scan_text (const char *text, size_t len, aws_scan_found found,
                   void *ud);

#endif
