/*
** Streaming handlers: lambda.streaming(function(event, stream, context)).
** The handler runs in a coroutine; stream:write(chunk) yields the chunk,
** and the runtime resumes the coroutine only when libcurl wants more body
** to send, so a slow reader slows the handler down (back-pressure) and no
** more than one chunk is held at a time.
*/
#include "lua_host.h"
#include <string.h>

#include <lauxlib.h>

#include "clock.h"
#include "lua_host_private.h"

/* Stack slots while a stream is under way. */
#define THREAD_SLOT 2   /* the handler's coroutine */
#define STREAM_SLOT 3   /* the stream object */
#define CHUNK_SLOT 4    /* the chunk being sent */

/* stream:write(chunk): hands chunk to the runtime; returns when it has
   been taken for sending. */
static int stream_write (lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checklstring(L, 2, NULL);
  lua_pushboolean(L, 1);
  lua_setfield(L, 1, "started");
  lua_settop(L, 2);
  return lua_yield(L, 1);
}

/*
** stream:set_content_type(type), before the first write. The type goes
** into a header of the Runtime API request as it is: CR, LF or NUL would
** let it add headers of its own, and a type the host cannot hold whole is
** refused rather than cut.
*/
static int stream_set_content_type (lua_State *L) {
  size_t len, i;
  const char *type;
  luaL_checktype(L, 1, LUA_TTABLE);
  type = luaL_checklstring(L, 2, &len);
  for (i = 0; i < len; i++) {
    if (type[i] == '\r' || type[i] == '\n' || type[i] == '\0')
      return luaL_argerror(L, 2, "a content type may not hold CR, LF or NUL");
  }
  if (len >= sizeof(((struct lua_host *)0)->content_type))
    return luaL_argerror(L, 2, "content type too long (127 bytes at most)");
  if (lua_getfield(L, 1, "started") == LUA_TBOOLEAN && lua_toboolean(L, -1))
    return luaL_error(L, "set_content_type must come before the first write");
  lua_settop(L, 2);
  lua_setfield(L, 1, "content_type");
  return 0;
}

static const luaL_Reg stream_methods[] = {
  {"write",            stream_write},
  {"set_content_type", stream_set_content_type},
  {NULL, NULL}
};

static void push_stream_object (lua_State *L) {
  lua_createtable(L, 0, 2);
  if (lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_STREAM_META) ==
      LUA_TNIL) {
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);
    luaL_newlib(L, stream_methods);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_STREAM_META);
  }
  lua_setmetatable(L, -2);
}

/*
** The streaming closure (upvalues: the handler function and the shared
** context fields), argument 1 the host: returns the coroutine, set up to
** run handler(event, stream, context), and the stream object.
*/
int host_stream_start (lua_State *L) {
  struct lua_host *h = lua_touserdata(L, 1);
  lua_State *co;
  if (host_push_call(L, h) != 0)
    return 0;                           /* [msgh, fn, event, ctx] */
  co = lua_newthread(L);                /* [msgh, fn, event, ctx, co] */
  push_stream_object(L);                /* [..., co, stream] */
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 3);
  lua_pushvalue(L, -3);
  lua_pushvalue(L, 4);
  lua_xmove(L, co, 4);                  /* co: [fn, event, stream, ctx] */
  return 2;
}

/*
** Protected: [co, stream, host] -> [chunk] or [nil]. Resumes the
** coroutine once; on its end or error marks the stream ended (an error
** is recorded as the outcome).
*/
static int stream_step (lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  struct lua_host *h = lua_touserdata(L, 3);
  int nres = 0, status;
  int nargs = lua_status(co) == LUA_YIELD ? 0 : lua_gettop(co) - 1;
  host_deadline_arm(h, co);
  /* A step may run a few instructions only: the clock is read at each,
     so a stream of tiny writes cannot outrun the count between them. */
  if (h->deadline_armed && clock_left_ms(h->deadline_ms, h->margin_ms) == 0) {
    host_set_timed_out(h, 1);
    host_hook_apply(L, co);          /* it stops at its first instruction */
  }
  status = lua_resume(co, L, nargs, &nres);
  host_deadline_pause(h);
  if (status == LUA_YIELD) {
    lua_xmove(co, L, 1);                /* the chunk */
    lua_settop(co, 0);
    return 1;
  }
  h->stream_ended = 1;
  if (status == LUA_OK && !h->timed_out) {
    lua_settop(co, 0);                  /* what it returned is not sent */
    lua_pushnil(L);
    return 1;
  }
  if (status == LUA_OK) {
    /* It returned what a timed-out coroutine said (return
       coroutine.resume(co) runs no instruction after it): still late. */
    lua_settop(co, 0);
    host_push_timeout_message(L, h);
    status = LUA_ERRRUN;
  } else {
    if (status != LUA_ERRMEM) {
      luaL_traceback(L, co, NULL, 0);
      lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_TRACEBACK);
    }
    lua_xmove(co, L, 1);                /* the error object */
  }
  host_report_error(h, status, h->timed_out ? "Runtime.Timeout" : NULL,
                    NULL);
  h->out->timed_out = h->timed_out;
  lua_pushnil(L);
  return 1;
}

