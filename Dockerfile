# syntax=docker/dockerfile:1
#
# lua-lambda: bootstrap built on Amazon Linux 2023 (glibc 2.34, the same as
# provided.al2023), with Lua 5.4 and lua-cjson from pinned upstream
# releases (vendor/sources) linked in statically.
#
#   docker build -t hello .                                    # examples/hello
#   docker build --build-arg FUNCTION_DIR=path/to/fn -t fn .   # your function
#   docker build --target runtime -t lua-lambda-runtime .      # base for your own image
#   docker build --target artifacts --output type=local,dest=dist .
#                                    # dist/bootstrap, function.zip, layer.zip
#   docker build --target builder -t lua-lambda-builder .
#                                    # LuaRocks for `lua-lambda build --docker`
#   docker buildx build --platform linux/arm64 -t hello-arm64 .
#
# The final image keeps the base image's entrypoint, so AWS's runtime
# interface emulator works: docker run -p 9000:8080 hello, then
# curl -d '{}' http://localhost:9000/2015-03-31/functions/function/invocations

ARG FUNCTION_DIR=examples/hello

FROM public.ecr.aws/amazonlinux/amazonlinux:2023 AS build
# libcurl-devel (curl's headers; it replaces the image's curl-minimal
# libraries) and openssl-devel: bootstrap links libcurl.so.4 through a stub
# (cmake/libcurl_stub.c), as on any machine, so it binds at run time to
# provided.al2023's libcurl-minimal, and libcrypto.so.3 (SigV4), which its
# openssl-libs provides. binutils and gawk: src/cli/files/check-portable.sh.
RUN dnf install -y --allowerasing \
      gcc make cmake pkgconf-pkg-config libcurl-devel openssl-devel curl \
      tar gzip binutils findutils gawk \
 && dnf clean all
WORKDIR /src
COPY vendor/ vendor/
RUN vendor/fetch.sh /deps
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY src/ src/
COPY lua/ lua/
ARG FUNCTION_DIR
COPY ${FUNCTION_DIR}/ /function/
# Warnings stay warnings here: a newer compiler must not break a release.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DLUA_LAMBDA_WERROR=OFF \
      -DLUA_LAMBDA_LUA_SOURCE_DIR=/deps/lua \
      -DLUA_LAMBDA_CJSON_SOURCE_DIR=/deps/lua-cjson \
      -DLUA_LAMBDA_FUNCTION_DIR=/function \
 && cmake --build /build --target bootstrap artifacts -j "$(nproc)" \
 && strip /build/bootstrap \
 && sh src/cli/files/check-portable.sh /build/bootstrap

# lua-lambda build --docker runs LuaRocks here: Amazon Linux 2023's glibc
# (2.34, as on provided.al2023) and the very Lua headers bootstrap embeds,
# so the C rocks it builds load on Lambda. LuaRocks is the pinned release
# (vendor/sources); the Lua interpreter it runs on is built from the same
# pinned Lua source.
#   docker build --target builder -t lua-lambda-builder .
#   docker buildx build --platform linux/arm64 --target builder -t lua-lambda-builder .
FROM build AS builder
RUN dnf install -y unzip which && dnf clean all \
 && make -C /deps/lua/src linux \
 && cd /deps/luarocks \
 && ./configure --prefix=/usr/local --lua-version=5.4 \
      --with-lua-bin=/deps/lua/src --with-lua-include=/deps/lua/src \
 && make && make install \
 && luarocks --version
WORKDIR /var/task

# docker build --target artifacts --output type=local,dest=dist .
FROM scratch AS artifacts
COPY --from=build /build/bootstrap /build/dist/function.zip /build/dist/layer.zip /

# The runtime alone: FROM this in your own Dockerfile (examples/container).
FROM public.ecr.aws/lambda/provided:al2023 AS runtime
COPY --from=build /build/bootstrap /var/runtime/bootstrap

# The default: the runtime with a function in /var/task.
FROM runtime AS function
ARG FUNCTION_DIR
COPY ${FUNCTION_DIR}/ ${LAMBDA_TASK_ROOT}/
CMD ["app.handler"]
