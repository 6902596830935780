-- No way out of the deadline (spec/integration/deadline/escapes.lua): a
-- handler that removes the runtime's hook, loops in a finalizer, in an
-- error object's metamethods or in a C call is answered Runtime.Timeout
-- before the deadline. (Results that take for ever to encode:
-- deadline_result_spec; under invoke, serve and Managed Instances:
-- deadline_hosts_spec.)
local helper = require "helper"
local socket = require "socket"

local own = helper.own("deadline")  -- spec/integration/deadline/: escapes.lua

-- What the hook stops: the state lives on and serves the next one.
local HOOK_STOPS = {
  "escapes.sethook_off", "escapes.sethook_own", "escapes.sethook_coroutine",
  "escapes.error_index_loop", "escapes.error_tostring_loop",
}
-- What no hook reaches: the watchdog reports and ends the process.
local WATCHDOG_STOPS = { "escapes.gc_loop", "escapes.c_backtrack" }

local MARGIN = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "500" }

-- Two invocations of handler, the first with 2 s left: the run, and
-- whether the first post came before that deadline.
local function run_in_time(handler)
  local first_post
  local deadline = helper.deadline_in(2000)
  local run = own.run { handler = handler, env = MARGIN,
    on_post = function() first_post = first_post or socket.gettime() end,
    invocations = { { deadline_ms = deadline }, { deadline_ms = helper.deadline_in(4000) } } }
  return run, first_post ~= nil and first_post * 1000 < deadline
end

describe("the deadline", function()
  it("holds against debug.sethook and error objects that loop: Runtime.Timeout, then the next invocation", function()
    for _, handler in ipairs(HOOK_STOPS) do
      local run, in_time = run_in_time(handler)
      assert.equal(2, #run.posts, handler)
      assert.equal("Runtime.Timeout", helper.error_type(run.posts[1]), handler)
      assert.is_true(in_time, handler)
      assert.equal("Runtime.Timeout", helper.error_type(run.posts[2]), handler)
      assert.equal("parked", run.why, handler)
    end
  end)

  it("holds in a streaming handler and in after_response work that call debug.sethook()", function()
    local run = run_in_time("escapes.sethook_stream")
    assert.equal(2, #run.posts)
    assert.equal("Runtime.Timeout",
      run.posts[1].trailers["lambda-runtime-function-error-type"])
    assert.equal("parked", run.why)

    run = run_in_time("escapes.sethook_after")
    assert.equal(2, #run.posts)      -- the first answered, and the next served
    assert.equal('"answered"', run.posts[1].body)
    assert.truthy(run.stdout:find("after_response function failed", 1, true))
    assert.equal("parked", run.why)
  end)

  it("holds where no hook runs (a finalizer, a C call): the watchdog reports Runtime.Timeout in time and ends the process", function()
    for _, handler in ipairs(WATCHDOG_STOPS) do
      local run, in_time = run_in_time(handler)
      assert.equal(1, #run.posts, handler)
      assert.equal("Runtime.Timeout", helper.error_type(run.posts[1]), handler)
      assert.truthy(helper.decode(run.posts[1].body).errorMessage:find("Task timed out", 1, true))
      assert.is_true(in_time, handler)
      assert.equal("exited", run.why, handler)
      assert.equal(1, run.exit_code, handler)
      assert.truthy(run.stderr:find("stuck past its deadline", 1, true), handler)
    end
  end)

  it("holds in a stream of empty writes: each step's few instructions add up to the count", function()
    local run = run_in_time("escapes.stream_spin")
    assert.equal(2, #run.posts)
    assert.equal("Runtime.Timeout",
      run.posts[1].trailers["lambda-runtime-function-error-type"])
    assert.equal("parked", run.why)
  end)

  it("keeps a hook the user left set to user code: the runtime's own calls never run it", function()
    local run = own.run { handler = "escapes.leave_hook",
      invocations = { { event = '{"sethook":true}' }, {}, {} } }
    assert.equal(3, #run.posts)
    assert.equal('"ok"', run.posts[1].body)
    -- the next handler call is user code: the hook raises there, and the
    -- report says what it raised (not a fault of the runtime's)
    for i = 2, 3 do
      assert.equal("Function.Error", helper.error_type(run.posts[i]), run.posts[i].body)
      assert.equal("user hook call", helper.decode(run.posts[i].body).errorMessage)
    end
    assert.equal("parked", run.why)
  end)

  it("leaves the runtime's own work alone when an invocation arrives inside the margin (a large event to decode)", function()
    local items = {}
    for i = 1, 300000 do items[i] = i end
    local event = '{"items":[' .. table.concat(items, ",") .. ']}'
    local run = own.run { handler = "escapes.count_items",
      invocations = { { event = event, deadline_ms = helper.deadline_in(30) },
        { event = '{"items":[1]}' } } }
    assert.equal(2, #run.posts)     -- answered (or timed out by the hook), and served on
    assert.equal("parked", run.why)
    assert.is_nil(run.stderr:find("stuck past its deadline", 1, true))
  end)

  it("watches a Managed Instances worker freeing its timed-out state: a finalizer that never ends ends the process", function()
    local run = own.run { handler = "escapes.spin", seconds = 30, concurrency = 2,
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "2", LUA_LAMBDA_TIMEOUT_MARGIN_MS = "500",
        ESCAPES_GC_ON_CLOSE = "1" },
      invocations = { { deadline_ms = helper.deadline_in(1500) } } }
    assert.equal(1, #run.posts)
    assert.equal("Runtime.Timeout", helper.error_type(run.posts[1]))
    assert.equal("exited", run.why)
    assert.truthy(run.stderr:find("a fresh state's init) ran past its time", 1, true), run.stderr)
  end)

  it("holds where no hook runs after the response: the process ends, nothing more is posted for it", function()
    local run = run_in_time("escapes.c_after")
    assert.equal(1, #run.posts)
    assert.equal("response", run.posts[1].kind)
    assert.equal('"answered"', run.posts[1].body)
    assert.equal("exited", run.why)
    assert.truthy(run.stderr:find("work after its response", 1, true))
  end)
end)
