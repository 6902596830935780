-- lua-lambda serve: the local Lambda, end to end through the invoke
-- endpoint, with the real bootstrap as its runtime.
local helper = require "helper"
local socket = require "socket"

local handlers = helper.handlers

describe("lua-lambda serve", function()
  local server

  after_each(function()
    if server then server:stop() server = nil end
  end)

  it("answers an invocation with the handler's result and logs START/END/REPORT", function()
    server = helper.serve({ "--task-root", handlers, "--", "app.hello" })
    local r = server:invoke('{"name":"serve"}')
    assert.equal(200, r.status)
    assert.same({ statusCode = 200, body = "hello serve" }, r.json)
    assert.is_nil(r.headers["x-amz-function-error"])
    local id = r.headers["x-amzn-requestid"]
    assert.truthy(id:match("^%x+%-%x+%-4%x+%-%x+%-%x+$"))
    local out = server:stop()
    server = nil
    assert.truthy(out:find("START RequestId: " .. id .. " Version: $LATEST", 1, true))
    assert.truthy(out:find("END RequestId: " .. id, 1, true))
    assert.truthy(out:match("REPORT RequestId: " .. id:gsub("%-", "%%-")
      .. "\tDuration: [%d.]+ ms\tBilled Duration: %d+ ms\tMemory Size: 128 MB"
      .. "\tMax Memory Used: [1-9]%d* MB"))
  end)

  it("reports a handler error as Lambda does", function()
    server = helper.serve({ "--task-root", handlers, "app.fail_table" })
    local r = server:invoke("{}")
    assert.equal(200, r.status)
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal("NotFound", r.json.errorType)
    assert.equal("no such user", r.json.errorMessage)
  end)

  it("answers with the init error when the handler cannot load", function()
    server = helper.serve({ "--task-root", handlers, "syntax_error.handler" })
    local r = server:invoke("{}")
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal("Runtime.UserCodeSyntaxError", r.json.errorType)
    -- and again: each invocation tries a fresh init
    r = server:invoke("{}")
    assert.equal("Runtime.UserCodeSyntaxError", r.json.errorType)
  end)

  it("times out a slow handler, kills the runtime and serves the next invocation", function()
    server = helper.serve({ "--task-root", handlers, "--timeout", "1", "app.sleep_c" })
    local started = socket.gettime()
    local r = server:invoke('{"seconds":5}')
    local took = socket.gettime() - started
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal("Sandbox.Timedout", r.json.errorType)
    assert.truthy(r.json.errorMessage:find("Task timed out after 1.00 seconds", 1, true))
    assert.is_true(took >= 0.9 and took < 3, tostring(took))
    r = server:invoke('{"seconds":0.01}')
    assert.equal('"slept"', r.body)
    assert.truthy(server:output():find("Status: timeout", 1, true))
  end)

  it("passes client context and trace headers to the runtime", function()
    server = helper.serve({ "--task-root", handlers, "app.context" })
    local r = server:invoke("{}", {
      ["X-Amz-Client-Context"] = "eyJjdXN0b20iOnsiYSI6MX19",  -- {"custom":{"a":1}}
      ["X-Amzn-Trace-Id"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
    })
    assert.same({ custom = { a = 1 } }, r.json.client_context)
    assert.equal("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", r.json.trace_id)
    assert.equal("function", r.json.function_name)
    assert.is_true(r.json.remaining_colon > 0 and r.json.remaining_colon <= 3000)
  end)

  it("accepts asynchronous (Event) invocations at once", function()
    server = helper.serve({ "--task-root", handlers, "app.hello" })
    local r = server:invoke("{}", { ["X-Amz-Invocation-Type"] = "Event" })
    assert.equal(202, r.status)
  end)

  it("runs N workers for --concurrency N, with AWS_LAMBDA_MAX_CONCURRENCY set", function()
    server = helper.serve({ "--task-root", handlers, "--concurrency", "2",
      "--timeout", "10", "app.sleep" })
    -- two invocations of 1 s each, sent together
    local conns = {}
    local started = socket.gettime()
    for i = 1, 2 do
      local c = assert(socket.connect("127.0.0.1", server.port))
      c:settimeout(10)
      local body = '{"seconds":1}'
      assert(c:send("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\n"
        .. "Host: x\r\nConnection: close\r\nContent-Length: " .. #body
        .. "\r\n\r\n" .. body))
      conns[i] = c
    end
    for _, c in ipairs(conns) do
      local all = c:receive("*a")
      assert.truthy(all:find('"slept"', 1, true))
      c:close()
    end
    local took = socket.gettime() - started
    assert.is_true(took < 1.8, "took " .. took .. " s: not concurrent")
    server:stop()
    server = helper.serve({ "--task-root", handlers, "--concurrency", "2", "app.env" })
    local r = server:invoke("{}")
    assert.equal("2", r.json.max_concurrency)
  end)

  it("passes a streamed response through as it arrives", function()
    local runtime = helper.fixtures .. "/../support/streaming_runtime.lua"
    server = helper.serve({ "--task-root", handlers, "--bootstrap", runtime,
      "--timeout", "5", "anything.handler" })
    local r = server:invoke("{}")
    assert.equal(200, r.status)
    assert.equal("chunked", r.headers["transfer-encoding"])
    assert.equal("text/plain", r.headers["content-type"])
    assert.equal("firstsecond", r.body)
    assert.is_true(#r.chunks >= 2)
    assert.equal("first", r.chunks[1].data)
    -- the first bytes arrived well before the last
    assert.is_true(r.chunks[#r.chunks].at - r.chunks[1].at > 0.4)
  end)

  it("passes the real bootstrap's streamed response through", function()
    server = helper.serve({ "--task-root", handlers, "app.stream_http" })
    local r = server:invoke("{}")
    assert.equal(200, r.status)
    assert.equal("chunked", r.headers["transfer-encoding"])
    assert.equal("application/vnd.awslambda.http-integration-response",
      r.headers["content-type"])
    assert.truthy(r.body:find("\0\0\0\0\0\0\0\0body$"))
  end)

  it("restarts the runtime with --watch when a .lua file changes", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local function write(version)
      local f = assert(io.open(dir .. "/live.lua", "w"))
      f:write(("return { handler = function() return %q end }\n"):format(version))
      f:close()
    end
    write("v1")
    server = helper.serve({ "--task-root", dir, "--watch", "live.handler" })
    assert.equal('"v1"', server:invoke("{}").body)
    socket.sleep(1.1)  -- a new mtime even on coarse clocks
    write("v2-longer")
    local deadline = socket.gettime() + 5
    local body
    repeat
      socket.sleep(0.3)
      body = server:invoke("{}").body
    until body == '"v2-longer"' or socket.gettime() > deadline
    assert.equal('"v2-longer"', body)
    assert.truthy(server:output():find("a .lua file changed", 1, true))
    assert(os.execute("rm -rf " .. dir))
  end)
end)

describe("lua-lambda invoke", function()
  local Process = require "process"

  local function invoke(args, stdin_file)
    local argv = { helper.cli, "invoke" }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    local p = Process.start { argv = argv, cwd = helper.handlers }
    local code = p:wait(10)
    local out, err = p:stdout(), p:stderr()
    p:cleanup()
    return code, out, err
  end

  it("prints the result on stdout alone and exits 0", function()
    local event = os.tmpname()
    local f = assert(io.open(event, "w"))
    f:write('{"name":"cli"}')
    f:close()
    local code, out, err = invoke({ "app.print_and_return", event })
    assert.equal(0, code)
    assert.equal('"ok"\n', out)
    assert.truthy(err:find("to stdout", 1, true))  -- the handler's prints
    code, out = invoke({ "app.hello", event })
    os.remove(event)
    assert.same({ statusCode = 200, body = "hello cli" }, helper.decode(out))
  end)

  it("prints the error document on stderr and exits 1", function()
    local code, out, err = invoke({ "app.fail_table" })
    assert.equal(1, code)
    assert.equal("", out)
    local body = helper.decode(err:match("(%b{})%s*$"))
    assert.equal("NotFound", body.errorType)
    code, out, err = invoke({ "nowhere.handler" })
    assert.equal(1, code)
    assert.truthy(err:find("Runtime.ImportModuleError", 1, true))
  end)

  it("runs a streaming handler to the end and prints the whole body", function()
    local code, out = invoke({ "app.stream_hello" })
    assert.equal(0, code)
    assert.equal("hello world\n", out)
  end)

  it("gives the context a deadline from --timeout and a function name", function()
    local code, out = invoke({ "app.context", "--timeout", "7",
      "--function-name", "my-fn" })
    assert.equal(0, code)
    local ctx = helper.decode(out)
    assert.equal("my-fn", ctx.function_name)
    assert.is_true(ctx.remaining_colon > 6000 and ctx.remaining_colon <= 7000)
    assert.truthy(ctx.aws_request_id:match("^%x+%-%x+%-4%x+%-%x+%-%x+$"))
  end)
end)
