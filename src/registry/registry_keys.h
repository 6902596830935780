/*
** Every name under which the runtime's C code keeps a value in a Lua
** state's registry, declared one way: a string, "lambda.<module>.<what>",
** read and written with lua_getfield/lua_setfield on LUA_REGISTRYINDEX
** (or, for a metatable, luaL_newmetatable/luaL_checkudata). The one
** exception is stock Lua's own name, which the host must share with the
** debug library. A value held for one C object (a luaL_ref kept in a C
** struct, as serve's HTTP front keeps its module) has no name and stays
** a reference. Names only, no Lua: for every part that works a Lua state
** (json, host, outbound); the Lua-free parts never include it.
*/
#ifndef LUA_LAMBDA_REGISTRY_KEYS_H
#define LUA_LAMBDA_REGISTRY_KEYS_H

/* --- between the host and the C modules that wait (lambda.fetch) --- */

/*
** A C function that returns the milliseconds left before the deadline of
** the work under way (an invocation, a hook, shutdown) less the host's
** margin, or nothing when none is armed (init). Set by the host
** (host_limits.c); a stock lua5.4 has no entry at all.
*/
#define REGISTRY_TIME_LEFT "lambda.time_left_ms"

/* --- lambda.json (src/json) --- */

/* The metatables that mark decoded arrays and objects (json.array). */
#define REGISTRY_JSON_ARRAY_META "lambda.json.array"
#define REGISTRY_JSON_OBJECT_META "lambda.json.object"

/* The wire codec's encode buffer, a userdata (struct buffer) kept for
   the life of the state, and its depth limit, an integer. */
#define REGISTRY_JSON_BUFFER "lambda.json.buffer"
#define REGISTRY_JSON_MAX_DEPTH "lambda.json.max_depth"

/* --- lambda.log (src/host/log_lib.c) --- */

/* Where records go: the host's sink (a light userdata, struct
   log_stdout), or under a stock lua5.4 one of the module's own (a full
   userdata). */
#define REGISTRY_LOG_SINK "lambda.log.sink"

/* --- the host (src/host) --- */

/* The traceback (a string) of the last error in user code. */
#define REGISTRY_HOST_TRACEBACK "lambda.host.traceback"

/* The metatable of the stream a streaming handler writes to. */
#define REGISTRY_HOST_STREAM_META "lambda.host.stream"

/* The lists (tables of functions) of lambda.host.after_invoke,
   context:after_response and lambda.host.on_shutdown. */
#define REGISTRY_HOST_AFTER_INVOKE "lambda.host.after_invoke"
#define REGISTRY_HOST_AFTER_RESPONSE "lambda.host.after_response"
#define REGISTRY_HOST_ON_SHUTDOWN "lambda.host.on_shutdown"

/* The users' hooks set with debug.sethook: a weak-keyed table of thread
   -> userdata (struct user_hook: mask, count). */
#define REGISTRY_HOST_USER_HOOKS "lambda.host.user_hooks"

/* Stock Lua's table of hook functions, thread -> function (weak keys),
   under the name the debug library gives it (ldblib.c). */
#define REGISTRY_LUA_HOOK_FUNCTIONS "_HOOKKEY"

/* --- the error value (src/error/lambda_error.c, docs/errors.md) --- */

/* The metatable every lambda.* module's error value shares; made by the
   C modules or by lua/lambda/errors.lua, whichever runs first (the Lua
   side spells the name out: keep the two the same). */
#define REGISTRY_ERROR_META "lambda.error"

/* --- lambda.fetch (src/outbound/fetch_lib.c) --- */

/* The state's client (a userdata: the curl handle, the trusted CAs) and
   its metatable. */
#define REGISTRY_FETCH_CLIENT "lambda.fetch.client"
#define REGISTRY_FETCH_CLIENT_META "lambda.fetch.client_meta"

/* The metatable of a request under way (a to-be-closed userdata). */
#define REGISTRY_FETCH_TRANSFER_META "lambda.fetch.transfer"

#endif
