-- lua-lambda invoke: what the function writes while its Lua state closes
-- (a __gc finalizer) comes after the invocation, so it carries no request
-- id, never the freed one's bytes.
local helper = require "helper"

local quote = helper.quote

local MODULE = [[
_G.keep = setmetatable(_G.keep or {}, {__gc = function() print("closing") end})
return { handler = function() return "ok" end }
]]

local function has_valgrind()
  return (helper.sh("command -v valgrind"))
end

describe("lua-lambda invoke, as the Lua state closes", function()
  local dir

  before_each(function()
    dir = helper.tmpdir_with("gc_print.lua", MODULE)
  end)

  after_each(function()
    os.execute("rm -rf " .. quote(dir))
  end)

  it("logs a finalizer's print after the answer with no request id", function()
    local ok, out = helper.sh(("%s invoke --task-root %s gc_print.handler")
      :format(quote(helper.cli), quote(dir)))
    assert.is_true(ok, out)
    local line = out:match("[^\n]*closing[^\n]*")
    assert.truthy(line, out)
    assert.truthy(line:match("^%d%d%d%d%-%d%d%-%d%dT[%d:.]+Z\t%-\tINFO\tclosing$"),
      line)
  end)

  it("reads no freed memory doing it (valgrind)", function()
    if not has_valgrind() or helper.sanitized_cli() then
      pending("valgrind is not installed, or this is a sanitizer's build")
      return
    end
    local ok, out = helper.sh(("valgrind -q --error-exitcode=99 %s invoke "
      .. "--task-root %s gc_print.handler"):format(quote(helper.cli), quote(dir)))
    assert.is_nil(out:find("Invalid read", 1, true), out)
    assert.is_true(ok, out)
  end)
end)
