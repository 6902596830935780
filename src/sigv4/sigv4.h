/*
** AWS Signature Version 4: the canonical request, the string to sign and
** the signature, on OpenSSL's libcrypto; and a whole request signed as
** lambda.aws.sign signs it (sigv4_sign: what to sign, S3's rules, the
** headers to add). Knows neither Lua nor HTTP transport: sigv4_lib.c reads
** lambda.aws.sign's table into a struct sigv4_input.
**
** Paths and queries are given as they go on the wire (percent-encoded).
** Non-S3 services: the path is normalised (dot segments and repeated
** slashes removed) and encoded once more; S3: neither (the path as sent).
*/
#ifndef LUA_LAMBDA_SIGV4_H
#define LUA_LAMBDA_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "buffer.h"

struct sigv4_header {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
};

struct sigv4_request {
  const char *method;
  size_t method_len;
  const char *path;              /* before the '?', as sent */
  size_t path_len;
  const char *query;             /* after the '?', as sent; may be empty */
  size_t query_len;
  const struct sigv4_header *headers;  /* the headers to sign, in order */
  size_t n_headers;
  const char *payload_hash;      /* lower-case hex, or UNSIGNED-PAYLOAD */
  size_t payload_hash_len;
  int normalize_path;            /* remove dot segments, repeated slashes */
  int encode_path;               /* percent-encode the path once more */
};

/*
** A signer: SHA-256 fetched from the provider once, and the signing keys
** derived lately, per (secret, date, region, service), as the AWS SDKs
** keep them. One per Lua state (not shared between threads).
*/
struct sigv4_signer;

/* A new signer, or NULL when memory (or libcrypto's SHA-256) is missing. */
struct sigv4_signer *sigv4_signer_new (void);

/* Frees it, its keys wiped first. NULL is fine. */
void sigv4_signer_free (struct sigv4_signer *s);

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
void sigv4_sha256_hex (struct sigv4_signer *s, const void *data, size_t len,
                       char hex[65]);

/* out (32 bytes) := HMAC-SHA256(key, data). */
void sigv4_hmac_sha256 (struct sigv4_signer *s, const void *key,
                        size_t key_len, const void *data, size_t len,
                        unsigned char out[32]);

/*
** hex (65 bytes) := the signature of string_to_sign with the key derived
** from secret, date (YYYYMMDD), region and service (the derived key kept
** for the next). Returns 0, or -1 when memory runs out.
*/
int sigv4_signature (struct sigv4_signer *s, const char *secret,
                     size_t secret_len, const char *date, const char *region,
                     size_t region_len, const char *service,
                     size_t service_len, const char *string_to_sign,
                     size_t sts_len, char hex[65]);

/* --- a whole request ------------------------------------------------------ */

/* out (17 bytes) := t (unix seconds, 0 to 253402300799) as x-amz-date
   wants it, "YYYYMMDDTHHMMSSZ". Returns 0, or -1 out of that range. */
int sigv4_amz_date (int64_t t, char out[17]);

/* A URL's parts, as lambda.aws.sign (split_url) reads them. */
struct sigv4_url {
  const char *scheme, *authority, *path, *query;
  size_t scheme_len, authority_len, path_len, query_len;
};

/*
** Splits "scheme://[user@]host[:port]/path?query#fragment": the scheme
** (a letter, then letters, digits, + . -), the authority without its
** userinfo and without the scheme's default port (not lower-cased), the
** path ("/" when empty) and the query ("" when none), the fragment
** dropped. Returns 0, or -1 when it is not absolute or has no host.
*/
int sigv4_split_url (const char *url, size_t len, struct sigv4_url *out);

struct sigv4_input {
  const char *method;                  /* NULL: GET; upper-cased here */
  size_t method_len;
  const char *url;
  size_t url_len;
  const struct sigv4_header *headers;  /* the caller's, in order */
  size_t n_headers;
  const char *body;                    /* NULL: none */
  size_t body_len;
  int body_streamed;                   /* signed as UNSIGNED-PAYLOAD */
  const char *payload_hash;            /* NULL: the body's */
  size_t payload_hash_len;
  const char *service, *region;
  size_t service_len, region_len;
  const char *amz_date;                /* "YYYYMMDDTHHMMSSZ" */
  size_t amz_date_len;
  const char *access_key_id, *secret, *token;  /* token NULL: none */
  size_t access_key_id_len, secret_len, token_len;
  int unsigned_payload, sign_payload, omit_session_token;
  int normalize_path, encode_path;     /* -1: the service's rule */
};

/* What sigv4_sign made: each buffer NUL-terminated. */
struct sigv4_signed {
  struct buffer canonical, string_to_sign, signed_headers, scope;
  struct buffer authorization;
  char signature[65];
  char payload_hash[65];
  const char *hash;                    /* the payload hash signed */
  size_t hash_len;
  int add_content_sha256;              /* send x-amz-content-sha256: hash */
  int add_token;                       /* send x-amz-security-token */
};

void sigv4_signed_init (struct sigv4_signed *out);
void sigv4_signed_free (struct sigv4_signed *out);

/*
** Signs in as lambda.aws.sign does: Host (from the URL, unless a header
** is named host), x-amz-date, x-amz-content-sha256 (S3, or sign_payload)
** and x-amz-security-token (a non-empty token, unless omit_session_token)
** signed with the caller's headers less expect, transfer-encoding,
** user-agent and x-amzn-trace-id. out's buffers are cleared first (reuse
** them). Returns 0; -1 when memory runs out; -2 when the URL is not
** absolute or has no host.
*/
int sigv4_sign (struct sigv4_signer *s, const struct sigv4_input *in,
                struct sigv4_signed *out);

#endif
