/* error_body_build and error_header_type. */
#include "check.h"
#include "error_body.h"

static void test_header_type (void) {
  char out[64];
  error_header_type(out, sizeof(out), "Function", "NotFound");
  CHECK_STR(out, "Function.NotFound");
  error_header_type(out, sizeof(out), "Function", "not-found_2");
  CHECK_STR(out, "Function.Notfound");
  error_header_type(out, sizeof(out), "Function", "");
  CHECK_STR(out, "Function.Error");
  error_header_type(out, sizeof(out), "Function", "x");
  CHECK_STR(out, "Function.XError");
  error_header_type(out, sizeof(out), "Function", "123");
  CHECK_STR(out, "Function.Error");
  error_header_type(out, 12, "Function", "Truncated");
  CHECK_STR(out, "Function.Tr");
}

static void test_body_escapes_and_frames (void) {
  struct buffer b;
  static const char msg[] = "a \"quoted\"\\ line\nand\ttab\x01";
  buffer_init(&b);
  CHECK(error_body_build(&b, "Error", msg, sizeof(msg) - 1,
                         "stack traceback:\n\t[C]: in function 'error'\n"
                         "\tapp.lua:3: in function 'app.handler'") == 0);
  CHECK_STR(b.data,
            "{\"errorMessage\":\"a \\\"quoted\\\"\\\\ line\\nand\\ttab"
            "\\u0001\",\"errorType\":\"Error\",\"stackTrace\":"
            "[\"[C]: in function 'error'\","
            "\"app.lua:3: in function 'app.handler'\"]}");
  CHECK(error_body_build(&b, "Runtime.X", "m", 1, NULL) == 0);
  CHECK_STR(b.data, "{\"errorMessage\":\"m\",\"errorType\":\"Runtime.X\","
                    "\"stackTrace\":[]}");
  buffer_free(&b);
}

int main (void) {
  test_header_type();
  test_body_escapes_and_frames();
  return check_report();
}
