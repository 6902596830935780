/* The AWS models a local run lets the function load (aws_models_local.h). */
#include "aws_models_local.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_services.h"

#define MODELS_ENV "LUA_LAMBDA_AWS_MODELS"
#define LOCAL_TMP "/tmp/lua-lambda-aws-models-XXXXXX"

/* A link in dir to each service's model. 0, or -1 having said why. */
static int link_models (const char *dir, const char *models,
                        const struct aws_services *s) {
  size_t i;
  for (i = 0; i < s->n; i++) {
    char *from = aws_model_path(models, s->names[i]);
    char *to = aws_model_path(dir, s->names[i]);
    int rc = from != NULL && to != NULL ? symlink(from, to) : -1;
    if (rc != 0)
      fprintf(stderr, "lua-lambda: cannot link %s into %s: %s\n",
              s->names[i], dir, strerror(errno));
    free(from);
    free(to);
    if (rc != 0)
      return -1;
  }
  return 0;
}

/* Says which models the function sees. */
static void say (const struct aws_services *s, const char *dir) {
  size_t i;
  if (s->n == 0)
    return;
  fprintf(stderr, "lua-lambda: AWS models for the function (as lua-lambda "
          "build packs them), in %s=%s:", MODELS_ENV, dir);
  for (i = 0; i < s->n; i++)
    fprintf(stderr, " %s", s->names[i]);
  fprintf(stderr, "\n");
}

int aws_models_local (const char *root, struct function_env *env,
                      char **made) {
  struct aws_services s;
  char *models, *dir;
  int rc = -1;
  *made = NULL;
  aws_services_init(&s);
  if (function_env_get(env, MODELS_ENV) != NULL) {
    fprintf(stderr, "lua-lambda: %s is the function's own: its models "
            "are not the ones lua-lambda build packs\n", MODELS_ENV);
    return 0;
  }
  models = aws_models_dir();
  dir = strdup(LOCAL_TMP);
  if (dir == NULL || aws_services_of(root, models, 0, &s) != 0) {
    free(models);
    free(dir);
    aws_services_free(&s);
    return -1;
  }
  if (mkdtemp(dir) == NULL) {
    fprintf(stderr, "lua-lambda: cannot make a folder in /tmp: %s\n",
            strerror(errno));
    free(dir);
  } else {
    *made = dir;
    if (link_models(dir, models, &s) == 0 &&
        function_env_set(env, MODELS_ENV, dir) == 0) {
      say(&s, dir);
      rc = 0;
    }
  }
  free(models);
  aws_services_free(&s);
  return rc;
}

void aws_models_local_remove (char *made) {
  DIR *d;
  struct dirent *e;
  if (made == NULL)
    return;
  d = opendir(made);
  while (d != NULL && (e = readdir(d)) != NULL) {
    char path[4096];
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", made, e->d_name);
    unlink(path);
  }
  if (d != NULL)
    closedir(d);
  rmdir(made);
  free(made);
}
