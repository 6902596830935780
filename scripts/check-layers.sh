#!/bin/sh
# Keeps each part of src/ to the libraries it may use (docs/architecture.md):
# curl only in api/ and outbound/, libcrypto only in sigv4/, Lua
# nowhere in base/, api/ or sigv4/, error/ on Lua alone, and no part
# including a header of a part above it. CMake already hides the headers
# of parts a library does not link; this also catches system headers.
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
  private=$(cd "$src/host" && ls -- *.h | grep -vx 'lua_host\.h' |
            sed 's/\./\\./' | paste -sd '|' -)
  [ -z "$private" ] ||
    refuse "$private" base json api sigv4 outbound loop cli serve
fi
[ "$status" -eq 0 ] && echo "check-layers: every part of $src keeps to its own"
exit "$status"
