-- No way out of the deadline (spec/fixtures/handlers/escapes.lua): a
-- handler that removes the runtime's hook, loops in a finalizer, in an
-- error object's metamethods or in a C call, or returns a result that
-- would take for ever to encode is answered Runtime.Timeout before the
-- deadline, under bootstrap, invoke, serve and Managed Instances.
local helper = require "helper"
local socket = require "socket"

local function deadline_in(ms)
  return math.floor(socket.gettime() * 1000) + ms
end

local function error_type(post)
  return post.headers["lambda-runtime-function-error-type"]
end

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
  local deadline = deadline_in(2000)
  local run = helper.run { handler = handler, env = MARGIN,
    on_post = function() first_post = first_post or socket.gettime() end,
    invocations = { { deadline_ms = deadline }, { deadline_ms = deadline_in(4000) } } }
  return run, first_post ~= nil and first_post * 1000 < deadline
end

describe("the deadline", function()
  it("holds against debug.sethook and error objects that loop: Runtime.Timeout, then the next invocation", function()
    for _, handler in ipairs(HOOK_STOPS) do
      local run, in_time = run_in_time(handler)
      assert.equal(2, #run.posts, handler)
      assert.equal("Runtime.Timeout", error_type(run.posts[1]), handler)
      assert.is_true(in_time, handler)
      assert.equal("Runtime.Timeout", error_type(run.posts[2]), handler)
      assert.equal("parked", run.why, handler)
    end
  end)

  it("holds in a streaming handler and in after_response work that call debug.sethook()", function()
    local run = helper.run { handler = "escapes.sethook_stream", env = MARGIN,
      invocations = { { deadline_ms = deadline_in(2000) }, { deadline_ms = deadline_in(4000) } } }
    assert.equal(2, #run.posts)
    assert.equal("Runtime.Timeout",
      run.posts[1].trailers["lambda-runtime-function-error-type"])
    assert.equal("parked", run.why)

    run = helper.run { handler = "escapes.sethook_after", env = MARGIN,
      invocations = { { deadline_ms = deadline_in(2000) }, { deadline_ms = deadline_in(4000) } } }
    assert.equal(2, #run.posts)      -- the first answered, and the next served
    assert.equal('"answered"', run.posts[1].body)
    assert.truthy(run.stdout:find("after_response function failed", 1, true))
    assert.equal("parked", run.why)
  end)

  it("holds where no hook runs (a finalizer, a C call): the watchdog reports Runtime.Timeout in time and ends the process", function()
    for _, handler in ipairs(WATCHDOG_STOPS) do
      local run, in_time = run_in_time(handler)
      assert.equal(1, #run.posts, handler)
      assert.equal("Runtime.Timeout", error_type(run.posts[1]), handler)
      assert.truthy(helper.decode(run.posts[1].body).errorMessage:find("Task timed out", 1, true))
      assert.is_true(in_time, handler)
      assert.equal("exited", run.why, handler)
      assert.equal(1, run.exit_code, handler)
      assert.truthy(run.stderr:find("stuck past its deadline", 1, true), handler)
    end
  end)

  it("holds in a stream of empty writes: each step's few instructions add up to the count", function()
    local run = helper.run { handler = "escapes.stream_spin", env = MARGIN,
      invocations = { { deadline_ms = deadline_in(2000) }, { deadline_ms = deadline_in(4000) } } }
    assert.equal(2, #run.posts)
    assert.equal("Runtime.Timeout",
      run.posts[1].trailers["lambda-runtime-function-error-type"])
    assert.equal("parked", run.why)
  end)

  it("keeps a hook the user left set to user code: the runtime's own calls never run it", function()
    local run = helper.run { handler = "escapes.leave_hook",
      invocations = { { event = '{"sethook":true}' }, {}, {} } }
    assert.equal(3, #run.posts)
    assert.equal('"ok"', run.posts[1].body)
    -- the next handler call is user code: the hook raises there, and the
    -- report says what it raised (not a fault of the runtime's)
    for i = 2, 3 do
      assert.equal("Function.Error", error_type(run.posts[i]), run.posts[i].body)
      assert.equal("user hook call", helper.decode(run.posts[i].body).errorMessage)
    end
    assert.equal("parked", run.why)
  end)

  it("leaves the runtime's own work alone when an invocation arrives inside the margin (a large event to decode)", function()
    local items = {}
    for i = 1, 300000 do items[i] = i end
    local event = '{"items":[' .. table.concat(items, ",") .. ']}'
    local run = helper.run { handler = "escapes.count_items",
      invocations = { { event = event, deadline_ms = deadline_in(30) },
        { event = '{"items":[1]}' } } }
    assert.equal(2, #run.posts)     -- answered (or timed out by the hook), and served on
    assert.equal("parked", run.why)
    assert.is_nil(run.stderr:find("stuck past its deadline", 1, true))
  end)

  it("watches a Managed Instances worker freeing its timed-out state: a finalizer that never ends ends the process", function()
    local run = helper.run { handler = "escapes.spin", seconds = 30, concurrency = 2,
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "2", LUA_LAMBDA_TIMEOUT_MARGIN_MS = "500",
        ESCAPES_GC_ON_CLOSE = "1" },
      invocations = { { deadline_ms = deadline_in(1500) } } }
    assert.equal(1, #run.posts)
    assert.equal("Runtime.Timeout", error_type(run.posts[1]))
    assert.equal("exited", run.why)
    assert.truthy(run.stderr:find("a fresh state's init) ran past its time", 1, true), run.stderr)
  end)

  it("holds where no hook runs after the response: the process ends, nothing more is posted for it", function()
    local run = helper.run { handler = "escapes.c_after", env = MARGIN,
      invocations = { { deadline_ms = deadline_in(2000) }, { deadline_ms = deadline_in(4000) } } }
    assert.equal(1, #run.posts)
    assert.equal("response", run.posts[1].kind)
    assert.equal('"answered"', run.posts[1].body)
    assert.equal("exited", run.why)
    assert.truthy(run.stderr:find("work after its response", 1, true))
  end)

  -- (deadlines far off: a slow sanitizer build must meet the size bound
  -- before the deadline's)
  it("bounds the result: a shared-subtable result stops at Lambda's 6 MB as Function.ResponseSizeTooLarge", function()
    local run = helper.run { seconds = 60, handler = "escapes.result_dag", env = MARGIN,
      invocations = { { deadline_ms = deadline_in(30000) }, { deadline_ms = deadline_in(60000) } } }
    assert.equal(2, #run.posts)
    assert.equal("Function.ResponseSizeTooLarge", error_type(run.posts[1]))
    assert.truthy(helper.decode(run.posts[1].body).errorMessage:find("6291556 bytes", 1, true))
    assert.equal("parked", run.why)
  end)

  it("bounds the result's encoding by the deadline: Runtime.Timeout, and the next one served", function()
    -- the hook's moment is 1 s before the deadline; the runtime's own work
    -- may use half the margin: the wait ends past it, before the deadline
    local run = helper.run { handler = "escapes.late_result",
      env = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "1000" },
      invocations = { { event = '{"seconds":1.7}', deadline_ms = deadline_in(2000) },
        { event = '{"seconds":0}', deadline_ms = deadline_in(10000) } } }
    assert.equal(2, #run.posts)
    assert.equal("Runtime.Timeout", error_type(run.posts[1]))
    assert.truthy(helper.decode(run.posts[1].body).errorMessage
      :find("while its result was encoded", 1, true))
    assert.equal("response", run.posts[2].kind)
    assert.equal("parked", run.why)
  end)

  it("bounds an error table's message, and counts the result against the function's memory", function()
    local run = helper.run { seconds = 60, handler = "escapes.error_dag", env = MARGIN,
      invocations = { { deadline_ms = deadline_in(30000) } } }
    assert.equal(1, #run.posts)
    local doc = helper.decode(run.posts[1].body)
    assert.equal("Function.Error", error_type(run.posts[1]))
    assert.truthy(#run.posts[1].body < 300 * 1024, tostring(#run.posts[1].body))
    assert.truthy(doc.errorMessage:find("error object is a table", 1, true), doc.errorMessage)
    -- a table of 1 MB as JSON: named, not sent
    run = helper.run { seconds = 60, handler = "escapes.error_big",
      invocations = { { deadline_ms = deadline_in(30000) } } }
    assert.truthy(#run.posts[1].body < 300 * 1024, tostring(#run.posts[1].body))
    assert.equal("(error object is a table whose JSON is over 262144 bytes)",
      helper.decode(run.posts[1].body).errorMessage)

    -- a 5 MB heap has no room for a 6 MB result
    run = helper.run { seconds = 60, handler = "escapes.result_dag",
      env = { LUA_LAMBDA_MEMORY_LIMIT_MB = "5" },
      invocations = { { deadline_ms = deadline_in(30000) }, { deadline_ms = deadline_in(60000) } } }
    assert.equal("Runtime.OutOfMemory", error_type(run.posts[1]))
    assert.equal("parked", run.why)
  end)

  it("holds under lua-lambda invoke", function()
    for _, handler in ipairs { "escapes.sethook_off", "escapes.c_backtrack" } do
      local p = io.popen(("cd %s && echo '{}' | %s invoke --timeout 2 %s 2>&1; echo \"rc=$?\"")
        :format(helper.handlers, helper.cli, handler))
      local out = p:read("a")
      p:close()
      assert.truthy(out:find('"errorType":"Runtime.Timeout"', 1, true), handler .. ": " .. out)
      assert.truthy(out:find("rc=1", 1, true), handler .. ": " .. out)
    end
  end)

  it("holds under serve: each answered in time, and the next invocation served", function()
    for _, handler in ipairs { "escapes.sethook_off", "escapes.gc_loop", "escapes.c_backtrack" } do
      local server = helper.serve({ "--task-root", helper.handlers, "--timeout", "2", handler },
        { env = MARGIN })
      local r = server:invoke("{}")
      assert.equal("Unhandled", r.headers["x-amz-function-error"], handler)
      assert.equal("Runtime.Timeout", r.json.errorType, handler)
      r = server:invoke("{}")
      assert.equal("Runtime.Timeout", r.json.errorType, handler .. " #2")
      server:stop()
    end
  end)

  it("holds under Managed Instances: the stuck worker's invocation is answered, the others' too, then the process ends", function()
    local stuck_deadline = deadline_in(2000)
    local run = helper.run { handler = "escapes.mixed", env = {
        AWS_LAMBDA_MAX_CONCURRENCY = "2", LUA_LAMBDA_TIMEOUT_MARGIN_MS = "500" },
      concurrency = 2,
      invocations = {
        { request_id = "stuck", event = '{"stuck":true}', deadline_ms = stuck_deadline },
        { request_id = "fine", event = ('{"until_ms":%d}'):format(stuck_deadline + 1000),
          deadline_ms = deadline_in(6000) },
        { request_id = "never", deadline_ms = deadline_in(6000) } } }
    local by_id = {}
    for _, post in ipairs(run.posts) do by_id[post.request_id] = post end
    assert.equal("Runtime.Timeout", error_type(by_id.stuck))
    -- the other worker's invocation, running when the watchdog fired, is answered
    assert.equal("response", by_id.fine.kind)
    assert.equal('"done"', by_id.fine.body)
    -- and no new one is taken: the process drains and ends
    assert.is_nil(by_id.never)
    assert.equal("exited", run.why)
    assert.truthy(run.stderr:find("stuck past its deadline", 1, true))
  end)
end)
