#include "serve_worker_output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

#define STDERR_LINES 5
/* The log tail Lambda gives is 4 KB; twice that is kept while capturing. */
#define CAPTURE_KEEP 8192

struct worker_output {
  pthread_mutex_t lock;       /* tail, capture, eof, refs; taken last */
  pthread_mutex_t read_lock;  /* one reader at a time: the thread, a drain */
  pthread_cond_t closed;
  int fd[2];                  /* stdout's, stderr's; -1 once at EOF */
  int eof, refs;
  char tail[WORKER_STDERR_TAIL];
  size_t len;
  int capturing;
  struct buffer capture;
};

void worker_output_ref (struct worker_output *o) {
  pthread_mutex_lock(&o->lock);
  o->refs++;
  pthread_mutex_unlock(&o->lock);
}

void worker_output_release (struct worker_output *o) {
  int last, i;
  pthread_mutex_lock(&o->lock);
  last = --o->refs == 0;
  pthread_mutex_unlock(&o->lock);
  if (!last)
    return;
  for (i = 0; i < 2; i++) {
    if (o->fd[i] >= 0)
      close(o->fd[i]);
  }
  buffer_free(&o->capture);
  pthread_mutex_destroy(&o->lock);
  pthread_mutex_destroy(&o->read_lock);
  pthread_cond_destroy(&o->closed);
  free(o);
}

/* Keeps the last bytes of stderr. With o->lock held. */
static void keep_tail (struct worker_output *o, const char *buf, size_t n) {
  if (n >= WORKER_STDERR_TAIL) {
    memcpy(o->tail, buf + n - WORKER_STDERR_TAIL, WORKER_STDERR_TAIL);
    o->len = WORKER_STDERR_TAIL;
  } else {
    size_t keep = o->len + n > WORKER_STDERR_TAIL
                  ? WORKER_STDERR_TAIL - n : o->len;
    memmove(o->tail, o->tail + o->len - keep, keep);
    memcpy(o->tail + keep, buf, n);
    o->len = keep + n;
  }
}

/* With o->lock held. */
static void keep_captured (struct worker_output *o, const char *buf,
                           size_t n) {
  struct buffer *c = &o->capture;
  if (!o->capturing)
    return;
  if (n > CAPTURE_KEEP) {
    buf += n - CAPTURE_KEEP;
    n = CAPTURE_KEEP;
  }
  if (c->len + n > CAPTURE_KEEP) {
    size_t drop = c->len + n - CAPTURE_KEEP;
    memmove(c->data, c->data + drop, c->len - drop);
    c->len -= drop;
  }
  buffer_append(c, buf, n);
}

/*
** Reads what pipe i holds now (non-blocking) and passes it on. With
** o->read_lock held. Returns 1 once the pipe is at EOF.
*/
static int read_pipe (struct worker_output *o, int i) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(o->fd[i], buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return 0;
    if (n <= 0)
      return 1;
    if (write(i == 0 ? STDOUT_FILENO : STDERR_FILENO, buf, (size_t)n) < 0) {
      /* ours is gone; keep the tail all the same */
    }
    pthread_mutex_lock(&o->lock);
    if (i == 1)
      keep_tail(o, buf, (size_t)n);
    keep_captured(o, buf, (size_t)n);
    pthread_mutex_unlock(&o->lock);
  }
}

/*
** Reads both pipes. Only the reader thread (closing) closes one at EOF:
** it may be polling them. Returns how many are still open.
*/
static int read_open_pipes (struct worker_output *o, int closing) {
  int i, open = 0;
  pthread_mutex_lock(&o->read_lock);
  for (i = 0; i < 2; i++) {
    if (o->fd[i] < 0)
      continue;
    if (read_pipe(o, i) && closing) {
      pthread_mutex_lock(&o->lock);
      close(o->fd[i]);
      o->fd[i] = -1;
      pthread_mutex_unlock(&o->lock);
    } else {
      open++;
    }
  }
  pthread_mutex_unlock(&o->read_lock);
  return open;
}

static void *read_output (void *arg) {
  struct worker_output *o = arg;
  for (;;) {
    struct pollfd p[2];
    int i, n = 0;
    pthread_mutex_lock(&o->read_lock);
    for (i = 0; i < 2; i++) {
      if (o->fd[i] >= 0) {
        p[n].fd = o->fd[i];
        p[n].events = POLLIN;
        p[n++].revents = 0;
      }
    }
    pthread_mutex_unlock(&o->read_lock);
    if (n == 0)
      break;
    /* Only this thread closes the fds, so they stay valid while it polls. */
    if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
      break;
    if (read_open_pipes(o, 1) == 0)
      break;
  }
  pthread_mutex_lock(&o->lock);
  o->eof = 1;
  pthread_cond_broadcast(&o->closed);
  pthread_mutex_unlock(&o->lock);
  worker_output_release(o);
  return NULL;
}

struct worker_output *worker_output_start (int out_fd, int err_fd) {
  struct worker_output *o = calloc(1, sizeof(*o));
  pthread_t reader;
  if (o == NULL) {
    close(out_fd);
    close(err_fd);
    return NULL;
  }
  pthread_mutex_init(&o->lock, NULL);
  pthread_mutex_init(&o->read_lock, NULL);
  pthread_cond_init(&o->closed, NULL);
  buffer_init(&o->capture);
  o->fd[0] = out_fd;
  o->fd[1] = err_fd;
  fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
  fcntl(err_fd, F_SETFL, fcntl(err_fd, F_GETFL) | O_NONBLOCK);
  o->refs = 2;  /* the reader's and the caller's */
  if (pthread_create(&reader, NULL, read_output, o) != 0) {
    o->refs = 1;
    o->eof = 1;
  } else {
    pthread_detach(reader);
  }
  return o;
}

/* With o->lock held. */
static void wait_closed_locked (struct worker_output *o) {
  struct timespec until = clock_timespec(clock_now_ms() + 1000);
  while (!o->eof &&
         pthread_cond_timedwait(&o->closed, &o->lock, &until) == 0)
    ;
}

void worker_output_wait_closed (struct worker_output *o) {
  pthread_mutex_lock(&o->lock);
  wait_closed_locked(o);
  pthread_mutex_unlock(&o->lock);
}

void worker_output_stderr_tail (struct worker_output *o, char *out,
                                size_t cap) {
  const char *start;
  size_t n, lines = 0;
  pthread_mutex_lock(&o->lock);
  wait_closed_locked(o);
  n = o->len;
  while (n > 0 && o->tail[n - 1] == '\n')
    n--;
  start = o->tail + n;
  while (start > o->tail) {
    if (start[-1] == '\n' && ++lines == STDERR_LINES)
      break;
    start--;
  }
  if (n > 0)
    snprintf(out, cap, "\n%.*s", (int)(o->tail + n - start), start);
  pthread_mutex_unlock(&o->lock);
}

void worker_output_capture (struct worker_output *o) {
  pthread_mutex_lock(&o->lock);
  buffer_clear(&o->capture);
  o->capturing = 1;
  pthread_mutex_unlock(&o->lock);
}

void worker_output_drain (struct worker_output *o) {
  read_open_pipes(o, 0);
}

void worker_output_take (struct worker_output *o, struct buffer *into) {
  pthread_mutex_lock(&o->lock);
  if (o->capturing)
    buffer_append(into, o->capture.data, o->capture.len);
  o->capturing = 0;
  buffer_clear(&o->capture);
  pthread_mutex_unlock(&o->lock);
}
