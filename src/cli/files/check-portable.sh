#!/bin/sh
# Fails, naming each offending symbol or library, when BINARY cannot start
# on Lambda's provided.al2023 for ARCH (default: this machine's):
#   - an ELF machine other than ARCH's, or another program interpreter;
#   - a glibc symbol version newer than GLIBC_2.34 (AL2023's glibc);
#   - any other symbol version but OPENSSL_3.0.0 (AL2023's openssl-libs
#     defines it; its libcurl-minimal exports its symbols with no version,
#     so a curl_*@CURL_OPENSSL_4 of Debian's libcurl cannot be found);
#   - a NEEDED library other than libc.so.6, libm.so.6, libcrypto.so.3,
#     libcurl.so.4 and the dynamic loader, or an RPATH/RUNPATH (a folder
#     of the build machine).
# With --module, BINARY is a C module going into a zip (lua-lambda build):
# only the machine and glibc are checked (a module may need libraries the
# zip brings, and needs no interpreter).
#   sh src/cli/files/check-portable.sh [--module] BINARY [x86_64|arm64]
# Compiled into lua-lambda, whose build runs it on every bootstrap and
# .so it packs: the one place these rules are written.
# readelf reads any architecture's ELF; READELF names another one.
set -eu
usage="usage: check-portable.sh [--module] BINARY [x86_64|arm64]"
module=false
if [ "${1:-}" = --module ]; then
  module=true
  shift
fi
bin=${1:?$usage}
arch=${2:-$(uname -m)}
readelf=${READELF:-readelf}
max=2.34
case "$arch" in
  x86_64|amd64)
    arch=x86_64 machine='Advanced Micro Devices X86-64'
    loader=/lib64/ld-linux-x86-64.so.2 ;;
  arm64|aarch64)
    arch=arm64 machine=AArch64 loader=/lib/ld-linux-aarch64.so.1 ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
allowed="libc.so.6 libm.so.6 libcrypto.so.3 libcurl.so.4 ${loader##*/}"

if ! header=$("$readelf" -h "$bin" 2>&1); then
  echo "check-portable: $bin: not an ELF file: $header" >&2
  exit 1
fi
bad=0
fail() {
  echo "check-portable: $bin: $*" >&2
  bad=1
}

got=$(echo "$header" | sed -n 's/^ *Machine: *//p')
if [ "$got" != "$machine" ]; then
  fail "machine is $got, not $machine ($arch)"
  # Nothing else can be right for a binary of another architecture.
  exit 1
fi

interp=$("$readelf" -lW "$bin" |
  sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p')
if ! $module && [ "$interp" != "$loader" ]; then
  fail "program interpreter is '${interp:-none}', not $loader"
fi

dynamic=$("$readelf" -dW "$bin")
needed=$(echo "$dynamic" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
$module && needed=
for lib in $needed; do
  case " $allowed " in
    *" $lib "*) ;;
    *) fail "NEEDED $lib, a library provided.al2023 may not have" \
         "(allowed: $allowed)" ;;
  esac
done
rpath=$(echo "$dynamic" | sed -n -e 's/.*(RPATH).*\[\(.*\)\]$/RPATH \1/p' \
  -e 's/.*(RUNPATH).*\[\(.*\)\]$/RUNPATH \1/p')
$module || [ -z "$rpath" ] || fail "$rpath: folders of the build machine"

# The versions the binary needs, "FILE VERSION" a line, from the version
# needs section only (not its definitions or the symbol table).
versions=$("$readelf" -VW "$bin" | awk '
  /^Version needs section/ { on = 1; next }
  /^Version (definition|symbols) section/ { on = 0 }
  on && /File:/ { for (i = 1; i < NF; i++) if ($i == "File:") f = $(i + 1) }
  on && /Name:/ { for (i = 1; i < NF; i++) if ($i == "Name:") print f, $(i + 1) }')
syms=$("$readelf" -W --dyn-syms "$bin")
# symbols VERSION: the undefined symbols bound to VERSION, on one line
# (a version with none is the file's own need, e.g. GLIBC_ABI_DT_RELR)
symbols() {
  list=$(echo "$syms" | awk -v v="$1" '
    $7 == "UND" && split($8, a, "@") > 1 && a[2] == v { print a[1] }' |
    sort -u | tr '\n' ' ' | sed 's/ $//')
  echo "${list:-(no symbol)}"
}
# newer A B: whether release A is newer than B
newer() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" != "$2" ]; }
while read -r file version; do
  [ -n "$version" ] || continue
  case "$version" in
    OPENSSL_3.0.0) ;;
    GLIBC_*)
      n=${version#GLIBC_}
      if ! echo "$n" | grep -Eq '^[0-9]+(\.[0-9]+)*$'; then
        fail "$version (from $file), not a glibc release:" \
          "$(symbols "$version")"
      elif newer "$n" "$max"; then
        fail "$version (from $file) is newer than GLIBC_$max:" \
          "$(symbols "$version")"
      fi ;;
    *) $module || fail "$version (from $file), a version provided.al2023's" \
         "$file does not define: $(symbols "$version")" ;;
  esac
done <<END
$versions
END

if [ "$bad" -ne 0 ]; then
  echo "check-portable: $bin cannot start on provided.al2023 ($arch)" >&2
  exit 1
fi
glibc=$(echo "$versions" | sed -n 's/.* GLIBC_\([0-9]\)/\1/p' | sort -uV |
  tail -n 1)
other=$(echo "$versions" | awk '$2 !~ /^GLIBC_/ { print $2 }' | sort -u |
  tr '\n' ' ' | sed 's/ $//')
echo "check-portable: $bin fits provided.al2023 ($arch): needs" \
  "$(echo "$needed" | tr '\n' ' ')| GLIBC_${glibc:-none} at most |" \
  "${other:-no other versions}"
