/*
** Files compiled into lua-lambda (src/cli/files/: serve --http's Lua,
** lua-lambda new's templates) by cmake/EmbedFiles.cmake.
*/
#ifndef LUA_LAMBDA_EMBEDDED_FILES_H
#define LUA_LAMBDA_EMBEDDED_FILES_H

#include <stddef.h>

struct embedded_file {
  const char *path;   /* relative to src/cli/files: "templates/http/app.lua" */
  const char *data;
  size_t len;
};

/* Ends with an entry whose path is NULL. */
extern const struct embedded_file cli_files[];

/* The file at path, or NULL. */
const struct embedded_file *embedded_file_find (const char *path);

#endif
