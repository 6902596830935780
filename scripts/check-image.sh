#!/bin/sh
# The Dockerfile built for real, with podman, against stand-ins of its two
# base images, and its images and artifacts checked:
#   scripts/check-image.sh [BUILD_DIR]      (BUILD_DIR: default build/)
#   scripts/check-image.sh --reset         (removes its cache, below)
#   scripts/check-image.sh --if-enabled BUILD_DIR
#                    (ctest's dockerfile_image: skipped, exit 77, unless
#                    LUA_LAMBDA_IMAGE_CHECK=1)
#
# The real bases (public.ecr.aws/amazonlinux/amazonlinux:2023 and
# public.ecr.aws/lambda/provided:al2023) and the pinned upstream sources
# cannot be fetched where this runs (CI: Debian's repository only), so:
#  - both bases are STAND-INS built from a Debian root file system
#    (debootstrap), tagged exactly as the Dockerfile's FROM lines, in a
#    podman store of this check's own (nothing of the machine's is
#    touched): Amazon Linux's has a dnf that installs Debian's packages
#    for the Dockerfile's names, provided.al2023's the base image's
#    environment and entrypoint contract (scripts/image-check/);
#  - the sources vendor/fetch.sh fetches are STAND-INS too: Debian's
#    source packages of lua5.4, lua-cjson and luarocks (apt-get source,
#    checked against Debian's signed index), repacked and pinned by SHA-256
#    in a pin file of the check's own (LUA_LAMBDA_SOURCES), lpeg (for
#    examples/container) served as a local LuaRocks server
#    (LUA_LAMBDA_ROCKS_SERVER); both reach the build through a volume.
# What is real: the Dockerfile, its stages, its COPY lines and its build
# context (the working tree, as .dockerignore filters it), the commands it
# runs, lua-lambda build's checks, bootstrap, and the Lambda contract it is
# run with. What it proves:
#  - every stage builds: build, builder, package, artifacts, runtime,
#    function, and examples/container (a C rock) by FUNCTION_DIR and by
#    --build-context function-dir=DIR from outside the context; the
#    builder image serves lua-lambda build --docker (podman as docker);
#  - the artifacts' bootstrap passes this tree's lua-lambda build check,
#    and the zips hold what lua-lambda build packs;
#  - the function image's /var/task is exactly lua-lambda build --stage's
#    file list (no spec/, README.md, template.yaml, events), its
#    /var/runtime/bootstrap the artifacts' one, its CMD app.handler, and
#    it answers an invocation through a fake Runtime API (lpeg loads in
#    examples/container's);
#  - the runtime image has no CMD and, run without a handler, stops with
#    the entrypoint's message and exit 142 (the Dockerfile's comment);
#  - editing a handler rebuilds neither bootstrap nor the runtime image:
#    the step that compiles reports "Using cache" and the runtime image's
#    id is unchanged, while the function image gets the edit.
# What it cannot prove: that Amazon Linux's package names and libraries
# are as the stand-ins say, that the pinned releases build (the stand-in
# sources are Debian's releases of the same projects), AWS's emulator,
# and arm64 (no binfmt_misc for foreign RUN steps here).
#
# Needs root (rootful podman, debootstrap), podman with runc, debootstrap,
# lua5.4 with lua-socket, luarocks, python3, and the Debian mirror
# (LUA_LAMBDA_DEBIAN_MIRROR, default http://deb.debian.org/debian). Exits
# 77 (skipped) without root, podman or debootstrap. The base file system,
# stand-in sources and podman's store and layer cache are kept in
# LUA_LAMBDA_IMAGE_CACHE (default /var/tmp/lua-lambda-image-check): the
# first run takes minutes, later ones reuse the cache; --reset removes it
# (podman keeps a mount in it). LUA_LAMBDA_IMAGE_CHECK_KEEP=1 keeps this
# run's logs.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

say() { echo "check-image: $*"; }
skip() { say "skipped: $*"; exit 77; }
fail() { say "FAILED: $*" >&2; exit 1; }

