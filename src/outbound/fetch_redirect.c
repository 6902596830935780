#include "fetch_redirect.h"

#include <string.h>
#include <strings.h>

int redirect_status (long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308;
}

/*
** RFC 9110 15.4: after 303 the next request is a retrieval (GET, or HEAD
** for a HEAD); after 301 and 302 a POST may become a GET, as browsers and
** curl do; 307 and 308 keep the method and the body, and so do 301 and
** 302 for any method but POST.
*/
const char *redirect_method (long status, const char *method,
                             int *drops_body) {
  int to_get = (status == 303 && strcmp(method, "GET") != 0 &&
                strcmp(method, "HEAD") != 0) ||
               ((status == 301 || status == 302) &&
                strcmp(method, "POST") == 0);
  *drops_body = to_get;
  return to_get ? "GET" : method;
}

/* A URL's scheme, host and port (the scheme's own when none is given),
   each as a length into the URL. Both URLs compared come from curl
   (CURLINFO_EFFECTIVE_URL, CURLINFO_REDIRECT_URL): absolute. */
struct origin {
  const char *scheme, *host, *port;
  size_t scheme_len, host_len, port_len;
};

static int origin_of (const char *url, struct origin *o) {
  const char *auth = strstr(url, "://"), *end, *at, *colon;
  if (auth == NULL || auth == url)
    return -1;
  o->scheme = url;
  o->scheme_len = (size_t)(auth - url);
  auth += 3;
  end = auth + strcspn(auth, "/?#");
  for (at = end; at > auth && at[-1] != '@'; at--)  /* past any user:pass@ */
    ;
  o->host = at;
  if (*at == '[') {  /* [IPv6] */
    const char *close = memchr(at, ']', (size_t)(end - at));
    if (close == NULL)
      return -1;
    colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    o->host_len = (size_t)(close + 1 - at);
  } else {
    colon = memchr(at, ':', (size_t)(end - at));
    o->host_len = (size_t)((colon != NULL ? colon : end) - at);
  }
  if (colon != NULL && colon + 1 < end) {
    o->port = colon + 1;
    o->port_len = (size_t)(end - o->port);
  } else if (o->scheme_len == 5 && strncasecmp(url, "https", 5) == 0) {
    o->port = "443";
    o->port_len = 3;
  } else {
    o->port = "80";
    o->port_len = 2;
  }
  return o->host_len > 0 ? 0 : -1;
}

static int scheme_is (const struct origin *o, const char *scheme) {
  return o->scheme_len == strlen(scheme) &&
         strncasecmp(o->scheme, scheme, o->scheme_len) == 0;
}

enum redirect_target redirect_target (const char *from, const char *to) {
  struct origin a, b;
  if (origin_of(from, &a) != 0 || origin_of(to, &b) != 0)
    return TARGET_UNREADABLE;
  if (!scheme_is(&b, "http") && !scheme_is(&b, "https"))
    return TARGET_NOT_HTTP;
  if (scheme_is(&a, "https") && scheme_is(&b, "http"))
    return TARGET_DOWNGRADE;
  if (a.scheme_len == b.scheme_len &&
      strncasecmp(a.scheme, b.scheme, a.scheme_len) == 0 &&
      a.host_len == b.host_len &&
      strncasecmp(a.host, b.host, a.host_len) == 0 &&
      a.port_len == b.port_len && memcmp(a.port, b.port, a.port_len) == 0)
    return TARGET_SAME_ORIGIN;
  return TARGET_OTHER_ORIGIN;
}

/* Whether a header line ("Name: value" or "Name;") names one of the
   headers that describe the body rather than the request. */
static int describes_body (const char *line) {
  static const char *const names[] = {
    "Content-Type", "Content-Length", "Content-Encoding", "Content-Language",
    "Content-Location", "Transfer-Encoding"
  };
  size_t i;
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    size_t n = strlen(names[i]);
    if (strncasecmp(line, names[i], n) == 0 &&
        (line[n] == ':' || line[n] == ';'))
      return 1;
  }
  return 0;
}

int redirect_headers (const struct curl_slist *caller, int other_origin,
                      int body_dropped, struct curl_slist **out) {
  *out = NULL;
  for (; caller != NULL; caller = caller->next) {
    int body_header = describes_body(caller->data);
    struct curl_slist *grown;
    if (body_header ? body_dropped : other_origin)
      continue;
    grown = curl_slist_append(*out, caller->data);
    if (grown == NULL) {
      curl_slist_free_all(*out);
      *out = NULL;
      return -1;
    }
    *out = grown;
  }
  return 0;
}
