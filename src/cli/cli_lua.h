/*
** A Lua state for the CLI's own Lua (the .lua files of src/cli/files, compiled in):
** the standard libraries, and each top-level embedded .lua file
** requirable by its name ("sam_template" for sam_template.lua).
*/
#ifndef LUA_LAMBDA_CLI_LUA_H
#define LUA_LAMBDA_CLI_LUA_H

#include <stddef.h>

#include <lua.h>

/*
** Opens a state and pushes what the embedded file main returns (as
** require would). NULL with the reason in err on failure; the caller
** lua_close()s a state it got.
*/
lua_State *cli_lua_open (const char *main, char *err, size_t cap);

#endif
