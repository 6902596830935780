/* The subcommands of the developer CLI, lua-lambda. */
#ifndef LUA_LAMBDA_CLI_H
#define LUA_LAMBDA_CLI_H

/* What a subcommand's exit status says. */
enum cli_status {
  CLI_DONE = 0,      /* what was asked is done */
  CLI_FAILED = 1,    /* it failed: the function's error, a build's step */
  CLI_MISUSED = 2    /* a bad flag or input, said before any work */
};

/* argv[0] is the subcommand's name. Each returns the exit status. */
int invoke_main (int argc, char **argv);
int serve_main (int argc, char **argv);
int build_main (int argc, char **argv);
int new_main (int argc, char **argv);

#endif
