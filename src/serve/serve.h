/*
** serve: a local Lambda. N bootstrap workers behind the Runtime API, a
** queue of invocations between them and the invoke endpoint, and with
** an HTTP port a function URL (or API Gateway, or an ALB) in front, all
** on 127.0.0.1. What lua-lambda serve (src/cli/serve_cmd.c) calls.
*/
#ifndef LUA_LAMBDA_SERVE_H
#define LUA_LAMBDA_SERVE_H

/* The most runtime processes (--concurrency). */
#define SERVE_MAX_WORKERS 64

/* The most invocations one runtime takes at once (--managed-instances). */
#define SERVE_MAX_SLOTS 64

struct serve_config {
  const char *handler;
  const char *task_root;
  const char *bootstrap;       /* the runtime executable to start */
  const char *emulator;        /* qemu-user for a bootstrap of the other
                                  architecture, or NULL */
  char *const *env;            /* the function's environment (NAME=VALUE,
                                  NULL-terminated) */
  const char *function_name;
  int api_port;                /* worker i listens on api_port + i; 0: any */
  int invoke_port;             /* 0: any free port */
  int concurrency;             /* runtime processes */
  int managed_instances;       /* > 0: each takes this many invocations at
                                  once (AWS_LAMBDA_MAX_CONCURRENCY) */
  int timeout_s;
  int init_timeout_s;          /* Lambda's limit on an init: 10 s */
  int memory_mb;
  int watch;                   /* restart the runtime when a .lua or .so
                                  under task_root changes */
  int http_port;               /* the HTTP front's port (0: any), or -1
                                  for none */
  const char *http_format;     /* url, apigw-v2, apigw-v1 or alb */
};

struct serve;

/*
** Starts the servers and the threads that reap, time out and (watch)
** restart workers; workers start with the first invocation. The caller
** keeps what cfg points to for as long as the process runs, and blocks
** the signals it waits for before (the threads inherit the mask). NULL,
** with a message printed, when a server cannot listen.
*/
struct serve *serve_start (const struct serve_config *cfg);

/* The invoke endpoint's port and the HTTP front's (-1: none), as bound. */
int serve_invoke_port (const struct serve *s);
int serve_http_port (const struct serve *s);

/*
** Shuts down as Lambda does (SHUTDOWN to the extensions, SIGTERM, the
** shutdown phase, SIGKILL) and stops the servers. Threads still blocked
** in waits end with the process: s stays theirs, and is not freed.
*/
void serve_stop (struct serve *s);

#endif
