#include "sigv4.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static const char HEX[] = "0123456789ABCDEF";

static int unreserved (unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

int sigv4_uri_encode (struct buffer *out, const char *s, size_t len,
                      int keep_slash) {
  size_t i;
  if (buffer_reserve(out, 3 * len) != 0)
    return -1;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (unreserved(c) || (keep_slash && c == '/')) {
      out->data[out->len++] = (char)c;
    } else {
      out->data[out->len++] = '%';
      out->data[out->len++] = HEX[c >> 4];
      out->data[out->len++] = HEX[c & 15];
    }
  }
  out->data[out->len] = '\0';
  return 0;
}

static int hex_value (char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Appends s with its %XY escapes decoded ('+' stays '+': a path or an
   RFC 3986 query, not a form). */
static int uri_decode (struct buffer *out, const char *s, size_t len) {
  size_t i;
  if (buffer_reserve(out, len) != 0)
    return -1;
  for (i = 0; i < len; i++) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 &&
        (lo = hex_value(s[i + 2])) >= 0) {
      out->data[out->len++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out->data[out->len++] = s[i];
    }
  }
  out->data[out->len] = '\0';
  return 0;
}

/* --- the path ------------------------------------------------------------ */

/*
** Appends path with its dot segments and empty segments removed (RFC 3986
** 5.2.4, and AWS's rule that repeated slashes are one), keeping a
** leading and a trailing slash.
*/
static int normalized_path (struct buffer *out, const char *path,
                            size_t len) {
  size_t *starts = NULL, *lens = NULL, n = 0, i = 0, k;
  int rc = -1;
  if (len == 0)
    return buffer_append_literal(out, "/");
  starts = malloc((len + 1) * sizeof(*starts));
  lens = malloc((len + 1) * sizeof(*lens));
  if (starts == NULL || lens == NULL)
    goto done;
  while (i <= len) {
    size_t j = i;
    while (j < len && path[j] != '/')
      j++;
    if (j - i == 2 && path[i] == '.' && path[i + 1] == '.') {
      if (n > 0)
        n--;
    } else if (j > i && !(j - i == 1 && path[i] == '.')) {
      starts[n] = i;
      lens[n++] = j - i;
    }
    i = j + 1;
  }
  if (path[0] == '/' && buffer_append_literal(out, "/") != 0)
    goto done;
  for (k = 0; k < n; k++) {
    if ((k > 0 && buffer_append_literal(out, "/") != 0) ||
        buffer_append(out, path + starts[k], lens[k]) != 0)
      goto done;
  }
  if (n > 0 && path[len - 1] == '/' && buffer_append_literal(out, "/") != 0)
    goto done;
  rc = 0;
done:
  free(starts);
  free(lens);
  return rc;
}

static int canonical_path (struct buffer *out, const struct sigv4_request *r) {
  struct buffer normal;
  const char *path = r->path;
  size_t len = r->path_len;
  int rc;
  buffer_init(&normal);
  if (r->normalize_path) {
    if (normalized_path(&normal, path, len) != 0) {
      buffer_free(&normal);
      return -1;
    }
    path = normal.data;
    len = normal.len;
  }
  if (len == 0)
    rc = buffer_append_literal(out, "/");
  else if (r->encode_path)
    rc = sigv4_uri_encode(out, path, len, 1);
  else
    rc = buffer_append(out, path, len);
  buffer_free(&normal);
  return rc;
}

/* --- the query ----------------------------------------------------------- */

/* One parameter, strictly re-encoded: "key=value" in text, key_len bytes
   of it the key. */
struct param {
  char *text;
  size_t len, key_len;
};

/* Compares two byte strings as memcmp does, the shorter first on a tie. */
static int compare_bytes (const char *a, size_t a_len, const char *b,
                          size_t b_len) {
  int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
  if (c != 0)
    return c;
  return a_len < b_len ? -1 : a_len > b_len;
}

