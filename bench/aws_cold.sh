#!/bin/sh
# What `require "lambda.aws"` at a module's top level costs a cold start
# when nothing of it is called: bench/aws_cold/with/app.lua against
# bench/aws_cold/without/app.lua (the same echo handler without the line),
# through the real bootstrap and the build's fake Runtime API, paired:
#   - counted: callgrind's instructions from exec to the first answer
#     (start-up, init and one invocation; the same on a busy machine);
#   - timed: bench_fake_api --cold, exec to the first /next (where init
#     ends), median of COLD_RUNS starts, pinned to one CPU;
# in ROUNDS rounds alternating which goes first; each figure's median
# over the rounds and WITH / WITHOUT.
#   bench/aws_cold.sh [BUILD_DIR] [COLD_RUNS] [ROUNDS]
# Needs valgrind for the counts (left out, with a note, without it).
build=${1:-build}
cold_runs=${2:-21}
rounds=${3:-5}
. "$(dirname "$0")/lib.sh"
small=bench/events/small.json
have_valgrind=1
command -v valgrind >/dev/null || have_valgrind=0

# one APP: a round's figures for bench/aws_cold/APP, "name value" lines
one () {
  export LAMBDA_TASK_ROOT="$PWD/bench/aws_cold/$1"
  if [ "$have_valgrind" = 1 ]; then
    echo "first_answer_instructions $(callgrind_counts "$build/bootstrap" \
      "$small" 1 | cut -d' ' -f1)"
  fi
  $pin "$fake" --cold "$cold_runs" -- "$build/bootstrap" > "$work/cold"
  echo "cold_start_ms $(field cold_start_median_ms "$work/cold")"
}

r=1
while [ "$r" -le "$rounds" ]; do
  if [ $((r % 2)) -eq 1 ]; then order="without with"
  else order="with without"; fi
  for app in $order; do
    one "$app" >> "$work/$app"
  done
  r=$((r + 1))
done
[ "$have_valgrind" = 1 ] || echo "(no valgrind: instructions not counted)"
printf '%-26s %14s %14s %8s\n' figure without with ratio
for figure in first_answer_instructions cold_start_ms; do
  grep -q "^$figure " "$work/without" || continue
  a=$(sed -n "s/^$figure //p" "$work/without" | median)
  b=$(sed -n "s/^$figure //p" "$work/with" | median)
  printf '%-26s %14s %14s %8s\n' "$figure" "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')"
done
echo "rounds: $rounds; cold starts a round: $cold_runs;" \
  "each round's figures (without | with):"
paste -d'|' "$work/without" "$work/with" | sed 's/^/  /'
