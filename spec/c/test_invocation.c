/* invocation_parse_header: the /next headers, as libcurl hands them over. */
#include <string.h>

#include "check.h"
#include "invocation.h"

static void feed (struct invocation *inv, const char *line) {
  CHECK(invocation_parse_header(inv, line, strlen(line)) == 0);
}

static void test_every_header (void) {
  struct invocation inv;
  invocation_init(&inv);
  feed(&inv, "HTTP/1.1 200 OK\r\n");
  feed(&inv, "Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4\r\n");
  feed(&inv, "Lambda-Runtime-Deadline-Ms: 1700000000123\r\n");
  feed(&inv, "Lambda-Runtime-Invoked-Function-Arn: "
             "arn:aws:lambda:us-east-1:123456789012:function:f\r\n");
  feed(&inv, "Lambda-Runtime-Trace-Id: Root=1-5bef4de7;Sampled=1\r\n");
  feed(&inv, "Lambda-Runtime-Client-Context: {\"custom\":{}}\r\n");
  feed(&inv, "Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"x\"}\r\n");
  feed(&inv, "Lambda-Runtime-Aws-Tenant-Id: tenant-7\r\n");
  feed(&inv, "Lambda-Runtime-Invocation-Id: inv-42\r\n");
  feed(&inv, "Content-Type: application/json\r\n");
  feed(&inv, "\r\n");
  CHECK_STR(inv.request_id.data, "8476a536-e9f4");
  CHECK(inv.deadline_ms == 1700000000123LL);
  CHECK_STR(inv.function_arn.data,
            "arn:aws:lambda:us-east-1:123456789012:function:f");
  CHECK_STR(inv.trace_id.data, "Root=1-5bef4de7;Sampled=1");
  CHECK_STR(inv.client_context.data, "{\"custom\":{}}");
  CHECK_STR(inv.cognito_identity.data, "{\"cognitoIdentityId\":\"x\"}");
  CHECK_STR(inv.tenant_id.data, "tenant-7");
  CHECK_STR(inv.invocation_id.data, "inv-42");
  invocation_free(&inv);
}

static void test_names_ignore_case_and_values_are_trimmed (void) {
  struct invocation inv;
  invocation_init(&inv);
  feed(&inv, "lambda-runtime-aws-request-id:   abc \t\r\n");
  feed(&inv, "LAMBDA-RUNTIME-DEADLINE-MS:42\r\n");
  CHECK_STR(inv.request_id.data, "abc");
  CHECK(inv.deadline_ms == 42);
  invocation_free(&inv);
}

static void test_reset_forgets_the_previous_invocation (void) {
  struct invocation inv;
  invocation_init(&inv);
  feed(&inv, "Lambda-Runtime-Trace-Id: Root=1\r\n");
  feed(&inv, "Lambda-Runtime-Deadline-Ms: 99\r\n");
  invocation_reset(&inv);
  CHECK(inv.trace_id.len == 0);
  CHECK(inv.deadline_ms == 0);
  invocation_free(&inv);
}

static void test_bad_deadline_is_no_deadline (void) {
  struct invocation inv;
  invocation_init(&inv);
  feed(&inv, "Lambda-Runtime-Deadline-Ms: 12x\r\n");
  CHECK(inv.deadline_ms == 0);
  feed(&inv, "Lambda-Runtime-Deadline-Ms: 99999999999999999999999\r\n");
  CHECK(inv.deadline_ms == 0);
  invocation_free(&inv);
}

int main (void) {
  test_every_header();
  test_names_ignore_case_and_values_are_trimmed();
  test_reset_forgets_the_previous_invocation();
  test_bad_deadline_is_no_deadline();
  return check_report();
}
