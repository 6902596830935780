-- The fault matrix: for each fault, what the caller gets, and that the
-- next invocation still works (or that the process exits with a reason).
local helper = require "helper"
local socket = require "socket"

local own = helper.own()  -- spec/integration/faults/

local deadline_in = helper.deadline_in

-- Runs handler on `event`, then a second invocation of app.hello-like
-- health: returns the run.
local function then_next(handler, first, extra)
  local opts = { handler = handler, invocations = { first, { event = '{"name":"next"}' } } }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return helper.run(opts)
end

describe("faults", function()
  it("a runaway loop is stopped before the deadline as Runtime.Timeout, with its traceback", function()
    local first_post
    local deadline = deadline_in(1000)
    local run = helper.run { handler = "app.runaway",
      on_post = function() first_post = first_post or socket.gettime() end,
      invocations = { { deadline_ms = deadline }, { deadline_ms = deadline_in(2000) } } }
    local post = run.posts[1]
    assert.equal("error", post.kind)
    assert.equal("Runtime.Timeout", post.headers["lambda-runtime-function-error-type"])
    local doc = helper.decode(post.body)
    assert.truthy(doc.errorMessage:find("Task timed out", 1, true))
    local named = false
    for _, f in ipairs(doc.stackTrace) do
      if f:find("runaway", 1, true) then named = true end
    end
    assert.is_true(named)
    -- stopped the margin before the deadline: reported while there was time
    assert.is_true(first_post * 1000 < deadline, tostring(deadline - first_post * 1000))
    assert.truthy(doc.errorMessage:find("stopped 100 ms before the deadline", 1, true))
    -- the second invocation times out too: the state is usable and armed anew
    assert.equal("Runtime.Timeout", run.posts[2].headers["lambda-runtime-function-error-type"])
    assert.equal("parked", run.why)
  end)

  it("a coroutine cannot outrun the deadline: top level, wrap, or from an earlier invocation", function()
    for _, handler in ipairs { "coroutines.top_level", "coroutines.wrapped" } do
      local run = helper.run { handler = handler,
        invocations = { { deadline_ms = deadline_in(1500) },
          { deadline_ms = deadline_in(3000) } } }
      assert.equal("Runtime.Timeout",
        run.posts[1].headers["lambda-runtime-function-error-type"], handler)
      assert.equal(2, #run.posts)      -- and it serves on
      assert.equal("parked", run.why)
    end
    -- a coroutine made in one invocation runs in the next, no stale timeout
    local run = helper.run { handler = "coroutines.keep",
      invocations = { {}, {} } }
    assert.same({ ok = true, n = 1 }, helper.decode(run.posts[1].body))
    assert.same({ ok = true, n = 2 }, helper.decode(run.posts[2].body))
  end)

  it("after_invoke and after_response functions that never end are cut off and logged", function()
    local run = helper.run { handler = "app.runaway_after",
      invocations = { { deadline_ms = deadline_in(1500) },
        { deadline_ms = deadline_in(3000) } } }
    assert.equal(2, #run.posts)  -- the first answered, and the next one served
    assert.equal('"answered"', run.posts[1].body)
    assert.equal("parked", run.why)
    assert.truthy(run.stdout:find("after_invoke function failed", 1, true))
    assert.truthy(run.stdout:find("after_response function failed", 1, true))
    assert.truthy(run.stdout:find("Task timed out", 1, true))
  end)

  it("pcall cannot swallow the timeout", function()
    local run = own.run { handler = "app.runaway_pcall",
      env = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "300" },
      invocations = { { deadline_ms = deadline_in(800) } } }
    assert.equal("Runtime.Timeout", run.posts[1].headers["lambda-runtime-function-error-type"])
    assert.truthy(helper.decode(run.posts[1].body).errorMessage:find("300 ms", 1, true))
  end)

  it("infinite recursion is an error, and the next invocation works", function()
    local run = own.run { handler = "app.recurse", invocations = { {}, {} } }
    assert.equal("error", run.posts[1].kind)
    assert.truthy(helper.decode(run.posts[1].body).errorMessage:find("stack overflow", 1, true))
    assert.equal("error", run.posts[2].kind)
    assert.equal("parked", run.why)
  end)

  it("running out of the Lua heap is Runtime.OutOfMemory; a fresh state serves on", function()
    local run = helper.run { handler = "memory.handler",
      env = { LUA_LAMBDA_MEMORY_LIMIT_MB = "48" },
      invocations = { { event = '{"mb":8}' }, { event = '{"mb":100}' }, { event = '{}' } } }
    assert.same({ init_runs = 1, kept = 8 }, helper.decode(run.posts[1].body))
    local oom = run.posts[2]
    assert.equal("error", oom.kind)
    assert.equal("Runtime.OutOfMemory", oom.headers["lambda-runtime-function-error-type"])
    -- the module was loaded again into a fresh state: init ran once more
    assert.same({ init_runs = 1, kept = 0 }, helper.decode(run.posts[3].body))
    assert.truthy(run.stderr:find("starting a fresh state", 1, true))
    assert.equal("parked", run.why)
  end)

  it("the heap cap follows AWS_LAMBDA_FUNCTION_MEMORY_SIZE less the headroom", function()
    local run = helper.run { handler = "memory.handler",
      env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE = "128", LUA_LAMBDA_MEMORY_HEADROOM_MB = "96" },
      invocations = { { event = '{"mb":16}' }, { event = '{"mb":24}' } } }
    assert.equal("response", run.posts[1].kind)
    assert.equal("Runtime.OutOfMemory", run.posts[2].headers["lambda-runtime-function-error-type"])
  end)

  it("a result over 6 MB is Function.ResponseSizeTooLarge, found before it is posted", function()
    local run = then_next("app.sized", { event = '{"size":7000000}' })
    assert.equal("error", run.posts[1].kind)
    assert.equal("Function.ResponseSizeTooLarge",
      run.posts[1].headers["lambda-runtime-function-error-type"])
    assert.truthy(helper.decode(run.posts[1].body).errorMessage
      :find("maximum allowed payload size (6291556 bytes)", 1, true))
    assert.equal(2, #run.posts)  -- and the next one was served
    -- a result of exactly Lambda's limit goes out; one byte more does not
    run = helper.run { handler = "app.sized",
      invocations = { { event = '{"size":6291554}' }, { event = '{"size":6291555}' } } }
    assert.equal("response", run.posts[1].kind)
    assert.equal(6291556, #run.posts[1].body)
    assert.equal("error", run.posts[2].kind)
    assert.equal("Function.ResponseSizeTooLarge",
      run.posts[2].headers["lambda-runtime-function-error-type"])
    assert.equal(2, #run.posts)
    -- lua-lambda invoke takes what Lambda takes
    local event = helper.tmpfile('{"size":6291554}')
    local p = io.popen(("cd %s && %s invoke app.sized %s 2>/dev/null | wc -c")
      :format(helper.handlers, helper.cli, event))
    local bytes = tonumber(p:read("a"))
    p:close()
    assert.equal(6291556 + 1, bytes)  -- and its newline
  end)

  it("unserialisable results: function, cycle, NaN are Runtime.MarshalError", function()
    for _, handler in ipairs { "app.return_function", "app.return_cycle", "app.return_nan" } do
      local run = then_next(handler, {})
      assert.equal("Runtime.MarshalError", run.posts[1].headers["lambda-runtime-function-error-type"], handler)
      assert.equal(2, #run.posts)
    end
  end)

  it("os.exit in a handler ends the process with its status; output is not lost", function()
    local run = own.run { handler = "app.exit", invocations = { { event = '{"code":7}' } } }
    assert.equal("exited", run.why)
    assert.equal(7, run.exit_code)
    assert.equal(0, #run.posts)  -- Lambda itself reports Runtime.ExitError
    assert.truthy(run.stdout:find("leaving", 1, true))
  end)

  it("a 10 MB log line goes out as one record and the invocation completes", function()
    local run = helper.run { handler = "app.huge_log", invocations = { { event = '{"mb":10}' } } }
    assert.equal('"logged"', run.posts[1].body)
    local longest = 0
    for line in run.stdout:gmatch("[^\n]+") do longest = math.max(longest, #line) end
    assert.is_true(longest >= 10 * 1024 * 1024)
  end)

  it("403 on /next ends the process with the reason", function()
    local run = helper.run { handler = "app.echo",
      invocations = { { next_reply = { status = 403, body = '{"errorType":"Forbidden"}' } } } }
    assert.equal("exited", run.why)
    assert.is_true(run.exit_code ~= 0)
    assert.truthy(run.stderr:find("/next: HTTP 403", 1, true))
  end)

  it("403 on a post is logged and the next invocation is served", function()
    local run = then_next("app.echo", { post_status = { 403 } })
    assert.equal(2, #run.posts)
    assert.truthy(run.stderr:find("HTTP 403", 1, true))
  end)

  it("a connection reset in the middle of /next's body is retried", function()
    local run = helper.run { handler = "app.echo",
      invocations = { { event = '{"long":"' .. string.rep("z", 4000) .. '"}', truncate = true },
        { event = '{"after":"reset"}' } } }
    assert.equal("parked", run.why)
    assert.same({ after = "reset" }, helper.decode(run.posts[#run.posts].body))
    assert.is_true(run.connections >= 2)
  end)
end)
