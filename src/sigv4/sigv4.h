/*
** AWS Signature Version 4: the canonical request, the string to sign and
** the signature, on OpenSSL's libcrypto. Knows neither Lua nor HTTP
** transport: lambda.aws (lua/lambda/aws.lua) chooses what to sign (host,
** x-amz-date, the token, the payload hash) through sigv4_lib.c.
**
** Paths and queries are given as they go on the wire (percent-encoded).
** Non-S3 services: the path is normalised (dot segments and repeated
** slashes removed) and encoded once more; S3: neither (the path as sent).
*/
#ifndef LUA_LAMBDA_SIGV4_H
#define LUA_LAMBDA_SIGV4_H

#include <stddef.h>

#include "buffer.h"

struct sigv4_header {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
};

struct sigv4_request {
  const char *method;
  const char *path;              /* before the '?', as sent */
  size_t path_len;
  const char *query;             /* after the '?', as sent; may be empty */
  size_t query_len;
  const struct sigv4_header *headers;  /* the headers to sign, in order */
  size_t n_headers;
  const char *payload_hash;      /* lower-case hex, or UNSIGNED-PAYLOAD */
  int normalize_path;            /* remove dot segments, repeated slashes */
  int encode_path;               /* percent-encode the path once more */
};

/*
** Appends the canonical request to out, and the signed header names
** ("host;x-amz-date") to signed_headers. Returns 0, or -1 when memory
** runs out.
*/
int sigv4_canonical_request (const struct sigv4_request *req,
                             struct buffer *out,
                             struct buffer *signed_headers);

/* Appends s percent-encoded as SigV4 wants: all but A-Z a-z 0-9 - _ . ~
   (and '/' when keep_slash), upper-case hex. Returns 0 or -1. */
int sigv4_uri_encode (struct buffer *out, const char *s, size_t len,
                      int keep_slash);

/* hex (65 bytes, NUL-terminated) := lower-case hex SHA-256 of data. */
void sigv4_sha256_hex (const void *data, size_t len, char hex[65]);

/* out (32 bytes) := HMAC-SHA256(key, data). */
void sigv4_hmac_sha256 (const void *key, size_t key_len, const void *data,
                        size_t len, unsigned char out[32]);

/*
** hex (65 bytes) := the signature of string_to_sign with the key derived
** from secret, date (YYYYMMDD), region and service. Returns 0, or -1
** when memory runs out.
*/
int sigv4_signature (const char *secret, const char *date,
                     const char *region, const char *service,
                     const char *string_to_sign, size_t sts_len,
                     char hex[65]);

#endif
