-- The deployable zips (cmake --build build --target artifacts, which runs
-- lua-lambda build): what they hold, the executable bit, and that the
-- zipped bootstrap serves the zipped function.
local helper = require "helper"
local sh = helper.sh

describe("artifacts", function()
  local dist = helper.build .. "/dist"
  if helper.sanitized(helper.bootstrap) then
    -- a sanitizer build has no artifacts target: its bootstrap is never
    -- Lambda's (lua-lambda build would refuse it)
    it("are made by a build without sanitizers", function()
      pending("a sanitizer build's bootstrap is not deployable")
    end)
    return
  end

  setup(function()
    local ok, out = sh("cmake --build " .. helper.build .. " --target artifacts")
    assert(ok, out)
  end)

  it("function.zip holds an executable bootstrap and the function at the root", function()
    local ok, listing = sh("cmake -E tar tvf " .. dist .. "/function.zip")
    assert(ok, listing)
    assert.truthy(listing:match("%-rwxr%-xr%-x[^\n]* bootstrap\n"), listing)
    assert.truthy(listing:find(" app.lua\n", 1, true), listing)
    assert.is_nil(listing:find("README", 1, true))
    assert.is_nil(listing:find("template.yaml", 1, true))
  end)

  it("runtime-layer.zip holds bootstrap, for /opt/bootstrap, and the AWS models below /opt/lua", function()
    local ok, listing = sh("cmake -E tar tvf " .. dist .. "/runtime-layer.zip")
    assert(ok, listing)
    local first, rest = listing:match("^([^\n]*\n)(.*)$")
    assert.truthy(first:match("^%-rwxr%-xr%-x[^\n]* bootstrap\n$"), listing)
    for line in rest:gmatch("[^\n]+") do
      assert.truthy(line:find(" lua/aws-models/", 1, true), line)
    end
  end)

  it("packs with lua-lambda build: the same file list, times fixed, bootstrap stripped", function()
    local ok, listing = sh("cmake -E tar tvf " .. dist .. "/function.zip")
    assert(ok, listing)
    -- the packager's rules: no events, no spec; 1980-01-01 times
    assert.is_nil(listing:find("event.json", 1, true))
    assert.is_nil(listing:find("spec/", 1, true))
    for line in listing:gmatch("[^\n]+") do
      assert.truthy(line:find(" 1 Jan  1980 ", 1, true), line)
    end
    local _, syms = sh("readelf -S " .. dist .. "/bootstrap")
    assert.is_nil(syms:find(".symtab", 1, true))
  end)

  it("the zipped bootstrap runs the zipped function", function()
    local dir = helper.tmpdir()
    local ok, out = sh(("cd %s && cmake -E tar xf %s/function.zip"):format(
      dir, require("process").absolute(dist)))
    assert(ok, out)
    local post = helper.invoke("app.handler", '{"name":"zip"}', {
      bootstrap = dir .. "/bootstrap", task_root = dir,
    })
    assert(os.execute("rm -rf " .. dir))
    assert.same({ statusCode = 200, body = "hello zip" }, post.json)
  end)
end)
