#include "cli_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_int (const char *s, int lo, int hi, int *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi)
    return -1;
  *out = (int)v;
  return 0;
}

int cli_parse_flag_int (const char *flag, const char *s, int lo, int hi,
                        int *out) {
  if (cli_parse_int(s, lo, hi, out) == 0)
    return 0;
  fprintf(stderr, "lua-lambda: %s must be a whole number from %d to %d,"
          " not \"%s\"\n", flag, lo, hi, s);
  return -1;
}

/* CLI_LIST: word after the words before it, when there is room. */
static enum cli_take add (const struct cli_option *o, const char *word) {
  if (*o->number >= o->max) {
    fprintf(stderr, "lua-lambda: too many %s (at most %d)\n", o->name,
            o->max);
    return CLI_BAD;
  }
  o->text[(*o->number)++] = word;
  return CLI_TAKEN;
}

static enum cli_take take (const struct cli_option *o, int argc,
                           char **argv, int *i) {
  const char *next = *i + 1 < argc ? argv[*i + 1] : NULL;
  switch (o->kind) {
    case CLI_SWITCH:
      *o->number = 1;
      return CLI_TAKEN;
    case CLI_OPTIONAL_NUMBER:
      /* The number is optional: taken when the next word is one. */
      *o->number = o->absent;
      if (next != NULL && cli_parse_int(next, o->min, o->max, o->number) == 0)
        (*i)++;
      return CLI_TAKEN;
    case CLI_TEXT:
    case CLI_NUMBER:
    case CLI_LIST:
      break;
  }
  if (next == NULL) {
    fprintf(stderr, "lua-lambda: %s needs a value\n", o->name);
    return CLI_BAD;
  }
  (*i)++;
  if (o->kind == CLI_TEXT) {
    *o->text = next;
    return CLI_TAKEN;
  }
  if (o->kind == CLI_LIST)
    return add(o, next);
  return cli_parse_flag_int(o->name, next, o->min, o->max, o->number) == 0
             ? CLI_TAKEN : CLI_BAD;
}

enum cli_take cli_args_take (const struct cli_option *opts, int n,
                             int argc, char **argv, int *i) {
  int k;
  for (k = 0; k < n; k++) {
    if (strcmp(argv[*i], opts[k].name) == 0)
      return take(&opts[k], argc, argv, i);
  }
  return CLI_NOT_MINE;
}

/* Whether word is one of the command's words, not a flag. */
static int is_word (const char *word) {
  return word[0] != '-' || word[1] == '\0';
}

int cli_args_read (const struct cli_option *opts, int n, int argc,
                   char **argv, const char **words, int max_words,
                   void (*usage) (void)) {
  int i, n_words = 0;
  for (i = 1; i < argc; i++) {
    enum cli_take took = cli_args_take(opts, n, argc, argv, &i);
    if (took == CLI_BAD)
      return -1;
    if (took == CLI_TAKEN)
      continue;
    if (!is_word(argv[i]) || n_words == max_words) {
      usage();
      return -1;
    }
    words[n_words++] = argv[i];
  }
  return n_words;
}
