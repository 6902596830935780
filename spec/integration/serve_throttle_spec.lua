-- lua-lambda serve throttles at an exact count: with N runtimes busy, N x
-- EMU_QUEUE_PER_WORKER (10) invocations wait and the next one is refused
-- with 429 TooManyRequestsException, never one later or one sooner. The
-- handler holds every runtime until the spec lets go, so nothing leaves
-- the queue meanwhile; Event invocations are answered as soon as they are
-- queued (202) or refused (429), so each answer says where the count is.
local helper = require "helper"

local quote = helper.quote

local QUEUE_PER_WORKER = 10  -- emulator.h's EMU_QUEUE_PER_WORKER

local MODULE = [[
local clock = require "lambda.clock"
return { handler = function(event)
  while not io.open(event.release) do clock.sleep_ms(5) end
  return "done"
end }
]]

describe("lua-lambda serve's throttling", function()
  local dir, server
  before_each(function()
    dir = helper.tmpdir_with("hold.lua", MODULE)
  end)
  after_each(function()
    if server then server:stop() end
    server = nil
    os.execute("rm -rf " .. quote(dir))
  end)

  for _, n in ipairs({ 1, 2 }) do
    it(("refuses exactly the invocation past %d running and %d waiting")
        :format(n, n * QUEUE_PER_WORKER), function()
      local release = dir .. "/release"
      local event = ('{"release":%q}'):format(release)
      local event_call = { ["X-Amz-Invocation-Type"] = "Event" }
      server = helper.serve({ "--task-root", dir, "--timeout", "120",
        "--concurrency", tostring(n), "hold.handler" })
      -- N running: each runtime has taken one and holds it
      for i = 1, n do
        assert.equal(202, server:invoke(event, event_call).status, i)
      end
      helper.wait_for(function()
        return helper.count(server:output(), "START RequestId:") == n
      end, "the runtimes did not take their invocations: " .. server:output())
      -- N x 10 waiting: each one queued
      for i = 1, n * QUEUE_PER_WORKER do
        local r = server:invoke(event, event_call)
        assert.equal(202, r.status, ("waiting invocation %d of %d: %s")
          :format(i, n * QUEUE_PER_WORKER, r.body))
      end
      -- the next is refused, Event or not, as Lambda refuses it
      for _, headers in ipairs({ event_call, {} }) do
        local r = server:invoke(event, headers)
        assert.equal(429, r.status, r.body)
        assert.equal("TooManyRequestsException", r.headers["x-amzn-errortype"])
        assert.equal("TooManyRequestsException", r.json.errorType)
      end
      -- let go: every one queued runs, and then there is room again
      local f = assert(io.open(release, "w"))
      f:close()
      helper.wait_for(function()
        return helper.count(server:output(), "END RequestId:") == n + n * QUEUE_PER_WORKER
      end, "the queued invocations did not all run: " .. server:output(), 60)
      local r = server:invoke(event)
      assert.equal(200, r.status, r.body)
      assert.equal('"done"', r.body)
    end)
  end
end)