/* Runs the handler to its next non-empty chunk, or to its end. */
static void advance (struct lua_host *h) {
  lua_State *L = h->L;
  h->chunk = NULL;
  h->chunk_len = h->chunk_pos = 0;
  while (!h->stream_ended) {
    lua_settop(L, STREAM_SLOT);
    lua_pushcfunction(L, stream_step);
    lua_pushvalue(L, THREAD_SLOT);
    lua_pushvalue(L, STREAM_SLOT);
    lua_pushlightuserdata(L, h);
    if (lua_pcall(L, 3, 1, 0) != LUA_OK) {  /* [.., chunk | nil | err] */
      /* Out of memory in the runtime's own steps: end with an error. */
      h->stream_ended = 1;
      host_report_error(h, LUA_ERRMEM, NULL, NULL);
      return;
    }
    if (lua_type(L, CHUNK_SLOT) == LUA_TSTRING) {
      h->chunk = lua_tolstring(L, CHUNK_SLOT, &h->chunk_len);
      if (h->chunk_len > 0)
        return;
    }
  }
}

int lua_host_is_streaming (const struct lua_host *h) {
  return h->streaming;
}

int lua_host_stream_begin (struct lua_host *h, const struct invocation *inv,
                           struct host_outcome *out,
                           const char **content_type) {
  lua_State *L = h->L;
  int status;
  host_begin_invocation(h, inv, out);
  h->stream_ended = 0;
  strcpy(h->content_type, "application/octet-stream");
  lua_pushvalue(L, INVOKE_SLOT);
  lua_pushlightuserdata(L, h);
  status = lua_pcall(L, 1, 2, 0);        /* [start, co, stream] */
  if (status != LUA_OK) {
    lua_settop(L, INVOKE_SLOT);
    host_report_error(h, LUA_ERRMEM, NULL, NULL);
    return -1;
  }
  if (out->failed)
    return -1;                          /* the event did not decode */
  advance(h);
  if (out->failed && h->chunk == NULL)
    return -1;                          /* raised before the first byte */
  if (lua_getfield(L, STREAM_SLOT, "content_type") == LUA_TSTRING)
    snprintf(h->content_type, sizeof(h->content_type), "%s",
             lua_tostring(L, -1));
  lua_pop(L, 1);
  *content_type = h->content_type;
  return 0;
}

long lua_host_stream_pull (struct lua_host *h, char *buf, size_t cap) {
  size_t n;
  while (h->chunk_pos == h->chunk_len) {
    if (h->stream_ended)
      return h->out->failed ? -1 : 0;
    advance(h);
  }
  n = h->chunk_len - h->chunk_pos;
  if (n > cap)
    n = cap;
  memcpy(buf, h->chunk + h->chunk_pos, n);
  h->chunk_pos += n;
  return (long)n;
}

/* A streaming handler called to completion: its body gathered whole. */
void host_stream_collect (struct lua_host *h, const struct invocation *inv,
                          struct host_outcome *out) {
  const char *content_type;
  char piece[16384];
  long n;
  if (lua_host_stream_begin(h, inv, out, &content_type) != 0)
    return;
  buffer_clear(&h->collected);
  while ((n = lua_host_stream_pull(h, piece, sizeof(piece))) > 0) {
    if (buffer_append(&h->collected, piece, (size_t)n) != 0) {
      host_report_error(h, LUA_ERRMEM, NULL, NULL);
      return;
    }
  }
  if (n < 0)
    return;  /* the failure is in out */
  out->body = h->collected.data != NULL ? h->collected.data : "";
  out->len = h->collected.len;
}
