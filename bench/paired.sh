#!/bin/sh
# Two bootstraps side by side in one run, to tell what a change to the
# build costs at run time (issue 25: the unversioned libcurl link, paired
# against the Debian-linked build it replaced): per invocation counted
# (callgrind's instructions, (2N - N)/N, the 100 B and the API Gateway
# event), start-up counted (exec to one invocation answered), and timed
# (invocations per second and the cold start, on one CPU), in rounds that
# alternate the two so the machine's drift hits each alike. Prints each
# figure's median for both and CANDIDATE / BASELINE.
#   bench/paired.sh BUILD_DIR BASELINE [CANDIDATE] [N] [ROUNDS]
# CANDIDATE defaults to BUILD_DIR/bootstrap; the fake API is the build's.
build=${1:?usage: bench/paired.sh BUILD_DIR BASELINE [CANDIDATE] [N] [ROUNDS]}
baseline=${2:?usage: bench/paired.sh BUILD_DIR BASELINE [CANDIDATE] [N] [ROUNDS]}
candidate=${3:-$build/bootstrap}
n=${4:-300}
rounds=${5:-3}
. "$(dirname "$0")/lib.sh"

small=bench/events/small.json
apigw=$events/apigw-v2-request-jwt-authorizer.json
# per_inv RUNTIME EVENT: instructions per invocation
per_inv () {
  a=$(callgrind_counts "$1" "$2" "$n" | cut -d' ' -f1)
  b=$(callgrind_counts "$1" "$2" "$((n * 2))" | cut -d' ' -f1)
  echo $(((b - a) / n))
}
# one RUNTIME LABEL: a round's figures for it, "name value" lines
one () {
  echo "100B_instructions $(per_inv "$1" "$small")"
  echo "apigw_instructions $(per_inv "$1" "$apigw")"
  echo "startup_instructions $(callgrind_counts "$1" "$small" 1 | cut -d' ' -f1)"
  $pin "$fake" -n 20000 -e "$small" -- "$1" > "$work/rate"
  echo "100B_per_second $(field invocations_per_second "$work/rate")"
  $pin "$fake" --cold 21 -- "$1" > "$work/cold"
  echo "cold_start_ms $(field cold_start_median_ms "$work/cold")"
}
r=1
while [ "$r" -le "$rounds" ]; do
  # the two in turn, the first of each round swapped
  if [ $((r % 2)) -eq 1 ]; then order="baseline candidate"
  else order="candidate baseline"; fi
  for who in $order; do
    if [ "$who" = baseline ]; then bin=$baseline; else bin=$candidate; fi
    one "$bin" >> "$work/$who"
  done
  r=$((r + 1))
done
printf '%-22s %14s %14s %8s\n' figure baseline candidate ratio
for figure in 100B_instructions apigw_instructions startup_instructions \
              100B_per_second cold_start_ms; do
  a=$(sed -n "s/^$figure //p" "$work/baseline" | median)
  b=$(sed -n "s/^$figure //p" "$work/candidate" | median)
  printf '%-22s %14s %14s %8s\n' "$figure" "$a" "$b" "$(ratio "$b" "$a")"
done
