#include "buffer.h"

#include <stdlib.h>
#include <string.h>

void buffer_init (struct buffer *b) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void buffer_free (struct buffer *b) {
  free(b->data);
  buffer_init(b);
}

void buffer_clear (struct buffer *b) {
  b->len = 0;
  if (b->data != NULL)
    b->data[0] = '\0';
}

int buffer_reserve (struct buffer *b, size_t extra) {
  size_t need, cap;
  char *data;
  if (extra > (size_t)-1 - b->len - 1)
    return -1;
  need = b->len + extra + 1;  /* room for the terminating NUL */
  if (need <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap = (cap > (size_t)-1 / 2) ? need : cap * 2;
  data = realloc(b->data, cap);
  if (data == NULL)
    return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

int buffer_append (struct buffer *b, const void *data, size_t len) {
  if (buffer_reserve(b, len) != 0)
    return -1;
  if (len > 0)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

int buffer_set (struct buffer *b, const void *data, size_t len) {
  buffer_clear(b);
  return buffer_append(b, data, len);
}
