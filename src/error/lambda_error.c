/*
** The error value of the lambda.* modules (lambda_error.h). Its
** __tostring is lua/lambda/errors.lua's, written again in C so that a
** C module (json.so under a stock lua5.4) needs no Lua file.
*/
#include "lambda_error.h"

#include <lauxlib.h>

#include "registry_keys.h"

/* "code: message" or "kind: message", and " (request id X)" when the
   value has one. */
static int error_tostring (lua_State *L) {
  luaL_Buffer b;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  if (lua_getfield(L, 1, "code") == LUA_TNIL) {     /* [err, code] */
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "kind") == LUA_TNIL) {   /* [err, kind] */
      lua_pop(L, 1);
      lua_pushliteral(L, "error");
    }
  }
  luaL_tolstring(L, 2, NULL);                       /* [err, name, text] */
  if (lua_getfield(L, 1, "message") == LUA_TNIL) {  /* [.., message] */
    lua_pop(L, 1);
    lua_pushliteral(L, "");
  }
  luaL_tolstring(L, 4, NULL);                       /* [.., message, text] */
  lua_getfield(L, 1, "request_id");                 /* [.., id] */
  luaL_buffinit(L, &b);
  lua_pushvalue(L, 3);
  luaL_addvalue(&b);
  luaL_addstring(&b, ": ");
  lua_pushvalue(L, 5);
  luaL_addvalue(&b);
  if (lua_type(L, 6) == LUA_TSTRING) {
    luaL_addstring(&b, " (request id ");
    lua_pushvalue(L, 6);
    luaL_addvalue(&b);
    luaL_addchar(&b, ')');
  }
  luaL_pushresult(&b);
  return 1;
}

/* "text " .. err and err .. " text" read as tostring(err) would. */
static int error_concat (lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  luaL_tolstring(L, 2, NULL);
  lua_concat(L, 2);
  return 1;
}

static const luaL_Reg error_meta[] = {
  {"__tostring", error_tostring},
  {"__concat",   error_concat},
  {NULL, NULL}
};

void lambda_error_pushmeta (lua_State *L) {
  if (luaL_newmetatable(L, REGISTRY_ERROR_META))  /* [meta], __name set */
    luaL_setfuncs(L, error_meta, 0);
}

void lambda_error_push (lua_State *L, const char *kind, const char *message) {
  lua_createtable(L, 0, 4);                         /* [err] */
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  lambda_error_pushmeta(L);                         /* [err, meta] */
  lua_setmetatable(L, -2);                          /* [err] */
}

int lambda_error_result (lua_State *L, const char *kind,
                         const char *message) {
  lua_pushnil(L);
  lambda_error_push(L, kind, message);              /* [nil, err] */
  return 2;
}
