-- lambda.testing, the helpers users call from their own specs.
local helper = require "helper"
local testing = require "lambda.testing"

local opts = { task_root = helper.handlers, cli = helper.cli }

describe("lambda.testing", function()
  it("runs a handler at once in several Lua states, none sharing module state", function()
    local dir = helper.tmpdir()
    assert(os.execute(("mkdir -p %s/a %s/b"):format(dir, dir)))
    local events = {}
    for i = 1, 8 do
      -- each waits until 4 run at once: 4 states, a batch of 4 each time
      events[i] = { dir = dir .. (i <= 4 and "/a" or "/b"), count = 4 }
    end
    local outcomes, out = testing.invoke_concurrently("mi_app.meet", events,
      { task_root = helper.handlers, cli = helper.cli, states = 4, timeout = 10 })
    os.execute("rm -rf " .. dir)
    assert.truthy(outcomes, out)
    assert.equal(8, #outcomes)
    for i, o in ipairs(outcomes) do
      assert.is_nil(o.error)
      -- each state counts only what it served: the first batch 1, then 2
      assert.equal(i <= 4 and 1 or 2, o.result.served)
    end
    local failed = testing.invoke_concurrently("app.fail_string", { {}, {} },
      { task_root = helper.handlers, cli = helper.cli })
    assert.equal("Error", failed[1].error.errorType)
    assert.is_nil(testing.invoke_concurrently("syntax_error.handler", { {} },
      { task_root = helper.handlers, cli = helper.cli }))
  end)

  it("sets the variables opts.env gives for the function", function()
    local result = testing.invoke("app.env", {}, { task_root = helper.handlers,
      cli = helper.cli, env = { AWS_ENDPOINT_URL = "http://127.0.0.1:4566/it's" } })
    assert.equal("http://127.0.0.1:4566/it's", result.endpoint)
  end)

  it("invokes a handler as the runtime would and returns its result", function()
    local result, err = testing.invoke("app.hello", { name = "spec" }, opts)
    assert.is_nil(err)
    assert.same({ statusCode = 200, body = "hello spec" }, result)
    -- the same codec: integers stay integers
    result = testing.invoke("app.kinds",
      '{"id":12,"ratio":0.5,"list":[],"gone":null,"items":[1]}', opts)
    assert.equal("integer", result.id)
    assert.equal("[]", result.list)
  end)

  it("returns nil and the error document the runtime would post", function()
    local result, err = testing.invoke("app.fail_table", {}, opts)
    assert.is_nil(result)
    assert.equal("NotFound", err.errorType)
    assert.equal("no such user", err.errorMessage)
    assert.is_true(#err.stackTrace > 0)
    result, err = testing.invoke("app.return_function", {}, opts)
    assert.equal("Runtime.MarshalError", err.errorType)
    result, err = testing.invoke("syntax_error.handler", {}, opts)
    assert.equal("Runtime.UserCodeSyntaxError", err.errorType)
  end)

  it("fails a stream that breaks in the middle instead of returning its first part", function()
    local result, err = testing.invoke("app.stream_fail_mid", {}, opts)
    assert.is_nil(result)
    assert.equal("Broken", err.errorType)
    assert.equal("mid-stream", err.errorMessage)
  end)

  it("keeps the handler's output apart from the result", function()
    local result, err = testing.invoke("app.print_and_return", {}, opts)
    assert.is_nil(err)
    assert.equal("ok", result)
    local _, failure = testing.invoke("app.fail_string", {}, opts)
    assert.truthy(failure.errorMessage:find("boom", 1, true))
  end)

  it("makes a context with every field and a working clock", function()
    local ctx = testing.context({ function_name = "mine" })
    assert.equal("mine", ctx.function_name)
    assert.equal(128, ctx.memory_limit_in_mb)
    assert.truthy(ctx.aws_request_id)
    local left = ctx:get_remaining_time_in_millis()
    assert.is_true(left > 0 and left <= 3000)
    -- called without the context too; time only runs down
    local again = ctx.get_remaining_time_in_millis()
    assert.is_true(again > 0 and again <= left)
  end)

  it("counts a context's time in milliseconds, on the runtime's clock", function()
    local socket = require "socket"
    local clock = require "lambda.clock"
    local before = math.floor(socket.gettime() * 1000)
    local ctx = testing.context()
    local now = clock.now_ms()
    local after = math.floor(socket.gettime() * 1000)
    assert.is_true(now >= before and now <= after)  -- the wall clock, in ms
    -- 3 s from when it was made, to the millisecond (not os.time's second)
    assert.is_true(ctx.deadline_ms - 3000 >= before and ctx.deadline_ms - 3000 <= after,
      ("%d not in [%d, %d]"):format(ctx.deadline_ms - 3000, before, after))
  end)

  it("loads events from files and from LUA_LAMBDA_EVENTS", function()
    local event = testing.event(helper.events .. "/sqs-event.json")
    assert.equal("aws:sqs", event.Records[1].eventSource)
    assert.has_error(function() testing.event("no-such-event") end)
  end)
end)
