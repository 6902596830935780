/*
** The function a local run stands for (invoke, serve, build): its folder,
** handler, layers, architecture, memory, timeout and environment, from
** the flags and the folder's template.yaml, and the environment Lambda
** would give it. One reading for every subcommand, so that each sees the
** function as Lambda will.
*/
#ifndef LUA_LAMBDA_LOCAL_FUNCTION_H
#define LUA_LAMBDA_LOCAL_FUNCTION_H

#include "cli_args.h"
#include "function_env.h"

#define LOCAL_MAX_LAYERS 5     /* Lambda's limit of layers a function */
#define LOCAL_MAX_ENV_ARGS 64

/* The flags every subcommand running a function takes. */
struct local_function_opts {
  const char *task_root;        /* --task-root (default ".") */
  const char *handler;          /* HANDLER, or NULL: the template's */
  const char *function_name;    /* --function-name, or NULL */
  const char *template_file;    /* --template FILE, or NULL */
  int no_template;              /* --no-template */
  const char *layers[LOCAL_MAX_LAYERS];  /* --layer DIR, in order */
  int n_layers;
  const char *env_files[LOCAL_MAX_ENV_ARGS];  /* --env-file FILE */
  int n_env_files;
  const char *env_sets[LOCAL_MAX_ENV_ARGS];   /* --env NAME=VALUE */
  int n_env_sets;
  int memory_mb;                /* --memory, or 0 */
  int timeout_s;                /* --timeout, or 0 */
};

/* The usage text of those flags, for a subcommand's usage line. */
#define LOCAL_FUNCTION_USAGE \
  "[--task-root DIR] [--template FILE | --no-template] [--layer DIR]... " \
  "[--env-file FILE]... [--env NAME=VALUE]... [--function-name NAME] " \
  "[--memory MB] [--timeout S]"

void local_function_opts_init (struct local_function_opts *o);

#define LOCAL_FUNCTION_OPTIONS 9

/*
** The table of those flags (cli_args.h), filling o, for a command that
** reads them with its own: LOCAL_FUNCTION_OPTIONS entries into table.
*/
void local_function_options (struct local_function_opts *o,
                             struct cli_option *table);

/*
** Takes the flag at argv[*i] if it is one of these (advancing *i past
** its value): 1; 0 when it is not; -1 after saying what is wrong with it.
*/
int local_function_flag (struct local_function_opts *o, int argc,
                         char **argv, int *i);

struct local_function {
  char *task_root;              /* absolute */
  char *handler;                /* the flag's, the template's, app.handler */
  char *function_name;          /* the flag's, or "function" */
  char *template_file;          /* the template read, or NULL */
  char *logical_id;             /* its function's name there, or NULL */
  char *architecture;           /* the template's, or NULL */
  int architecture_unknown;     /* the template's cannot be known here */
  char *layer_dirs;             /* the layers' absolute paths, ':'-joined,
                                   or NULL: /opt */
  int memory_mb;                /* flag, template, else 128 */
  int timeout_s;                /* flag, template, else 3 */
  struct function_env env;      /* what Lambda would set, then the
                                   function's variables */
};

/*
** Resolves the function from the flags and the template (notices on
** stderr). runtime_dir is LAMBDA_RUNTIME_DIR (where the runtime is). 0,
** or -1 having said why on stderr.
*/
int local_function_resolve (const struct local_function_opts *o,
                            const char *runtime_dir,
                            struct local_function *f);

void local_function_free (struct local_function *f);

#endif
