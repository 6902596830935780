/*
** One way for every subcommand to read its flags: the command lists its
** options in a table (name, kind, the field it fills) and its parse()
** hands each word of argv to cli_args_take, which fills the field or says
** why it cannot. What is left (positional words, "--", flags shared by
** several commands such as local_function_flag's) stays the command's.
*/
#ifndef LUA_LAMBDA_CLI_ARGS_H
#define LUA_LAMBDA_CLI_ARGS_H

enum cli_option_kind {
  CLI_SWITCH,          /* --watch: *number = 1 */
  CLI_TEXT,            /* --out DIR: *text = the next word */
  CLI_NUMBER,          /* --port N: *number = N, from min to max */
  CLI_OPTIONAL_NUMBER, /* --http [PORT]: N when a number follows, else
                          *number = absent */
  CLI_LIST             /* --layer DIR, again and again: text[(*number)++]
                          = the next word, at most max of them */
};

struct cli_option {
  const char *name;
  enum cli_option_kind kind;
  int *number;         /* CLI_SWITCH, the number kinds; CLI_LIST: the
                          words in text so far */
  const char **text;   /* CLI_TEXT; CLI_LIST: an array of max words */
  int min, max;        /* the number kinds: the range; CLI_LIST: max
                          words */
  int absent;          /* CLI_OPTIONAL_NUMBER without a number */
};

enum cli_take {
  CLI_NOT_MINE,        /* argv[*i] is none of the table's options */
  CLI_TAKEN,           /* filled; *i is at the option's last word */
  CLI_BAD              /* a missing or bad value: said on stderr */
};

/* Matches argv[*i] against the n options of opts. */
enum cli_take cli_args_take (const struct cli_option *opts, int n,
                             int argc, char **argv, int *i);

/* s as a whole number from lo to hi: 0, or -1 (nothing said). */
int cli_parse_int (const char *s, int lo, int hi, int *out);

/* cli_parse_int, saying on stderr what flag wanted when s is not it. */
int cli_parse_flag_int (const char *flag, const char *s, int lo, int hi,
                        int *out);

#define CLI_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
