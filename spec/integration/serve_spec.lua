-- lua-lambda serve: the local Lambda, end to end through the invoke
-- endpoint, with the real bootstrap as its runtime.
local helper = require "helper"
local event_stream = require "event_stream"
local b64 = require "lambda.base64"
local socket = require "socket"
local Process = require "process"

local handlers = helper.handlers  -- the handlers several specs use
local own = helper.own()  -- serve_spec's: spec/integration/serve/

-- The hard limit on open files here (the most serve may raise itself to).
local function hard_files_limit()
  local p = assert(io.popen("sh -c 'ulimit -Hn'"))
  local n = p:read("l")
  p:close()
  return tonumber(n) or math.huge
end

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
    server = helper.serve({ "--task-root", own.root, "--timeout", "1", "app.sleep_c" })
    local started = socket.gettime()
    local r = server:invoke('{"seconds":5}')
    local took = socket.gettime() - started
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal("Sandbox.Timedout", r.json.errorType)
    assert.truthy(r.json.errorMessage:find("Task timed out after 1.00 seconds", 1, true))
    assert.is_true(took >= 0.9, tostring(took))  -- not before the timeout
    r = server:invoke('{"seconds":0.01}')
    assert.equal('"slept"', r.body)
    local line = server:output():match("REPORT[^\n]*Status: timeout")
    assert.truthy(line)
    -- billed no more than the timeout (and the init, billed with it)
    local init = tonumber(line:match("Init Duration: ([%d.]+) ms"))
    assert.equal(1000 + (init and math.ceil(init) or 0),
      tonumber(line:match("Billed Duration: (%d+) ms")))
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

  it("accepts asynchronous (Event) invocations at once, and runs them", function()
    server = helper.serve({ "--task-root", own.root, "app.touch" })
    local file = helper.tmpfile()
    local r = server:invoke(('{"file":"%s"}'):format(file),
      { ["X-Amz-Invocation-Type"] = "Event" })
    assert.equal(202, r.status)
    assert.equal("", r.body)
    helper.wait_for(function() return io.open(file) end, "the Event never ran")
    os.remove(file)
  end)

  it("kills an Event invocation at its timeout though no one waits for it", function()
    server = helper.serve({ "--task-root", own.root, "--timeout", "1", "app.sleep_c" })
    local r = server:invoke('{"seconds":8}', { ["X-Amz-Invocation-Type"] = "Event" })
    assert.equal(202, r.status)
    helper.wait_for(function()
      return server:output():find("Status: timeout", 1, true)
    end, "the Event invocation was never stopped", 15)
  end)

  it("kills a worker stuck in its init, and serves the next invocation", function()
    local marker = helper.tmpfile()
    server = helper.serve({ "--timeout", "5", "--init-timeout", "1",
      "--task-root", own.root, "init_hang_once.handler" },
      { env = { HANG_MARKER = marker } })
    local first = server:invoke("{}")
    local second = server:invoke("{}")
    local out = server:stop()
    server = nil
    os.remove(marker)
    -- the stuck worker was killed at --init-timeout and a fresh one,
    -- whose init finished, served both (before, both timed out)
    assert.truthy(out:find("stuck in its init", 1, true), out)
    assert.equal('"loaded"', first.body, out)
    assert.equal('"loaded"', second.body, out)
  end)

  it("fails the invocations in flight with a clear error when it is stopped", function()
    server = helper.serve({ "--task-root", own.root, "--timeout", "30", "app.sleep_c" })
    local conn = assert(socket.connect("127.0.0.1", server.port))
    conn:settimeout(30)
    local body = '{"seconds":8}'
    assert(conn:send("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\n"
      .. "Host: x\r\nConnection: close\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body))
    helper.wait_for(function() return server:output():find("START", 1, true) end,
      "the invocation never started")
    server.proc:kill("INT")
    local reply = conn:receive("*a") or ""
    conn:close()
    local out = server:stop()
    server = nil
    assert.truthy(reply:find("X-Amz-Function-Error: Unhandled", 1, true), reply)
    assert.truthy(reply:find("shut down", 1, true), reply)
    assert.is_nil(out:find("Status: timeout", 1, true))
  end)

  it("throttles with 429 when the queue is full, as Lambda does", function()
    server = helper.serve({ "--task-root", own.root, "--timeout", "3",
      "--init-timeout", "1", "app.sleep_c" })
    -- one worker: one running, ten waiting (EMU_QUEUE_PER_WORKER); the rest
    -- are refused at once. The 20 are sent in far less than the 1.5 s one
    -- takes, so at most one more starts (and frees a place) meanwhile.
    local body = '{"seconds":1.5}'
    local conns = {}
    for i = 1, 20 do
      local c = assert(socket.connect("127.0.0.1", server.port))
      c:settimeout(30)
      assert(c:send("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\n"
        .. "Host: x\r\nConnection: close\r\nContent-Length: " .. #body
        .. "\r\n\r\n" .. body))
      conns[i] = c
    end
    local throttled, answered = 0, 0
    for _, c in ipairs(conns) do
      local reply = c:receive("*a") or ""
      c:close()
      if reply:find("^HTTP/1%.1 429") then
        throttled = throttled + 1
        assert.truthy(reply:find("TooManyRequestsException", 1, true))
      elseif reply:find("^HTTP/1%.1 200") then
        answered = answered + 1
      end
    end
    assert.equal(20, throttled + answered)
    assert.is_true(answered <= 12, tostring(answered))
    assert.is_true(throttled >= 8, tostring(throttled))
  end)

  it("answers 503 when a flood of half-sent requests fills it, and recovers", function()
    server = helper.serve({ "--task-root", handlers, "app.hello" })
    -- Room for 1,020 sockets: the default limit of 1,024 is too tight.
    local flood = Process.start { argv = { "sh", "-c",
      'ulimit -n 4096 2>/dev/null; exec lua5.4 "$0" "$1" "$2"',
      "spec/support/fakes/half_sent_flood.lua", tostring(server.port), "1020" } }
    local ok, err = pcall(function()
      local open = tonumber(helper.wait_for(function()
        assert(not flood:exited(), flood:stderr())
        return flood:stdout():match("open (%d+)")
      end, "the flood did not connect"))
      assert.is_true(open > 600, tostring(open))
      -- Connections past the bound are closed unanswered while the spares
      -- are taken; once a spare's short idle timeout frees it, a real
      -- request gets an answer: 503, not a reset.
      local r = helper.wait_for(function()
        local answered, reply = pcall(server.invoke, server, "{}")
        return answered and reply
      end, "no answer while full")
      assert.equal(503, r.status)
      assert.equal("ServiceUnavailable", r.json.errorType)
    end)
    flood:kill()
    flood:cleanup()
    assert(ok, err)
    local r = helper.wait_for(function()
      local answered, reply = pcall(server.invoke, server, "{}")
      return answered and reply.status == 200 and reply
    end, "serve did not recover")
    assert.equal("hello world", r.json.body)
  end)

  it("raises its own open-file limit for its connections, not its runtimes'", function()
    server = helper.serve({ "--task-root", own.root, "app.open_files_limit" },
      { open_files = 1024 })
    local r = server:invoke("{}")
    local limits = assert(io.open("/proc/" .. server.proc.pid .. "/limits"))
    local serve_limit = tonumber(limits:read("a"):match("Max open files%s+(%d+)"))
    limits:close()
    -- 512 invoke connections and as many spares, the worker's, and files
    assert.is_true(serve_limit >= 1024 + 32 + 256 or serve_limit == hard_files_limit(),
      tostring(serve_limit))
    assert.equal(1024, r.json)  -- as on Lambda
  end)

  it("answers DryRun with 204 and runs nothing", function()
    server = helper.serve({ "--task-root", handlers, "app.hello" })
    local r = server:invoke("{}", { ["X-Amz-Invocation-Type"] = "DryRun" })
    assert.equal(204, r.status)
    assert.equal("", r.body)
    assert.is_nil(server:output():find("START", 1, true))
  end)

  it("passes on a client context that holds newlines, compacted", function()
    server = helper.serve({ "--task-root", handlers, "app.context" })
    local mime = require "mime"
    local cc = '{"custom":\n  {"a": 1},\r\n "env": {}}'
    local r = server:invoke("{}", { ["X-Amz-Client-Context"] = (mime.b64(cc)) })
    assert.same({ custom = { a = 1 }, env = {} }, r.json.client_context)
  end)

  it("bills the duration rounded up to the next ms, with the Init Duration once", function()
    server = helper.serve({ "--task-root", handlers, "app.hello" })
    for _ = 1, 3 do server:invoke("{}") end
    local out = server:stop()
    server = nil
    local reports = 0
    for line in out:gmatch("REPORT[^\n]*") do
      reports = reports + 1
      local duration = tonumber(line:match("\tDuration: ([%d.]+) ms"))
      local billed = tonumber(line:match("Billed Duration: (%d+) ms"))
      local init = tonumber(line:match("Init Duration: ([%d.]+) ms"))
      assert.equal(reports == 1, init ~= nil, line)  -- the first only
      -- Lambda: the duration rounded up (init billed with it on provided.al2023)
      local expected = math.ceil(duration) + (init and math.ceil(init) or 0)
      assert.is_true(math.abs(billed - expected) <= 1, line)
      assert.is_true(billed >= expected, line)
    end
    assert.equal(3, reports)
  end)

  it("refuses a request over 6 MB with 413 and leaves the worker alone", function()
    server = helper.serve({ "--task-root", handlers, "app.echo" })
    local big = '"' .. string.rep("x", 6291456 - 1) .. '"'  -- 6291457 bytes
    local r = server:invoke(big)
    assert.equal(413, r.status)
    assert.equal("RequestEntityTooLarge", r.json.errorType)
    assert.is_nil(server:output():find("START", 1, true))
    -- exactly at the limit it goes through
    local fits = '"' .. string.rep("x", 6291456 - 2) .. '"'
    r = server:invoke(fits)
    assert.equal(200, r.status)
    assert.equal(#fits, #r.body)
  end)

  it("fails a buffered response over 6 MB as Function.ResponseSizeTooLarge", function()
    server = helper.serve({ "--task-root", handlers, "app.sized" })
    local r = server:invoke('{"size":6291556}')  -- 6291558 bytes encoded
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal("Function.ResponseSizeTooLarge", r.json.errorType)
    r = server:invoke('{"size":1000}')
    assert.equal(1002, #r.body)
  end)

  it("reports a runtime that dies in its init with its exit status and last words", function()
    server = helper.serve({ "--task-root", own.root, "init_exit.handler" })
    local r = server:invoke("{}")
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal("Runtime.ExitError", r.json.errorType)
    assert.truthy(r.json.errorMessage:find("exit status 3", 1, true), r.json.errorMessage)
    assert.truthy(r.json.errorMessage:find("fatal: no config file", 1, true))
    assert.is_nil(r.json.stackTrace)  -- Lambda's own errors carry none
    -- the next invocation tries again, once, after a pause: no restart loop
    r = server:invoke("{}")
    assert.equal("Runtime.ExitError", r.json.errorType)
    local _, starts = server:output():gsub("exited during its init", "")
    assert.equal(2, starts)
  end)

  it("passes the Init barrier with on_shutdown, and shuts the worker down with SIGTERM", function()
    local file = helper.tmpfile()
    server = helper.serve({ "--task-root", handlers, "shutdown.handler" },
      { env = { SHUTDOWN_FILE = file } })
    assert.equal('"up"', server:invoke("{}").body)
    local proc = server.proc
    server = nil
    assert.equal(0, proc:kill("INT"))
    local out = proc:stdout() .. proc:stderr()
    proc:cleanup()
    assert.truthy(out:find("extension lua-lambda-shutdown registered", 1, true))
    assert.truthy(out:find("SIGTERM: running on_shutdown functions", 1, true))
    assert.equal("first\nsecond\n", helper.read(file))
    os.remove(file)
  end)

  it("holds the Init barrier: a runtime whose extension never polls gets no invocation", function()
    local runtime = "spec/support/runtimes/register_only_runtime.lua"
    server = helper.serve({ "--task-root", handlers, "--bootstrap", runtime,
      "--timeout", "1", "--init-timeout", "2", "anything.handler" })
    local r = server:invoke("{}")
    assert.equal("Sandbox.Timedout", r.json.errorType)
    assert.truthy(r.json.errorMessage:find("Init did not finish", 1, true))
    assert.is_nil(server:output():find("past the Init barrier", 1, true))
  end)

  it("answers with an extension's init error, as Lambda does", function()
    local runtime = "spec/support/runtimes/extension_init_error_runtime.lua"
    server = helper.serve({ "--task-root", handlers, "--bootstrap", runtime,
      "anything.handler" })
    local r = server:invoke("{}")
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal("Extension.ConfigInvalid", r.json.errorType)
    assert.equal("no CONFIG_URL", r.json.errorMessage)
  end)

  it("fails loudly when its port is taken", function()
    local taken = assert(socket.bind("127.0.0.1", 0))
    local _, port = taken:getsockname()
    local Process = require "process"
    local proc = Process.start { argv = { helper.cli, "serve", "--port", "0",
      "--invoke-port", tostring(port), "--task-root", handlers, "app.hello" } }
    local code = proc:wait(10)
    local err = proc:stderr()
    proc:cleanup()
    taken:close()
    assert.equal(1, code)
    assert.truthy(err:find("cannot listen on 127.0.0.1:" .. port, 1, true), err)
  end)

  -- sends each body at once on its own connection; returns the replies
  local function invoke_together(port, bodies)
    local conns = {}
    for i, body in ipairs(bodies) do
      local c = assert(socket.connect("127.0.0.1", port))
      c:settimeout(30)
      assert(c:send("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\n"
        .. "Host: x\r\nConnection: close\r\nContent-Length: " .. #body
        .. "\r\n\r\n" .. body))
      conns[i] = c
    end
    local replies = {}
    for i, c in ipairs(conns) do
      replies[i] = c:receive("*a")
      c:close()
    end
    return replies
  end

  it("runs N invocations at once with --concurrency N, one worker each", function()
    server = helper.serve({ "--task-root", own.root, "--concurrency", "4",
      "--timeout", "20", "app.rendezvous" })
    local dir = helper.tmpdir()
    local body = ('{"dir":"%s","count":4}'):format(dir)
    -- each handler returns only once all four are running at the same time
    for _, reply in ipairs(invoke_together(server.port, { body, body, body, body })) do
      assert.truthy(reply:find('"met"', 1, true), reply)
    end
    assert(os.execute("rm -rf " .. dir))
    local out = server:stop()
    server = nil
    local _, starts = out:gsub("START RequestId", "")
    assert.equal(4, starts)
  end)

  it("runs one runtime taking N at once with --managed-instances N", function()
    local states = helper.tmpdir()
    assert(os.execute(("mkdir -p %s/a %s/b %s/s"):format(states, states, states)))
    server = helper.serve({ "--task-root", handlers, "--managed-instances", "4",
      "--timeout", "20", "mi_app.meet" }, { env = { MI_DIR = states .. "/s" } })
    local pids, ids, traces = {}, {}, {}
    -- two batches of four: each returns only once all four run at once
    for _, batch in ipairs { "/a", "/b" } do
      local body = helper.encode { dir = states .. batch, count = 4 }
      for _, reply in ipairs(invoke_together(server.port, { body, body, body, body })) do
        local r = helper.decode((assert(reply:match("\r\n\r\n(.*)$"), reply)))
        assert.truthy(r.request_id, reply)
        assert.equal(r.trace_id, r.getenv_trace)  -- its own, in its state
        assert.equal("", r.process_env_trace)
        pids[r.pid] = true
        ids[r.request_id] = true
        traces[r.trace_id] = true
      end
    end
    local n_pids, n_ids = 0, 0
    for _ in pairs(pids) do n_pids = n_pids + 1 end
    for _ in pairs(ids) do n_ids = n_ids + 1 end
    assert.equal(1, n_pids)  -- one process ...
    assert.equal(8, n_ids)
    local n_traces = 0
    for _ in pairs(traces) do n_traces = n_traces + 1 end
    assert.equal(8, n_traces)
    local inits = 0
    for _ in io.lines(states .. "/s/inits") do inits = inits + 1 end
    assert.equal(4, inits)   -- ... with four Lua states
    assert(os.execute("rm -rf " .. states))
  end)

  it("loses no job to a runtime that keeps more /next calls than slots", function()
    local runtime = "spec/support/runtimes/greedy_runtime.lua"
    server = helper.serve({ "--task-root", handlers, "--bootstrap", runtime,
      "--managed-instances", "2", "anything.handler" })
    local bodies = {}
    for i = 1, 12 do bodies[i] = "{}" end
    local answered = 0
    for _, reply in ipairs(invoke_together(server.port, bodies)) do
      local body = reply:match("\r\n\r\n(.*)$")
      if reply:find("^HTTP/1%.1 200") and body and body:match('^"[%x%-]+"$') then
        answered = answered + 1
      end
    end
    assert.equal(12, answered, server:output())
  end)

  it("refuses --managed-instances with --concurrency", function()
    local p = assert(io.popen(helper.cli .. " serve --managed-instances 2 "
      .. "--concurrency 2 app.hello 2>&1; echo \"exit=$?\""))
    local out = p:read("a")
    p:close()
    assert.truthy(out:find("pick one", 1, true), out)
    assert.truthy(out:find("exit=2", 1, true), out)
  end)

  it("leaves AWS_LAMBDA_MAX_CONCURRENCY unset: --concurrency is on-demand scaling", function()
    server = helper.serve({ "--task-root", handlers, "--concurrency", "2", "app.env" })
    local r = server:invoke("{}")
    assert.equal("function", r.json.function_name)
    assert.is_nil(r.json.max_concurrency)
  end)

  it("gives its runtimes the developer's AWS_REGION, us-east-1 when unset", function()
    server = helper.serve({ "--task-root", handlers, "app.env" },
      { shell = { AWS_REGION = "eu-west-3" } })
    assert.equal("eu-west-3", server:invoke("{}").json.region)
    server:stop()
    server = helper.serve({ "--task-root", handlers, "app.env" })
    assert.equal("us-east-1", server:invoke("{}").json.region)
  end)

  it("starts a worker only when an invocation needs it, as Lambda inits lazily", function()
    server = helper.serve({ "--task-root", own.root, "--concurrency", "3", "app.pid" })
    assert.is_nil(server:output():find("START", 1, true))
    local first = server:invoke("{}").json
    local second = server:invoke("{}").json
    assert.equal(first, second)  -- one after the other: the same warm worker
    local out = server:stop()
    server = nil
    local _, inits = out:gsub("Init Duration: [%d.]+ ms", "")
    assert.equal(1, inits)  -- printed with a worker's first invocation only
  end)

  -- serve with a scripted runtime that streams "first", then "second"
  local function streaming_runtime_server()
    local runtime = "spec/support/runtimes/streaming_runtime.lua"
    return helper.serve({ "--task-root", handlers, "--bootstrap", runtime,
      "--timeout", "5", "anything.handler" })
  end

  it("passes a streamed response through as it arrives (InvokeWithResponseStream)", function()
    server = streaming_runtime_server()
    local r = server:invoke_stream("{}")
    assert.equal(200, r.status)
    assert.equal("chunked", r.headers["transfer-encoding"])
    assert.equal("application/vnd.amazon.eventstream", r.headers["content-type"])
    assert.equal("$LATEST", r.headers["x-amz-executed-version"])
    assert.equal("firstsecond", r.payload)
    assert.same({}, r.complete)
    -- one PayloadChunk event a piece, each in its own HTTP chunk, then
    -- InvokeComplete
    assert.equal("first", r.events[1].payload)
    assert.equal("PayloadChunk", r.events[1].headers[":event-type"])
    assert.equal("event", r.events[1].headers[":message-type"])
    assert.equal("InvokeComplete", r.events[#r.events].headers[":event-type"])
    assert.is_true(#r.chunks >= 3)
    assert.equal("first", event_stream.decode(r.chunks[1].data)[1].payload)
    -- the first bytes arrived well before the last
    assert.is_true(r.chunks[#r.chunks].at - r.chunks[1].at > 0.4)
  end)

  it("passes the real bootstrap's streamed response through", function()
    server = helper.serve({ "--task-root", handlers, "app.stream_http" })
    local r = server:invoke_stream("{}")
    assert.equal(200, r.status)
    assert.equal("chunked", r.headers["transfer-encoding"])
    assert.truthy(r.payload:find('"statusCode":201', 1, true))
    assert.truthy(r.payload:find("\0\0\0\0\0\0\0\0body$"))
  end)

  it("frames the stream so botocore's event-stream parser reads it", function()
    server = helper.serve({ "--task-root", handlers, "app.stream_fail_mid" })
    local r = server:invoke_stream("{}", { ["X-Amz-Log-Type"] = "Tail" })
    local input = helper.tmpfile(r.body)
    local p = assert(io.popen("/usr/bin/python3 "
      .. "spec/support/lib/event_stream_check.py < " .. input))
    local messages = helper.decode(p:read("a"))
    assert.is_true(p:close())
    os.remove(input)
    assert.equal(#r.events, #messages)
    for i, m in ipairs(messages) do
      assert.same(r.events[i].headers, m.headers)
      assert.equal(r.events[i].payload, m.payload)
    end
    assert.equal("PayloadChunk", messages[1].headers[":event-type"])
    assert.equal("partial", messages[1].payload)
    assert.equal("InvokeComplete", messages[#messages].headers[":event-type"])
    assert.truthy(helper.decode(messages[#messages].payload).LogResult)
  end)

  it("ends a stream that breaks midway with the error in InvokeComplete", function()
    server = helper.serve({ "--task-root", handlers, "app.stream_fail_mid" })
    local r = server:invoke_stream("{}")
    assert.equal(200, r.status)
    assert.equal("partial", r.payload)
    -- the type the runtime reported in its trailers
    assert.equal("Function.Broken", r.complete.ErrorCode)
    assert.equal("mid-stream", helper.decode(r.complete.ErrorDetails).errorMessage)
  end)

  it("answers a function that fails before it streams with InvokeComplete alone", function()
    server = helper.serve({ "--task-root", handlers, "app.stream_fail_early" })
    local r = server:invoke_stream("{}")
    assert.equal(200, r.status)
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal(1, #r.events)
    assert.equal("", r.payload)
    assert.truthy(r.complete.ErrorDetails:find("before any byte", 1, true))
  end)

  it("streams a buffered function's result as one PayloadChunk", function()
    server = helper.serve({ "--task-root", handlers, "app.echo" })
    local r = server:invoke_stream('{"a":1}')
    assert.equal(200, r.status)
    assert.equal('{"a":1}', r.payload)
    assert.same({}, r.complete)
  end)

  it("gives the invocation's log tail with X-Amz-Log-Type: Tail", function()
    server = helper.serve({ "--task-root", handlers, "app.print_and_return" })
    local plain = server:invoke("{}")
    assert.is_nil(plain.headers["x-amz-log-result"])
    local r = server:invoke("{}", { ["X-Amz-Log-Type"] = "Tail" })
    assert.equal(200, r.status)
    local id = r.headers["x-amzn-requestid"]
    local log = assert(b64.decode(r.headers["x-amz-log-result"]))
    assert.equal("START RequestId: " .. id .. " Version: $LATEST\n",
      log:match("^START[^\n]*\n"))
    -- stdout and stderr both, and only this invocation's
    assert.truthy(log:find("to stdout\n", 1, true))
    assert.truthy(log:find("to stderr\n", 1, true))
    assert.equal(1, select(2, log:gsub("\tINFO\tto stdout\n", "")))
    assert.truthy(log:find("\nEND RequestId: " .. id .. "\nREPORT RequestId: "
      .. id .. "\t", 1, true))
    assert.equal("\n", log:sub(-1))
  end)

  it("keeps the log tail to its last 4 KB, as Lambda does", function()
    server = helper.serve({ "--task-root", handlers, "app.huge_log" })
    local r = server:invoke('{"mb":1}', { ["X-Amz-Log-Type"] = "Tail" })
    local log = assert(b64.decode(r.headers["x-amz-log-result"]))
    assert.equal(4096, #log)
    assert.truthy(log:find("^y+\nEND RequestId: "))
    assert.truthy(log:find("\nREPORT RequestId: [^\n]+\n$"))
  end)

  it("gives the log tail of a stream in InvokeComplete", function()
    server = helper.serve({ "--task-root", handlers, "app.stream_hello" })
    local r = server:invoke_stream("{}", { ["X-Amz-Log-Type"] = "Tail" })
    local log = assert(b64.decode(r.complete.LogResult))
    assert.truthy(log:find("^START RequestId: "))
    assert.truthy(log:find("\nREPORT RequestId: [^\n]+\n$"))
  end)

  it("takes the function by name, alias-free ARN or $LATEST, and 404s the rest", function()
    server = helper.serve({ "--task-root", handlers, "--function-name", "shop",
      "app.echo" })
    local function post(path)
      return helper.http_post(server.port, path, '{"a":1}')
    end
    for _, path in ipairs {
      "/2015-03-31/functions/function/invocations",
      "/2015-03-31/functions/shop/invocations",
      "/2015-03-31/functions/shop:$LATEST/invocations",
      "/2015-03-31/functions/shop/invocations?Qualifier=$LATEST",
      "/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:shop/invocations",
    } do
      local r = post(path)
      assert.equal(200, r.status, path)
      assert.equal('{"a":1}', r.body, path)
      assert.equal("$LATEST", r.headers["x-amz-executed-version"])
    end
    for _, path in ipairs {
      "/2015-03-31/functions/other/invocations",
      "/2015-03-31/functions/shop:live/invocations",
      "/2015-03-31/functions/shop/invocations?Qualifier=3",
      "/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:other/invocations",
    } do
      local r = post(path)
      assert.equal(404, r.status, path)
      assert.equal("ResourceNotFoundException", r.headers["x-amzn-errortype"], path)
      assert.equal("User", helper.decode(r.body).Type)
    end
  end)

  it("gives a plain Invoke of a stream that breaks midway the error, not half a body", function()
    server = helper.serve({ "--task-root", handlers, "app.stream_fail_mid" })
    local r = server:invoke("{}")
    assert.equal("Unhandled", r.headers["x-amz-function-error"])
    assert.equal("Broken", r.json.errorType)
    assert.equal("mid-stream", r.json.errorMessage)
  end)

  it("gives a plain Invoke of a streaming function the whole body at once", function()
    server = streaming_runtime_server()
    local r = server:invoke("{}")
    assert.equal(200, r.status)
    assert.is_nil(r.headers["transfer-encoding"])
    assert.equal("11", r.headers["content-length"])
    assert.equal("firstsecond", r.body)
  end)

  it("restarts the runtime with --watch when a .lua file changes", function()
    local dir = helper.tmpdir()
    local function write(version)
      local f = assert(io.open(dir .. "/live.lua", "w"))
      f:write(("return { handler = function() return %q end }\n"):format(version))
      f:close()
    end
    write("v1")
    server = helper.serve({ "--task-root", dir, "--watch", "live.handler" })
    assert.equal('"v1"', server:invoke("{}").body)
    write("v2-longer")  -- another size: seen even where mtimes are coarse
    -- the readiness signal: serve says it restarted the runtime
    helper.wait_for(function()
      return server:output():find("a file changed", 1, true)
    end, "serve did not notice the change")
    assert.equal('"v2-longer"', server:invoke("{}").body)
    assert(os.execute("rm -rf " .. dir))
  end)

  it("lets an invocation under way end on its code when --watch restarts", function()
    local dir = helper.tmpdir()
    local function write(body)
      local f = assert(io.open(dir .. "/live.lua", "w"))
      f:write(("local dir = %q\n"):format(dir), body)
      f:close()
    end
    -- v1 says it started, then waits for the spec's go
    write([[
local clock = require "lambda.clock"
return { handler = function()
  assert(io.open(dir .. "/started", "w")):close()
  while not io.open(dir .. "/go") do clock.sleep_ms(5) end
  return "v1"
end }
]])
    server = helper.serve({ "--task-root", dir, "--watch", "--timeout", "120",
                            "live.handler" })
    local curl = Process.start { argv = { "curl", "-s", "-d", "{}",
      ("http://127.0.0.1:%d/2015-03-31/functions/function/invocations"):format(server.port) } }
    finally(function() curl:cleanup() end)
    helper.wait_for(function() return io.open(dir .. "/started") end,
      "the invocation did not start")
    write('return { handler = function() return "v2-longer" end }\n')
    helper.wait_for(function()
      return server:output():find("a file changed", 1, true)
    end, "serve did not notice the change")
    assert(io.open(dir .. "/go", "w")):close()
    assert.equal(0, curl:wait(60))
    assert.equal('"v1"', curl:stdout())  -- not killed mid-way
    assert.equal('"v2-longer"', server:invoke("{}").body)
    assert(os.execute("rm -rf " .. dir))
  end)

  it("restarts once for a burst of saves, new files and lua_modules/ too", function()
    local dir = helper.tmpdir()
    local modules = dir .. "/lua_modules/share/lua/5.4"
    assert(os.execute("mkdir -p " .. modules))
    local write = helper.write
    -- answers "<dep>/<other>", each module's value or "none", as its
    -- init found them: only a restart changes the answer
    write(dir .. "/live.lua", [[
local function value(name)
  local ok, v = pcall(require, name)
  return ok and v or "none"
end
local answer = value("dep") .. "/" .. value("other")
return { handler = function() return answer end }
]])
    server = helper.serve({ "--task-root", dir, "--watch", "live.handler" })
    assert.equal('"none/none"', server:invoke("{}").body)
    local function restarts()
      return select(2, server:output():gsub("a file changed: restarting", ""))
    end
    local function answers(body)
      return function() return server:invoke("{}").body == body end
    end
    -- a module that was not there at start, saved twelve times in a
    -- burst longer than serve's 200 ms look, with no gap as long
    local stalls, last = 0, socket.gettime()
    for i = 1, 12 do
      write(modules .. "/dep.lua", ("return %q\n"):format("v" .. i))
      socket.sleep(0.04)  -- the burst's pace, not a readiness wait
      -- a machine that held this process back past serve's 200 ms look
      -- made two bursts of it: each such stall may add a restart
      if socket.gettime() - last > 0.15 then stalls = stalls + 1 end
      last = socket.gettime()
    end
    helper.wait_for(answers('"v12/none"'), "serve did not restart for the burst")
    -- then one more change: its restart is seen in the answer, and by
    -- then every restart there was has said so
    write(dir .. "/other.lua", 'return "o"\n')
    helper.wait_for(answers('"v12/o"'), "serve did not restart for the change")
    if stalls == 0 then
      assert.equal(2, restarts())
    else
      assert.is_true(restarts() >= 2 and restarts() <= 2 + stalls)
    end
    assert(os.execute("rm -rf " .. dir))
  end)
end)
