/*
** What a SAM (or CloudFormation) template says of the function a local
** run stands for: its handler, architecture, memory, timeout and
** environment variables, Globals applied. Read by the embedded
** sam_template.lua (a YAML reader for templates) in a Lua state of its
** own, so lua-lambda needs no YAML library.
*/
#ifndef LUA_LAMBDA_SAM_FUNCTION_H
#define LUA_LAMBDA_SAM_FUNCTION_H

#include "function_env.h"

struct sam_function {
  char *logical_id;      /* the resource's name in the template */
  char *handler;         /* or NULL */
  char *architecture;    /* "arm64", "x86_64", or NULL when unsaid */
  int architecture_unknown;  /* said, with what cannot be known here */
  char *log_format;      /* LoggingConfig's LogFormat, or NULL */
  char *log_level;       /* LoggingConfig's ApplicationLogLevel, or NULL */
  int memory_mb;         /* 0 when unsaid */
  int timeout_s;         /* 0 when unsaid */
  struct function_env env;  /* Environment.Variables */
};

/* Which function of the template, when it has several: any of these may
   be NULL. */
struct sam_want {
  const char *name;      /* a logical id */
  const char *handler;
  const char *code_dir;  /* the function's folder, relative to the
                            template's */
  int from_parent;       /* the template is in a folder above it: only a
                            function whose CodeUri is code_dir is it */
};

/*
** Reads the function want picks from the template file. 0; 1 when the
** template (one from_parent) has no function of that folder; or -1 with
** the reason in err (a template it cannot read, no such function, several
** to choose from). What cannot be known locally (a value from !GetAtt, a
** parameter without a default) is left out, with a notice on stderr.
*/
int sam_function_read (const char *file, const struct sam_want *want,
                       struct sam_function *out, char *err, size_t cap);

void sam_function_free (struct sam_function *f);

#endif
