#include "extension_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "clock.h"
#include "version.h"

#define EXTENSION_PREFIX "/2020-01-01/extension"
#define IDENTIFIER_HEADER "Lambda-Extension-Identifier"

/* A refused or dropped connection is tried again this often. */
#define TRANSPORT_RETRIES 2

struct extension_api {
  CURL *curl;
  char *register_url;
  char *next_url;
  char identifier[128];
  struct buffer *sink;   /* where the write callback puts the body */
  int header_overflow;   /* the identifier did not fit */
  char error[512];
};

static size_t on_body (char *data, size_t size, size_t n, void *ud) {
  struct extension_api *ext = ud;
  size_t len = size * n;
  if (buffer_append(ext->sink, data, len) != 0)
    return 0;  /* CURLE_WRITE_ERROR */
  return len;
}

/* Keeps the Lambda-Extension-Identifier header of the register answer. */
static size_t on_header (char *line, size_t size, size_t n, void *ud) {
  struct extension_api *ext = ud;
  size_t len = size * n, name_len = strlen(IDENTIFIER_HEADER);
  const char *value, *end;
  if (len <= name_len || line[name_len] != ':' ||
      strncasecmp(line, IDENTIFIER_HEADER, name_len) != 0)
    return len;
  value = line + name_len + 1;
  end = line + len;
  while (value < end && (*value == ' ' || *value == '\t'))
    value++;
  while (end > value && (end[-1] == '\r' || end[-1] == '\n' ||
                         end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if ((size_t)(end - value) >= sizeof(ext->identifier)) {
    ext->header_overflow = 1;
    return len;
  }
  memcpy(ext->identifier, value, (size_t)(end - value));
  ext->identifier[end - value] = '\0';
  return len;
}

static char *join (const char *a, const char *b, const char *c) {
  size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
  char *s = malloc(n);
  if (s != NULL)
    snprintf(s, n, "%s%s%s", a, b, c);
  return s;
}

struct extension_api *extension_api_new (const char *host_port, char *err,
                                         size_t errlen) {
  struct extension_api *ext;
  CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    snprintf(err, errlen, "curl_global_init: %s", curl_easy_strerror(rc));
    return NULL;
  }
  ext = calloc(1, sizeof(*ext));
  if (ext == NULL) {
    curl_global_cleanup();
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  ext->curl = curl_easy_init();
  ext->register_url = join("http://", host_port,
                           EXTENSION_PREFIX "/register");
  ext->next_url = join("http://", host_port, EXTENSION_PREFIX "/event/next");
  if (ext->curl == NULL || ext->register_url == NULL ||
      ext->next_url == NULL) {
    snprintf(err, errlen, "cannot set up libcurl for the Extensions API");
    extension_api_free(ext);
    return NULL;
  }
  /* A user's HTTP_PROXY/http_proxy must never capture this traffic. */
  curl_easy_setopt(ext->curl, CURLOPT_PROXY, "");
  /* No signals: this handle lives on a thread of its own. */
  curl_easy_setopt(ext->curl, CURLOPT_NOSIGNAL, 1L);
  /* The API is on the same host; a connect that takes longer has failed. */
  curl_easy_setopt(ext->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  /* event/next blocks while Lambda freezes us: no total timeout, ever. */
  curl_easy_setopt(ext->curl, CURLOPT_TIMEOUT_MS, 0L);
  curl_easy_setopt(ext->curl, CURLOPT_HTTP_VERSION,
                   (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(ext->curl, CURLOPT_USERAGENT, LUA_LAMBDA_USER_AGENT);
  curl_easy_setopt(ext->curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(ext->curl, CURLOPT_WRITEDATA, ext);
  curl_easy_setopt(ext->curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(ext->curl, CURLOPT_HEADERDATA, ext);
  return ext;
}

void extension_api_free (struct extension_api *ext) {
  if (ext == NULL)
    return;
  if (ext->curl != NULL)
    curl_easy_cleanup(ext->curl);
  free(ext->register_url);
  free(ext->next_url);
  free(ext);
  curl_global_cleanup();
}

const char *extension_api_identifier (const struct extension_api *ext) {
  return ext->identifier;
}

const char *extension_api_last_error (const struct extension_api *ext) {
  return ext->error;
}

/*
** Runs the prepared request; a refused or dropped connection is tried
** again on a new one. Returns 0 on a 2xx answer, else -1 with ext->error
** set (the start of the body of a non-2xx answer included).
*/
static int perform (struct extension_api *ext, const char *what,
                    struct buffer *body) {
  CURLcode rc = CURLE_OK;
  long status = 0;
  int attempt;
  ext->sink = body;
  for (attempt = 0; attempt <= TRANSPORT_RETRIES; attempt++) {
    if (attempt > 0)
      clock_sleep_ms(attempt * 50L);
    buffer_clear(body);
    rc = curl_easy_perform(ext->curl);
    if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR ||
        rc == CURLE_OUT_OF_MEMORY)
      break;
  }
  if (rc != CURLE_OK) {
    snprintf(ext->error, sizeof(ext->error), "%s: Extensions API: %s",
             what, curl_easy_strerror(rc));
    return -1;
  }
  curl_easy_getinfo(ext->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    int shown = body->len > 300 ? 300 : (int)body->len;
    snprintf(ext->error, sizeof(ext->error), "%s: HTTP %ld%s%.*s", what,
             status, shown > 0 ? ": " : "", shown,
             shown > 0 ? body->data : "");
    return -1;
  }
  return 0;
}

int extension_api_register (struct extension_api *ext, const char *name,
                            const char *events_json) {
  struct curl_slist *headers = NULL, *next;
  struct buffer line, body, reply;
  int failed = 0, status;
  buffer_init(&line);
  buffer_init(&body);
  buffer_init(&reply);
  failed |= buffer_append_literal(&line, "Lambda-Extension-Name: ");
  failed |= buffer_append(&line, name, strlen(name));
  failed |= buffer_append_literal(&body, "{\"events\":");
  failed |= buffer_append(&body, events_json, strlen(events_json));
  failed |= buffer_append_literal(&body, "}");
  if (!failed) {
    const char *lines[] = { line.data, "Content-Type: application/json",
                            /* no waiting for "100 Continue" */
                            "Expect:" };
    size_t i;
    for (i = 0; i < sizeof(lines) / sizeof(lines[0]) && !failed; i++) {
      next = curl_slist_append(headers, lines[i]);
      if (next == NULL)
        failed = 1;
      else
        headers = next;
    }
  }
  if (failed) {
    snprintf(ext->error, sizeof(ext->error), "register: out of memory");
    status = -1;
  } else {
    curl_easy_setopt(ext->curl, CURLOPT_URL, ext->register_url);
    curl_easy_setopt(ext->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(ext->curl, CURLOPT_POSTFIELDS, body.data);
    curl_easy_setopt(ext->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)body.len);
    ext->identifier[0] = '\0';
    ext->header_overflow = 0;
    status = perform(ext, "extension/register", &reply);
    curl_easy_setopt(ext->curl, CURLOPT_HTTPHEADER, NULL);
    if (status == 0 && (ext->identifier[0] == '\0' || ext->header_overflow)) {
      snprintf(ext->error, sizeof(ext->error),
               "extension/register: the answer has no usable "
               IDENTIFIER_HEADER " header");
      status = -1;
    }
  }
  curl_slist_free_all(headers);
  buffer_free(&line);
  buffer_free(&body);
  buffer_free(&reply);
  return status;
}

int extension_api_next (struct extension_api *ext, struct buffer *event) {
  struct curl_slist *headers = NULL;
  struct buffer line;
  int status = -1;
  buffer_init(&line);
  if (buffer_append_literal(&line, IDENTIFIER_HEADER ": ") == 0 &&
      buffer_append(&line, ext->identifier, strlen(ext->identifier)) == 0)
    headers = curl_slist_append(NULL, line.data);
  if (headers == NULL) {
    snprintf(ext->error, sizeof(ext->error), "event/next: out of memory");
  } else {
    curl_easy_setopt(ext->curl, CURLOPT_URL, ext->next_url);
    curl_easy_setopt(ext->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(ext->curl, CURLOPT_HTTPHEADER, headers);
    status = perform(ext, "extension/event/next", event);
    curl_easy_setopt(ext->curl, CURLOPT_HTTPHEADER, NULL);
  }
  curl_slist_free_all(headers);
  buffer_free(&line);
  return status;
}
