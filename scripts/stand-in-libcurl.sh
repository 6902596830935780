#!/bin/sh
# Builds a stand-in for Amazon Linux 2023's libcurl (curl-minimal's
# libcurl.so.4, whose symbols carry no version) from Debian's curl source
# package: the library alone, HTTP and HTTPS with OpenSSL, nothing that
# pulls in another library, and --disable-versioned-symbols (Debian's own
# libcurl exports curl_*@@CURL_OPENSSL_4, Amazon's exports curl_* bare).
# A bootstrap that asks for CURL_OPENSSL_4 meets it as it would meet
# Lambda's (scripts/al2023-root.sh, spec/integration/portable_spec.lua).
#   scripts/stand-in-libcurl.sh x86_64|arm64 OUTDIR
# Writes OUTDIR/libcurl.so.4 and OUTDIR/libcurl.info (its source and
# options), and reuses them when this same script built them. The source
# comes through apt-get with a deb-src list of its own (nothing under
# /etc/apt or /var/lib/apt is touched); needs dpkg-dev, make, gcc (for
# arm64 gcc-aarch64-linux-gnu) and libssl-dev of the architecture. Exits 2
# when the source cannot be fetched (no network), 1 on any other failure
# (the logs are then in OUTDIR/build.log).
set -eu
usage="usage: scripts/stand-in-libcurl.sh x86_64|arm64 OUTDIR"
arch=${1:?$usage}
outdir=${2:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
readelf=${READELF:-readelf}
say() { echo "stand-in-libcurl: $*" >&2; }

case "$arch" in
  x86_64) triplet=x86_64-linux-gnu debarch=amd64 machine=X86-64 ;;
  arm64) triplet=aarch64-linux-gnu debarch=arm64 machine=AArch64 ;;
  *) say "$usage"; exit 1 ;;
esac

# verify FILE: an ARCH library named libcurl.so.4 (its SONAME) that
# exports curl_easy_init and no curl_* symbol with a version
verify() {
  "$readelf" -h "$1" | grep -q "Machine:.*$machine" ||
    { say "$1 is not an $arch library"; return 1; }
  "$readelf" -d "$1" | grep -q 'Library soname: \[libcurl\.so\.4\]' ||
    { say "$1 is not libcurl.so.4 (its SONAME)"; return 1; }
  defined=$("$readelf" -W --dyn-syms "$1" |
    awk '$7 != "UND" && $8 ~ /^curl_/ { print $8 }')
  versioned=$(echo "$defined" | grep @ || true)
  [ -z "$versioned" ] ||
    { say "$1 exports versioned symbols: $(echo "$versioned" | tr '\n' ' ')"
      return 1; }
  echo "$defined" | grep -qx curl_easy_init ||
    { say "$1 does not export curl_easy_init"; return 1; }
}

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
sum=$(cksum < "$here/stand-in-libcurl.sh" | cut -d' ' -f1)
stamp="built by stand-in-libcurl.sh $sum for $arch"
if [ -f "$outdir/libcurl.so.4" ] && [ -f "$outdir/libcurl.info" ] &&
    [ "$(head -n 1 "$outdir/libcurl.info")" = "$stamp" ] &&
    verify "$outdir/libcurl.so.4"; then
  say "reusing $outdir/libcurl.so.4"
  exit 0
fi

need() {
  command -v "$1" >/dev/null || { say "$1 is needed ($2)"; exit 1; }
}
need apt-get apt
need dpkg-source dpkg-dev
need make make
if [ "$(cc -dumpmachine 2>/dev/null)" = "$triplet" ]; then
  cc=${CC:-cc}
  host=""
else
  cc=$triplet-gcc
  need "$cc" "gcc-$(echo "$triplet" | tr _ -)"
  host="--host=$triplet --build=$(cc -dumpmachine)"
fi
pc=/usr/lib/$triplet/pkgconfig
[ -f "$pc/openssl.pc" ] ||
  { say "$pc/openssl.pc is needed (libssl-dev:$debarch)"; exit 1; }

