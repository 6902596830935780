/* The subcommands of the developer CLI, lua-lambda. */
#ifndef LUA_LAMBDA_CLI_H
#define LUA_LAMBDA_CLI_H

/* argv[0] is the subcommand's name. Each returns the exit status. */
int invoke_main (int argc, char **argv);
int serve_main (int argc, char **argv);

/* Reads a whole file ("-" is stdin) into a malloc'd NUL-terminated string. */
char *cli_read_file (const char *path, size_t *len);

/* An absolute path for path (which must exist), malloc'd; NULL on error. */
char *cli_absolute (const char *path);

#endif
