# What the bench/*.sh scripts share, sourced once a script has read its
# arguments ($build set): '. "$(dirname "$0")/lib.sh"'. It sets up what
# every script starts from: -e and -u; the repository root as the working
# directory (where $build and every path are read from); $work, a scratch
# folder removed at exit (a script with more to clean sets its own trap,
# removing it too); $events, the sample events; $fake, the build's fake
# Runtime API; $pin, which keeps a command on one CPU (empty without
# taskset); and the echo handler (bench/echo) as the function, unless a
# script names another.

set -eu
cd "$(dirname "$0")/.."
events=${LUA_LAMBDA_EVENTS:-spec/fixtures/events}
fake=$build/bench_fake_api
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
export LAMBDA_TASK_ROOT="$PWD/bench/echo" _HANDLER=app.handler

# field NAME FILE: the value of a "NAME=value" line bench_fake_api printed
field () { sed -n "s/^$1=//p" "$2"; }

# ratio A B: A / B with two decimals
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# median < numbers, one a line
median () { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# big_event FILE: writes a 1 MB event, records of strings, integers,
# floats and booleans
big_event () {
  lua5.4 -e '
    local parts = {}
    local i = 0
    local size = 0
    while size < 1024 * 1024 - 200 do
      i = i + 1
      local r = string.format(
        "{\"id\":%d,\"name\":\"user-%d\",\"active\":%s,\"score\":%d.25}",
        i, i, i % 2 == 0 and "true" or "false", i)
      parts[#parts + 1] = r
      size = size + #r + 1
    end
    io.write("{\"records\":[", table.concat(parts, ","), "]}")
  ' > "$1"
}

# callgrind_counts RUNTIME EVENT COUNT: callgrind's instructions over
# COUNT invocations of EVENT by RUNTIME (a path) under $fake: "all
# libcurl Lua"; $work holds its output
callgrind_counts () {
  out="$work/cg.$(basename "$1").$$.$3"
  "$fake" -n "$3" -e "$2" -- valgrind -q --tool=callgrind \
    --callgrind-out-file="$out" "$1" > /dev/null
  callgrind_annotate --inclusive=no --threshold=100 --auto=no "$out" 2>/dev/null |
    awk '
    /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1; next }
    /^ *[0-9,]+ \(/ {
      n = $1; gsub(",", "", n)
      if ($0 ~ /libcurl/) curl += n
      else if ($0 ~ /:lua[A-Za-z]*_/) lua += n
    }
    END { print total, curl + 0, lua + 0 }'
  rm -f "$out"
}
