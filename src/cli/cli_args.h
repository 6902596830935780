/*
** One way for every subcommand to read its flags: the command lists its
** options in a table (name, kind, the field it fills) and its parse()
** hands argv to cli_args_read, which fills the fields and collects the
** command's own words (or cli_args_take, one word at a time, for a
** command with more to read itself, such as serve's "--"). The flags
** several commands share come as a table too (local_function_options).
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

/*
** Reads argv after argv[0]: each of the n options of opts, and up to
** max_words other words (not flags: "-" is one, stdin) into words, in
** order. The number of words, or -1 having said why: a bad value, or the
** usage (usage() called) for a flag of no option or a word too many.
*/
int cli_args_read (const struct cli_option *opts, int n, int argc,
                   char **argv, const char **words, int max_words,
                   void (*usage) (void));

/* s as a whole number from lo to hi: 0, or -1 (nothing said). */
int cli_parse_int (const char *s, int lo, int hi, int *out);

/* cli_parse_int, saying on stderr what flag wanted when s is not it. */
int cli_parse_flag_int (const char *flag, const char *s, int lo, int hi,
                        int *out);

#define CLI_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
