#include "lua_host.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lambda_limits.h"
#include "log_stdout.h"

/* A set, non-empty variable, or NULL. */
static const char *env (const char *name) {
  const char *v = getenv(name);
  return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* A whole number from lo to hi, else the fallback: the one way numbers
   are read from the environment. */
static long env_long (const char *name, long lo, long hi, long fallback) {
  const char *v = env(name);
  char *end;
  long n;
  if (v == NULL)
    return fallback;
  n = strtol(v, &end, 10);
  return (*end == '\0' && n >= lo && n <= hi) ? n : fallback;
}

void host_config_from_env (struct host_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->handler = env("_HANDLER");
  cfg->task_root = env("LAMBDA_TASK_ROOT");
  if (cfg->task_root == NULL)
    cfg->task_root = ".";
  /* serve and invoke's --layer folders stand in for /opt; set empty,
     there is none (a local run without --layer: this machine's /opt is
     not a layer) */
  cfg->layer_dirs = getenv("LUA_LAMBDA_LAYER_DIRS");
  if (cfg->layer_dirs == NULL)
    cfg->layer_dirs = "/opt";
  /* As Lua reads them: the versioned name first (host_paths.c) */
  cfg->lua_path = env("LUA_PATH_5_4");
  if (cfg->lua_path == NULL)
    cfg->lua_path = env("LUA_PATH");
  cfg->lua_cpath = env("LUA_CPATH_5_4");
  if (cfg->lua_cpath == NULL)
    cfg->lua_cpath = env("LUA_CPATH");
  cfg->function.function_name = env("AWS_LAMBDA_FUNCTION_NAME");
  cfg->function.function_version = env("AWS_LAMBDA_FUNCTION_VERSION");
  cfg->function.log_group_name = env("AWS_LAMBDA_LOG_GROUP_NAME");
  cfg->function.log_stream_name = env("AWS_LAMBDA_LOG_STREAM_NAME");
  cfg->timeout_margin_ms = env_long("LUA_LAMBDA_TIMEOUT_MARGIN_MS", 0,
                                    900000, 100);
  cfg->heap_headroom_mb = env_long("LUA_LAMBDA_MEMORY_HEADROOM_MB", 0,
                                   LAMBDA_MAX_MEMORY_MB, 16);
  cfg->heap_limit_mb = env_long("LUA_LAMBDA_MEMORY_LIMIT_MB", 0,
                                 LAMBDA_MAX_MEMORY_MB, -1);
  cfg->json_max_depth = (int)env_long("LUA_LAMBDA_JSON_MAX_DEPTH", 1, 10000,
                                      JSON_DEFAULT_MAX_DEPTH);
  /* Managed Instances: up to this many invocations at once, one Lua state
     each (runtime_loop.c). */
  cfg->max_concurrency = (int)env_long("AWS_LAMBDA_MAX_CONCURRENCY", 1,
                                       HOST_MAX_CONCURRENCY, 1);
  log_stdout_settings(env("AWS_LAMBDA_LOG_FORMAT"),
                      env("AWS_LAMBDA_LOG_LEVEL"), cfg->max_concurrency > 1,
                      &cfg->log_json, &cfg->log_level);
  host_config_set_memory(cfg, env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));
}

void host_config_set_memory (struct host_config *cfg, const char *mb) {
  long memory = 0, limit = cfg->heap_limit_mb;
  if (mb != NULL) {
    char *end;
    memory = strtol(mb, &end, 10);
    if (*end != '\0' || memory < 0)
      memory = 0;
  }
  cfg->function.memory_size = mb;
  if (limit < 0) {
    limit = memory > cfg->heap_headroom_mb ? memory - cfg->heap_headroom_mb
                                           : 0;
    /* Each of the states running at once gets its share. */
    if (cfg->max_concurrency > 1)
      limit /= cfg->max_concurrency;
  }
  cfg->heap_limit = (size_t)limit * 1024 * 1024;
}
