-- Hostile handlers, each under the real bootstrap and under serve: whatever
-- they do (spin in a coroutine, run away after their response, try to
-- inject headers, print bytes that are not UTF-8), every invocation is
-- answered and the next one served.
local helper = require "helper"
local socket = require "socket"

local HOSTILE = {
  "coroutines.top_level", "coroutines.wrapped", "app.runaway_after",
  "app.stream_inject", "app.print_bad_utf8", "app.runaway",
}

describe("hostile handlers", function()
  it("are answered, every invocation, under bootstrap", function()
    for _, handler in ipairs(HOSTILE) do
      local now = math.floor(socket.gettime() * 1000)
      local run = helper.run { handler = handler,
        env = { AWS_LAMBDA_LOG_FORMAT = "JSON" },
        invocations = { { deadline_ms = now + 1500 }, { deadline_ms = now + 3000 } } }
      assert.equal(2, #run.posts, handler)
      assert.equal("parked", run.why, handler)
    end
  end)

  it("are answered, every invocation, under serve", function()
    for _, handler in ipairs(HOSTILE) do
      local server = helper.serve({ "--task-root", helper.handlers,
        "--timeout", "2", handler })
      for i = 1, 2 do
        local r = server:invoke("{}")
        assert.equal(200, r.status, handler .. " #" .. i)
        assert.truthy(#r.body > 0, handler .. " #" .. i)
      end
      server:stop()
    end
  end)
end)
