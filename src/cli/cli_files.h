/* Files for the CLI's subcommands: events to read, roots to resolve. */
#ifndef LUA_LAMBDA_CLI_FILES_H
#define LUA_LAMBDA_CLI_FILES_H

#include <stddef.h>

/* Reads a whole file ("-" is stdin) into a malloc'd NUL-terminated string. */
char *cli_read_file (const char *path, size_t *len);

/* An absolute path for path (which must exist), malloc'd; NULL on error. */
char *cli_absolute (const char *path);

/* The folder the running lua-lambda is in, malloc'd; NULL on error. */
char *cli_own_folder (void);

#endif
