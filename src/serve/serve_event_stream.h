/*
** The application/vnd.amazon.eventstream framing InvokeWithResponseStream
** answers in: each message a prelude (total and header lengths, CRC32),
** string headers (:event-type, :content-type, :message-type), the
** payload, and a CRC32 of all before it.
*/
#ifndef LUA_LAMBDA_SERVE_EVENT_STREAM_H
#define LUA_LAMBDA_SERVE_EVENT_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "buffer.h"

#define EVENT_STREAM_TYPE "application/vnd.amazon.eventstream"

/* What a message adds to its payload, at most (for the headers below). */
#define EVENT_STREAM_OVERHEAD 128

/* CRC-32 (IEEE 802.3, as zlib's crc32), continued from crc (0 to start). */
uint32_t event_stream_crc32 (uint32_t crc, const void *data, size_t len);

/*
** Appends one event message to out. Returns 0, or -1 when memory runs
** out. event_type and content_type are at most 32 bytes each.
*/
int event_stream_append (struct buffer *out, const char *event_type,
                         const char *content_type, const char *payload,
                         size_t len);

#endif
