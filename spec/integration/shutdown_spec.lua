-- lambda.on_shutdown under Lambda's rules: the runtime's internal extension
-- must wait in /extension/event/next or Init never ends (the fake Runtime
-- API holds that barrier, as Lambda and AWS's emulator do), and SIGTERM
-- runs the functions once, within the shutdown phase, then exits 0.
local helper = require "helper"

local function shutdown_run(mode, extra)
  local file = helper.tmpfile()
  local opts = { handler = "shutdown.handler", invocations = { {}, {} },
    env = { SHUTDOWN_FILE = file, SHUTDOWN_MODE = mode } }
  for k, v in pairs(extra or {}) do opts[k] = v end
  local run = helper.run(opts)
  assert.is_nil(run.stderr:find("ThreadSanitizer", 1, true), run.stderr)
  local f = io.open(file, "rb")
  run.notes = f and f:read("a") or ""
  if f then f:close() end
  os.remove(file)
  return run
end

local function paths(run)
  local list = {}
  for _, r in ipairs(run.requests) do list[#list + 1] = r.method .. " " .. r.path end
  return list
end

describe("lambda.on_shutdown", function()
  it("passes the Init barrier: registers with no events, then waits in event/next", function()
    local run = shutdown_run("ok")
    assert.equal("parked", run.why)
    assert.equal(2, #run.posts)
    assert.equal("up", helper.decode(run.posts[1].body))
    -- registered first, before the runtime's first /next
    assert.equal("POST /2020-01-01/extension/register", paths(run)[1])
    local reg = run.extensions[1]
    assert.equal("lua-lambda-shutdown", reg.headers["lambda-extension-name"])
    -- internal extensions may not register for SHUTDOWN; INVOKE is not needed
    assert.same({ events = {} }, helper.decode(reg.body))
    local polls = 0
    for _, r in ipairs(run.requests) do
      if r.path == "/2020-01-01/extension/event/next" then
        polls = polls + 1
        assert.equal("GET", r.method)
        assert.equal("ext-1", r.headers["lambda-extension-identifier"])
        -- its own connection: the runtime's stays free for /next
        assert.are_not.equal(run.requests[#run.requests].connection, r.connection)
      end
    end
    assert.equal(1, polls)  -- one long poll for the life of the process
  end)

  it("runs every function once on SIGTERM, then exits 0", function()
    local run = shutdown_run("ok")
    assert.equal(0, run.exit_code)
    assert.equal("first\nsecond\n", run.notes)
    assert.truthy(run.stderr:find("SIGTERM: running on_shutdown functions", 1, true))
  end)

  it("logs a function that raises and runs the next one", function()
    local run = shutdown_run("raise")
    assert.equal(0, run.exit_code)
    assert.equal("second\n", run.notes)
    assert.truthy(run.stdout:find("on_shutdown function failed", 1, true))
    assert.truthy(run.stdout:find("cleanup failed", 1, true))
  end)

  it("cuts off a function that never returns and still exits 0", function()
    local run = shutdown_run("loop")
    assert.equal(0, run.exit_code)  -- nil would mean it hung past kill's wait
    assert.equal("", run.notes)     -- past the deadline the rest is skipped
    assert.truthy(run.stdout:find("on_shutdown function failed", 1, true))
    assert.truthy(run.stdout:find("timed out", 1, true))
  end)

  it("exits at the end of the shutdown phase even when a function is stuck in C", function()
    local run = shutdown_run("stuck")
    assert.equal(0, run.exit_code)  -- nil: still there after kill's 5 s wait
    assert.truthy(run.stderr:find("the shutdown phase is over; exiting", 1, true))
  end)

  it("exits on SIGTERM during an invocation without touching its Lua state", function()
    local run = shutdown_run("ok", { handler = "shutdown.term_self" })
    assert.equal("exited", run.why)  -- by itself, within the shutdown phase
    assert.equal(0, run.exit_code)
    assert.equal(0, #run.posts)      -- the invocation was cut off, not answered
    assert.equal("", run.notes)      -- the functions were skipped: state in use
    assert.truthy(run.stderr:find("an invocation is still running", 1, true))
  end)

  it("does not register when there is no on_shutdown function", function()
    local run = helper.run { handler = "app.hello", invocations = { {} } }
    assert.equal(0, #run.extensions)
    assert.equal(143, run.exit_code)  -- SIGTERM's default: no handler installed
  end)
end)

describe("the fake Runtime API's Init barrier", function()
  it("hands out nothing to a runtime whose extension never waits in event/next", function()
    local run = helper.run { bootstrap = "spec/support/runtimes/register_only_runtime.lua",
      invocations = { {} }, init_timeout = 1 }
    assert.equal("init_timeout", run.why)
    assert.equal(0, run.served)
    assert.equal(1, #run.extensions)
    assert.is_nil(run.stdout:find("past the Init barrier", 1, true))
  end)
end)