reset=""
case "${1:-}" in
  --if-enabled)  # ctest's dockerfile_image
    shift
    [ "${LUA_LAMBDA_IMAGE_CHECK:-}" = 1 ] ||
      skip "set LUA_LAMBDA_IMAGE_CHECK=1 to build the images with podman" ;;
  --reset)
    reset=1
    shift ;;
esac
build=${1:-$here/build}

[ "$(id -u)" -eq 0 ] || skip "needs root (rootful podman and debootstrap)"
command -v podman >/dev/null || skip "no podman (apt-get install podman runc)"
command -v debootstrap >/dev/null || skip "no debootstrap"
cache=${LUA_LAMBDA_IMAGE_CACHE:-/var/tmp/lua-lambda-image-check}
mirror=${LUA_LAMBDA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# One run at a time: the store and its run state are shared.
exec 9>"$cache/lock"
command -v flock >/dev/null && flock 9
work=$(mktemp -d)
[ -n "${LUA_LAMBDA_IMAGE_CHECK_KEEP:-}" ] && say "logs and files kept in $work"
cleanup() {
  # containers left by a failed step (the store is this check's own)
  [ -x "$work/podman" ] && "$work/podman" rm -a -f >/dev/null 2>&1
  [ -n "${LUA_LAMBDA_IMAGE_CHECK_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# podman's run state for the store (fixed: podman keeps it with the store)
state=/run/lua-lambda-image-check

# --- podman with a store, run state and settings of its own -----------------

# runc with cgroupfs (crun refuses hybrid cgroups). Without
# CAP_SYS_RESOURCE podman's default limits (above the current ones) cannot
# be set, so the current ones are given; podman lowers its own process
# limit to 32768, which caps nproc.
conf=$work/containers.conf
{
  echo "[containers]"
  capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
  if [ $(( (0x${capeff:-0} >> 24) & 1 )) -eq 0 ]; then  # CAP_SYS_RESOURCE
    nofile=$(awk '/^Max open files/ { print $5 }' /proc/self/limits)
    nproc=$(awk '/^Max processes/ { print $4 }' /proc/self/limits)
    [ "$nofile" = unlimited ] && nofile=1048576
    { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
    echo "default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
  fi
  echo "[engine]"
  command -v runc >/dev/null && echo 'runtime = "runc"'
  echo 'cgroup_manager = "cgroupfs"'
  echo 'events_logger = "file"'
} >"$conf"
pm=$work/podman
cat >"$pm" <<EOF
#!/bin/sh
CONTAINERS_CONF='$conf' exec podman --root '$cache/storage' \\
  --runroot '$state/run' --tmpdir '$state/tmp' "\$@"
EOF
chmod +x "$pm"

if [ -n "$reset" ]; then
  # podman keeps its store's overlay folder mounted on itself
  if [ -d "$cache/storage" ]; then
    "$pm" rm -a -f >/dev/null 2>&1 || true
    "$pm" rmi -a -f >/dev/null 2>&1 || true
    umount "$cache/storage/overlay" 2>/dev/null || true
  fi
  rm -rf "$cache" "$state"
  say "removed $cache"
  exit 0
fi

[ -x "$build/lua-lambda" ] || fail "no $build/lua-lambda: build first"
build=$(cd "$build" && pwd)
for tool in lua5.4 luarocks luarocks-admin python3 apt-get; do
  command -v "$tool" >/dev/null || fail "needs $tool"
done

# A build whose output goes to a log (shown when it fails).
pm_build() {
  log=$1
  shift
  if ! "$pm" build --network host --pull=never "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "podman build $*"
  fi
}

# --- the stand-in base images -------------------------------------------------

debian=localhost/lua-lambda-check/debian:$suite
if ! "$pm" image exists "$debian"; then
  say "debootstrap $suite from $mirror (once; kept in $cache)"
  rootfs=$work/rootfs
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  tar -C "$rootfs" -c . | "$pm" import - "$debian" >/dev/null
  rm -rf "$rootfs"
fi
standin=$work/stand-in
mkdir -p "$standin"
cp "$here"/scripts/image-check/* "$standin/"
say "stand-in bases (cached layers unless scripts/image-check/ changed)"
pm_build "$work/al2023.log" -f "$standin/amazonlinux.Containerfile" \
  --build-arg BASE="$debian" \
  -t public.ecr.aws/amazonlinux/amazonlinux:2023 "$standin"
pm_build "$work/provided.log" -f "$standin/provided.Containerfile" \
  --build-arg BASE="$debian" \
  -t public.ecr.aws/lambda/provided:al2023 "$standin"

# --- the stand-in sources: Debian's source packages ---------------------------

src=$cache/sources
if [ ! -f "$src/sources" ]; then
  say "Debian's sources of lua5.4, lua-cjson, luarocks and lua-lpeg (once)"
  apt=$work/apt
  mkdir -p "$apt/lists/partial" "$work/debian-src" "$work/src"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
       "$mirror $suite main" >"$apt/sources.list"
  set -- -o Dir::Etc::SourceList="$apt/sources.list" \
    -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists="$apt/lists" \
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
    -o APT::Sandbox::User=root -q
  apt-get "$@" update >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "apt-get update (deb-src)"; }
  (cd "$work/debian-src" &&
    apt-get "$@" source --download-only lua5.4 lua-cjson luarocks lua-lpeg) \
    >>"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "apt-get source"; }
  # Each upstream archive (Debian's .orig) repacked as NAME-VERSION.tar.gz
  # with one top folder, as vendor/fetch.sh expects.
  pins=$work/src/sources
  echo "# Stand-ins for vendor/sources (scripts/check-image.sh): Debian's" >"$pins"
  echo "# source packages of the same projects, not the pinned releases." >>"$pins"
  for pair in lua:lua5.4 lua-cjson:lua-cjson luarocks:luarocks lpeg:lua-lpeg; do
    name=${pair%%:*} pkg=${pair#*:}
    orig=$(ls "$work/debian-src/${pkg}_"*.orig.tar.*)
    version=$(basename "$orig" | sed "s/^${pkg}_//; s/\.orig\.tar\..*//")
    mkdir -p "$work/unpack/$name"
    tar -xaf "$orig" -C "$work/unpack/$name" --strip-components=1
    mv "$work/unpack/$name" "$work/unpack/$name-$version"
    tar -C "$work/unpack" -cf - "$name-$version" | gzip -n \
      >"$work/src/$name-$version.tar.gz"
    sum=$(sha256sum "$work/src/$name-$version.tar.gz" | cut -d' ' -f1)
    if [ "$name" = lpeg ]; then
      echo "$version" >"$work/src/lpeg.version"
    else
      echo "$name $version $sum file:///stand-in/$name-$version.tar.gz" >>"$pins"
    fi
  done
  # lpeg as a source rock on a LuaRocks server (a folder with a manifest)
  lpeg_version=$(cat "$work/src/lpeg.version")
  mkdir -p "$work/src/rocks"
  cat >"$work/src/rocks/lpeg-$lpeg_version-1.rockspec" <<EOF
package = "lpeg"
version = "$lpeg_version-1"
source = { url = "file://$work/src/lpeg-$lpeg_version.tar.gz", dir = "lpeg-$lpeg_version" }
description = { summary = "Stand-in (scripts/check-image.sh): Debian's lua-lpeg source" }
dependencies = { "lua >= 5.1" }
build = {
  type = "builtin",
  modules = {
    lpeg = { "lpcap.c", "lpcode.c", "lpprint.c", "lptree.c", "lpvm.c" },
    re = "re.lua",
  },
}
EOF
  (cd "$work/src/rocks" && luarocks pack "lpeg-$lpeg_version-1.rockspec" &&
    rm "lpeg-$lpeg_version-1.rockspec" &&
    luarocks-admin make-manifest --lua-version=5.4 .) >>"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "the stand-in lpeg rock"; }
  rm -rf "$src"
  mv "$work/src" "$src"
fi

# --- the build context: the working tree as .dockerignore filters it ----------

ctx=$work/context
mkdir -p "$ctx"
set -- --anchored
while read -r pattern; do
  case "$pattern" in
    ''|'#'*) ;;
    *) set -- "$@" --exclude="./$pattern" ;;
  esac
done <"$here/.dockerignore"
tar -C "$here" -cf - "$@" . | tar -C "$ctx" -xf -
common="--volume $src:/stand-in:ro --build-arg LUA_LAMBDA_SOURCES=/stand-in/sources"
# shellcheck disable=SC2086
build_target() {  # LOG ARGS...: a build of the Dockerfile in the context
  log=$1
  shift
  pm_build "$log" $common "$@" "$ctx"
}

# --- every target ---------------------------------------------------------------

say "target build (bootstrap, lua-lambda, the runtime layer's check)"
build_target "$work/build.log" --target build -t lua-lambda-check/build
say "target artifacts (-o type=local)"
build_target "$work/artifacts.log" --target artifacts \
  -o "type=local,dest=$work/artifacts"
say "target runtime"
build_target "$work/runtime.log" --target runtime \
  --iidfile "$work/runtime.id" -t lua-lambda-check/runtime
say "target function (the default: examples/hello)"
build_target "$work/function.log" -t lua-lambda-check/hello
say "examples/container by FUNCTION_DIR (a C rock from the stand-in server)"
build_target "$work/container.log" --build-arg FUNCTION_DIR=examples/container \
  --build-arg LUA_LAMBDA_ROCKS_SERVER=/stand-in/rocks \
  -t lua-lambda-check/container
say "examples/container from outside the context (--build-context function-dir=)"
cp -r "$here/examples/container" "$work/outside"
# a tree built elsewhere, which the package stage must not ship
rm -rf "$work/outside/lua_modules"
mkdir -p "$work/outside/lua_modules/share/lua/5.4"
echo 'error("a stale module")' >"$work/outside/lua_modules/share/lua/5.4/stale.lua"
build_target "$work/container-outside.log" \
  --build-context "function-dir=$work/outside" \
  --build-arg LUA_LAMBDA_ROCKS_SERVER=/stand-in/rocks \
  -t lua-lambda-check/container-outside

# --- what lua-lambda build packs, by this tree's lua-lambda ---------------------

arch=$(uname -m)
[ "$arch" = aarch64 ] && arch=arm64
files() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); }
zip_files() {
  python3 -c 'import sys, zipfile
print("\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' "$1" |
    LC_ALL=C sort
}
image_files() {  # IMAGE DIR: the regular files under DIR in IMAGE
  id=$("$pm" create "$1")
  "$pm" export "$id" | tar -tvf - | awk '$1 ~ /^-/ { print $NF }' |
    sed 's|^\./||' | grep "^${2#/}/" | sed "s|^${2#/}/||" | LC_ALL=C sort
  "$pm" rm "$id" >/dev/null
}
image_file() {  # IMAGE PATH: the file's bytes
  id=$("$pm" create "$1")
  "$pm" cp "$id:$2" - | tar -xOf -
  "$pm" rm "$id" >/dev/null
}
json_has() {  # JSON KEY VALUE: whether JSON's member KEY equals VALUE (JSON)
  python3 -c 'import json, sys
sys.exit(json.loads(sys.argv[1]).get(sys.argv[2]) != json.loads(sys.argv[3]))' \
    "$1" "$2" "$3" 2>/dev/null
}
same() {  # WHAT EXPECTED_FILE ACTUAL_FILE
  if ! cmp -s "$2" "$3"; then
    diff "$2" "$3" >&2 || true
    fail "$1 (- expected, + found)"
  fi
}
expect_stage() {  # FUNCTION_DIR OUT [ARGS]: lua-lambda build --stage's list
  cp -r "$1" "$work/expect-src"
  rm -rf "$work/expect-src/lua_modules"
  fn=$work/expect-src
  out=$2
  shift 2
  "$build/lua-lambda" build "$fn" --arch "$arch" --no-bootstrap \
    --stage "$work/expect-stage" "$@" >"$work/expect.log" 2>&1 ||
    { cat "$work/expect.log" >&2; fail "lua-lambda build --stage on the host"; }
  files "$work/expect-stage" >"$out"
  rm -rf "$work/expect-src" "$work/expect-stage"
}

# --- artifacts -------------------------------------------------------------------

say "artifacts: bootstrap, function.zip, runtime-layer.zip; bootstrap deployable"
art=$work/artifacts
printf '%s\n' bootstrap function.zip runtime-layer.zip >"$work/want"
files "$art" >"$work/got"
same "the artifacts stage's files" "$work/want" "$work/got"
"$build/lua-lambda" build --runtime-layer --no-template --arch "$arch" \
  --bootstrap "$art/bootstrap" --out "$work/recheck" >"$work/recheck.log" 2>&1 ||
  { cat "$work/recheck.log" >&2; fail "the artifacts' bootstrap is not deployable"; }
{ echo bootstrap; for m in "$here"/models/*.model "$here"/models/LICENSE \
    "$here"/models/NOTICE; do echo "lua/aws-models/${m##*/}"; done; } |
  LC_ALL=C sort >"$work/want"
zip_files "$art/runtime-layer.zip" >"$work/got"
same "runtime-layer.zip: bootstrap and the AWS models" "$work/want" "$work/got"
expect_stage "$here/examples/hello" "$work/hello.files"
{ cat "$work/hello.files"; echo bootstrap; } | LC_ALL=C sort >"$work/want"
zip_files "$art/function.zip" >"$work/got"
same "function.zip: lua-lambda build's files and bootstrap" "$work/want" "$work/got"

# --- the function image ----------------------------------------------------------

say "function image: /var/task is lua-lambda build --stage's list"
image_files lua-lambda-check/hello /var/task >"$work/got"
same "examples/hello's /var/task" "$work/hello.files" "$work/got"
for gone in spec/ events/ README.md template.yaml event.json; do
  if grep -q "^$gone" "$work/got"; then fail "/var/task holds $gone"; fi
done
image_file lua-lambda-check/hello /var/runtime/bootstrap >"$work/image-bootstrap"
cmp -s "$work/image-bootstrap" "$art/bootstrap" ||
  fail "the function image's /var/runtime/bootstrap is not the artifacts' bootstrap"
config=$("$pm" image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' lua-lambda-check/hello)
[ "$config" = '["/lambda-entrypoint.sh"] ["app.handler"]' ] ||
  fail "the function image's entrypoint and CMD: $config"
say "function image: answers an invocation (bootstrap through a fake Runtime API)"
answer=$(lua5.4 "$here/scripts/image-check/invoke.lua" "$pm" lua-lambda-check/hello \
  '{"name":"Lua"}' 2>"$work/invoke.log") ||
  { cat "$work/invoke.log" >&2; fail "examples/hello's image did not answer"; }
json_has "$answer" statusCode 200 && json_has "$answer" body '"hello Lua"' ||
  fail "examples/hello's image answered $answer"

say "examples/container: /var/task is the staged list, lpeg loads"
expect_stage "$here/examples/container" "$work/container.files" \
  --server "$src/rocks"
grep -q '^lua_modules/lib/lua/5.4/lpeg.so$' "$work/container.files" ||
  fail "lua-lambda build staged no lpeg.so for examples/container"
for image in container container-outside; do
  image_files "lua-lambda-check/$image" /var/task >"$work/got"
  same "examples/container's /var/task ($image)" "$work/container.files" "$work/got"
done
answer=$(lua5.4 "$here/scripts/image-check/invoke.lua" "$pm" \
  lua-lambda-check/container '{"text":"a=1,b=2"}' 2>"$work/invoke.log") ||
  { cat "$work/invoke.log" >&2; fail "examples/container's image did not answer"; }
json_has "$answer" fields '{"a":"1","b":"2"}' &&
  json_has "$answer" function_name '"image-check"' ||
  fail "examples/container's image answered $answer"

# --- lua-lambda build --docker in the builder image ---------------------------------

say "lua-lambda build --docker: LuaRocks in the builder image (examples/container)"
build_target "$work/builder.log" --target builder -t lua-lambda-check/builder
# docker is this check's podman; the stand-in rocks server is mounted
# where lua-lambda build --server names it.
mkdir -p "$work/bin"
cat >"$work/bin/docker" <<EOF
#!/bin/sh
[ "\$1" = run ] || exec '$pm' "\$@"
shift
exec '$pm' run -v '$src:$src:ro' "\$@"
EOF
chmod +x "$work/bin/docker"
cp -r "$here/examples/container" "$work/docker-fn"
rm -rf "$work/docker-fn/lua_modules"
PATH="$work/bin:$PATH" LUA_LAMBDA_BUILDER_IMAGE=lua-lambda-check/builder \
  "$build/lua-lambda" build "$work/docker-fn" --docker --arch "$arch" \
  --server "$src/rocks" --no-bootstrap --stage "$work/docker-stage" \
  >"$work/docker.log" 2>&1 ||
  { cat "$work/docker.log" >&2; fail "lua-lambda build --docker"; }
files "$work/docker-stage" >"$work/got"
same "lua-lambda build --docker's files" "$work/container.files" "$work/got"

# --- the runtime image without a handler -------------------------------------------

say "runtime image: no CMD; without a handler the entrypoint stops (exit 142)"
cmd=$("$pm" image inspect --format '{{json .Config.Cmd}}' lua-lambda-check/runtime)
case "$cmd" in
  null|'[]') ;;
  *) fail "the runtime image has a CMD: $cmd" ;;
