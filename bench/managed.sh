#!/bin/sh
# Managed Instances: invocations per second with 2 workers against 1, on a
# CPU-bound handler (bench/cpu/app.lua), against bench_fake_api serving a
# connection per worker (-c), in alternating rounds; what the fake costs;
# and the RSS each extra worker adds to the echo handler.
#   bench/managed.sh [BUILD_DIR] [INVOCATIONS] [ROUNDS]
build=${1:-build}
n=${2:-600}
rounds=${3:-5}
. "$(dirname "$0")/lib.sh"
echo '{"n":200000}' > "$work/event.json"
r=1
while [ "$r" -le "$rounds" ]; do
  for c in 1 2; do
    AWS_LAMBDA_MAX_CONCURRENCY=$c LAMBDA_TASK_ROOT="$PWD/bench/cpu" \
      "$build/bench_fake_api" -n "$n" -c "$c" -e "$work/event.json" \
      -- "$build/bootstrap" > "$work/run"
    field invocations_per_second "$work/run" >> "$work/ips-$c"
    field fake_cpu_share "$work/run" >> "$work/fake-$c"
  done
  r=$((r + 1))
done
i1=$(median < "$work/ips-1")
i2=$(median < "$work/ips-2")
echo "CPU-bound handler, median of $rounds alternating rounds of $n:" \
  "1 worker $i1 inv/s, 2 workers $i2 inv/s ($(ratio "$i2" "$i1")x);" \
  "the fake used $(median < "$work/fake-2") of a CPU with 2"
for c in 1 4; do
  AWS_LAMBDA_MAX_CONCURRENCY=$c LAMBDA_TASK_ROOT="$PWD/bench/echo" \
    "$build/bench_fake_api" -n 2000 -c "$c" -- "$build/bootstrap" > "$work/rss-$c"
done
r1=$(field max_rss_kb "$work/rss-1")
r4=$(field max_rss_kb "$work/rss-4")
echo "echo handler, peak RSS: 1 worker $r1 kB, 4 workers $r4 kB" \
  "(+$(( (r4 - r1) / 3 )) kB a worker)"
