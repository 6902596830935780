--- A local LuaRocks server for lua-lambda build's specs: source rocks made
--- from spec/fixtures/rocks with `luarocks pack`, and a manifest, in a
--- temporary folder that `--only-server` can name.
local M = {}

local ROCKS = "spec/fixtures/rocks"

local function sh(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  assert(ok, "failed: " .. cmd)
end

local function abs(path)
  local p = assert(io.popen("cd " .. path .. " && pwd"))
  local dir = p:read("l")
  p:close()
  return dir
end

-- A rock's rockspec (name, version, tarball, name, version, name, its one
-- module's file): greet is Lua, cadd C.
local SPEC = [[
package = "%s"
version = "%s-1"
source = { url = "file://%s", dir = "%s-%s" }
dependencies = { "lua >= 5.1" }
build = { type = "builtin", modules = { %s = "%s" } }
]]
local MODULE_FILE = { greet = "greet.lua", cadd = "cadd.c" }

--- Adds rock name at version (a folder name-version in the fixtures) to
--- the server in dir, and remakes its manifest.
function M.add(dir, name, version)
  local work = dir .. "/work"
  sh(("mkdir -p %s && cp -r %s/%s-%s %s/"):format(work, abs(ROCKS), name, version, work))
  local tarball = ("%s/%s-%s.tar.gz"):format(work, name, version)
  sh(("cd %s && tar czf %s %s-%s"):format(work, tarball, name, version))
  local rockspec = ("%s/%s-%s-1.rockspec"):format(work, name, version)
  local f = assert(io.open(rockspec, "w"))
  f:write(SPEC:format(name, version, tarball, name, version, name,
    MODULE_FILE[name]))
  f:close()
  sh(("cd %s && luarocks pack %s"):format(dir, rockspec))
  sh(("luarocks-admin make-manifest --lua-version=5.4 %s"):format(dir))
end

--- A new server holding greet 1.0 and cadd 1.0; returns its folder.
function M.make()
  local dir = require("tmp").dir()
  M.add(dir, "greet", "1.0")
  M.add(dir, "cadd", "1.0")
  return dir
end

function M.remove(dir)
  os.execute("rm -rf " .. dir)
end

return M
