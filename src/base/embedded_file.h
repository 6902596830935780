/*
** A file compiled into a program as bytes (cmake/EmbedFiles.cmake): the
** CLI's (src/cli/files) and serve's (src/serve/files).
*/
#ifndef LUA_LAMBDA_EMBEDDED_FILE_H
#define LUA_LAMBDA_EMBEDDED_FILE_H

#include <stddef.h>

struct embedded_file {
  const char *path;   /* relative to its folder: "templates/http/app.lua" */
  const char *data;
  size_t len;
};

#endif
