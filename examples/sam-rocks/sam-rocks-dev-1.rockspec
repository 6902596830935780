-- The function's dependencies: lua-lambda build installs them into
-- lua_modules/ (luarocks.lock, written by --pin, fixes their versions).
rockspec_format = "3.0"
package = "sam-rocks"
version = "dev-1"
source = { url = "." }
dependencies = {
  "lua >= 5.4",
  "inspect >= 3.1",
  "lpeg >= 1.0",
}
build = { type = "none" }