/* By key, then by value (repeated keys), as the encoded bytes. */
static int compare_params (const void *a, const void *b) {
  const struct param *p = a, *q = b;
  int c = compare_bytes(p->text, p->key_len, q->text, q->key_len);
  if (c != 0)
    return c;
  return compare_bytes(p->text + p->key_len + 1, p->len - p->key_len - 1,
                       q->text + q->key_len + 1, q->len - q->key_len - 1);
}

/* Appends the encoding (decoded, then strictly encoded) of s to out. */
static int reencode (struct buffer *out, const char *s, size_t len) {
  struct buffer raw;
  int rc;
  buffer_init(&raw);
  rc = uri_decode(&raw, s, len);
  if (rc == 0)
    rc = sigv4_uri_encode(out, raw.data != NULL ? raw.data : "", raw.len, 0);
  buffer_free(&raw);
  return rc;
}

static int canonical_query (struct buffer *out, const char *q, size_t len) {
  struct param *params;
  size_t n = 0, i = 0, k;
  int rc = -1;
  if (len == 0)
    return 0;
  params = calloc(len + 1, sizeof(*params));
  if (params == NULL)
    return -1;
  while (i <= len) {
    size_t j = i, eq;
    struct buffer text;
    while (j < len && q[j] != '&')
      j++;
    if (j > i) {  /* "a=1&&b=2": the empty one is no parameter */
      for (eq = i; eq < j && q[eq] != '='; eq++)
        ;
      buffer_init(&text);
      if (reencode(&text, q + i, eq - i) != 0)
        goto done;
      params[n].key_len = text.len;
      if (buffer_append_literal(&text, "=") != 0 ||
          (eq < j && reencode(&text, q + eq + 1, j - eq - 1) != 0)) {
        buffer_free(&text);
        goto done;
      }
      params[n].text = text.data;
      params[n++].len = text.len;
    }
    i = j + 1;
  }
  qsort(params, n, sizeof(*params), compare_params);
  for (k = 0; k < n; k++) {
    if ((k > 0 && buffer_append_literal(out, "&") != 0) ||
        buffer_append(out, params[k].text, params[k].len) != 0)
      goto done;
  }
  rc = 0;
done:
  for (k = 0; k < n; k++)
    free(params[k].text);
  free(params);
  return rc;
}

/* --- the headers --------------------------------------------------------- */

