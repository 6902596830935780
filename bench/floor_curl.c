/*
** bench_floor_curl: the libcurl floor of the Runtime API loop. The same
** echo as bench_floor, but its HTTP goes through one libcurl easy handle,
** as a runtime built on libcurl must: GET /next, then POST the event back
** to /response, keep-alive, no proxy, no Expect, TCP_NODELAY. What
** bootstrap costs beyond it is Lua, JSON and our own code; what it costs
** beyond bench_floor is libcurl's.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

struct sink {
  char *data;
  size_t len, cap;
};

static size_t on_body (char *p, size_t size, size_t n, void *ud) {
  struct sink *s = ud;
  size_t len = size * n;
  if (s->len + len > s->cap) {
    size_t cap = s->cap ? s->cap : 65536;
    char *grown;
    while (cap < s->len + len)
      cap *= 2;
    grown = realloc(s->data, cap);
    if (grown == NULL)
      return 0;
    s->data = grown;
    s->cap = cap;
  }
  memcpy(s->data + s->len, p, len);
  s->len += len;
  return len;
}

static size_t on_header (char *p, size_t size, size_t n, void *ud) {
  static const char name[] = "Lambda-Runtime-Aws-Request-Id:";
  char *id = ud;
  size_t len = size * n;
  if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0)
    sscanf(p + sizeof(name) - 1, " %63s", id);
  return len;
}

int main (void) {
  const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
  char next_url[256], post_url[512], id[64];
  struct sink event = { NULL, 0, 0 }, reply = { NULL, 0, 0 };
  struct curl_slist *headers = NULL;
  CURL *h;
  if (api == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return 2;
  h = curl_easy_init();
  if (h == NULL)
    return 1;
  snprintf(next_url, sizeof(next_url),
           "http://%s/2018-06-01/runtime/invocation/next", api);
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  /* What a Runtime API client must set, as bootstrap does. */
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, id);
  for (;;) {
    id[0] = '\0';
    event.len = 0;
    curl_easy_setopt(h, CURLOPT_URL, next_url);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &event);
    if (curl_easy_perform(h) != CURLE_OK || id[0] == '\0')
      return 0;  /* the fake went away: done */
    snprintf(post_url, sizeof(post_url),
             "http://%s/2018-06-01/runtime/invocation/%s/response", api, id);
    reply.len = 0;
    curl_easy_setopt(h, CURLOPT_URL, post_url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, event.data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)event.len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
    if (curl_easy_perform(h) != CURLE_OK)
      return 1;
  }
}
