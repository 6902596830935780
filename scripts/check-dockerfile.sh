#!/bin/sh
# Runs the Dockerfile's build and package stages here, with no container
# engine: copies exactly what their COPY lines copy into a scratch folder
# and runs their steps, with this machine's Lua and lua-cjson instead of
# the pinned sources (which need the network); bootstrap links libcurl
# unversioned through cmake/libcurl_stub.c, here as there, so lua-lambda
# build's deployability check passes as it must on Amazon Linux.
# Catches a source the image would not have and a step that no longer
# works. Each command run here is looked for in the Dockerfile, so that
# the two cannot drift apart unnoticed. scripts/check-image.sh builds the
# images themselves, with podman.
#   scripts/check-dockerfile.sh
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-dockerfile: $*" >&2; exit 1; }

# The steps mirrored below, as the Dockerfile writes them.
for line in \
  'cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF' \
  '-DLUA_LAMBDA_WERROR=OFF' \
  'cmake --build /build --target bootstrap lua-lambda -j "$(nproc)"' \
  'strip /build/bootstrap' \
  '/build/lua-lambda build --runtime-layer --no-template' \
  '--bootstrap /build/bootstrap --out /build/dist' \
  'FROM scratch AS function-dir' \
  'COPY ${FUNCTION_DIR}/ /' \
  'COPY --from=function-dir / /function/' \
  '/build/lua-lambda build /function "$@" --bootstrap /build/bootstrap' \
  '--out /dist' \
  '/build/lua-lambda build /function "$@" --no-bootstrap --stage /staged' \
  'COPY --from=build /build/bootstrap /build/dist/runtime-layer.zip /' \
  'COPY --from=package /dist/function.zip /' \
  'COPY --from=build /build/bootstrap /var/runtime/bootstrap' \
  'COPY --from=package /staged/ ${LAMBDA_TASK_ROOT}/'; do
  grep -qF -- "$line" Dockerfile ||
    fail "the Dockerfile no longer has: $line (update this script with it)"
done

# COPY lines of the build stage (up to the next FROM), without --from.
mkdir -p "$work/src"
awk '/^FROM .* AS build$/ { on = 1; next } /^FROM / { on = 0 }
     on && /^COPY / && !/--from/ { print $2, $3 }' Dockerfile |
while read -r from to; do
  case "$from" in
    */) mkdir -p "$work/src/$to"       # a folder into a folder
        cp -r "$from". "$work/src/$to" ;;
    *)  mkdir -p "$work/src/$to"       # a file into a folder
        cp "$from" "$work/src/$to" ;;
  esac
done
# The function-dir stage copies FUNCTION_DIR, by default:
function_dir=$(sed -n 's/^ARG FUNCTION_DIR=//p' Dockerfile)
[ -d "$function_dir" ] || fail "no default FUNCTION_DIR ($function_dir)"
mkdir -p "$work/function"
cp -r "$function_dir"/. "$work/function/"

arch=$(uname -m)
[ "$arch" = aarch64 ] && arch=arm64

# The build stage
cd "$work/src"
cmake -S . -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DLUA_LAMBDA_WERROR=OFF >/dev/null
cmake --build "$work/build" --target bootstrap lua-lambda -j "$(nproc)" >/dev/null
strip "$work/build/bootstrap"
"$work/build/lua-lambda" build --runtime-layer --no-template \
  --bootstrap "$work/build/bootstrap" --out "$work/build/dist" >/dev/null
# The package stage (no rockspec in the default function)
"$work/build/lua-lambda" build "$work/function" --arch "$arch" \
  --bootstrap "$work/build/bootstrap" --out "$work/dist" >/dev/null
"$work/build/lua-lambda" build "$work/function" --arch "$arch" \
  --no-bootstrap --stage "$work/staged" >/dev/null

# What the artifacts and function stages copy is there.
for f in build/bootstrap build/dist/runtime-layer.zip dist/function.zip; do
  [ -f "$work/$f" ] || fail "no $f"
done
[ -n "$(ls "$work/staged")" ] || fail "nothing staged for /var/task"
for gone in spec README.md template.yaml event.json bootstrap; do
  [ ! -e "$work/staged/$gone" ] || fail "$gone staged for /var/task"
done
echo "check-dockerfile: the build and package stages' files and steps make" \
     "bootstrap, runtime-layer.zip, function.zip and /var/task's files"