static int is_space (char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

/* A header to sign: its name in lower case, its place in the request. */
struct named {
  char *name;
  size_t len, index;
};

static int compare_named (const void *a, const void *b) {
  const struct named *p = a, *q = b;
  int c = strcmp(p->name, q->name);
  if (c != 0)
    return c;
  return p->index < q->index ? -1 : p->index > q->index;  /* stable */
}

/* Appends value trimmed, with each run of white space made one space. */
static int append_value (struct buffer *out, const char *v, size_t len) {
  size_t i = 0;
  int pending_space = 0;
  while (i < len && is_space(v[i]))
    i++;
  for (; i < len; i++) {
    if (is_space(v[i])) {
      pending_space = 1;
      continue;
    }
    if ((pending_space && buffer_append_literal(out, " ") != 0) ||
        buffer_append(out, v + i, 1) != 0)
      return -1;
    pending_space = 0;
  }
  return 0;
}

/* Appends "name:value\n" per name (repeated names: values joined by
   commas, in order) and the names to signed. */
static int canonical_headers (struct buffer *out, struct buffer *signed_h,
                              const struct sigv4_header *h, size_t n) {
  struct named *names = calloc(n + 1, sizeof(*names));
  size_t i, k;
  int rc = -1;
  if (names == NULL)
    return -1;
  for (i = 0; i < n; i++) {
    const char *s = h[i].name;
    size_t len = h[i].name_len;
    while (len > 0 && is_space(*s)) {
      s++;
      len--;
    }
    while (len > 0 && is_space(s[len - 1]))
      len--;
    names[i].name = malloc(len + 1);
    if (names[i].name == NULL)
      goto done;
    for (k = 0; k < len; k++) {
      char c = s[k];
      names[i].name[k] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    names[i].name[len] = '\0';
    names[i].len = len;
    names[i].index = i;
  }
  qsort(names, n, sizeof(*names), compare_named);
  for (i = 0; i < n; i++) {
    int repeat = i > 0 && strcmp(names[i].name, names[i - 1].name) == 0;
    const struct sigv4_header *src = &h[names[i].index];
    if (repeat) {
      out->len--;  /* the previous value's newline */
      if (buffer_append_literal(out, ",") != 0)
        goto done;
    } else if (buffer_append(out, names[i].name, names[i].len) != 0 ||
               buffer_append_literal(out, ":") != 0 ||
               (signed_h->len > 0 &&
                buffer_append_literal(signed_h, ";") != 0) ||
               buffer_append(signed_h, names[i].name, names[i].len) != 0) {
      goto done;
    }
    if (append_value(out, src->value, src->value_len) != 0 ||
        buffer_append_literal(out, "\n") != 0)
      goto done;
  }
  rc = 0;
done:
  for (i = 0; i < n; i++)
    free(names[i].name);
  free(names);
  return rc;
}

int sigv4_canonical_request (const struct sigv4_request *req,
                             struct buffer *out,
                             struct buffer *signed_headers) {
  struct buffer sh;
  int rc;
  buffer_init(&sh);
  rc = buffer_append(out, req->method, strlen(req->method)) != 0 ||
       buffer_append_literal(out, "\n") != 0 ||
       canonical_path(out, req) != 0 ||
       buffer_append_literal(out, "\n") != 0 ||
       canonical_query(out, req->query != NULL ? req->query : "",
                       req->query != NULL ? req->query_len : 0) != 0 ||
       buffer_append_literal(out, "\n") != 0 ||
       canonical_headers(out, &sh, req->headers, req->n_headers) != 0 ||
       buffer_append_literal(out, "\n") != 0 ||
       buffer_append(out, sh.data != NULL ? sh.data : "", sh.len) != 0 ||
       buffer_append_literal(out, "\n") != 0 ||
       buffer_append(out, req->payload_hash, strlen(req->payload_hash)) != 0 ||
       buffer_append(signed_headers, sh.data != NULL ? sh.data : "",
                     sh.len) != 0 ? -1 : 0;
  buffer_free(&sh);
  return rc;
}

/* --- the crypto ---------------------------------------------------------- */

static void to_hex (const unsigned char *bytes, size_t n, char *hex) {
  static const char lower[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    hex[2 * i] = lower[bytes[i] >> 4];
    hex[2 * i + 1] = lower[bytes[i] & 15];
  }
  hex[2 * n] = '\0';
}

void sigv4_sha256_hex (const void *data, size_t len, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
  to_hex(md, 32, hex);
}

void sigv4_hmac_sha256 (const void *key, size_t key_len, const void *data,
                        size_t len, unsigned char out[32]) {
  unsigned int out_len = 32;
  HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len);
}

int sigv4_signature (const char *secret, const char *date,
                     const char *region, const char *service,
                     const char *string_to_sign, size_t sts_len,
                     char hex[65]) {
  struct buffer k_secret;
  unsigned char k[32], k2[32], sig[32];
  buffer_init(&k_secret);
  if (buffer_append_literal(&k_secret, "AWS4") != 0 ||
      buffer_append(&k_secret, secret, strlen(secret)) != 0) {
    buffer_free(&k_secret);
    return -1;
  }
  /* kDate, kRegion, kService, kSigning: each the key of the next */
  sigv4_hmac_sha256(k_secret.data, k_secret.len, date, strlen(date), k);
  sigv4_hmac_sha256(k, 32, region, strlen(region), k2);
  sigv4_hmac_sha256(k2, 32, service, strlen(service), k);
  sigv4_hmac_sha256(k, 32, "aws4_request", 12, k2);
  sigv4_hmac_sha256(k2, 32, string_to_sign, sts_len, sig);
  /* No copy of the secret or its keys left behind in freed memory. */
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(k2, sizeof(k2));
  OPENSSL_cleanse(k_secret.data, k_secret.len);
  buffer_free(&k_secret);
  to_hex(sig, 32, hex);
  return 0;
}
