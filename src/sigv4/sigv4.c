#include "sigv4.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

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

/* Whether normalising would change path: a dot or an empty segment. */
static int needs_normalizing (const char *path, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    if (path[i] == '.' || (path[i] == '/' && i + 1 < len && path[i + 1] == '/'))
      return 1;
  }
  return len == 0;
}

static int canonical_path (struct buffer *out, const struct sigv4_request *r) {
  struct buffer normal;
  const char *path = r->path;
  size_t len = r->path_len;
  int rc;
  buffer_init(&normal);
  if (r->normalize_path && needs_normalizing(path, len)) {
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

/* A header to sign: its name trimmed and in lower case (at off in the
   names' bytes), its place in the request. */
struct named {
  size_t off, len, index;
};

/* Appends value trimmed, with each run of white space made one space. */
static int append_value (struct buffer *out, const char *v, size_t len) {
  size_t i = 0, start;
  while (i < len && is_space(v[i]))
    i++;
  while (i < len) {
    start = i;
    while (i < len && !is_space(v[i]))
      i++;
    if (buffer_append(out, v + start, i - start) != 0)
      return -1;
    while (i < len && is_space(v[i]))
      i++;
    if (i < len && buffer_append_literal(out, " ") != 0)
      return -1;
  }
  return 0;
}

/* names[k] := header k's name trimmed and lower-cased, into bytes. */
static void lower_names (const struct sigv4_header *h, size_t n,
                         struct named *names, char *bytes) {
  size_t i, k, off = 0;
  for (i = 0; i < n; i++) {
    const char *s = h[i].name;
    size_t len = h[i].name_len;
    while (len > 0 && is_space(*s)) {
      s++;
      len--;
    }
    while (len > 0 && is_space(s[len - 1]))
      len--;
    for (k = 0; k < len; k++) {
      char c = s[k];
      bytes[off + k] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    names[i].off = off;
    names[i].len = len;
    names[i].index = i;
    off += len;
  }
}

/* Sorts names by name, stable (repeated names keep the request's order):
   an insertion sort, as a request has a few headers. */
static void sort_names (struct named *names, size_t n, const char *bytes) {
  size_t i, j;
  for (i = 1; i < n; i++) {
    struct named x = names[i];
    for (j = i; j > 0 && compare_bytes(bytes + names[j - 1].off,
                                       names[j - 1].len, bytes + x.off,
                                       x.len) > 0; j--)
      names[j] = names[j - 1];
    names[j] = x;
  }
}

/* Appends "name:value\n" per name (repeated names: values joined by
   commas, in order) and the names, ';'-separated, to signed_h. */
static int append_headers (struct buffer *out, struct buffer *signed_h,
                           const struct sigv4_header *h,
                           const struct named *names, size_t n,
                           const char *bytes) {
  size_t i;
  for (i = 0; i < n; i++) {
    const char *name = bytes + names[i].off;
    size_t len = names[i].len;
    const struct sigv4_header *src = &h[names[i].index];
    if (i > 0 && len == names[i - 1].len &&
        memcmp(name, bytes + names[i - 1].off, len) == 0) {
      out->data[out->len - 1] = ',';  /* the previous value's newline */
    } else if (buffer_append(out, name, len) != 0 ||
               buffer_append_literal(out, ":") != 0 ||
               (signed_h->len > 0 &&
                buffer_append_literal(signed_h, ";") != 0) ||
               buffer_append(signed_h, name, len) != 0) {
      return -1;
    }
    if (append_value(out, src->value, src->value_len) != 0 ||
        buffer_append_literal(out, "\n") != 0)
      return -1;
  }
  return 0;
}

/* Few headers, short names: no allocation below these. */
#define SMALL_HEADERS 32
#define SMALL_NAME_BYTES 1024

static int canonical_headers (struct buffer *out, struct buffer *signed_h,
                              const struct sigv4_header *h, size_t n) {
  struct named small_names[SMALL_HEADERS], *names = small_names;
  char small_bytes[SMALL_NAME_BYTES], *bytes = small_bytes;
  size_t i, total = 0;
  int rc = -1;
  for (i = 0; i < n; i++)
    total += h[i].name_len;
  if (n > SMALL_HEADERS)
    names = malloc(n * sizeof(*names));
  if (total > SMALL_NAME_BYTES)
    bytes = malloc(total);
  if (names != NULL && bytes != NULL) {
    lower_names(h, n, names, bytes);
    sort_names(names, n, bytes);
    rc = append_headers(out, signed_h, h, names, n, bytes);
  }
  if (names != small_names)
    free(names);
  if (bytes != small_bytes)
    free(bytes);
  return rc;
}

int sigv4_canonical_request (const struct sigv4_request *req,
                             struct buffer *out,
                             struct buffer *signed_headers) {
  buffer_clear(signed_headers);
  if (buffer_append(out, req->method, req->method_len) != 0 ||
      buffer_append_literal(out, "\n") != 0 ||
      canonical_path(out, req) != 0 ||
      buffer_append_literal(out, "\n") != 0 ||
      canonical_query(out, req->query != NULL ? req->query : "",
                      req->query != NULL ? req->query_len : 0) != 0 ||
      buffer_append_literal(out, "\n") != 0 ||
      canonical_headers(out, signed_headers, req->headers,
                        req->n_headers) != 0 ||
      buffer_append_literal(out, "\n") != 0 ||
      (signed_headers->len > 0 &&
       buffer_append(out, signed_headers->data, signed_headers->len) != 0) ||
      buffer_append_literal(out, "\n") != 0 ||
      buffer_append(out, req->payload_hash, req->payload_hash_len) != 0)
    return -1;
  return 0;
}

/* --- the crypto ---------------------------------------------------------- */

/* A derived signing key, and HMAC's two states keyed with it: what a
   request's signature needs beyond its string to sign. */
struct key_entry {
  char *id;                 /* secret, date, region, service, back to back */
  size_t lens[4];
  EVP_MD_CTX *inner, *outer;
  int used;
};

#define KEYS_KEPT 4

struct sigv4_signer {
  EVP_MD *md;               /* SHA-256, fetched once (not at each digest) */
  EVP_MD_CTX *ctx, *ctx2;
  struct key_entry keys[KEYS_KEPT];
  unsigned next;            /* the entry a new key replaces */
  struct sigv4_header *headers;   /* sigv4_sign's list, reused */
  size_t headers_cap;
  struct buffer host, method;
};

static void forget_key (struct key_entry *e) {
  if (e->id != NULL) {
    OPENSSL_cleanse(e->id, e->lens[0]);
    free(e->id);
  }
  e->id = NULL;
  e->used = 0;
  if (e->inner != NULL)
    EVP_MD_CTX_reset(e->inner);  /* frees the keyed state, wiped */
  if (e->outer != NULL)
    EVP_MD_CTX_reset(e->outer);
}

void sigv4_signer_free (struct sigv4_signer *s) {
  unsigned i;
  if (s == NULL)
    return;
  for (i = 0; i < KEYS_KEPT; i++) {
    forget_key(&s->keys[i]);
    EVP_MD_CTX_free(s->keys[i].inner);
    EVP_MD_CTX_free(s->keys[i].outer);
  }
  EVP_MD_CTX_free(s->ctx);
  EVP_MD_CTX_free(s->ctx2);
  EVP_MD_free(s->md);
  free(s->headers);
  buffer_free(&s->host);
  buffer_free(&s->method);
  free(s);
}

struct sigv4_signer *sigv4_signer_new (void) {
  struct sigv4_signer *s = calloc(1, sizeof(*s));
  unsigned i;
  int ok;
  if (s == NULL)
    return NULL;
  buffer_init(&s->host);
  buffer_init(&s->method);
  s->md = EVP_MD_fetch(NULL, "SHA256", NULL);
  s->ctx = EVP_MD_CTX_new();
  s->ctx2 = EVP_MD_CTX_new();
  ok = s->md != NULL && s->ctx != NULL && s->ctx2 != NULL;
  for (i = 0; i < KEYS_KEPT; i++) {
    s->keys[i].inner = EVP_MD_CTX_new();
    s->keys[i].outer = EVP_MD_CTX_new();
    ok = ok && s->keys[i].inner != NULL && s->keys[i].outer != NULL;
  }
  if (!ok) {
    sigv4_signer_free(s);
    return NULL;
  }
  return s;
}

static void to_hex (const unsigned char *bytes, size_t n, char *hex) {
  static const char lower[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    hex[2 * i] = lower[bytes[i] >> 4];
    hex[2 * i + 1] = lower[bytes[i] & 15];
  }
  hex[2 * n] = '\0';
}

static void sha256 (struct sigv4_signer *s, const void *data, size_t len,
                    unsigned char md[32]) {
  EVP_DigestInit_ex2(s->ctx, s->md, NULL);
  EVP_DigestUpdate(s->ctx, data, len);
  EVP_DigestFinal_ex(s->ctx, md, NULL);
}

void sigv4_sha256_hex (struct sigv4_signer *s, const void *data, size_t len,
                       char hex[65]) {
  unsigned char md[32];
  sha256(s, data, len, md);
  to_hex(md, 32, hex);
}

/* inner and outer := SHA-256 having absorbed key's ipad and opad blocks
   (RFC 2104): HMAC of any data is then one update of each. */
static void hmac_keyed (struct sigv4_signer *s, const void *key,
                        size_t key_len, EVP_MD_CTX *inner, EVP_MD_CTX *outer) {
  unsigned char k[64], pad[64];
  size_t i;
  memset(k, 0, sizeof(k));
  if (key_len > sizeof(k))
    sha256(s, key, key_len, k);
  else if (key_len > 0)
    memcpy(k, key, key_len);
  for (i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x36;
  EVP_DigestInit_ex2(inner, s->md, NULL);
  EVP_DigestUpdate(inner, pad, 64);
  for (i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x5c;
  EVP_DigestInit_ex2(outer, s->md, NULL);
  EVP_DigestUpdate(outer, pad, 64);
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(pad, sizeof(pad));
}

/* out := HMAC of data with the keyed states, which stay as they are when
   copy (they are a cached key's). Returns 0, or -1 (memory). */
static int hmac_finish (struct sigv4_signer *s, EVP_MD_CTX *inner,
                        EVP_MD_CTX *outer, int copy, const void *data,
                        size_t len, unsigned char out[32]) {
  unsigned char ih[32];
  EVP_MD_CTX *c = inner;
  if (copy && EVP_MD_CTX_copy_ex(s->ctx, inner) != 1)
    return -1;
  if (copy)
    c = s->ctx;
  EVP_DigestUpdate(c, data, len);
  EVP_DigestFinal_ex(c, ih, NULL);
  c = outer;
  if (copy && EVP_MD_CTX_copy_ex(s->ctx, outer) != 1)
    return -1;
  if (copy)
    c = s->ctx;
  EVP_DigestUpdate(c, ih, 32);
  EVP_DigestFinal_ex(c, out, NULL);
  return 0;
}

void sigv4_hmac_sha256 (struct sigv4_signer *s, const void *key,
                        size_t key_len, const void *data, size_t len,
                        unsigned char out[32]) {
  hmac_keyed(s, key, key_len, s->ctx, s->ctx2);
  (void)hmac_finish(s, s->ctx, s->ctx2, 0, data, len, out);
}

/* The entry holding the key of these four strings, or NULL. */
static struct key_entry *find_key (struct sigv4_signer *s,
                                   const char *const parts[4],
                                   const size_t lens[4]) {
  unsigned i, k;
  for (i = 0; i < KEYS_KEPT; i++) {
    struct key_entry *e = &s->keys[i];
    size_t off = 0;
    int same = e->used;
    for (k = 0; same && k < 4; k++) {
      same = e->lens[k] == lens[k] && memcmp(e->id + off, parts[k],
                                             lens[k]) == 0;
      off += lens[k];
    }
    if (same)
      return e;
  }
  return NULL;
}

/* A new entry for the key of parts (secret, date, region, service):
   kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), service),
   "aws4_request"). NULL when memory runs out. */
static struct key_entry *derive_key (struct sigv4_signer *s,
                                     const char *const parts[4],
                                     const size_t lens[4]) {
  struct key_entry *e = &s->keys[s->next];
  size_t total = lens[0] + lens[1] + lens[2] + lens[3], off = 0;
  unsigned char k[32];
  char *k_secret;
  unsigned i;
  forget_key(e);
  e->id = malloc(total + 1);
  k_secret = malloc(lens[0] + 4);
  if (e->id == NULL || k_secret == NULL) {
    free(k_secret);
    free(e->id);
    e->id = NULL;
    return NULL;
  }
  for (i = 0; i < 4; i++) {
    memcpy(e->id + off, parts[i], lens[i]);
    e->lens[i] = lens[i];
    off += lens[i];
  }
  memcpy(k_secret, "AWS4", 4);
  memcpy(k_secret + 4, parts[0], lens[0]);
  sigv4_hmac_sha256(s, k_secret, lens[0] + 4, parts[1], lens[1], k);
  sigv4_hmac_sha256(s, k, 32, parts[2], lens[2], k);
  sigv4_hmac_sha256(s, k, 32, parts[3], lens[3], k);
  sigv4_hmac_sha256(s, k, 32, "aws4_request", 12, k);
  hmac_keyed(s, k, 32, e->inner, e->outer);
  /* No copy of the secret or its keys left behind in freed memory. */
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(k_secret, lens[0] + 4);
  free(k_secret);
  e->used = 1;
  s->next = (s->next + 1) % KEYS_KEPT;
  return e;
}

int sigv4_signature (struct sigv4_signer *s, const char *secret,
                     size_t secret_len, const char *date, const char *region,
                     size_t region_len, const char *service,
                     size_t service_len, const char *string_to_sign,
                     size_t sts_len, char hex[65]) {
  const char *parts[4];
  size_t lens[4];
  struct key_entry *e;
  unsigned char sig[32];
  parts[0] = secret;
  lens[0] = secret_len;
  parts[1] = date;
  lens[1] = strlen(date);
  parts[2] = region;
  lens[2] = region_len;
  parts[3] = service;
  lens[3] = service_len;
  e = find_key(s, parts, lens);
  if (e == NULL)
    e = derive_key(s, parts, lens);
  if (e == NULL ||
      hmac_finish(s, e->inner, e->outer, 1, string_to_sign, sts_len,
                  sig) != 0)
    return -1;
  to_hex(sig, 32, hex);
  return 0;
}

/* --- a whole request ----------------------------------------------------- */

static void put_digits (char *out, unsigned v, int n) {
  while (n-- > 0) {
    out[n] = (char)('0' + v % 10);
    v /= 10;
  }
}

int sigv4_amz_date (int64_t t, char out[17]) {
  int64_t days, doe, yoe, doy, mp, year;
  unsigned secs, month, day;
  if (t < 0 || t > INT64_C(253402300799))  /* 9999-12-31T23:59:59Z */
    return -1;
  days = t / 86400;
  secs = (unsigned)(t % 86400);
  /* the civil date of a day count (H. Hinnant's days_from_civil,
     inverted), within 0000-9999 */
  days += 719468;
  doe = days % 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  year = yoe + (days / 146097) * 400 + (month <= 2);
  put_digits(out, (unsigned)year, 4);
  put_digits(out + 4, month, 2);
  put_digits(out + 6, day, 2);
  out[8] = 'T';
  put_digits(out + 9, secs / 3600, 2);
  put_digits(out + 11, secs / 60 % 60, 2);
  put_digits(out + 13, secs % 60, 2);
  out[15] = 'Z';
  out[16] = '\0';
  return 0;
}

static int is_alpha (char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit (char c) {
  return c >= '0' && c <= '9';
}

/* Whether s (len bytes) is word, ASCII case ignored (as Lua's lower()). */
static int same_word (const char *s, size_t len, const char *word) {
  size_t i;
  for (i = 0; i < len; i++) {
    char c = s[i];
    if (word[i] == '\0' ||
        (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != word[i])
      return 0;
  }
  return word[len] == '\0';
}

/* The authority less "user@" and the scheme's default port. */
static void trim_authority (struct sigv4_url *u) {
  const char *a = u->authority;
  size_t len = u->authority_len, i, colon = len;
  for (i = len; i > 0; i--) {
    if (a[i - 1] == '@') {
      a += i;
      len -= i;
      break;
    }
  }
  for (i = len; i > 0 && colon == len; i--) {
    if (a[i - 1] == ':')
      colon = i - 1;
  }
  if (colon < len) {
    const char *port = a + colon + 1;
    size_t port_len = len - colon - 1;
    int digits = port_len > 0;
    for (i = 0; i < port_len; i++)
      digits = digits && is_digit(port[i]);
    if (digits &&
        ((same_word(u->scheme, u->scheme_len, "https") && port_len == 3 &&
          memcmp(port, "443", 3) == 0) ||
         (same_word(u->scheme, u->scheme_len, "http") && port_len == 2 &&
          memcmp(port, "80", 2) == 0)))
      len = colon;
  }
  u->authority = a;
  u->authority_len = len;
}

int sigv4_split_url (const char *url, size_t len, struct sigv4_url *u) {
  size_t i = 0, start, end;
  if (len == 0 || !is_alpha(url[0]))
    return -1;
  for (i = 1; i < len && (is_alpha(url[i]) || is_digit(url[i]) ||
                          url[i] == '+' || url[i] == '.' || url[i] == '-');
       i++)
    ;
  if (len - i < 3 || memcmp(url + i, "://", 3) != 0)
    return -1;
  u->scheme = url;
  u->scheme_len = i;
  start = i + 3;
  for (i = start; i < len && url[i] != '/' && url[i] != '?' && url[i] != '#';
       i++)
    ;
  u->authority = url + start;
  u->authority_len = i - start;
  for (end = i; end < len && url[end] != '#'; end++)
    ;
  u->path = url + i;
  u->path_len = end - i;
  u->query = url + end;
  u->query_len = 0;
  for (start = i; start < end && url[start] != '?'; start++)
    ;
  if (start < end) {
    u->path_len = start - i;
    u->query = url + start + 1;
    u->query_len = end - start - 1;
  }
  if (u->path_len == 0) {
    u->path = "/";
    u->path_len = 1;
  }
  trim_authority(u);
  return u->authority_len == 0 ? -1 : 0;
}

static const char EMPTY_SHA256[] =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char UNSIGNED_PAYLOAD[] = "UNSIGNED-PAYLOAD";

void sigv4_signed_init (struct sigv4_signed *out) {
  memset(out, 0, sizeof(*out));
  buffer_init(&out->canonical);
  buffer_init(&out->string_to_sign);
  buffer_init(&out->signed_headers);
  buffer_init(&out->scope);
  buffer_init(&out->authorization);
}

void sigv4_signed_free (struct sigv4_signed *out) {
  buffer_free(&out->canonical);
  buffer_free(&out->string_to_sign);
  buffer_free(&out->signed_headers);
  buffer_free(&out->scope);
  buffer_free(&out->authorization);
}

/* out->hash := the payload hash given, UNSIGNED-PAYLOAD (a streamed body,
   or S3 asked not to), the empty body's, or the body's. */
static void payload_hash (struct sigv4_signer *s, const struct sigv4_input *in,
                          int s3, struct sigv4_signed *out) {
  if (in->payload_hash != NULL) {
    out->hash = in->payload_hash;
    out->hash_len = in->payload_hash_len;
  } else if (in->body_streamed || (s3 && in->unsigned_payload)) {
    out->hash = UNSIGNED_PAYLOAD;
    out->hash_len = sizeof(UNSIGNED_PAYLOAD) - 1;
  } else if (in->body == NULL || in->body_len == 0) {
    out->hash = EMPTY_SHA256;
    out->hash_len = 64;
  } else {
    sigv4_sha256_hex(s, in->body, in->body_len, out->payload_hash);
    out->hash = out->payload_hash;
    out->hash_len = 64;
  }
}

static void add_header (struct sigv4_header *h, const char *name,
                        const char *value, size_t value_len) {
  h->name = name;
  h->name_len = strlen(name);
  h->value = value;
  h->value_len = value_len;
}

/* Whether a header named so is never signed: proxies and the HTTP stack
   may change them on the way (the AWS SDKs skip them too). */
static int unsigned_header (const struct sigv4_header *h) {
  return same_word(h->name, h->name_len, "expect") ||
         same_word(h->name, h->name_len, "transfer-encoding") ||
         same_word(h->name, h->name_len, "user-agent") ||
         same_word(h->name, h->name_len, "x-amzn-trace-id");
}

/* s->headers := the headers to sign, in order: the caller's (less the
   unsigned), Host, x-amz-date, x-amz-content-sha256, the token. */
static int gather_headers (struct sigv4_signer *s,
                           const struct sigv4_input *in,
                           const struct sigv4_url *u,
                           const struct sigv4_signed *out, size_t *n) {
  size_t i, k = 0;
  int has_host = 0;
  if (in->n_headers + 4 > s->headers_cap) {
    struct sigv4_header *h = realloc(s->headers,
                                     (in->n_headers + 4) * sizeof(*h));
    if (h == NULL)
      return -1;
    s->headers = h;
    s->headers_cap = in->n_headers + 4;
  }
  for (i = 0; i < in->n_headers; i++) {
    const struct sigv4_header *h = &in->headers[i];
    has_host = has_host || same_word(h->name, h->name_len, "host");
    if (!unsigned_header(h))
      s->headers[k++] = *h;
  }
  if (!has_host) {
    buffer_clear(&s->host);
    if (buffer_append(&s->host, u->authority, u->authority_len) != 0)
      return -1;
    for (i = 0; i < s->host.len; i++) {
      char c = s->host.data[i];
      s->host.data[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    add_header(&s->headers[k++], "host", s->host.data, s->host.len);
  }
  add_header(&s->headers[k++], "x-amz-date", in->amz_date,
             in->amz_date_len);
  if (out->add_content_sha256)
    add_header(&s->headers[k++], "x-amz-content-sha256", out->hash,
               out->hash_len);
  if (out->add_token && !in->omit_session_token)
    add_header(&s->headers[k++], "x-amz-security-token", in->token,
               in->token_len);
  *n = k;
  return 0;
}

/* The method in upper case, into s->method. */
static int upper_method (struct sigv4_signer *s, const struct sigv4_input *in) {
  size_t i;
  buffer_clear(&s->method);
  if (in->method == NULL)
    return buffer_append_literal(&s->method, "GET");
  if (buffer_append(&s->method, in->method, in->method_len) != 0)
    return -1;
  for (i = 0; i < s->method.len; i++) {
    char c = s->method.data[i];
    s->method.data[i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return 0;
}

/* The scope, the string to sign, the signature and Authorization, once
   out->canonical is made. */
static int finish (struct sigv4_signer *s, const struct sigv4_input *in,
                   struct sigv4_signed *out) {
  char hex[65], date[9];
  size_t date_len = in->amz_date_len < 8 ? in->amz_date_len : 8;
  sigv4_sha256_hex(s, out->canonical.data, out->canonical.len, hex);
  memcpy(date, in->amz_date, date_len);
  date[date_len] = '\0';
  if (buffer_append(&out->scope, date, date_len) != 0 ||
      buffer_append_literal(&out->scope, "/") != 0 ||
      buffer_append(&out->scope, in->region, in->region_len) != 0 ||
      buffer_append_literal(&out->scope, "/") != 0 ||
      buffer_append(&out->scope, in->service, in->service_len) != 0 ||
      buffer_append_literal(&out->scope, "/aws4_request") != 0 ||
      buffer_append_literal(&out->string_to_sign, "AWS4-HMAC-SHA256\n") != 0 ||
      buffer_append(&out->string_to_sign, in->amz_date,
                    in->amz_date_len) != 0 ||
      buffer_append_literal(&out->string_to_sign, "\n") != 0 ||
      buffer_append(&out->string_to_sign, out->scope.data,
                    out->scope.len) != 0 ||
      buffer_append_literal(&out->string_to_sign, "\n") != 0 ||
      buffer_append(&out->string_to_sign, hex, 64) != 0)
    return -1;
  if (sigv4_signature(s, in->secret, in->secret_len, date, in->region,
                      in->region_len, in->service, in->service_len,
                      out->string_to_sign.data, out->string_to_sign.len,
                      out->signature) != 0)
    return -1;
  if (buffer_append_literal(&out->authorization,
                            "AWS4-HMAC-SHA256 Credential=") != 0 ||
      buffer_append(&out->authorization, in->access_key_id,
                    in->access_key_id_len) != 0 ||
      buffer_append_literal(&out->authorization, "/") != 0 ||
      buffer_append(&out->authorization, out->scope.data,
                    out->scope.len) != 0 ||
      buffer_append_literal(&out->authorization, ", SignedHeaders=") != 0 ||
      (out->signed_headers.len > 0 &&
       buffer_append(&out->authorization, out->signed_headers.data,
                     out->signed_headers.len) != 0) ||
      buffer_append_literal(&out->authorization, ", Signature=") != 0 ||
      buffer_append(&out->authorization, out->signature, 64) != 0)
    return -1;
  return 0;
}

int sigv4_sign (struct sigv4_signer *s, const struct sigv4_input *in,
                struct sigv4_signed *out) {
  struct sigv4_url u;
  struct sigv4_request req;
  int s3;
  buffer_clear(&out->canonical);
  buffer_clear(&out->string_to_sign);
  buffer_clear(&out->signed_headers);
  buffer_clear(&out->scope);
  buffer_clear(&out->authorization);
  if (sigv4_split_url(in->url, in->url_len, &u) != 0)
    return -2;
  s3 = in->service_len == 2 && memcmp(in->service, "s3", 2) == 0;
  payload_hash(s, in, s3, out);
  out->add_content_sha256 = s3 || in->sign_payload;
  out->add_token = in->token != NULL && in->token_len > 0;
  memset(&req, 0, sizeof(req));
  if (upper_method(s, in) != 0 ||
      gather_headers(s, in, &u, out, &req.n_headers) != 0)
    return -1;
  req.method = s->method.data;
  req.method_len = s->method.len;
  req.path = u.path;
  req.path_len = u.path_len;
  req.query = u.query;
  req.query_len = u.query_len;
  req.headers = s->headers;
  req.payload_hash = out->hash;
  req.payload_hash_len = out->hash_len;
  req.normalize_path = in->normalize_path >= 0 ? in->normalize_path : !s3;
  req.encode_path = in->encode_path >= 0 ? in->encode_path : !s3;
  if (sigv4_canonical_request(&req, &out->canonical,
                              &out->signed_headers) != 0 ||
      finish(s, in, out) != 0)
    return -1;
  return 0;
}
