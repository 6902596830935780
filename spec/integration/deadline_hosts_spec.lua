-- The deadline holds under lua-lambda invoke, serve and Managed
-- Instances as under bootstrap alone (spec/integration/deadline/escapes.lua).
local helper = require "helper"

local own = helper.own("deadline")  -- spec/integration/deadline/: escapes.lua

local MARGIN = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "500" }

describe("the deadline", function()
  it("holds under lua-lambda invoke", function()
    for _, handler in ipairs { "escapes.sethook_off", "escapes.c_backtrack" } do
      local p = io.popen(("cd %s && echo '{}' | %s invoke --timeout 2 %s 2>&1; echo \"rc=$?\"")
        :format(own.root, helper.cli, handler))
      local out = p:read("a")
      p:close()
      assert.truthy(out:find('"errorType":"Runtime.Timeout"', 1, true), handler .. ": " .. out)
      assert.truthy(out:find("rc=1", 1, true), handler .. ": " .. out)
    end
  end)

  -- serve answers Sandbox.Timedout itself at the deadline: the runtime must
  -- post before it, so the margin is wide enough that a starved machine
  -- (ctest -j beside other work) still gives the watchdog the quarter of
  -- it in CPU that judges a thread stuck, with time to post.
  it("holds under serve: each answered in time, and the next invocation served", function()
    for _, handler in ipairs { "escapes.sethook_off", "escapes.gc_loop", "escapes.c_backtrack" } do
      local server = helper.serve({ "--task-root", own.root, "--timeout", "4", handler },
        { env = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "2000" } })
      local r = server:invoke("{}")
      assert.equal("Unhandled", r.headers["x-amz-function-error"], handler)
      assert.equal("Runtime.Timeout", r.json.errorType, handler)
      r = server:invoke("{}")
      assert.equal("Runtime.Timeout", r.json.errorType, handler .. " #2")
      server:stop()
    end
  end)

  it("holds under Managed Instances: the stuck worker's invocation is answered, the others' too, then the process ends", function()
    local stuck_deadline = helper.deadline_in(2000)
    local run = own.run { handler = "escapes.mixed", env = {
        AWS_LAMBDA_MAX_CONCURRENCY = "2", LUA_LAMBDA_TIMEOUT_MARGIN_MS = "500" },
      concurrency = 2,
      invocations = {
        { request_id = "stuck", event = '{"stuck":true}', deadline_ms = stuck_deadline },
        { request_id = "fine", event = ('{"until_ms":%d}'):format(stuck_deadline + 1000),
          deadline_ms = helper.deadline_in(6000) },
        { request_id = "never", deadline_ms = helper.deadline_in(6000) } } }
    local by_id = {}
    for _, post in ipairs(run.posts) do by_id[post.request_id] = post end
    assert.equal("Runtime.Timeout", helper.error_type(by_id.stuck))
    -- the other worker's invocation, running when the watchdog fired, is answered
    assert.equal("response", by_id.fine.kind)
    assert.equal('"done"', by_id.fine.body)
    -- and no new one is taken: the process drains and ends
    assert.is_nil(by_id.never)
    assert.equal("exited", run.why)
    assert.truthy(run.stderr:find("stuck past its deadline", 1, true))
  end)
end)
