#!/bin/sh
# The benchmarks of bench/README.md, side by side in one run, on one CPU
# (the fake API and the runtime share it, as Lambda's loop does).
#   bench/run.sh [BUILD_DIR] [INVOCATIONS] [COLD_RUNS]
# Needs the build's bench_fake_api, bench_floor (raw sockets),
# bench_floor_curl (the same HTTP through libcurl) and bootstrap, and the
# sample events in spec/fixtures/events.
build=${1:-build}
n=${2:-20000}
cold_runs=${3:-21}
. "$(dirname "$0")/lib.sh"
big_event "$work/big.json"

printf '%-22s %10s %10s %10s %9s %9s %8s\n' event "raw inv/s" "curl inv/s" \
  "bootstrap" "vs raw" "vs curl" "p50 us"
for spec in "100B:bench/events/small.json" \
            "apigw-v2-2KB:$events/apigw-v2-request-jwt-authorizer.json" \
            "1MB:$work/big.json"; do
  name=${spec%%:*}
  file=${spec#*:}
  count=$n
  [ "$name" = 1MB ] && count=$((n / 50 + 1))
  # the three in turn, so the machine's drift hits each alike
  $pin "$fake" -n "$count" -e "$file" -- "$build/bench_floor" > "$work/floor"
  $pin "$fake" -n "$count" -e "$file" -- "$build/bench_floor_curl" > "$work/floor-curl"
  $pin "$fake" -n "$count" -e "$file" -- "$build/bootstrap" > "$work/ours"
  f=$(field invocations_per_second "$work/floor")
  fc=$(field invocations_per_second "$work/floor-curl")
  o=$(field invocations_per_second "$work/ours")
  printf '%-22s %10s %10s %10s %9s %9s %8s\n' "$name ($(wc -c < "$file") B)" \
    "$f" "$fc" "$o" "$(ratio "$f" "$o")x" "$(ratio "$fc" "$o")x" \
    "$(field p50_us "$work/ours")"
done
echo "(vs raw / vs curl: a floor's throughput over bootstrap's = bootstrap's" \
  "time per invocation in that floor's: the raw-socket echo, and the same" \
  "echo through one libcurl easy handle, bench/floor_curl.c)"

for runtime in bench_floor bench_floor_curl bootstrap; do
  $pin "$fake" --cold "$cold_runs" -- "$build/$runtime" > "$work/cold-$runtime"
done
fc=$(field cold_start_median_ms "$work/cold-bench_floor_curl")
oc=$(field cold_start_median_ms "$work/cold-bootstrap")
echo "cold start, exec to first /next, median of $cold_runs:" \
  "floor $(field cold_start_median_ms "$work/cold-bench_floor") ms," \
  "floor+libcurl $fc ms, bootstrap $oc ms ($(ratio "$oc" "$fc")x floor+libcurl)"

$pin "$fake" -n 10000 -e bench/events/small.json -- "$build/bench_floor_curl" > "$work/rss-floor"
$pin "$fake" -n 10000 -e bench/events/small.json -- "$build/bootstrap" > "$work/rss-ours"
fr=$(field max_rss_kb "$work/rss-floor")
orss=$(field max_rss_kb "$work/rss-ours")
echo "peak RSS after 10000 invocations: floor+libcurl $fr kB, bootstrap $orss kB" \
  "(+$((orss - fr)) kB)"

strip -o "$work/bootstrap.stripped" "$build/bootstrap"
echo "stripped bootstrap: $(wc -c < "$work/bootstrap.stripped") bytes"
