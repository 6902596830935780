-- The deadline and the size bounds on what a handler returns: a result
-- or an error object that would take for ever to encode, or is too big,
-- is answered in time (spec/integration/deadline/escapes.lua).
local helper = require "helper"

local own = helper.own("deadline")  -- spec/integration/deadline/: escapes.lua

local MARGIN = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "500" }

describe("the deadline", function()
  -- (deadlines far off: a slow sanitizer build must meet the size bound
  -- before the deadline's)
  it("bounds the result: a shared-subtable result stops at Lambda's 6 MB as Function.ResponseSizeTooLarge", function()
    local run = own.run { seconds = 60, handler = "escapes.result_dag", env = MARGIN,
      invocations = { { deadline_ms = helper.deadline_in(30000) },
        { deadline_ms = helper.deadline_in(60000) } } }
    assert.equal(2, #run.posts)
    assert.equal("Function.ResponseSizeTooLarge", helper.error_type(run.posts[1]))
    assert.truthy(helper.decode(run.posts[1].body).errorMessage:find("6291556 bytes", 1, true))
    assert.equal("parked", run.why)
  end)

  it("bounds the result's encoding by the deadline: Runtime.Timeout, and the next one served", function()
    -- the hook's moment is 1 s before the deadline; the runtime's own work
    -- may use half the margin: the wait ends past it, before the deadline
    local run = own.run { handler = "escapes.late_result",
      env = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "1000" },
      invocations = { { event = '{"seconds":1.7}', deadline_ms = helper.deadline_in(2000) },
        { event = '{"seconds":0}', deadline_ms = helper.deadline_in(10000) } } }
    assert.equal(2, #run.posts)
    assert.equal("Runtime.Timeout", helper.error_type(run.posts[1]))
    assert.truthy(helper.decode(run.posts[1].body).errorMessage
      :find("while its result was encoded", 1, true))
    assert.equal("response", run.posts[2].kind)
    assert.equal("parked", run.why)
  end)

  it("bounds an error table's message, and counts the result against the function's memory", function()
    local run = own.run { seconds = 60, handler = "escapes.error_dag", env = MARGIN,
      invocations = { { deadline_ms = helper.deadline_in(30000) } } }
    assert.equal(1, #run.posts)
    local doc = helper.decode(run.posts[1].body)
    assert.equal("Function.Error", helper.error_type(run.posts[1]))
    assert.truthy(#run.posts[1].body < 300 * 1024, tostring(#run.posts[1].body))
    assert.truthy(doc.errorMessage:find("error object is a table", 1, true), doc.errorMessage)
    -- a table of 1 MB as JSON: named, not sent
    run = own.run { seconds = 60, handler = "escapes.error_big",
      invocations = { { deadline_ms = helper.deadline_in(30000) } } }
    assert.truthy(#run.posts[1].body < 300 * 1024, tostring(#run.posts[1].body))
    assert.equal("(error object is a table whose JSON is over 262144 bytes)",
      helper.decode(run.posts[1].body).errorMessage)

    -- a 5 MB heap has no room for a 6 MB result
    run = own.run { seconds = 60, handler = "escapes.result_dag",
      env = { LUA_LAMBDA_MEMORY_LIMIT_MB = "5" },
      invocations = { { deadline_ms = helper.deadline_in(30000) },
        { deadline_ms = helper.deadline_in(60000) } } }
    assert.equal("Runtime.OutOfMemory", helper.error_type(run.posts[1]))
    assert.equal("parked", run.why)
  end)
end)
