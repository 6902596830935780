-- The image's dependencies (the Dockerfile's first stage installs them).
rockspec_format = "3.0"
package = "container"
version = "dev-1"
source = { url = "." }
dependencies = {
  "lua >= 5.4",
  "lpeg >= 1.0",
}
build = { type = "none" }
