/*
** Files compiled into lua-lambda (src/cli/files/: the SAM reader,
** lua-lambda new's templates) by cmake/EmbedFiles.cmake.
*/
#ifndef LUA_LAMBDA_EMBEDDED_FILES_H
#define LUA_LAMBDA_EMBEDDED_FILES_H

#include "embedded_file.h"

/* Ends with an entry whose path is NULL. */
extern const struct embedded_file cli_files[];

/* The file at path, or NULL. */
const struct embedded_file *embedded_file_find (const char *path);

#endif
