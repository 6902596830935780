/*
** A growable byte buffer. Used for bodies and header values that arrive
** in pieces from libcurl; reused across invocations so the warm path does
** not allocate once it has grown to the working size.
*/
#ifndef LUA_LAMBDA_BUFFER_H
#define LUA_LAMBDA_BUFFER_H

#include <stddef.h>

struct buffer {
  char *data;     /* always NUL-terminated when cap > 0 */
  size_t len;
  size_t cap;
};

void buffer_init (struct buffer *b);
void buffer_free (struct buffer *b);
void buffer_clear (struct buffer *b);

/*
** Makes room for extra more bytes (and the NUL) after len; write them at
** data + len and add to len. Returns 0, or -1 when memory runs out.
*/
int buffer_reserve (struct buffer *b, size_t extra);

/* Returns 0 on success, -1 when memory runs out (the buffer is unchanged). */
int buffer_append (struct buffer *b, const void *data, size_t len);
int buffer_set (struct buffer *b, const void *data, size_t len);

/* buffer_append of a string literal, its length counted by the compiler
   (as lauxlib's luaL_addliteral; "" refuses anything but a literal). */
#define buffer_append_literal(b, s) buffer_append((b), "" s, sizeof(s) - 1)

#endif
