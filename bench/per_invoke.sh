#!/bin/sh
# Where one invocation's work goes, counted rather than timed (so it is the
# same on a busy machine): instructions per invocation by valgrind's
# callgrind, split into libcurl, Lua and the rest, and system calls per
# invocation by strace -c; for bootstrap and for the libcurl floor
# (bench/floor_curl.c), with the 100 B and the API Gateway event.
#   bench/per_invoke.sh [BUILD_DIR] [N]
# Each count is (a run of 2N invocations) - (a run of N), over N: what
# start-up costs cancels out.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-500}
events=${LUA_LAMBDA_EVENTS:-spec/fixtures/events}
fake=$build/bench_fake_api
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LAMBDA_TASK_ROOT="$PWD/bench/echo" _HANDLER=app.handler
. bench/lib.sh

# instructions RUNTIME EVENT COUNT: callgrind's counts over COUNT
# invocations: "all libcurl Lua"
instructions () {
  out="$work/cg.$(basename "$1").$3"
  "$fake" -n "$3" -e "$2" -- valgrind -q --tool=callgrind \
    --callgrind-out-file="$out" "$build/$1" > /dev/null
  callgrind_annotate --inclusive=no --threshold=100 --auto=no "$out" 2>/dev/null |
    awk '
    /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1; next }
    /^ *[0-9,]+ \(/ {
      n = $1; gsub(",", "", n)
      if ($0 ~ /libcurl/) curl += n
      else if ($0 ~ /:lua[A-Za-z]*_/) lua += n
    }
    END { print total, curl + 0, lua + 0 }'
}

# syscalls RUNTIME EVENT COUNT: system calls over COUNT invocations
# (strace's log, a line a call: the fake API's SIGTERM stops strace before
# it could print a summary)
syscalls () {
  "$fake" -n "$3" -e "$2" -- strace -f -o "$work/st" "$build/$1" > /dev/null
  grep -vc -e '^[0-9]* *+++' -e '^[0-9]* *---' -e 'resumed>' "$work/st"
}

per () { awk -v a="$1" -v b="$2" -v n="$n" 'BEGIN { printf "%d", (b - a) / n }'; }

printf '%-18s %-10s %12s %10s %10s %10s\n' runtime event "instr/inv" \
  "libcurl" "Lua" "syscalls"
for spec in "100B:bench/events/small.json" \
            "apigw-v2:$events/apigw-v2-request-jwt-authorizer.json"; do
  name=${spec%%:*}
  file=${spec#*:}
  for runtime in bench_floor_curl bootstrap; do
    a=$(instructions "$runtime" "$file" "$n")
    b=$(instructions "$runtime" "$file" "$((2 * n))")
    row=$(echo "$a $b" | awk -v n="$n" '{ printf "%d %d %d", ($4 - $1) / n, ($5 - $2) / n, ($6 - $3) / n }')
    s1=$(syscalls "$runtime" "$file" "$n")
    s2=$(syscalls "$runtime" "$file" "$((2 * n))")
    # shellcheck disable=SC2086
    printf '%-18s %-10s %12s %10s %10s %10s\n' "$runtime" "$name" $row \
      "$(per "$s1" "$s2")"
  done
done
