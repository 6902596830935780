/*
** The AWS services a Lua source names (aws_scan.h): the text cut into
** Lua's tokens (names, strings, punctuation; comments and numbers
** dropped), then read for the forms the header lists.
*/
#include "aws_scan.h"

#include <stdlib.h>
#include <string.h>

#define AWS_MODULE "lambda.aws"

enum token_type { T_NAME, T_STRING, T_PUNCT };

struct token {
  enum token_type type;
  const char *s;     /* a name's or a string's bytes (no quotes) */
  size_t len;        /* a punctuation token: 1, its character in *s */
  int line;
};

struct lexer {
  const char *p, *end;
  int line;
  struct token *toks;
  size_t n, cap;
};

static int is_name_start (char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char (char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

/* The level of a long bracket opening at p ("[[" 0, "[==[" 2), or -1. */
static int long_open (const char *p, const char *end) {
  int level = 0;
  if (p >= end || *p != '[')
    return -1;
  for (p++; p < end && *p == '='; p++)
    level++;
  return p < end && *p == '[' ? level : -1;
}

/* Past the long bracket of level opening at lx->p; its body in s and len. */
static void skip_long (struct lexer *lx, int level, const char **s,
                       size_t *len) {
  const char *p = lx->p + level + 2;
  *s = p;
  for (; p < lx->end; p++) {
    if (*p == '\n') {
      lx->line++;
    } else if (*p == ']' && (size_t)(lx->end - p) >= (size_t)level + 2) {
      int i;
      for (i = 1; i <= level && p[i] == '='; i++)
        ;
      if (i > level && p[level + 1] == ']') {
        *len = (size_t)(p - *s);
        lx->p = p + level + 2;
        return;
      }
    }
  }
  *len = (size_t)(p - *s);  /* unclosed: to the end */
  lx->p = lx->end;
}

/* Past a quoted string at lx->p; its bytes as written in s and len. */
static void skip_quoted (struct lexer *lx, const char **s, size_t *len) {
  char quote = *lx->p;
  const char *p = lx->p + 1;
  *s = p;
  while (p < lx->end && *p != quote && *p != '\n') {
    if (*p == '\\' && p + 1 < lx->end) {
      if (p[1] == '\n')
        lx->line++;
      p++;
    }
    p++;
  }
  *len = (size_t)(p - *s);
  lx->p = p < lx->end ? p + 1 : p;
}

static int push (struct lexer *lx, enum token_type type, const char *s,
                 size_t len, int line) {
  if (lx->n == lx->cap) {
    size_t cap = lx->cap ? 2 * lx->cap : 256;
    struct token *grown = realloc(lx->toks, cap * sizeof(*grown));
    if (grown == NULL)
      return -1;
    lx->toks = grown;
    lx->cap = cap;
  }
  lx->toks[lx->n].type = type;
  lx->toks[lx->n].s = s;
  lx->toks[lx->n].len = len;
  lx->toks[lx->n].line = line;
  lx->n++;
  return 0;
}

/* A number: its digits, letters, dots and an exponent's sign. */
static void skip_number (struct lexer *lx) {
  const char *p = lx->p;
  while (p < lx->end && (is_name_char(*p) || *p == '.')) {
    if ((*p == 'e' || *p == 'E' || *p == 'p' || *p == 'P') &&
        p + 1 < lx->end && (p[1] == '+' || p[1] == '-'))
      p++;
    p++;
  }
  lx->p = p;
}

/* A comment at lx->p ("--"): skipped. */
static void skip_comment (struct lexer *lx) {
  const char *s, *nl;
  size_t len;
  int level;
  lx->p += 2;
  level = long_open(lx->p, lx->end);
  if (level >= 0) {
    skip_long(lx, level, &s, &len);
    return;
  }
  nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
  lx->p = nl != NULL ? nl : lx->end;
}

/* The next token into lx->toks (none at the end): 1, 0 at the end, -1
   when memory runs out. */
static int lex_one (struct lexer *lx) {
  const char *start, *s;
  size_t len;
  int level, line;
  for (;;) {
    while (lx->p < lx->end && strchr(" \t\r\n\f\v", *lx->p) != NULL) {
      if (*lx->p == '\n')
        lx->line++;
      lx->p++;
    }
    if (lx->p + 1 < lx->end && lx->p[0] == '-' && lx->p[1] == '-')
      skip_comment(lx);
    else
      break;
  }
  if (lx->p >= lx->end)
    return 0;
  start = lx->p;
  line = lx->line;
  if (*start == '"' || *start == '\'') {
    skip_quoted(lx, &s, &len);
    return push(lx, T_STRING, s, len, line) == 0 ? 1 : -1;
  }
  if ((level = long_open(start, lx->end)) >= 0) {
    skip_long(lx, level, &s, &len);
    return push(lx, T_STRING, s, len, line) == 0 ? 1 : -1;
  }
  if (is_name_start(*start)) {
    while (lx->p < lx->end && is_name_char(*lx->p))
      lx->p++;
    return push(lx, T_NAME, start, (size_t)(lx->p - start), line) == 0
           ? 1 : -1;
  }
  if (*start >= '0' && *start <= '9') {
    skip_number(lx);
    return 1;
  }
  lx->p++;
  return push(lx, T_PUNCT, start, 1, line) == 0 ? 1 : -1;
}

static int is (const struct token *t, enum token_type type,
               const char *text) {
  return t->type == type && t->len == strlen(text) &&
         memcmp(t->s, text, t->len) == 0;
}

/* Where the module's value ends when one starts at toks[i] (the name
   aws, require "lambda.aws", require("lambda.aws")): the index after
   it, or 0. */
static size_t module_at (const struct token *t, size_t n, size_t i) {
  if (is(&t[i], T_NAME, "aws"))
    return i + 1;
  if (!is(&t[i], T_NAME, "require") || i + 1 >= n)
    return 0;
  if (is(&t[i + 1], T_STRING, AWS_MODULE))
    return i + 2;
  if (i + 3 < n && is(&t[i + 1], T_PUNCT, "(") &&
      is(&t[i + 2], T_STRING, AWS_MODULE) && is(&t[i + 3], T_PUNCT, ")"))
    return i + 4;
  return 0;
}

/* The string arguments of a call at toks[k] (f "x" or f("x", "y", ...));
   only the first when first_only. */
static int call_names (const struct token *t, size_t n, size_t k,
                       int first_only, aws_scan_found found, void *ud) {
  int rc;
  if (k < n && t[k].type == T_STRING)
    return found(ud, t[k].s, t[k].len, AWS_SCAN_NAMED, t[k].line);
  if (k >= n || !is(&t[k], T_PUNCT, "("))
    return 0;
  k++;
  while (k < n && t[k].type == T_STRING) {
    if ((rc = found(ud, t[k].s, t[k].len, AWS_SCAN_NAMED, t[k].line)) != 0)
      return rc;
    if (first_only || k + 1 >= n || !is(&t[k + 1], T_PUNCT, ","))
      break;
    k += 2;  /* past the string and its comma */
  }
  return 0;
}

/* What follows the module's value at toks[j]. */
static int after_module (const struct token *t, size_t n, size_t j,
                         aws_scan_found found, void *ud) {
  if (j + 1 < n && is(&t[j], T_PUNCT, ".") && t[j + 1].type == T_NAME) {
    if (is(&t[j + 1], T_NAME, "client"))
      return call_names(t, n, j + 2, 1, found, ud);
    if (is(&t[j + 1], T_NAME, "warm"))
      return call_names(t, n, j + 2, 0, found, ud);
    return found(ud, t[j + 1].s, t[j + 1].len, AWS_SCAN_FIELD,
                 t[j + 1].line);
  }
  if (j + 2 < n && is(&t[j], T_PUNCT, "[") && t[j + 1].type == T_STRING &&
      is(&t[j + 2], T_PUNCT, "]"))
    return found(ud, t[j + 1].s, t[j + 1].len, AWS_SCAN_FIELD,
                 t[j + 1].line);
  return 0;
}

int aws_scan_text (const char *text, size_t len, aws_scan_found found,
                   void *ud) {
  struct lexer lx;
  size_t i, j;
  int rc = 0, more;
  memset(&lx, 0, sizeof(lx));
  lx.p = text;
  lx.end = text + len;
  lx.line = 1;
  while ((more = lex_one(&lx)) > 0)
    ;
  for (i = 0; more == 0 && rc == 0 && i < lx.n; i++) {
    j = module_at(lx.toks, lx.n, i);
    if (j > 0)
      rc = after_module(lx.toks, lx.n, j, found, ud);
  }
  free(lx.toks);
  return more < 0 ? -1 : rc;
}
