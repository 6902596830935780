/*
** The Extensions API, as a worker's runtime uses it for its internal
** extensions: register, event/next, and the events they asked for.
*/
#include "serve_locked.h"

#include <string.h>

#include "request_id.h"

/* Whether every extension worker w registered waits in event/next. */
int emu_extensions_ready (const struct emu_worker *worker) {
  int i;
  for (i = 0; i < worker->n_ext; i++) {
    if (!worker->ext[i].waiting)
      return 0;
  }
  return 1;
}

/* Queues an event for each extension of the worker that asked for it. */
void emu_ext_broadcast_locked (struct emulator *emu,
                               struct emu_worker *worker, int invoke,
                               const char *json) {
  int i;
  for (i = 0; i < worker->n_ext; i++) {
    struct emu_extension *ext = &worker->ext[i];
    if (invoke ? ext->wants_invoke : ext->wants_shutdown) {
      buffer_append(&ext->events, json, strlen(json));
      buffer_append_literal(&ext->events, "\n");
    }
  }
  pthread_cond_broadcast(&emu->changed);
}

int emu_ext_register (struct emulator *emu, int w, const char *body,
                      char id[40]) {
  struct emu_worker *worker = &emu->workers[w];
  struct emu_extension *ext;
  int rc = 0;
  pthread_mutex_lock(&emu->lock);
  if (worker->init_done) {
    rc = -1;  /* registration closes with Init */
  } else if (worker->n_ext == EMU_MAX_EXTENSIONS) {
    rc = -2;
  } else {
    ext = &worker->ext[worker->n_ext++];
    memset(ext, 0, sizeof(*ext));
    buffer_init(&ext->events);
    request_id_make(ext->id);
    ext->wants_invoke = strstr(body, "\"INVOKE\"") != NULL;
    ext->wants_shutdown = strstr(body, "\"SHUTDOWN\"") != NULL;
    memcpy(id, ext->id, sizeof(ext->id));
    pthread_cond_broadcast(&emu->changed);
  }
  pthread_mutex_unlock(&emu->lock);
  return rc;
}

static struct emu_extension *find_ext (struct emu_worker *worker,
                                       const char *id) {
  int i;
  for (i = 0; id != NULL && i < worker->n_ext; i++) {
    if (strcmp(worker->ext[i].id, id) == 0)
      return &worker->ext[i];
  }
  return NULL;
}

int emu_ext_known (struct emulator *emu, int w, const char *id) {
  int known;
  pthread_mutex_lock(&emu->lock);
  known = find_ext(&emu->workers[w], id) != NULL;
  pthread_mutex_unlock(&emu->lock);
  return known;
}

int emu_ext_next (struct emulator *emu, int w, const char *id,
                  struct buffer *event) {
  struct emu_worker *worker = &emu->workers[w];
  struct emu_extension *ext;
  int generation, rc = -2;
  pthread_mutex_lock(&emu->lock);
  generation = worker->generation;
  ext = find_ext(worker, id);
  if (ext == NULL) {
    pthread_mutex_unlock(&emu->lock);
    return -1;
  }
  ext->waiting = 1;
  pthread_cond_broadcast(&emu->changed);  /* the Init barrier may pass */
  for (;;) {
    if (emu->stopping || worker->generation != generation)
      break;
    ext = find_ext(worker, id);
    if (ext != NULL && ext->events.len > 0) {
      char *nl = memchr(ext->events.data, '\n', ext->events.len);
      size_t n = (size_t)(nl - ext->events.data);
      buffer_set(event, ext->events.data, n);
      memmove(ext->events.data, nl + 1, ext->events.len - n - 1);
      ext->events.len -= n + 1;
      ext->waiting = 0;
      rc = 0;
      break;
    }
    pthread_cond_wait(&emu->changed, &emu->lock);
  }
  pthread_mutex_unlock(&emu->lock);
  return rc;
}
