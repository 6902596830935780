#!/bin/sh
# Writes DIR/libcurl.so, a library to link against in place of Debian's
# libcurl, so that a program built on Debian needs curl's symbols the way
# Amazon Linux 2023 defines them: with no symbol version. Debian's libcurl
# versions every symbol (CURL_OPENSSL_4), so a bootstrap linked against it
# asks for a version that provided.al2023's libcurl-minimal does not have,
# and lua-lambda build refuses it. The stub holds this machine's libcurl's
# functions (empty bodies) under its SONAME, libcurl.so.4: what is linked
# with it runs against the real libcurl here, and would on Lambda.
# Used by scripts/check-dockerfile.sh and by the Amazon Linux stand-in of
# scripts/check-image.sh; nothing deployed is built with it.
#   scripts/curl-link-stub.sh DIR [LIBCURL]
# LIBCURL defaults to the libcurl.so.4 beside pkg-config's libcurl; CC and
# NM name the compiler and nm.
set -eu
dir=${1:?usage: scripts/curl-link-stub.sh DIR [LIBCURL]}
lib=${2:-}
if [ -z "$lib" ]; then
  libdir=$(pkg-config --variable=libdir libcurl)
  lib=$libdir/libcurl.so.4
fi
[ -f "$lib" ] || { echo "curl-link-stub: no $lib" >&2; exit 1; }
mkdir -p "$dir"
# Only functions: a data symbol would be linked by copy, at a size the
# stub cannot know (libcurl exports none).
${NM:-nm} -D --defined-only "$lib" |
  awk '$2 == "T" { sub(/@.*/, "", $3); print "void " $3 "(void) {}" }' |
  sort -u >"$dir/libcurl-stub.c"
[ -s "$dir/libcurl-stub.c" ] || {
  echo "curl-link-stub: no functions in $lib" >&2; exit 1; }
${CC:-cc} -shared -fPIC -Wl,-soname,libcurl.so.4 -o "$dir/libcurl.so" \
  "$dir/libcurl-stub.c"
echo "curl-link-stub: $dir/libcurl.so: $(wc -l <"$dir/libcurl-stub.c") functions of $lib, unversioned"
