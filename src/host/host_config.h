/*
** What the host needs to know of the function and its limits, read once:
** by bootstrap from the environment, by the CLI from the environment and
** then its flags. Nothing in the host reads the environment again.
*/
#ifndef LUA_LAMBDA_HOST_CONFIG_H
#define LUA_LAMBDA_HOST_CONFIG_H

#include <stddef.h>

#include <lauxlib.h>

#include "context.h"
#include "log_stdout.h"

/* The most Lua states AWS_LAMBDA_MAX_CONCURRENCY may ask for. */
#define HOST_MAX_CONCURRENCY 64

struct host_config {
  const char *handler;     /* "module.function"; modules may be nested */
  const char *task_root;   /* LAMBDA_TASK_ROOT: the function's code */
  const char *layer_dirs;  /* where Lambda unpacks layers: "/opt"; or
                              LUA_LAMBDA_LAYER_DIRS, folders standing in
                              for it, ':'-separated, the last on top
                              ("": none) */
  const char *lua_path;    /* LUA_PATH_5_4 or LUA_PATH, or NULL: first */
  const char *lua_cpath;   /* LUA_CPATH_5_4 or LUA_CPATH, or NULL */
  struct function_info function;
  long timeout_margin_ms;  /* LUA_LAMBDA_TIMEOUT_MARGIN_MS (100) */
  size_t heap_limit;       /* the Lua heap's cap in bytes; 0: none */
  long heap_headroom_mb;   /* LUA_LAMBDA_MEMORY_HEADROOM_MB (16) */
  long heap_limit_mb;      /* LUA_LAMBDA_MEMORY_LIMIT_MB, or -1 */
  int json_max_depth;      /* LUA_LAMBDA_JSON_MAX_DEPTH (1000) */
  int max_concurrency;     /* AWS_LAMBDA_MAX_CONCURRENCY (1: on-demand) */
  int log_json;            /* AWS_LAMBDA_LOG_FORMAT is JSON (the default
                              with max_concurrency > 1) */
  enum log_level log_level;  /* AWS_LAMBDA_LOG_LEVEL, or the default */
  const luaL_Reg *c_modules; /* more C modules user code may require,
                                from the program (lambda.fetch); or NULL */
};

/*
** Fills cfg from the environment: _HANDLER, LAMBDA_TASK_ROOT, the
** AWS_LAMBDA_FUNCTION_* and log variables, and the LUA_LAMBDA_* limits.
** Missing or malformed values take their defaults. The strings point
** into the environment.
*/
void host_config_from_env (struct host_config *cfg);

/*
** Sets the function's memory ("128", in MB, as the context reports it)
** and the Lua heap's cap that follows from it: the memory less the
** headroom (shared out among max_concurrency states), unless
** LUA_LAMBDA_MEMORY_LIMIT_MB set the cap itself.
*/
void host_config_set_memory (struct host_config *cfg, const char *mb);

#endif
