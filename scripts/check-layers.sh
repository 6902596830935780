#!/bin/sh
# Keeps each part of src/ to the libraries it may use (docs/architecture.md):
# curl only in api/ and outbound/, libcrypto only in sigv4/, Lua
# nowhere in base/, api/ or sigv4/, error/ on Lua alone, libmicrohttpd
# only in serve/, and no part including a header of a part above it.
# CMake already hides the headers of parts a library does not link; this
# also catches system headers.
#   scripts/check-layers.sh [SRC_DIR]     (default: src)
set -eu
src=${1:-src}
status=0

# refuse PATTERN FOLDER...: no file in the folders includes PATTERN
refuse() {
  pattern=$1
  shift
  for dir in "$@"; do
    [ -d "$src/$dir" ] || continue
    if grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" \
        -r "$src/$dir" --include='*.c' --include='*.h'; then
      echo "check-layers: $src/$dir must not include $pattern" >&2
      status=1
    fi
  done
}

refuse 'curl/' base registry error json host cli sigv4
refuse 'openssl/' base registry error json api host loop cli outbound
refuse 'lua\.h|lauxlib\.h|lualib\.h' base registry api sigv4
refuse 'runtime_api\.h|extension_api\.h' base error json host cli
refuse 'runtime_loop\.h|shutdown\.h' base error json api host cli
refuse 'lua_host\.h|lua_host_private\.h|context\.h|log_stdout\.h' base error json api
refuse 'json\.h|json_codec\.h' base error api
refuse 'registry_keys\.h' base api sigv4
refuse 'lambda_error\.h' base registry api sigv4
# The host's one public header is lua_host.h; the others are its own.
if [ -d "$src/host" ]; then
  private=$(cd "$src/host" && ls -- *.h 2>/dev/null |
            grep -vx 'lua_host\.h' | sed 's/\./\\./' | paste -sd '|' -)
  [ -z "$private" ] ||
    refuse "$private" base json api sigv4 outbound loop cli serve
fi
# serve/ is above base, json and host and below the CLI: no part below
# it includes a header of its, it includes none of the CLI's (nor api/'s,
# loop/'s, curl's or libcrypto's), and libmicrohttpd is its alone. The
# CLI sees serve.h, its one public header.
refuse 'microhttpd\.h' base registry error json api host sigv4 outbound \
  loop cli
refuse 'curl/|openssl/|runtime_api\.h|extension_api\.h' serve
refuse 'runtime_loop\.h|shutdown\.h' serve
if [ -d "$src/serve" ]; then
  headers=$(cd "$src/serve" && ls -- *.h 2>/dev/null |
            sed 's/\./\\./' | paste -sd '|' -)
  private=$(cd "$src/serve" && ls -- *.h 2>/dev/null |
            grep -vx 'serve\.h' | sed 's/\./\\./' | paste -sd '|' -)
  [ -z "$headers" ] ||
    refuse "$headers" base registry error json api host sigv4 outbound loop
  [ -z "$private" ] || refuse "$private" cli
fi
if [ -d "$src/cli" ]; then
  cli=$(cd "$src/cli" && ls -- *.h 2>/dev/null |
        sed 's/\./\\./' | paste -sd '|' -)
  [ -z "$cli" ] ||
    refuse "$cli" base registry error json api host sigv4 outbound loop \
      serve
fi
[ "$status" -eq 0 ] && echo "check-layers: every part of $src keeps to its own"
exit "$status"
