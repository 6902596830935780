#!/bin/sh
# vendor/fetch.sh against local archives: it unpacks what matches its pin
# and refuses what does not.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pkg-1.0/src"
echo 'int x;' > "$work/pkg-1.0/src/x.c"
tar -czf "$work/pkg-1.0.tar.gz" -C "$work" pkg-1.0
sum=$(sha256sum "$work/pkg-1.0.tar.gz" | cut -d' ' -f1)

echo "pkg 1.0 $sum file://$work/pkg-1.0.tar.gz" > "$work/good"
LUA_LAMBDA_SOURCES="$work/good" "$here/vendor/fetch.sh" "$work/out"
test -f "$work/out/pkg/src/x.c" || { echo "not unpacked"; exit 1; }

bad=$(echo "$sum" | tr '0-9a-f' 'f0-9a-e')
echo "pkg 1.0 $bad file://$work/pkg-1.0.tar.gz" > "$work/bad"
if LUA_LAMBDA_SOURCES="$work/bad" "$here/vendor/fetch.sh" "$work/out2" 2>/dev/null; then
  echo "an archive that differs from its pin was accepted"
  exit 1
fi
test ! -e "$work/out2/pkg" || { echo "unpacked despite the bad sum"; exit 1; }

# the real pins are well formed: name, version, 64 hex digits, https URL
grep -v '^#' "$here/vendor/sources" | grep -v '^$' | while read -r n v s u; do
  echo "$s" | grep -Eq '^[0-9a-f]{64}$' || { echo "bad sum for $n"; exit 1; }
  case "$u" in https://*) ;; *) echo "not https: $u"; exit 1 ;; esac
done
echo "1 passed, 0 failed"
