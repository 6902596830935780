# What the bench/*.sh scripts share; sourced (". bench/lib.sh") from the
# repository root.

# field NAME FILE: the value of a "NAME=value" line bench_fake_api printed
field () { sed -n "s/^$1=//p" "$2"; }

# ratio A B: A / B with two decimals
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# median < numbers, one a line
median () { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
