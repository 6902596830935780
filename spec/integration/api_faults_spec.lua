-- What bootstrap does when the Runtime API answers badly or not at all.
local helper = require "helper"
local socket = require "socket"

describe("Runtime API faults", function()
  it("410 on /response is logged and the loop goes on", function()
    local run = helper.run {
      handler = "app.count",
      invocations = { { post_status = { 410 } }, {} },
    }
    assert.equal("parked", run.why)
    assert.equal(2, #run.posts)
    assert.equal("2", run.posts[2].body)
    assert.truthy(run.stderr:find("req-1 had already timed out", 1, true))
  end)

  it("413 on /response becomes a Function.ResponseSizeTooLarge error", function()
    local run = helper.run {
      handler = "app.sized",
      invocations = { { event = '{"size":1000}', post_status = { 413 } },
        { event = '{"size":1}' } },
    }
    assert.equal("parked", run.why)
    assert.equal(3, #run.posts)
    assert.equal("response", run.posts[1].kind)
    local err = run.posts[2]
    assert.equal("error", err.kind)
    assert.equal("req-1", err.request_id)
    assert.equal("Function.ResponseSizeTooLarge",
      err.headers["lambda-runtime-function-error-type"])
    local body = helper.decode(err.body)
    assert.equal("Function.ResponseSizeTooLarge", body.errorType)
    assert.truthy(body.errorMessage:find("1002 bytes", 1, true))
    -- and the next invocation is served
    assert.equal("response", run.posts[3].kind)
  end)

  it("400 on a post is logged and the loop goes on", function()
    local run = helper.run {
      handler = "app.count",
      invocations = { { post_status = { 400 } }, {} },
    }
    assert.equal("parked", run.why)
    assert.equal("2", run.posts[2].body)
    assert.truthy(run.stderr:find("HTTP 400", 1, true))
  end)

  it("500 on /next exits at once with the reason", function()
    local run = helper.run {
      handler = "app.echo",
      invocations = { { next_reply = { status = 500, body = '{"errorType":"Boom"}' } } },
    }
    assert.equal("exited", run.why)  -- by itself, not stopped by the spec
    assert.is_true(run.exit_code ~= 0)
    assert.truthy(run.stderr:find("/next: HTTP 500", 1, true))
    assert.equal(0, #run.posts)
  end)

  it("500 on /response or /error exits", function()
    for _, handler in ipairs { "app.echo", "app.fail_string" } do
      local run = helper.run {
        handler = handler,
        invocations = { { post_status = { 500 } }, {} },
      }
      assert.equal("exited", run.why, handler)
      assert.is_true(run.exit_code ~= 0)
      assert.equal(1, #run.posts)
      assert.truthy(run.stderr:find("HTTP 500", 1, true))
    end
  end)

  it("waits on a slow /next: no timeout but the connect one", function()
    -- longer than the 1 s connect timeout, so only a transfer without a
    -- timeout survives it
    local run = helper.run {
      handler = "app.count",
      invocations = { { delay = 1.6 }, {} },
    }
    assert.equal("parked", run.why)
    assert.equal(2, #run.posts)
    assert.equal("1", run.posts[1].body)
    assert.equal(1, run.connections)
  end)

  it("a /next without a request id is a failed /next", function()
    local run = helper.run {
      handler = "app.echo",
      invocations = { { next_reply = { status = 200, body = "{}" } } },
    }
    assert.equal("exited", run.why)
    assert.is_true(run.exit_code ~= 0)
    assert.truthy(run.stderr:find("Lambda-Runtime-Aws-Request-Id", 1, true))
  end)

  it("a dropped connection on /next is retried on a new one", function()
    local run = helper.run {
      handler = "app.count",
      invocations = { { drop = true }, {}, {} },
    }
    assert.equal("parked", run.why)
    assert.equal(2, #run.posts)
    assert.equal("2", run.posts[2].body)
    assert.equal(2, run.connections)
  end)

  it("a connection dropped under a post is retried", function()
    local run = helper.run {
      handler = "app.count",
      invocations = { { post_status = { "drop", 202 } }, {} },
    }
    assert.equal("parked", run.why)
    assert.equal(3, #run.posts)
    assert.equal(run.posts[1].body, run.posts[2].body)
    assert.equal("2", run.posts[3].body)
  end)

  it("echoes an invocation id of any length (no fixed header buffer)", function()
    local long = string.rep("i", 2000)
    local run = helper.run { handler = "app.hello",
      invocations = { { headers = { ["Lambda-Runtime-Invocation-Id"] = long } }, {} } }
    assert.equal("parked", run.why)
    assert.equal(2, #run.posts)
    assert.equal("response", run.posts[1].kind)
    assert.equal(long, run.posts[1].headers["lambda-runtime-invocation-id"])
  end)

  it("a /next dropped twice in a row is retried twice, and then served", function()
    local run = helper.run {
      handler = "app.count",
      invocations = { { drop = true }, { drop = true }, {} },
    }
    assert.equal("parked", run.why)
    assert.equal(1, #run.posts)
    assert.equal("1", run.posts[1].body)
    assert.equal(3, run.connections)
  end)

  it("a Runtime API that drops /next a third time in a row makes it exit", function()
    local run = helper.run {
      handler = "app.count",
      invocations = { { drop = true }, { drop = true }, { drop = true }, {} },
    }
    assert.equal("exited", run.why)
    assert.is_true(run.exit_code ~= 0)
    assert.truthy(run.stderr:find("unreachable", 1, true))
    assert.equal(0, #run.posts)
  end)
end)

describe("the environment", function()
  local Process = require "process"

  it("without AWS_LAMBDA_RUNTIME_API: one clear line and a non-zero exit", function()
    local p = Process.start { argv = { helper.bootstrap }, env = { _HANDLER = "app.echo" } }
    local code = p:wait(5)
    local err = p:stderr()
    p:cleanup()
    assert.is_true(code ~= nil and code ~= 0)
    assert.truthy(err:find("AWS_LAMBDA_RUNTIME_API is not set", 1, true))
    assert.equal(1, select(2, err:gsub("\n", "")))
  end)

  it("with an unreachable Runtime API: a clear line and a non-zero exit", function()
    -- a port that was just free: bind, note, close
    local s = assert(socket.bind("127.0.0.1", 0))
    local _, port = s:getsockname()
    s:close()
    local p = Process.start {
      argv = { helper.bootstrap },
      env = { _HANDLER = "app.echo", AWS_LAMBDA_RUNTIME_API = "127.0.0.1:" .. port,
        LAMBDA_TASK_ROOT = helper.handlers },
    }
    local code = p:wait(10)
    local err = p:stderr()
    p:cleanup()
    assert.is_true(code ~= nil and code ~= 0)
    assert.truthy(err:find("unreachable", 1, true))
    assert.truthy(err:find("127.0.0.1:" .. port, 1, true))
  end)
end)
