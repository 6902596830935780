/*
** lambda.fetch when memory runs out: each of request's Lua allocations is
** made to fail in turn (the first, then the second, ...), and whatever it
** had taken from libcurl (its header list above all) must be given back
** when the error unwinds. libcurl's allocations are counted through
** curl_global_init_mem; after each state is closed (which closes its curl
** handle) as many must be live as before it was made.
**
** The request goes to 127.0.0.1:1, where nothing listens: no network, and
** the same allocations run before the connect fails.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <lauxlib.h>
#include <lualib.h>

#include "check.h"
#include "fetch_lib.h"

/* --- libcurl's memory, counted ------------------------------------------ */

static long curl_live;  /* blocks libcurl holds */

static void *count_malloc (size_t n) {
  void *p = malloc(n);
  if (p != NULL)
    curl_live++;
  return p;
}

static void count_free (void *p) {
  if (p != NULL)
    curl_live--;
  free(p);
}

static void *count_realloc (void *p, size_t n) {
  void *q = realloc(p, n);
  if (p == NULL && q != NULL)
    curl_live++;
  return q;
}

static char *count_strdup (const char *s) {
  char *p = strdup(s);
  if (p != NULL)
    curl_live++;
  return p;
}

static void *count_calloc (size_t n, size_t size) {
  void *p = calloc(n, size);
  if (p != NULL)
    curl_live++;
  return p;
}

/* --- a Lua allocator that fails on demand ------------------------------- */

struct failing {
  long countdown;  /* 0: never fail; else the allocation that fails */
  int failing;     /* from that one on, every allocation that grows fails
                      (Lua tries once more after a full collection) */
  int reached;
};

static void *failing_alloc (void *ud, void *p, size_t osize, size_t nsize) {
  struct failing *f = ud;
  int grows = p == NULL || nsize > osize;
  if (nsize == 0) {
    free(p);
    return NULL;
  }
  if (grows && !f->failing && f->countdown > 0 && --f->countdown == 0)
    f->failing = f->reached = 1;
  if (grows && f->failing)
    return NULL;
  return realloc(p, nsize);
}

/* One call of request with its n-th allocation failing (0: none). Returns
   whether the failure was reached; *status is lua_pcall's. */
static int request_failing_at (long n, int *status) {
  struct failing f = {0, 0, 0};
  lua_State *L = lua_newstate(failing_alloc, &f);
  luaL_openlibs(L);
  luaL_requiref(L, "lambda.fetch", luaopen_lambda_fetch, 0);
  lua_getfield(L, -1, "request");
  lua_pushliteral(L, "http://127.0.0.1:1/");
  lua_newtable(L);
  lua_newtable(L);
  lua_pushliteral(L, "tok");
  lua_setfield(L, -2, "X-Amz-Security-Token");
  lua_pushliteral(L, "key");
  lua_setfield(L, -2, "X-Api-Key");
  lua_setfield(L, -2, "headers");
  lua_pushinteger(L, 2000);
  lua_setfield(L, -2, "timeout");
  f.countdown = n;
  *status = lua_pcall(L, 2, 2, 0);
  f.countdown = 0;
  f.failing = 0;
  lua_close(L);
  return f.reached;
}

int main (void) {
  long n, base, leaked_at = 0;
  int status, memory_errors = 0;
  CHECK(curl_global_init_mem(CURL_GLOBAL_ALL, count_malloc, count_free,
                             count_realloc, count_strdup, count_calloc) ==
        CURLE_OK);
  /* a first request, for what libcurl keeps for good */
  request_failing_at(0, &status);
  CHECK(status == LUA_OK);
  base = curl_live;
  for (n = 1; n < 10000; n++) {
    int reached = request_failing_at(n, &status);
    if (status == LUA_ERRMEM)
      memory_errors++;
    if (curl_live != base && leaked_at == 0) {
      leaked_at = n;
      fprintf(stderr, "allocation %ld failing: %ld curl blocks not freed\n",
              n, curl_live - base);
    }
    base = curl_live;
    if (!reached)
      break;  /* every allocation of a request has been made to fail */
  }
  CHECK(n < 10000);
  CHECK(memory_errors > 0);
  CHECK(leaked_at == 0);
  curl_global_cleanup();
  return check_report();
}
