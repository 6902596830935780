/*
** lambda.fetch's transfers on one curl multi handle (fetch_multi.c): the
** state's client runs every request there, so that a streamed response
** (fetch_stream.c) can be read piece by piece between calls from Lua, and
** that every request, streamed or not, shares the multi handle's one
** connection cache (kept warm across invocations). Apart from Lua.
*/
#ifndef LUA_LAMBDA_FETCH_MULTI_H
#define LUA_LAMBDA_FETCH_MULTI_H

#include <curl/curl.h>

/* What curl says of one transfer when it ends (CURLINFO_PRIVATE points to
   it while its easy handle is on the multi handle). */
struct fetch_job {
  int done;          /* curl finished it */
  CURLcode result;   /* then how */
};

struct fetch_multi {
  CURLM *multi;
  CURL *spare;       /* an easy handle kept for the next request, or NULL */
  int running;       /* inside fetch_multi_run: it cannot be entered again */
  /* handles let go of while it runs (a response collected by a callback's
     garbage collection): taken off once curl_multi_perform has returned */
  CURL **dropped;
  size_t ndropped, capdropped;
};

/* 0, or -1 when curl cannot make a multi handle. */
int fetch_multi_init (struct fetch_multi *m);
void fetch_multi_free (struct fetch_multi *m);

/* An easy handle for one request (the spare, or a new one; NULL out of
   memory), and back when the request is over (kept as the spare, or
   cleaned up). */
CURL *fetch_multi_take (struct fetch_multi *m);
void fetch_multi_give (struct fetch_multi *m, CURL *easy);

/* Puts the easy handle (its options set) on the multi handle, reporting to
   job; CURLE_OK, or CURLE_OUT_OF_MEMORY. fetch_multi_stop takes it off (a
   transfer not finished is abandoned, and its connection closed). */
CURLcode fetch_multi_start (struct fetch_multi *m, CURL *easy,
                            struct fetch_job *job);
void fetch_multi_stop (struct fetch_multi *m, CURL *easy);

/* Stops and gives back an easy handle that is on the multi handle, now,
   or once fetch_multi_run returns when it is running (curl may not be
   entered from its own callbacks); its callbacks are turned off at once. */
void fetch_multi_drop (struct fetch_multi *m, CURL *easy);

/*
** Runs the multi handle's transfers (every one on it moves) until job is
** done, ready(arg) says so (ready NULL: never) or the clock (fetch_now_ms)
** reaches deadline: 0, 1 when the deadline came first, -1 when curl's multi
** interface itself failed (job->result then says why).
*/
int fetch_multi_run (struct fetch_multi *m, struct fetch_job *job,
                     int (*ready) (void *arg), void *arg, long long deadline);

/* A monotonic clock, in milliseconds. */
long long fetch_now_ms (void);

#endif
