/*
** The one C hook of every thread that runs user code. Underneath, the
** deadline: a count hook that looks at the clock. On top, whatever the
** user set with debug.sethook, which this file provides in place of the
** debug library's own: Lua keeps one hook per thread, so a user's hook
** would otherwise replace the deadline's (and a handler could escape it
** with debug.sethook()). debug.gethook shows the user their own hook
** only, as stock Lua would.
**
** Per thread, the user's hook function lives where stock Lua keeps it,
** registry._HOOKKEY[thread] (weak keys), and its mask, count and the
** instructions left to its next count event in a userdata of a table of
** our own. A thread made by one that has a hook inherits the mask and
** count but no function, as in stock Lua (lua_newthread copies the hook;
** the debug library finds no function for the new thread).
*/
#include <string.h>

#include <lauxlib.h>

#include "clock.h"
#include "lua_host_private.h"

/* Instructions between two looks at the clock. */
#define HOOK_COUNT 10000

struct user_hook {
  int mask;    /* LUA_MASK* as the user asked */
  int count;   /* the user's count, 0 for none */
  int left;    /* instructions to the user's next count event, while the
                  deadline shares the count (see host_hook_apply) */
};

/* The user's hook of thread co, or NULL; leaves L's stack as it was. */
static struct user_hook *user_hook_of (lua_State *L, lua_State *co) {
  struct user_hook *u = NULL;
  if (!host_of(L)->user_hooks)
    return NULL;
  if (lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_USER_HOOKS) ==
      LUA_TTABLE) {
    if (L == co) {
      lua_pushthread(L);
    } else if (lua_checkstack(co, 1)) {
      lua_pushthread(co);
      lua_xmove(co, L, 1);
    } else {
      lua_pop(L, 1);
      return NULL;
    }
    if (lua_rawget(L, -2) == LUA_TUSERDATA)
      u = lua_touserdata(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return u;
}

static void runtime_hook (lua_State *L, lua_Debug *ar);

/*
** Puts on co the hook it needs now: the user's events, and the count the
** deadline needs while one is armed. While both want the count, it is
** the shorter of the clock's interval and what is left of the user's.
*/
static void apply (struct lua_host *h, struct user_hook *u, lua_State *co) {
  int mask = u != NULL ? u->mask : 0;
  int count = u != NULL ? u->count : 0;
  if (h->deadline_armed) {
    if (h->timed_out)
      count = 1;
    else if (u != NULL && (u->mask & LUA_MASKCOUNT))
      count = u->left < HOOK_COUNT ? u->left : HOOK_COUNT;
    else
      count = HOOK_COUNT;
    mask |= LUA_MASKCOUNT;
  }
  /* lua_sethook restarts the count: only when something changes, or a
     coroutine resumed (or a stream stepped) often would never reach it. */
  if (mask == 0) {
    if (lua_gethook(co) != NULL)
      lua_sethook(co, NULL, 0, 0);
  } else if (lua_gethook(co) != runtime_hook ||
             lua_gethookmask(co) != mask || lua_gethookcount(co) != count) {
    lua_sethook(co, runtime_hook, mask, count);
  }
}

void host_hook_apply (lua_State *L, lua_State *co) {
  apply(host_of(L), user_hook_of(L, co), co);
}

/* Calls the user's hook function, as the debug library's hook does. */
static void call_user (lua_State *L, struct user_hook *u, lua_Debug *ar) {
  static const char *const names[] =
    {"call", "return", "line", "count", "tail call"};
  (void)u;
  lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_LUA_HOOK_FUNCTIONS);
  lua_pushthread(L);
  if (lua_type(L, -2) != LUA_TTABLE ||
      lua_rawget(L, -2) != LUA_TFUNCTION) {  /* inherited: no function */
    lua_pop(L, 2);
    return;
  }
  lua_remove(L, -2);                                /* [fn] */
  lua_pushstring(L, names[ar->event]);
  if (ar->currentline >= 0)
    lua_pushinteger(L, ar->currentline);
  else
    lua_pushnil(L);
  lua_getinfo(L, "lS", ar);
  lua_call(L, 2, 0);
}

/*
** Past the deadline less the margin: raise, and keep raising at every
** instruction, so an error handler or pcall in user code cannot run on.
*/
static void check_deadline (lua_State *L, struct lua_host *h,
                            struct user_hook *u) {
  if (!h->timed_out) {
    if (clock_left_ms(h->deadline_ms, h->margin_ms) > 0)
      return;
    host_set_timed_out(h, 1);
    apply(h, u, L);
  }
  luaL_where(L, 1);
  host_push_timeout_message(L, h);
  lua_concat(L, 2);
  lua_error(L);
}

void host_push_timeout_message (lua_State *L, struct lua_host *h) {
  lua_pushfstring(L, "Task timed out: stopped %d ms before the deadline",
                  (int)h->margin_ms);
}

static void runtime_hook (lua_State *L, lua_Debug *ar) {
  struct lua_host *h = host_of(L);
  struct user_hook *u = user_hook_of(L, L);
  if (ar->event != LUA_HOOKCOUNT) {  /* only a user asks for those */
    if (u != NULL && h->user_code)
      call_user(L, u, ar);
    return;
  }
  if (h->deadline_armed) {
    int counted = lua_gethookcount(L);
    check_deadline(L, h, u);
    if (u == NULL || !(u->mask & LUA_MASKCOUNT))
      return;
    u->left -= counted;
    if (u->left > 0) {
      apply(h, u, L);
      return;
    }
    u->left = u->count;
    apply(h, u, L);
  }
  if (u != NULL && (u->mask & LUA_MASKCOUNT) && h->user_code)
    call_user(L, u, ar);
}

