/*
** lambda.fetch's transfers on one curl multi handle (fetch_multi.h).
**
** Why the multi interface and not curl_easy_pause alone: a streamed
** response must return to Lua with its body still to come, and
** curl_easy_perform only returns once the transfer is over; pausing it
** from its write callback would still leave the Lua caller inside
** curl_easy_perform. With curl_multi_perform and curl_multi_poll the
** transfer moves only while lambda.fetch or res.read() runs it, and is
** left in place between. Pausing (CURL_WRITEFUNC_PAUSE) is used on top of
** it by fetch_stream.c, so that a streamed response nobody reads while
** another request runs holds at most one chunk.
*/
#include "fetch_multi.h"

#include <stdlib.h>
#include <time.h>

long long fetch_now_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fetch_multi_init (struct fetch_multi *m) {
  m->spare = NULL;
  m->running = 0;
  m->dropped = NULL;
  m->ndropped = m->capdropped = 0;
  m->multi = curl_multi_init();
  if (m->multi == NULL)
    return -1;
  /* One transfer a connection, as with curl_easy_perform: an HTTP/2
     stream left paused (a response no one reads) must not hold up another
     request multiplexed beside it. */
  curl_multi_setopt(m->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
  return 0;
}

static void bury (struct fetch_multi *m) {
  size_t i;
  for (i = 0; i < m->ndropped; i++) {
    fetch_multi_stop(m, m->dropped[i]);
    fetch_multi_give(m, m->dropped[i]);
  }
  m->ndropped = 0;
}

void fetch_multi_free (struct fetch_multi *m) {
  bury(m);
  free(m->dropped);
  m->dropped = NULL;
  m->capdropped = 0;
  if (m->spare != NULL)
    curl_easy_cleanup(m->spare);
  if (m->multi != NULL)
    curl_multi_cleanup(m->multi);
  m->spare = NULL;
  m->multi = NULL;
}

CURL *fetch_multi_take (struct fetch_multi *m) {
  CURL *easy = m->spare;
  m->spare = NULL;
  return easy != NULL ? easy : curl_easy_init();
}

void fetch_multi_give (struct fetch_multi *m, CURL *easy) {
  if (easy == NULL)
    return;
  if (m->spare == NULL && m->multi != NULL) {
    m->spare = easy;
  } else {
    curl_easy_cleanup(easy);
  }
}

CURLcode fetch_multi_start (struct fetch_multi *m, CURL *easy,
                            struct fetch_job *job) {
  job->done = 0;
  job->result = CURLE_OK;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)job);
  if (curl_multi_add_handle(m->multi, easy) != CURLM_OK)
    return CURLE_OUT_OF_MEMORY;
  return CURLE_OK;
}

void fetch_multi_stop (struct fetch_multi *m, CURL *easy) {
  if (m->multi != NULL)
    curl_multi_remove_handle(m->multi, easy);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
}

static size_t discard (char *data, size_t size, size_t n, void *ud) {
  (void)data;
  (void)ud;
  return size * n;
}

void fetch_multi_drop (struct fetch_multi *m, CURL *easy) {
  if (!m->running) {
    fetch_multi_stop(m, easy);
    fetch_multi_give(m, easy);
    return;
  }
  /* nothing more moves on it, and nothing of its owner is read again */
  curl_easy_pause(easy, CURLPAUSE_ALL);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, discard);
  if (m->ndropped == m->capdropped) {
    size_t cap = m->capdropped != 0 ? 2 * m->capdropped : 4;
    CURL **grown = realloc(m->dropped, cap * sizeof(*grown));
    if (grown == NULL)
      return;  /* out of memory: the handle stays until the multi goes */
    m->dropped = grown;
    m->capdropped = cap;
  }
  m->dropped[m->ndropped++] = easy;
}

/* Marks every transfer that finished (this one or another on the multi
   handle: a streamed response no one reads may time out meanwhile). */
static void collect (struct fetch_multi *m) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
    char *p = NULL;
    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
    if (p != NULL) {
      struct fetch_job *job = (struct fetch_job *)(void *)p;
      job->done = 1;
      job->result = msg->data.result;
    }
  }
}

int fetch_multi_run (struct fetch_multi *m, struct fetch_job *job,
                     int (*ready) (void *arg), void *arg, long long deadline) {
  int rc = 0;
  m->running = 1;
  for (;;) {
    int still;
    long long left;
    CURLMcode mc = curl_multi_perform(m->multi, &still);
    if (mc == CURLM_OK) {
      collect(m);
      if (!job->done && (ready == NULL || !ready(arg)))
        left = deadline - fetch_now_ms();
      else
        break;
      if (left <= 0) {
        rc = 1;
        break;
      }
      /* curl's own timeouts wake it sooner when they are due */
      mc = curl_multi_poll(m->multi, NULL, 0, left < 1000 ? (int)left : 1000,
                           NULL);
    }
    if (mc != CURLM_OK) {
      job->result = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY
                                              : CURLE_RECV_ERROR;
      rc = -1;
      break;
    }
  }
  m->running = 0;
  bury(m);
  return rc;
}