esac
rc=0
"$pm" run --rm --network host lua-lambda-check/runtime >"$work/bare.out" 2>&1 || rc=$?
[ "$rc" -eq 142 ] || { cat "$work/bare.out" >&2; fail "the bare runtime exited $rc, not 142"; }
grep -q "entrypoint requires the handler name to be the first argument" \
  "$work/bare.out" || { cat "$work/bare.out" >&2; fail "the bare runtime's message"; }

# --- editing a handler: the layer cache keeps bootstrap ---------------------------

say "an edited handler: bootstrap's build step cached, the runtime image unchanged"
# A greeting of this run's own: an edit built before would be in the cache.
token=$(date +%s).$$
sed "s/\"hello \"/\"hello again ($token), \"/" "$ctx/examples/hello/app.lua" \
  >"$work/app.lua"
cmp -s "$work/app.lua" "$ctx/examples/hello/app.lua" &&
  fail "the edit did not change examples/hello/app.lua"
cp "$work/app.lua" "$ctx/examples/hello/app.lua"
build_target "$work/edited.log" -t lua-lambda-check/hello-edited
# podman prints each step, then "--> Using cache ID" when it reuses it.
step_cached() {  # LOG TEXT: whether the step whose line holds TEXT was cached
  awk -v text="$2" '
    /STEP [0-9]+\/[0-9]+:/ { step = index($0, text) > 0; next }
    step && /^--> Using cache/ { found = 1 }
    step && /^--> / { step = 0 }
    END { exit !found }' "$1"
}
grep -q 'STEP .*cmake --build /build --target bootstrap' "$work/edited.log" ||
  fail "no step compiling bootstrap in the build output"
step_cached "$work/edited.log" "cmake --build /build --target bootstrap" ||
  { cat "$work/edited.log" >&2; fail "editing app.lua rebuilt bootstrap"; }
if step_cached "$work/edited.log" "/build/lua-lambda build /function"; then
  fail "the package step was cached: the edit did not reach it"
fi
build_target "$work/runtime-again.log" --target runtime --iidfile "$work/runtime-again.id"
cmp -s "$work/runtime.id" "$work/runtime-again.id" ||
  fail "editing app.lua changed the runtime image"
image_file lua-lambda-check/hello-edited /var/task/app.lua >"$work/image-app.lua"
cmp -s "$work/image-app.lua" "$work/app.lua" ||
  fail "the rebuilt function image does not hold the edited app.lua"
answer=$(lua5.4 "$here/scripts/image-check/invoke.lua" "$pm" \
  lua-lambda-check/hello-edited '{"name":"Lua"}' 2>"$work/invoke.log") ||
  { cat "$work/invoke.log" >&2; fail "the edited image did not answer"; }
json_has "$answer" body "\"hello again ($token), Lua\"" ||
  fail "the edited image answered $answer"

say "all passed (stand-in bases and sources: see the comment at the top)"
