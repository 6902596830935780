/*
** Lambda's own limits, in one place: those the runtime enforces before
** Lambda would, and those serve and invoke answer as Lambda answers.
** Each names the AWS page it comes from.
*/
#ifndef LUA_LAMBDA_LAMBDA_LIMITS_H
#define LUA_LAMBDA_LAMBDA_LIMITS_H

/*
** A buffered response, in bytes: what the Runtime API takes from a
** runtime (6 MB and 100 bytes: Lambda's errors name this figure,
** "Exceeded maximum allowed payload size (6291556 bytes).").
** Lambda quotas, "Invocation payload (request and response)":
** https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
*/
#define LAMBDA_RESPONSE_LIMIT 6291556

/*
** A synchronous invocation's request (the event), in bytes: 6 MB, as
** Invoke refuses one over it ("Request must be smaller than 6291456
** bytes for the InvokeFunction operation"). Same page as above.
*/
#define LAMBDA_REQUEST_LIMIT 6291456

/*
** A streamed response (InvokeWithResponseStream, a function URL in
** RESPONSE_STREAM mode), in bytes: 200 MB. "Response streaming for
** Lambda functions": https://docs.aws.amazon.com/lambda/latest/dg/
** configuration-response-streaming.html
*/
#define LAMBDA_STREAM_RESPONSE_LIMIT (200 * 1024 * 1024)

/*
** The Init phase of an on-demand function: 10 s, then Lambda stops it.
** https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
*/
#define LAMBDA_INIT_TIMEOUT_S 10

/*
** A function's timeout: 1 s to 900 s (15 minutes), 3 s unless set.
** https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
*/
#define LAMBDA_MIN_TIMEOUT_S 1
#define LAMBDA_MAX_TIMEOUT_S 900
#define LAMBDA_DEFAULT_TIMEOUT_S 3

/*
** A function's memory: 128 MB to 10,240 MB, 128 MB unless set.
** https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
*/
#define LAMBDA_MIN_MEMORY_MB 128
#define LAMBDA_MAX_MEMORY_MB 10240
#define LAMBDA_DEFAULT_MEMORY_MB 128

/*
** File descriptors a function has: 1,024. Lambda quotas, "File
** descriptors" (the page above, gettingstarted-limits.html).
*/
#define LAMBDA_FILE_DESCRIPTORS 1024

/*
** X-Amz-Log-Type: Tail gives the last 4 KB of an invocation's log.
** Invoke, "LogResult":
** https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
*/
#define LAMBDA_LOG_TAIL 4096

#endif
