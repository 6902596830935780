#!/bin/sh
# Run by GNU ld (--error-handling-script) when bootstrap's link meets an
# undefined symbol: for a curl function, says that it must be added to
# cmake/libcurl_stub.c, the libcurl bootstrap links. ld still fails.
#   libcurl_stub_missing.sh undefined-symbol|missing-lib NAME
set -eu
case "${1:-}:${2:-}" in
  undefined-symbol:curl_*)
    echo "lua-lambda: bootstrap links libcurl through cmake/libcurl_stub.c," \
      "which does not define $2: add it there (see its first comment)" >&2 ;;
esac
