/*
** lua_host driven directly, with no HTTP: handler resolution, results,
** error mapping and init errors. Handlers live in $FIXTURES/handlers.
*/
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lua_host.h"

static char task_root[1024];

static int contains (const struct host_outcome *out, const char *needle) {
  return out->body != NULL && strstr(out->body, needle) != NULL;
}

static struct lua_host *load (const char *handler, struct host_outcome *out,
                              int *rc) {
  static struct host_config cfg;
  char err[256];
  struct lua_host *host;
  host_config_from_env(&cfg);
  host = lua_host_new(&cfg, err, sizeof(err));
  CHECK(host != NULL);
  cfg.handler = handler;
  cfg.task_root = task_root;
  cfg.layer_dirs = "/nonexistent-layer-root";
  cfg.function.function_name = "test-fn";
  cfg.function.memory_size = "128";
  *rc = lua_host_load(host, &cfg, out);
  return host;
}

static void invoke (struct lua_host *host, const char *payload,
                    struct host_outcome *out) {
  struct invocation inv;
  invocation_init(&inv);
  buffer_set(&inv.request_id, "req-1", 5);
  buffer_set(&inv.payload, payload, strlen(payload));
  inv.deadline_ms = 0;
  lua_host_invoke(host, &inv, out);
  invocation_free(&inv);
}

static void test_result_is_json (void) {
  struct host_outcome out;
  int rc;
  struct lua_host *host = load("app.hello", &out, &rc);
  CHECK(rc == 0);
  invoke(host, "{\"name\":\"Lua\"}", &out);
  CHECK(!out.failed);
  CHECK(contains(&out, "\"body\":\"hello Lua\""));
  CHECK(contains(&out, "\"statusCode\":200"));
  invoke(host, "{}", &out);
  CHECK(contains(&out, "\"body\":\"hello world\""));
  lua_host_free(host);
}

static void test_state_persists_and_init_runs_once (void) {
  struct host_outcome out;
  int rc;
  struct lua_host *host = load("init_counter.handler", &out, &rc);
  CHECK(rc == 0);
  invoke(host, "{}", &out);
  invoke(host, "{}", &out);
  CHECK(out.len == 1 && out.body[0] == '1');
  host = (lua_host_free(host), load("app.count", &out, &rc));
  invoke(host, "{}", &out);
  invoke(host, "{}", &out);
  CHECK(out.len == 1 && out.body[0] == '2');
  lua_host_free(host);
}

static void test_errors (void) {
  struct host_outcome out;
  int rc;
  struct lua_host *host = load("app.fail_table", &out, &rc);
  invoke(host, "{}", &out);
  CHECK(out.failed);
  CHECK_STR(out.error_type, "Function.NotFound");
  CHECK(contains(&out, "\"errorType\":\"NotFound\""));
  CHECK(contains(&out, "\"errorMessage\":\"no such user\""));
  CHECK(contains(&out, "app.lua:"));
  lua_host_free(host);

  host = load("app.fail_string", &out, &rc);
  invoke(host, "{}", &out);
  CHECK_STR(out.error_type, "Function.Error");
  CHECK(contains(&out, "app.lua:37: boom"));
  lua_host_free(host);

  host = load("app.echo", &out, &rc);
  invoke(host, "{not json", &out);
  CHECK(out.failed);
  CHECK_STR(out.error_type, "Runtime.UnmarshalError");
  invoke(host, "{\"ok\":true}", &out);  /* the host survives */
  CHECK(!out.failed);
  lua_host_free(host);

  host = load("app.return_function", &out, &rc);
  invoke(host, "{}", &out);
  CHECK_STR(out.error_type, "Runtime.MarshalError");
  lua_host_free(host);
}

static void test_init_errors (void) {
  static const struct {
    const char *handler, *type, *needle;
  } cases[] = {
    {"nodot", "Runtime.MalformedHandlerName", "module.function"},
    {"app.", "Runtime.MalformedHandlerName", "app."},
    {".handler", "Runtime.MalformedHandlerName", ".handler"},
    {"a..b", "Runtime.MalformedHandlerName", "a..b"},
    {"missing.handler", "Runtime.ImportModuleError", "missing"},
    {"syntax_error.handler", "Runtime.UserCodeSyntaxError", "syntax_error.lua:4"},
    {"toplevel_error.handler", "Runtime.ImportModuleError",
     "cannot reach the database"},
    {"app.nope", "Runtime.HandlerNotFound", "'nope'"},
    {"app.not_a_function", "Runtime.HandlerNotFound", "string"},
    {"returns_nothing.handler", "Runtime.HandlerNotFound", "boolean"},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct host_outcome out;
    int rc;
    struct lua_host *host = load(cases[i].handler, &out, &rc);
    CHECK(rc == -1);
    CHECK(out.failed);
    CHECK_STR(out.error_type, cases[i].type);
    if (!contains(&out, cases[i].needle))
      fprintf(stderr, "%s: body %s lacks %s\n", cases[i].handler,
              out.body ? out.body : "(null)", cases[i].needle);
    CHECK(contains(&out, cases[i].needle));
    lua_host_free(host);
  }
}

/* lambda.log writes to the host's sink, set when the host was made: the
   environment is not read again (log.so reads it in a stock lua5.4). */
static void test_log_is_the_hosts (void) {
  struct host_outcome out;
  struct lua_host *host;
  int rc;
  unsetenv("AWS_LAMBDA_LOG_FORMAT");
  unsetenv("AWS_LAMBDA_LOG_LEVEL");
  host = load("app.log_settings", &out, &rc);
  CHECK(rc == 0);
  setenv("AWS_LAMBDA_LOG_FORMAT", "JSON", 1);
  setenv("AWS_LAMBDA_LOG_LEVEL", "FATAL", 1);
  invoke(host, "{}", &out);
  CHECK(!out.failed);
  CHECK(contains(&out, "\"Text TRACE\""));
  unsetenv("AWS_LAMBDA_LOG_FORMAT");
  unsetenv("AWS_LAMBDA_LOG_LEVEL");
  lua_host_free(host);
}

int main (void) {
  const char *fixtures = getenv("FIXTURES");
  if (fixtures == NULL) {
    fprintf(stderr, "set FIXTURES to spec/fixtures\n");
    return 2;
  }
  snprintf(task_root, sizeof(task_root), "%s/handlers", fixtures);
  test_result_is_json();
  test_state_persists_and_init_runs_once();
  test_errors();
  test_init_errors();
  test_log_is_the_hosts();
  return check_report();
}
