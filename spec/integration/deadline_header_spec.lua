-- A /next whose Lambda-Runtime-Deadline-Ms is missing or unreadable must
-- not switch the deadline guard off: the runtime fails closed, giving the
-- invocation the function's timeout from now (AWS_LAMBDA_FUNCTION_TIMEOUT,
-- seconds, as AWS's emulator reads it; Lambda itself always sends the
-- header) or else Lambda's longest, 900 s, and says so.
local helper = require "helper"

local BAD = { "soon", "", "1234567890123456789", "12a4", false }

describe("a bad Lambda-Runtime-Deadline-Ms", function()
  for _, value in ipairs(BAD) do
    local shown = value == false and "a missing one" or ("%q"):format(value)
    it("stops a handler that never returns, for " .. shown, function()
      local run = helper.run { handler = "app.runaway", seconds = 20,
        env = { AWS_LAMBDA_FUNCTION_TIMEOUT = "1" },
        invocations = { { headers = { ["Lambda-Runtime-Deadline-Ms"] = value } } } }
      assert.equal("parked", run.why, run.stderr)
      assert.equal(1, #run.posts)
      assert.equal("error", run.posts[1].kind)
      assert.equal("Runtime.Timeout", helper.decode(run.posts[1].body).errorType)
      assert.truthy(run.stderr:find("invocation req-1: no usable "
        .. "Lambda-Runtime-Deadline-Ms; its deadline is 1000 ms from now",
        1, true), run.stderr)
    end)
  end

  it("gives Lambda's longest timeout when the function's is not known", function()
    local post, run = helper.invoke("app.context", "{}", {
      env = { AWS_LAMBDA_FUNCTION_TIMEOUT = false },
      invocations = { { headers = { ["Lambda-Runtime-Deadline-Ms"] = "x" } } } })
    assert.equal("parked", run.why, run.stderr)
    assert.equal("response", post.kind, post.body)
    local left = post.json.remaining_colon
    -- 900 s from the /next, less the runtime's margin and what has run
    assert.is_true(left > 800000 and left <= 900000 - 100, tostring(left))
    assert.truthy(run.stderr:find("its deadline is 900000 ms from now", 1, true),
      run.stderr)
  end)

  it("leaves a good one alone and says nothing", function()
    local post, run = helper.invoke("app.context")
    assert.equal("response", post.kind)
    assert.is_nil(run.stderr:find("Deadline", 1, true), run.stderr)
  end)
end)
