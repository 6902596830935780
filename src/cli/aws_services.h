/*
** Which AWS service models a function gets: the one answer for lua-lambda
** build (what goes in the zip, aws-models/<service>.model) and for its
** local runs (what invoke and serve let it load, aws_models_local.h), so
** that what loads here loads deployed, and nothing more.
**
** A function uses the services that
**   - its Lua files name (aws_scan.h says how they are read): every .lua
**     file below its folder but hidden ones, *_spec.lua, and those in
**     lua_modules/, spec/, specs/, test/, tests/, node_modules/ at the top
**     (a dependency's use of lambda.aws is not seen: list it);
**   - its aws-services.txt lists, one name a line ("#" starts a comment;
**     botocore's names, as aws.client takes them): an unknown name there
**     is refused, with the nearest known one.
** An aws.client("x") naming no model is warned of, not refused (it is
** an error at run time, UnknownService, as the runtime says).
*/
#ifndef LUA_LAMBDA_AWS_SERVICES_H
#define LUA_LAMBDA_AWS_SERVICES_H

#include <stddef.h>

#define AWS_SERVICES_FILE "aws-services.txt"
#define AWS_MODELS_FOLDER "aws-models"   /* in a zip, beside the modules */
#define AWS_MODEL_SUFFIX ".model"

/* Service names, sorted, each once; each malloc'd. */
struct aws_services {
  char **names;
  size_t n, cap;
};

void aws_services_init (struct aws_services *s);
void aws_services_free (struct aws_services *s);

/*
** The folder of the models this lua-lambda carries (malloc'd), or NULL:
** an installed one's, <prefix>/share/lua-lambda/aws-models (found from
** the program's own folder, so a moved prefix holds), else the source
** tree's models/ it was built from, else the compiled-in install folder.
*/
char *aws_models_dir (void);

/*
** The services the function in root uses (above), or every model's with
** all, into out. models: aws_models_dir()'s, or NULL when there is none
** (then a function that needs a model cannot be built). 0, or -1 having
** said why on stderr.
*/
int aws_services_of (const char *root, const char *models, int all,
                     struct aws_services *out);

/* models/<name>.model, malloc'd. */
char *aws_model_path (const char *models, const char *name);

#endif
