/* What bootstrap links instead of this machine's libcurl (see "libcurl,
 * linked with no symbol version" in CMakeLists.txt): a shared library
 * whose SONAME is libcurl.so.4 and which defines, with no symbol version,
 * every curl function bootstrap calls. The references bootstrap records
 * are then unversioned and bind at run time to whatever libcurl.so.4 the
 * machine has: Debian's (curl_*@@CURL_OPENSSL_4) here, AL2023's
 * libcurl-minimal (unversioned) on Lambda.
 *
 * It is never installed and never on a search path (its file is not even
 * named libcurl.so.4), so it never runs; if it were loaded all the same,
 * each function says so and aborts.
 *
 * A curl function bootstrap starts to call must be added here: until it
 * is, bootstrap's link fails with "undefined reference to `curl_...'"
 * (and cmake/libcurl_stub_missing.sh says where to add it). curl's own
 * header declares each one, so a prototype that differs does not
 * compile. */
#define CURL_DISABLE_TYPECHECK /* curl_easy_setopt as a function */
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>

static void stub_called(const char *name)
{
  fprintf(stderr, "lua-lambda: %s was called in the link-time libcurl "
          "stub (cmake/libcurl_stub.c) instead of libcurl.so.4\n", name);
  abort();
}

CURLcode curl_global_init(long flags)
{
  (void)flags;
  stub_called("curl_global_init");
  return CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
  stub_called("curl_global_cleanup");
}

CURL *curl_easy_init(void)
{
  stub_called("curl_easy_init");
  return NULL;
}

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
  (void)curl;
  (void)option;
  stub_called("curl_easy_setopt");
  return CURLE_FAILED_INIT;
}

CURLcode curl_easy_perform(CURL *curl)
{
  (void)curl;
  stub_called("curl_easy_perform");
  return CURLE_FAILED_INIT;
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
  (void)curl;
  (void)info;
  stub_called("curl_easy_getinfo");
  return CURLE_FAILED_INIT;
}

void curl_easy_reset(CURL *curl)
{
  (void)curl;
  stub_called("curl_easy_reset");
}

void curl_easy_cleanup(CURL *curl)
{
  (void)curl;
  stub_called("curl_easy_cleanup");
}

const char *curl_easy_strerror(CURLcode code)
{
  (void)code;
  stub_called("curl_easy_strerror");
  return NULL;
}

CURLSH *curl_share_init(void)
{
  stub_called("curl_share_init");
  return NULL;
}

CURLSHcode curl_share_setopt(CURLSH *share, CURLSHoption option, ...)
{
  (void)share;
  (void)option;
  stub_called("curl_share_setopt");
  return CURLSHE_NOT_BUILT_IN;
}

CURLSHcode curl_share_cleanup(CURLSH *share)
{
  (void)share;
  stub_called("curl_share_cleanup");
  return CURLSHE_NOT_BUILT_IN;
}

struct curl_slist *curl_slist_append(struct curl_slist *list,
                                     const char *data)
{
  (void)list;
  (void)data;
  stub_called("curl_slist_append");
  return NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
  (void)list;
  stub_called("curl_slist_free_all");
}

/* lambda.fetch's multi interface (src/outbound/fetch_multi.c) and its
   streamed bodies (src/outbound/fetch_stream.c) */
CURLcode curl_easy_pause(CURL *handle, int bitmask)
{
  (void)handle;
  (void)bitmask;
  stub_called("curl_easy_pause");
  return CURLE_FAILED_INIT;
}

CURLM *curl_multi_init(void)
{
  stub_called("curl_multi_init");
  return NULL;
}

CURLMcode curl_multi_cleanup(CURLM *multi_handle)
{
  (void)multi_handle;
  stub_called("curl_multi_cleanup");
  return CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_add_handle(CURLM *multi_handle, CURL *curl_handle)
{
  (void)multi_handle;
  (void)curl_handle;
  stub_called("curl_multi_add_handle");
  return CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *multi_handle, CURL *curl_handle)
{
  (void)multi_handle;
  (void)curl_handle;
  stub_called("curl_multi_remove_handle");
  return CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *multi_handle, int *running_handles)
{
  (void)multi_handle;
  (void)running_handles;
  stub_called("curl_multi_perform");
  return CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *multi_handle, struct curl_waitfd extra_fds[],
                          unsigned int extra_nfds, int timeout_ms, int *ret)
{
  (void)multi_handle;
  (void)extra_fds;
  (void)extra_nfds;
  (void)timeout_ms;
  (void)ret;
  stub_called("curl_multi_poll");
  return CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *multi_handle, int *msgs_in_queue)
{
  (void)multi_handle;
  (void)msgs_in_queue;
  stub_called("curl_multi_info_read");
  return NULL;
}

CURLMcode curl_multi_setopt(CURLM *multi_handle, CURLMoption option, ...)
{
  (void)multi_handle;
  (void)option;
  stub_called("curl_multi_setopt");
  return CURLM_INTERNAL_ERROR;
}
