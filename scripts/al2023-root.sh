#!/bin/sh
# Makes ROOT a root to chroot into that holds only what a bootstrap may
# count on in Lambda's provided.al2023: the dynamic loader, libc.so.6,
# libm.so.6, libcrypto.so.3, a libcurl.so.4 (LIBCURL: the stand-in from
# scripts/stand-in-libcurl.sh, unversioned as Amazon's) and the libraries
# it needs itself, BOOTSTRAP as /var/runtime/bootstrap, an empty
# /var/task, /tmp, and for arm64 /qemu-aarch64-static (these machines have
# no binfmt_misc). Libraries are copied from this machine's packages, to
# the paths they have here (/lib/<triplet>, /usr/lib/<triplet>: where
# Debian's loader looks with no ld.so.cache).
#   scripts/al2023-root.sh x86_64|arm64 ROOT BOOTSTRAP LIBCURL
# ROOT must be missing or empty. Then, as root:
#   chroot ROOT /var/runtime/bootstrap                       (x86_64)
#   chroot ROOT /qemu-aarch64-static /var/runtime/bootstrap  (arm64)
set -eu
usage="usage: scripts/al2023-root.sh x86_64|arm64 ROOT BOOTSTRAP LIBCURL"
arch=${1:?$usage}
root=${2:?$usage}
bootstrap=${3:?$usage}
libcurl=${4:?$usage}
readelf=${READELF:-readelf}
say() { echo "al2023-root: $*" >&2; }

case "$arch" in
  x86_64) triplet=x86_64-linux-gnu loader=/lib64/ld-linux-x86-64.so.2
    machine='X86-64' ;;
  arm64) triplet=aarch64-linux-gnu loader=/lib/ld-linux-aarch64.so.1
    machine=AArch64 ;;
  *) say "$usage"; exit 2 ;;
esac
for f in "$bootstrap" "$libcurl" "$loader"; do
  [ -f "$f" ] || { say "$f: no such file"; exit 1; }
done
"$readelf" -h "$libcurl" | grep -q "Machine:.*$machine" ||
  { say "$libcurl is not an $arch library"; exit 1; }
if [ -e "$root" ] && [ -n "$(ls -A "$root")" ]; then
  say "$root is not empty"
  exit 1
fi

mkdir -p "$root/var/runtime" "$root/var/task" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$bootstrap" "$root/var/runtime/bootstrap"
chmod 755 "$root/var/runtime/bootstrap"
mkdir -p "$root${loader%/*}"
cp -L "$loader" "$root$loader"
mkdir -p "$root/usr/lib/$triplet"
cp "$libcurl" "$root/usr/lib/$triplet/libcurl.so.4"

# copy NAME: the library from this machine's multiarch folders, at the
# same path, then what it needs in turn
copy() {
  [ "$1" = "${loader##*/}" ] && return 0
  for dir in "/lib/$triplet" "/usr/lib/$triplet"; do
    [ -e "$root$dir/$1" ] && return 0
  done
  for dir in "/lib/$triplet" "/usr/lib/$triplet"; do
    if [ -f "$dir/$1" ]; then
      mkdir -p "$root$dir"
      cp -L "$dir/$1" "$root$dir/$1"
      needs "$root$dir/$1"
      return 0
    fi
  done
  say "$1 ($arch) not found in /lib/$triplet or /usr/lib/$triplet"
  exit 1
}
needs() {
  for lib in $("$readelf" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
    copy "$lib"
  done
}
for lib in libc.so.6 libm.so.6 libcrypto.so.3; do
  copy "$lib"
done
needs "$root/usr/lib/$triplet/libcurl.so.4"

if [ "$arch" = arm64 ]; then
  qemu=$(command -v qemu-aarch64-static) ||
    { say "qemu-aarch64-static is needed (qemu-user-static)"; exit 1; }
  cp "$qemu" "$root/qemu-aarch64-static"
fi
say "made $root: $(cd "$root" && find . -type f | sed 's/^\.//' | sort |
  tr '\n' ' ')"
