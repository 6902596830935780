/*
** A function's environment for a local run, built the way Lambda builds
** it: Lambda's own variables, the function's configuration (the
** template's Environment.Variables, --env-file, --env) and, standing in
** for the execution role and the region it is deployed to, the shell's
** AWS credential, region and endpoint variables. Nothing else of the
** developer's shell leaks in (LUA_PATH, a LuaRocks tree's paths, ...):
** what runs locally sees what it will see on Lambda.
*/
#ifndef LUA_LAMBDA_FUNCTION_ENV_H
#define LUA_LAMBDA_FUNCTION_ENV_H

#include <stddef.h>

/* "NAME=VALUE" strings, each malloc'd, in order; vars[n] is NULL. */
struct function_env {
  char **vars;
  size_t n, cap;
};

void function_env_init (struct function_env *e);
void function_env_free (struct function_env *e);

/* Sets name (replacing it if set). 0, or -1 when memory runs out. */
int function_env_set (struct function_env *e, const char *name,
                      const char *value);

/* The value of name, or NULL. */
const char *function_env_get (const struct function_env *e,
                              const char *name);

/* Whether name is one a function may set (Lambda refuses a configuration
   that sets its reserved variables). */
int function_env_name_ok (const char *name);

/*
** Whether name is one Lambda sets from the function's configuration or
** per process (the flags and the template say it here): not a developer's
** to give with --env. The credentials and region, reserved on Lambda,
** may be: here they stand in for the role's and the deployment's.
*/
int function_env_set_by_lambda (const char *name);

/* --env NAME=VALUE. 0, or -1 with the reason in err. */
int function_env_put (struct function_env *e, const char *assignment,
                      char *err, size_t cap);

/*
** --env-file: NAME=VALUE lines (a dotenv file): blank lines and lines
** starting with '#' skipped, "export " allowed before the name, a value
** in single quotes taken as it is, in double quotes with \n, \t, \",
** \\ read (a comment may follow the closing quote), a plain one up to
** " #". 0, or -1 with the file, line and reason in err.
*/
int function_env_read_file (struct function_env *e, const char *path,
                            char *err, size_t cap);

/*
** The shell's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
** AWS_SESSION_TOKEN, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE,
** AWS_CONFIG_FILE (made absolute from HOME when only ~/.aws has them),
** AWS_ENDPOINT_URL and every AWS_ENDPOINT_URL_<SERVICE>, the container
** credentials variables, HTTPS_PROXY, NO_PROXY and AWS_CA_BUNDLE (to
** reach AWS from here); and the sanitizers' options (*SAN_OPTIONS) for a
** checked runtime. (The region is the caller's: AWS_REGION and
** AWS_DEFAULT_REGION, one value, as Lambda sets them.)
*/
int function_env_from_shell (struct function_env *e);

#endif
