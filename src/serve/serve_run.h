/*
** serve's threads besides the servers': the reaper and the watcher
** (serve_run.c, serve_watch.c); the watchdog is the queue's.
*/
#ifndef LUA_LAMBDA_SERVE_RUN_H
#define LUA_LAMBDA_SERVE_RUN_H

#include "serve_queue.h"

/* --watch's thread (serve_watch.c); arg is the emulator. */
void *serve_watcher (void *arg);

#endif
