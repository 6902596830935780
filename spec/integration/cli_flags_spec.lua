-- The flags invoke (and serve) take again and again: --layer in order,
-- up to Lambda's five; --env each one set.
local helper = require "helper"
local Process = require "process"

describe("lua-lambda invoke's repeated flags", function()
  local handlers = Process.absolute("spec/integration/cli_flags")

  local function invoke(args)
    local argv = { helper.cli, "invoke", "app.given", "--no-template",
                   "--task-root", handlers }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    local p = Process.start { argv = argv }
    local code = p:wait(10)
    local out, err = p:stdout(), p:stderr()
    p:cleanup()
    return code, out, err
  end

  it("keeps every --layer in order and every --env", function()
    local dir = helper.tmpdir()
    finally(function() os.execute("rm -rf " .. helper.quote(dir)) end)
    assert(os.execute(("mkdir %s/a %s/b"):format(helper.quote(dir), helper.quote(dir))))
    local code, out, err = invoke { "--layer", dir .. "/b", "--layer", dir .. "/a",
                                    "--env", "FIRST=1", "--env", "SECOND=2" }
    assert.equal(0, code, err)
    assert.same({ layers = dir .. "/b:" .. dir .. "/a", first = "1", second = "2" },
                helper.decode(out))
  end)

  it("refuses a sixth --layer, as Lambda takes five", function()
    local args = {}
    for _ = 1, 6 do
      args[#args + 1] = "--layer"
      args[#args + 1] = handlers
    end
    local code, out, err = invoke(args)
    assert.equal(2, code)
    assert.equal("", out)
    assert.truthy(err:find("too many --layer (at most 5)", 1, true), err)
  end)
end)