/* Arguments [thread], as the debug library reads them. */
static lua_State *thread_arg (lua_State *L, int *arg) {
  if (lua_isthread(L, 1)) {
    *arg = 1;
    return lua_tothread(L, 1);
  }
  *arg = 0;
  return L;
}

/* Pushes the users' hooks table, made on first use. */
static void push_user_hooks (lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_USER_HOOKS) ==
      LUA_TTABLE)
    return;
  lua_pop(L, 1);
  lua_createtable(L, 0, 1);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST_USER_HOOKS);
}

/* Pushes stock Lua's table of hook functions, made on first use. */
static void push_hook_functions (lua_State *L) {
  if (luaL_getsubtable(L, LUA_REGISTRYINDEX, REGISTRY_LUA_HOOK_FUNCTIONS))
    return;
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_pushvalue(L, -1);
  lua_setmetatable(L, -2);
}

/* Pushes thread co (of L's state) on L. */
static void push_thread (lua_State *L, lua_State *co) {
  if (L == co) {
    lua_pushthread(L);
    return;
  }
  if (!lua_checkstack(co, 1))
    luaL_error(L, "stack overflow");
  lua_pushthread(co);
  lua_xmove(co, L, 1);
}

/*
** Records co's hook: fn (at index fn, or none when 0) with mask and
** count; with mask 0 there is no hook, though fn is kept, as stock Lua
** does. The user's hook runs only while user code does (h->user_code),
** never in the runtime's own calls between invocations.
*/
static void set_user_hook (lua_State *L, lua_State *co, int fn, int mask,
                           int count) {
  struct lua_host *h = host_of(L);
  struct user_hook *u = NULL;
  push_user_hooks(L);                               /* [hooks] */
  push_thread(L, co);                               /* [hooks, co] */
  if (mask == 0) {  /* a function with no events is no hook (stock Lua) */
    lua_pushnil(L);
  } else {
    u = lua_newuserdatauv(L, sizeof(*u), 0);        /* [hooks, co, ud] */
    u->mask = mask;
    u->count = count;
    u->left = count;
    h->user_hooks = 1;
  }
  lua_rawset(L, -3);
  lua_pop(L, 1);
  push_hook_functions(L);                           /* [fns] */
  push_thread(L, co);
  if (fn != 0)
    lua_pushvalue(L, fn);
  else
    lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  apply(h, u, co);
}

static int make_mask (const char *smask, int count) {
  int mask = 0;
  if (strchr(smask, 'c')) mask |= LUA_MASKCALL;
  if (strchr(smask, 'r')) mask |= LUA_MASKRET;
  if (strchr(smask, 'l')) mask |= LUA_MASKLINE;
  if (count > 0) mask |= LUA_MASKCOUNT;
  return mask;
}

/* debug.sethook([thread,] hook, mask [, count]) */
static int user_sethook (lua_State *L) {
  int arg, mask = 0, count = 0;
  lua_State *co = thread_arg(L, &arg);
  if (lua_isnoneornil(L, arg + 1)) {
    lua_settop(L, arg + 1);
    set_user_hook(L, co, 0, 0, 0);
    return 0;
  }
  {
    const char *smask = luaL_checkstring(L, arg + 2);
    luaL_checktype(L, arg + 1, LUA_TFUNCTION);
    count = (int)luaL_optinteger(L, arg + 3, 0);
    mask = make_mask(smask, count);
  }
  set_user_hook(L, co, arg + 1, mask, count > 0 ? count : 0);
  return 0;
}

/* debug.gethook([thread]) -> the user's own hook, mask and count */
static int user_gethook (lua_State *L) {
  int arg;
  lua_State *co = thread_arg(L, &arg);
  lua_Hook hook = lua_gethook(co);
  struct user_hook *u;
  char smask[4];
  int n = 0, mask, count;
  if (hook == NULL) {
    luaL_pushfail(L);
    return 1;
  }
  if (hook != runtime_hook) {  /* a C module's own */
    lua_pushliteral(L, "external hook");
    mask = lua_gethookmask(co);
    count = lua_gethookcount(co);
  } else if ((u = user_hook_of(L, co)) == NULL) {  /* the deadline's alone */
    luaL_pushfail(L);
    return 1;
  } else {
    push_hook_functions(L);
    push_thread(L, co);
    lua_rawget(L, -2);                         /* [fns, fn] */
    mask = u->mask;
    count = u->count;
  }
  if (mask & LUA_MASKCALL) smask[n++] = 'c';
  if (mask & LUA_MASKRET) smask[n++] = 'r';
  if (mask & LUA_MASKLINE) smask[n++] = 'l';
  smask[n] = '\0';
  lua_pushstring(L, smask);
  lua_pushinteger(L, count);
  return 3;
}

/* coroutine.create and wrap call this for the thread co they made. */
void host_hook_inherit (lua_State *L, lua_State *co) {
  struct user_hook *u = user_hook_of(L, L);
  if (u != NULL)
    set_user_hook(L, co, 0, u->mask, u->count);
  else
    host_hook_apply(L, co);
}

void host_hook_open (lua_State *L) {
  lua_getglobal(L, "debug");
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_pushcfunction(L, user_sethook);
    lua_setfield(L, -2, "sethook");
    lua_pushcfunction(L, user_gethook);
    lua_setfield(L, -2, "gethook");
  }
  lua_pop(L, 1);
}
