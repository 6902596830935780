-- The shutdown phase as Lambda gives it: on_shutdown functions run once,
-- whichever way the end comes (SIGTERM, a SHUTDOWN event, both at once),
-- within Lambda's 500 ms phase for a runtime with internal extensions only.
local helper = require "helper"

local own = helper.own()  -- spec/integration/shutdown_phase/

local function shutdown_run(extra)
  local file = helper.tmpfile()
  local opts = { handler = "shutdown_timing.handler", invocations = { {} },
    env = { SHUTDOWN_FILE = file, LUA_LAMBDA_TIMEOUT_MARGIN_MS = "0" } }
  for k, v in pairs(extra or {}) do opts[k] = v end
  local run = own.run(opts)
  assert.is_nil(run.stderr:find("ThreadSanitizer", 1, true), run.stderr)
  local f = io.open(file, "rb")
  run.notes = {}
  if f then
    for line in f:lines() do run.notes[#run.notes + 1] = line end
    f:close()
  end
  os.remove(file)
  return run
end

local function count(text, word)
  local n = 0
  for _ in text:gmatch(word) do n = n + 1 end
  return n
end

describe("the shutdown phase", function()
  it("runs on_shutdown once when SIGTERM and a SHUTDOWN event race", function()
    local run = shutdown_run { after_serve = function(_, api)
      api:shutdown_all()  -- to the extension thread; SIGTERM follows at once
    end }
    assert.equal("parked", run.why, run.stderr)
    assert.equal(0, run.exit_code, run.stderr)
    assert.equal(1, #run.notes, table.concat(run.notes, "\n") .. run.stderr)
    -- one of the two ran them; the other did nothing of its own
    assert.equal(1, count(run.stderr, "running on_shutdown functions"), run.stderr)
    assert.is_nil(run.stderr:find("still running", 1, true), run.stderr)
  end)

  it("gives the functions Lambda's 500 ms, as the deadline they see", function()
    local run = shutdown_run()
    assert.equal(0, run.exit_code, run.stderr)
    assert.equal(1, #run.notes, run.stderr)
    local left = tonumber(run.notes[1]:match("^ran (%d+)$"))
    -- the figure the runtime armed (margin 0), not a measured time
    assert.is_true(left ~= nil and left > 0 and left <= 500, run.notes[1])
  end)
end)
