#!/bin/sh
# Fetches the pinned upstream sources (vendor/sources) into DEST/<name>,
# refusing any archive whose SHA-256 differs from its pin.
#   vendor/fetch.sh DEST
# LUA_LAMBDA_SOURCES: another pin file (default: vendor/sources beside this)
set -eu
dest=${1:?usage: vendor/fetch.sh DEST}
pins=${LUA_LAMBDA_SOURCES:-$(dirname "$0")/sources}
mkdir -p "$dest"
grep -v '^[[:space:]]*#' "$pins" | grep -v '^[[:space:]]*$' |
while read -r name version sha256 url; do
  archive="$dest/$name-$version.tar.gz"
  echo "fetch.sh: $name $version from $url" >&2
  curl -fsSL --retry 3 -o "$archive" "$url"
  if ! echo "$sha256  $archive" | sha256sum -c --quiet -; then
    echo "fetch.sh: $name $version: SHA-256 differs from the pin" >&2
    rm -f "$archive"
    exit 1
  fi
  rm -rf "${dest:?}/$name"
  mkdir -p "$dest/$name"
  tar -xzf "$archive" -C "$dest/$name" --strip-components=1
  rm -f "$archive"
done
