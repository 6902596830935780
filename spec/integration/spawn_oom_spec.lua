-- lua-lambda serve when memory runs out starting a runtime: spawn_worker
-- gives back what it made, and only that (it once freed the function's
-- own environment strings), says why, and serves once memory is there.
-- Shown by failure injection: spec/support/lib/failmalloc.c, preloaded, fails
-- the second malloc made from spawn_worker's code (found with nm) and
-- says each free made there of a pointer not allocated there.
local helper = require "helper"

local quote = helper.quote

-- spawn_worker's code as offsets in the executable, or nil (stripped, or
-- inlined by this compiler).
local function spawn_worker_range(binary)
  local ok, out = helper.sh("nm -S " .. quote(binary))
  if not ok then return nil end
  local start, size = out:match("(%x+) (%x+) t spawn_worker\n")
  if not start then return nil end
  return start, ("%x"):format(tonumber(start, 16) + tonumber(size, 16))
end

local sanitized = helper.sanitized_cli

describe("lua-lambda serve, out of memory starting a runtime", function()
  local server, shim
  after_each(function()
    if server then server:stop() end
    server = nil
    if shim then os.remove(shim) end
  end)

  it("frees only what spawn_worker allocated, and recovers", function()
    local lo, hi = spawn_worker_range(helper.cli)
    if not lo or sanitized() then
      pending("spawn_worker is not a symbol of this build, or a sanitizer owns malloc")
      return
    end
    shim = helper.tmpfile(nil, "failmalloc.so")
    local built, why = helper.sh(("cc -shared -fPIC -O1 -o %s spec/support/lib/failmalloc.c -ldl")
      :format(quote(shim)))
    assert.is_truthy(built, why)
    server = helper.serve({ "--task-root", helper.handlers, "app.hello" },
      { shell = { LD_PRELOAD = shim, FAIL_LO = lo, FAIL_HI = hi, FAIL_NTH = "2" } })
    local r = server:invoke("{}", { ["X-Amz-Invocation-Type"] = "Event" })
    assert.equal(202, r.status)
    helper.wait_for(function()
      return server:output():find("cannot start", 1, true)
    end, "the failed start was not said: " .. server:output())
    local out = server:output()
    assert.truthy(out:find("failmalloc: malloc%(%d+%) in the range fails"), out)
    assert.is_nil(out:find("NEVER ALLOCATED THERE", 1, true), out)
    assert.truthy(out:find("Cannot allocate memory", 1, true), out)
    -- the next invocation finds memory and a runtime
    r = server:invoke("{}")
    assert.equal(200, r.status, server:output())
    assert.is_nil(server:output():find("NEVER ALLOCATED THERE", 1, true), server:output())
  end)
end)
