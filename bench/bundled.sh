#!/bin/sh
# What LPeg and LuaFileSystem would cost if the runtime shipped them: the
# cold start of bootstrap with a handler that requires each (loaded from
# lua_modules/ as a layer would hold them) against the bare echo handler,
# in alternating rounds, and each module's stripped size.
#   bench/bundled.sh [BUILD_DIR] [COLD_RUNS]
# Uses Debian's builds of the modules (lua-lpeg, lua-filesystem).
build=${1:-build}
cold_runs=${2:-21}
libdir=$(dirname "$(find /usr/lib -path '*lua/5.4/lpeg.so' | head -1)")
. "$(dirname "$0")/lib.sh"

for m in none lpeg lfs; do
  mkdir -p "$work/$m/lua_modules/lib/lua/5.4"
  if [ "$m" = none ]; then
    echo 'return { handler = function(e) return e end }' > "$work/$m/app.lua"
  else
    strip -o "$work/$m/lua_modules/lib/lua/5.4/$m.so" "$libdir/$m.so"
    printf 'local m = require "%s"\nreturn { handler = function(e) return e end }\n' \
      "$m" > "$work/$m/app.lua"
  fi
done
for round in 1 2 3 4 5; do
  for m in none lpeg lfs; do
    LAMBDA_TASK_ROOT="$work/$m" "$build/bench_fake_api" --cold "$cold_runs" \
      -- "$build/bootstrap" | sed -n 's/^cold_start_median_ms=//p' >> "$work/cold-$m"
  done
done
base=$(median < "$work/cold-none")
echo "cold start, exec to first /next, median of 5 alternating rounds of $cold_runs:"
echo "  no module: $base ms"
for m in lpeg lfs; do
  c=$(median < "$work/cold-$m")
  size=$(wc -c < "$work/$m/lua_modules/lib/lua/5.4/$m.so")
  echo "  require \"$m\": $c ms ($(ratio "$c" "$base")x), $m.so $size bytes stripped"
done
