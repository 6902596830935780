#!/bin/sh
# Fails when BINARY needs a glibc symbol version newer than MAX (default
# 2.34, the glibc of provided.al2023): such a binary cannot start there.
# OBJDUMP names the objdump for another architecture.
#   scripts/check-glibc.sh BINARY [MAX]
set -eu
bin=${1:?usage: scripts/check-glibc.sh BINARY [MAX]}
max=${2:-2.34}
need=$(${OBJDUMP:-objdump} -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' |
  sort -uV | tail -n 1)
if [ -z "$need" ]; then
  echo "check-glibc: $bin needs no versioned glibc symbol"
  exit 0
fi
newest=$(printf '%s\n%s\n' "$need" "$max" | sort -V | tail -n 1)
if [ "$newest" != "$max" ]; then
  echo "check-glibc: $bin needs GLIBC_$need, newer than $max:" >&2
  ${OBJDUMP:-objdump} -T "$bin" | grep -E "GLIBC_$need\b" | sed 's/^/  /' >&2
  exit 1
fi
echo "check-glibc: $bin needs at most GLIBC_$need (limit $max)"
