/* The subcommands of the developer CLI, lua-lambda. */
#ifndef LUA_LAMBDA_CLI_H
#define LUA_LAMBDA_CLI_H

/* argv[0] is the subcommand's name. Each returns the exit status. */
int invoke_main (int argc, char **argv);
int serve_main (int argc, char **argv);
int build_main (int argc, char **argv);
int new_main (int argc, char **argv);

#endif
