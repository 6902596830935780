#!/bin/sh
# Where one invocation's work goes, counted rather than timed (so it is the
# same on a busy machine): instructions per invocation by valgrind's
# callgrind, split into libcurl, Lua and the rest, and system calls per
# invocation by strace -c; for bootstrap and for the libcurl floor
# (bench/floor_curl.c), with the 100 B, the API Gateway and a 1 MB event;
# and, on the 1 MB event, a handler that reads one field, as any handler
# and with lambda.raw_event (bench/pick); the 100 B echo by a handler that
# declares a context (bench/echo's with_context); and start-up, exec to
# the first invocation answered.
#   bench/per_invoke.sh [BUILD_DIR] [N]
# Each count is (a run of 2N invocations) - (a run of N), over N: what
# start-up costs cancels out.
build=${1:-build}
n=${2:-500}
. "$(dirname "$0")/lib.sh"
big_event "$work/big.json"

# instructions RUNTIME EVENT COUNT: "all libcurl Lua" (bench/lib.sh)
instructions () { callgrind_counts "$build/$1" "$2" "$3"; }

# syscalls RUNTIME EVENT COUNT: system calls over COUNT invocations
# (strace's log, a line a call: the fake API's SIGTERM stops strace before
# it could print a summary)
syscalls () {
  "$fake" -n "$3" -e "$2" -- strace -f -o "$work/st" "$build/$1" > /dev/null
  grep -vc -e '^[0-9]* *+++' -e '^[0-9]* *---' -e 'resumed>' "$work/st"
}

printf '%-20s %-10s %12s %10s %10s %10s\n' runtime event "instr/inv" \
  "libcurl" "Lua" "syscalls"
# row RUNTIME NAME EVENT COUNT
row () {
  a=$(instructions "$1" "$3" "$4")
  b=$(instructions "$1" "$3" "$(($4 * 2))")
  cells=$(echo "$a $b" | awk -v n="$4" '{ printf "%d %d %d", ($4 - $1) / n, ($5 - $2) / n, ($6 - $3) / n }')
  s1=$(syscalls "$1" "$3" "$4")
  s2=$(syscalls "$1" "$3" "$(($4 * 2))")
  # shellcheck disable=SC2086
  printf '%-20s %-10s %12s %10s %10s %10s\n' "${label:-$1}" "$2" $cells \
    "$(awk -v a="$s1" -v b="$s2" -v n="$4" 'BEGIN { printf "%d", (b - a) / n }')"
}

for spec in "100B:bench/events/small.json:$n" \
            "apigw-v2:$events/apigw-v2-request-jwt-authorizer.json:$n" \
            "1MB:$work/big.json:$((n / 100 + 1))"; do
  name=${spec%%:*}
  rest=${spec#*:}
  file=${rest%:*}
  count=${rest##*:}
  for runtime in bench_floor_curl bootstrap; do
    row "$runtime" "$name" "$file" "$count"
  done
done
label="bootstrap (context)" _HANDLER=app.with_context
export _HANDLER
row bootstrap 100B bench/events/small.json "$n"
export LAMBDA_TASK_ROOT="$PWD/bench/pick"
for handler in eager raw; do
  export _HANDLER="app.$handler"
  label="bootstrap ($handler)"
  row bootstrap "1MB pick" "$work/big.json" "$((n / 100 + 1))"
done

# Start-up: instructions from exec to the first /next answered and its
# echo posted (one invocation), the dynamic loader's relocations included.
export LAMBDA_TASK_ROOT="$PWD/bench/echo" _HANDLER=app.handler
floor=$(instructions bench_floor_curl bench/events/small.json 1 | cut -d' ' -f1)
ours=$(instructions bootstrap bench/events/small.json 1 | cut -d' ' -f1)
echo "start-up and one invocation: libcurl floor $floor instructions," \
  "bootstrap $ours ($(ratio "$ours" "$floor")x)"