# A private folder for apt's lists, cache and the build; the result is
# moved into place at the end, so two runs at once do not meet.
work=$(mktemp -d "$outdir/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/build.log
die() {
  cp "$log" "$outdir/build.log"
  tail -n 20 "$log" >&2
  say "$1 (the whole log: $outdir/build.log)"
  exit "${2:-1}"
}
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" \
  "$work/apt/parts" "$work/src"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
suite=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null || true)
suite=${suite:-bookworm}
for repo in "debian $suite" "debian $suite-updates" \
            "debian-security $suite-security"; do
  echo "deb-src [signed-by=$keyring] http://deb.debian.org/${repo% *}" \
    "${repo#* } main"
done > "$work/apt/sources.list"
set -- -q -o "Dir::Etc::SourceList=$work/apt/sources.list" \
  -o "Dir::Etc::SourceParts=$work/apt/parts" \
  -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
# As root apt downloads as _apt, who cannot write in this folder.
[ "$(id -u)" -eq 0 ] && set -- "$@" -o APT::Sandbox::User=root
say "fetching Debian's curl source"
if ! apt-get "$@" update > "$log" 2>&1 ||
   ! (cd "$work/src" && apt-get "$@" source curl) >> "$log" 2>&1; then
  die "could not fetch the curl source package (no network?)" 2
fi
dsc=$(find "$work/src" -maxdepth 1 -name 'curl_*.dsc' | head -n 1)
version=$(basename "$dsc" .dsc | sed 's/^curl_//')
src=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'curl-*')

# The release's own configure and Makefile.in are used (maintainer mode is
# off, so nothing is regenerated): Debian's patches to the sources (its
# security fixes) apply; its patches to configure.ac and Makefile.am (the
# GnuTLS and NSS flavours' renames among them) would need autoreconf and
# change nothing here. The options follow AL2023's curl-minimal, less
# nghttp2 and zlib: the stand-in needs libssl and libcrypto only.
options="--disable-dependency-tracking --disable-static --enable-shared
  --disable-versioned-symbols --with-openssl --enable-threaded-resolver
  --without-zlib --without-brotli --without-zstd --without-libpsl
  --without-libidn2 --without-nghttp2 --without-ngtcp2 --without-nghttp3
  --without-quiche --without-msh3 --without-libssh --without-libssh2
  --without-librtmp --without-libgsasl --without-hyper --without-gssapi
  --disable-ldap --disable-ldaps --disable-dict --disable-gopher
  --disable-imap --disable-mqtt --disable-pop3 --disable-rtsp --disable-smb
  --disable-smtp --disable-telnet --disable-tftp --disable-manual
  --disable-ntlm --disable-ntlm-wb --disable-tls-srp --disable-websockets
  --without-ca-path --with-ca-bundle=/etc/pki/tls/certs/ca-bundle.crt"
say "configuring curl $version for $arch"
# shellcheck disable=SC2086
(cd "$src" && PKG_CONFIG_LIBDIR=$pc ./configure $host CC="$cc" CFLAGS=-O2 \
  $options) >> "$log" 2>&1 || die "configure failed"
say "building libcurl"
make -C "$src/lib" -j "$(nproc)" libcurl.la >> "$log" 2>&1 ||
  die "make failed"
built=$(find "$src/lib/.libs" -name 'libcurl.so.4.*' -type f | head -n 1)
[ -n "$built" ] || die "no libcurl.so.4.* was built"
cp "$built" "$work/libcurl.so.4"
verify "$work/libcurl.so.4" || die "the library built is not the stand-in"
needs=$("$readelf" -d "$work/libcurl.so.4" |
  sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' ' | sed 's/ $//')
{
  echo "$stamp"
  echo "curl $version (Debian's source package), built with $cc"
  echo "needs: $needs"
  echo "configure${host:+ $host} $(echo "$options" | tr -s ' \n' '  ')"
} > "$work/libcurl.info"
mv -f "$work/libcurl.so.4" "$outdir/libcurl.so.4"
mv -f "$work/libcurl.info" "$outdir/libcurl.info"
rm -f "$outdir/build.log"
say "wrote $outdir/libcurl.so.4 (curl $version, no symbol versions)"
