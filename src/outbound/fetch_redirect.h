/*
** lambda.fetch's redirect rules, apart from Lua and from the transfer:
** which answers are redirects, the method and body the next request
** carries (RFC 9110 section 15.4), where the Location leads, and which of
** the caller's headers go along.
*/
#ifndef LUA_LAMBDA_FETCH_REDIRECT_H
#define LUA_LAMBDA_FETCH_REDIRECT_H

#include <curl/curl.h>

/* Where a redirect leads, from the URL that was answered. */
enum redirect_target {
  TARGET_SAME_ORIGIN,   /* same scheme, host and port */
  TARGET_OTHER_ORIGIN,
  TARGET_DOWNGRADE,     /* https to http: never followed */
  TARGET_NOT_HTTP,      /* a scheme other than http and https */
  TARGET_UNREADABLE     /* not a URL, or out of memory */
};

/* 301, 302, 303, 307 and 308: the statuses that are followed. */
int redirect_status (long status);

/* The method the next request uses after status answered method; sets
   *drops_body when the body is not sent again (the method became GET). */
const char *redirect_method (long status, const char *method,
                             int *drops_body);

enum redirect_target redirect_target (const char *from, const char *to);

/* The caller's header lines (from caller) the next request sends, as a new
   list in *out (NULL for none): across origins only those that describe a
   body sent again; once the body is dropped, none of those. 0, or -1 out
   of memory. */
int redirect_headers (const struct curl_slist *caller, int other_origin,
                      int body_dropped, struct curl_slist **out);

#endif
