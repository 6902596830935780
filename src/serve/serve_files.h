/*
** serve's own files, compiled in (src/serve/files/: the HTTP front's
** Lua) by cmake/EmbedFiles.cmake.
*/
#ifndef LUA_LAMBDA_SERVE_FILES_H
#define LUA_LAMBDA_SERVE_FILES_H

#include "embedded_file.h"

/* Ends with an entry whose path is NULL. */
extern const struct embedded_file serve_files[];

#endif
