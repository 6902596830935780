#!/bin/sh
# bootstrap under valgrind's memcheck: a few hundred invocations of an
# echo, a failing, a streaming and a logging handler, then a clean exit
# (a 500 on /next) so the leak check runs. Fails on any invalid access or
# definite leak.
#   scripts/valgrind-check.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
for spec in "bench/echo:app.handler" \
            "spec/fixtures/handlers:app.fail_table" \
            "spec/fixtures/handlers:app.stream_hello" \
            "spec/integration/lambda_module:app.logs" \
            "spec/integration/lambda_module:app.metrics"; do
  root=${spec%%:*}
  handler=${spec#*:}
  echo "valgrind-check: $handler"
  LAMBDA_TASK_ROOT="$PWD/$root" _HANDLER="$handler" AWS_LAMBDA_LOG_FORMAT=JSON \
    "$build/bench_fake_api" -n 200 --end-with-500 -e bench/events/small.json \
    -- $vg "$build/bootstrap" > /dev/null
done
echo "valgrind-check: no invalid accesses, no definite leaks"
