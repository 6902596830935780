-- The image's dependencies (lua-lambda build installs them, in the Dockerfile's package stage).
rockspec_format = "3.0"
package = "container"
version = "dev-1"
source = { url = "." }
dependencies = {
  "lua >= 5.4",
  "lpeg >= 1.0",
}
build = { type = "none" }
