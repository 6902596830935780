# lua-lambda: bootstrap built on Amazon Linux 2023 (glibc 2.34, the same as
# provided.al2023), with Lua 5.4 and lua-cjson from pinned upstream
# releases (vendor/sources) linked in statically; a function packed by
# lua-lambda build, the one packager, so that the image's /var/task holds
# exactly what function.zip holds.
#
#   docker build -t hello .                                    # examples/hello
#   docker build --build-arg FUNCTION_DIR=path/to/fn -t fn .   # a function in this tree
#   docker build --build-context function-dir=/path/to/fn -t fn .
#                                    # a function anywhere (or a git URL)
#   docker build --target runtime -t lua-lambda-runtime .      # base for your own image
#   docker build --target artifacts --output type=local,dest=dist .
#                                    # dist/bootstrap, function.zip, runtime-layer.zip
#   docker build --target builder -t lua-lambda-builder .
#                                    # LuaRocks for `lua-lambda build --docker`
#   docker buildx build --platform linux/arm64 -t hello-arm64 .
#
# The architecture is the platform's (--platform). A function with a
# rockspec gets its rocks from LuaRocks on Amazon Linux 2023, built against
# the Lua headers bootstrap embeds (examples/container). The function is
# copied only after the runtime is built: editing it rebuilds the package
# and function stages, never bootstrap.
#
# Mirror-only builds: LUA_LAMBDA_SOURCES names a pin file of the context
# (e.g. vendor/my-sources, the format of vendor/sources) for
# vendor/fetch.sh, and LUA_LAMBDA_ROCKS_SERVER a LuaRocks server (URL or
# folder) for lua-lambda build --server.
#
# The function image keeps the base image's entrypoint, so AWS's runtime
# interface emulator works: docker run -p 9000:8080 hello, then
# curl -d '{}' http://localhost:9000/2015-03-31/functions/function/invocations

ARG FUNCTION_DIR=examples/hello

# bootstrap and lua-lambda (without serve, which needs libmicrohttpd), from
# the runtime's sources alone.
FROM public.ecr.aws/amazonlinux/amazonlinux:2023 AS build
# libcurl-devel replaces the image's curl-minimal libraries; bootstrap
# links libcurl.so.4, which provided.al2023's libcurl-minimal provides,
# and libcrypto.so.3 (SigV4), which its openssl-libs provides. binutils'
# readelf and gawk: lua-lambda build's check (check-portable.sh).
RUN dnf install -y --allowerasing \
      gcc make cmake pkgconf-pkg-config libcurl-devel openssl-devel curl \
      tar gzip binutils gawk findutils \
 && dnf clean all
WORKDIR /src
COPY vendor/ vendor/
ARG LUA_LAMBDA_SOURCES
RUN vendor/fetch.sh /deps
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY src/ src/
COPY lua/ lua/
# the AWS service models lua-lambda build packs (a function's, the
# runtime layer's), from this source tree as a build tree's are
COPY models/ models/
# Warnings stay warnings here: a newer compiler must not break a release.
# lua-lambda build --runtime-layer checks bootstrap can run on Lambda
# (architecture, glibc 2.34, symbol versions, libraries) and writes
# runtime-layer.zip.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DLUA_LAMBDA_WERROR=OFF \
      -DLUA_LAMBDA_LUA_SOURCE_DIR=/deps/lua \
      -DLUA_LAMBDA_CJSON_SOURCE_DIR=/deps/lua-cjson \
 && cmake --build /build --target bootstrap lua-lambda -j "$(nproc)" \
 && strip /build/bootstrap \
 && /build/lua-lambda build --runtime-layer --no-template \
      --bootstrap /build/bootstrap --out /build/dist

# lua-lambda build --docker runs LuaRocks here: Amazon Linux 2023's glibc
# (2.34, as on provided.al2023) and the very Lua headers bootstrap embeds
# (LUA_INCDIR=/deps/lua/src), so the C rocks it builds load on Lambda.
# LuaRocks is the pinned release (vendor/sources); the Lua it runs on is
# built from the same pinned Lua source and installed in /usr/local, where
# LuaRocks' make finds a whole Lua installation (bin, include, lib).
#   docker build --target builder -t lua-lambda-builder .
#   docker buildx build --platform linux/arm64 --target builder -t lua-lambda-builder .
FROM build AS builder
RUN dnf install -y unzip which && dnf clean all \
 && make -C /deps/lua linux install INSTALL_TOP=/usr/local \
 && cd /deps/luarocks \
 && ./configure --prefix=/usr/local --lua-version=5.4 --with-lua=/usr/local \
 && make && make install \
 && luarocks --version
WORKDIR /var/task

# The function's folder: FUNCTION_DIR of this context, or any folder with
# --build-context function-dir=DIR (which replaces this stage).
FROM scratch AS function-dir
ARG FUNCTION_DIR
COPY ${FUNCTION_DIR}/ /

# lua-lambda build, as on any machine: the rockspec's rocks (if any) into
# lua_modules/, every .so checked, then the same file list twice:
# function.zip (with bootstrap) and /staged (for /var/task). With a
# rockspec, lua_modules/ is made afresh: one built elsewhere (a local
# lua-lambda build) holds modules for another glibc or architecture.
FROM builder AS package
COPY --from=function-dir / /function/
ARG LUA_LAMBDA_ROCKS_SERVER
RUN if ls /function/*.rockspec >/dev/null 2>&1; then \
      rm -rf /function/lua_modules; fi \
 && arch=$(uname -m) && if [ "$arch" = aarch64 ]; then arch=arm64; fi \
 && set -- --arch "$arch" \
 && if [ -n "${LUA_LAMBDA_ROCKS_SERVER:-}" ]; then \
      set -- "$@" --server "$LUA_LAMBDA_ROCKS_SERVER"; fi \
 && /build/lua-lambda build /function "$@" --bootstrap /build/bootstrap \
      --out /dist \
 && /build/lua-lambda build /function "$@" --no-bootstrap --stage /staged

# docker build --target artifacts --output type=local,dest=dist .
FROM scratch AS artifacts
COPY --from=build /build/bootstrap /build/dist/runtime-layer.zip /
COPY --from=package /dist/function.zip /

# The runtime alone: FROM this in your own Dockerfile, from the local
# image store (docker's own builder) or a registry it was pushed to (a
# docker-container builder sees only registries); or build the function
# with this Dockerfile instead (FUNCTION_DIR or function-dir). The base
# image's entrypoint (/lambda-entrypoint.sh) runs /var/runtime/bootstrap
# with the handler it is given as its one argument, the image's CMD.
# There is no default handler: run without one, the entrypoint stops at
# once with "entrypoint requires the handler name to be the first
# argument" (exit 142), locally and on Lambda. Give one with
# CMD ["module.function"] in your Dockerfile, as an argument of docker
# run, or as the function's ImageConfig.Command.
FROM public.ecr.aws/lambda/provided:al2023 AS runtime
COPY --from=build /build/bootstrap /var/runtime/bootstrap
CMD []

# The default: the runtime with the function's packed files in /var/task.
FROM runtime AS function
COPY --from=package /staged/ ${LAMBDA_TASK_ROOT}/
CMD ["app.handler"]
