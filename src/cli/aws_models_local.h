/*
** The AWS models a local run (lua-lambda invoke, serve) lets the function
** load: those `lua-lambda build` would pack for it (aws_services.h), no
** more, so that what loads here loads deployed. They are linked into a
** folder of their own, named to the function in LUA_LAMBDA_AWS_MODELS
** (the first place lambda.aws.model looks); the function's folder and
** its --layer folders are searched after it, as on Lambda.
*/
#ifndef LUA_LAMBDA_AWS_MODELS_LOCAL_H
#define LUA_LAMBDA_AWS_MODELS_LOCAL_H

#include "function_env.h"

/*
** Sets LUA_LAMBDA_AWS_MODELS in env to a new folder linking the models
** of the services the function in root uses; one that env sets already
** (--env, --env-file, the template) is left as it is, with a notice.
** *made: the folder made, or NULL; give it to aws_models_local_remove
** whatever is returned. 0, or -1 having said why.
*/
int aws_models_local (const char *root, struct function_env *env,
                      char **made);

/* Removes the folder aws_models_local made, and frees the path. */
void aws_models_local_remove (char *made);

#endif
