#!/bin/sh
# Runs the Dockerfile's build stage here, without Docker: copies exactly
# what its COPY lines copy into a scratch folder and runs its CMake steps
# (with this machine's Lua and lua-cjson instead of the pinned sources,
# which need the network). Catches a source the image would not have.
#   scripts/check-dockerfile.sh
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
# COPY lines of the build stage (up to the first FROM after it).
awk '/^FROM .* AS build/ { on = 1; next } /^FROM / { on = 0 } on && /^COPY / { print $2, $3 }' Dockerfile |
while read -r from to; do
  case "$from" in
    '${FUNCTION_DIR}/')  # the default function
      mkdir -p "$work/function"
      cp -r examples/hello/. "$work/function/" ;;
    */)                  # a folder into a folder
      mkdir -p "$work/src/$to"
      cp -r "$from". "$work/src/$to" ;;
    *)                   # a file into a folder
      mkdir -p "$work/src/$to"
      cp "$from" "$work/src/$to" ;;
  esac
done
cd "$work/src"
cmake -S . -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DLUA_LAMBDA_WERROR=OFF -DLUA_LAMBDA_FUNCTION_DIR="$work/function" >/dev/null
cmake --build "$work/build" --target bootstrap artifacts -j "$(nproc)" >/dev/null
strip "$work/build/bootstrap"
sh src/cli/files/check-portable.sh "$work/build/bootstrap"
test -f "$work/build/dist/function.zip" && test -f "$work/build/dist/runtime-layer.zip"
echo "check-dockerfile: the build stage's files and steps build bootstrap and the zips"
