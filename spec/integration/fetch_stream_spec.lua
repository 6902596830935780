-- lambda.fetch's streamed bodies against local origins
-- (spec/support/fakes/fetch_server.py): opts.stream (res.read, res:close,
-- res.chunks, <close>, __gc), opts.on_body and opts.sink. Incremental
-- delivery is shown with a server that sends a part and waits for the
-- client's signal before the rest: a fetch that waited for the whole body
-- would wait for ever (its timeout fails the assertion). The module runs in
-- this process (build/lua/lambda/fetch.so); the deadline case runs in the
-- real bootstrap (spec/integration/fetch_stream/app.lua).
local cjson = require "cjson"
local helper = require "helper"
local Process = require "process"
local socket = require "socket"
local fetch = require "lambda.fetch"

local PYTHON = "/usr/bin/python3"
local own = helper.own("fetch_stream")

describe("lambda.fetch with a streamed body", function()
  local server, a, b, port_b

  lazy_setup(function()
    server = Process.start { argv = { PYTHON, "spec/support/fakes/fetch_server.py" } }
    local line = helper.wait_for(function()
      assert(not server:exited(), "fetch_server.py exited: " .. server:stderr())
      return server:stdout():match("ports [^\n]*\n")
    end, "fetch_server.py did not start", 20)
    a = "http://127.0.0.1:" .. line:match("a=(%d+)")
    port_b = tonumber(line:match("b=(%d+)"))
    b = "http://127.0.0.1:" .. port_b
  end)

  lazy_teardown(function()
    if server then server:kill() server:cleanup() end
  end)

  -- Every record the server logged (requests, and {"event": ...}), in order.
  local function log()
    local records = {}
    for l in server:stdout():gmatch("[^\n]+") do
      if l:sub(1, 1) == "{" then records[#records + 1] = cjson.decode(l) end
    end
    return records
  end

  local function request_to(path)
    local found
    for _, r in ipairs(log()) do
      if r.path == path then found = r end
    end
    return found
  end

  -- Waits until the server saw the client close /hold?id=name's connection.
  local function closed(name)
    return helper.wait_for(function()
      for _, r in ipairs(log()) do
        if r.event == "closed" and r.id == name then return true end
      end
    end, "the connection of /hold?id=" .. name .. " was not closed", 10)
  end

  -- /signal?id=name over a socket of its own (from inside an on_body
  -- function, where lambda.fetch cannot run).
  local function raw_signal(name)
    local c = assert(socket.connect("127.0.0.1", port_b))
    assert(c:send("GET /signal?id=" .. name .. " HTTP/1.0\r\n\r\n"))
    local status = c:receive("*l")
    c:close()
    assert.truthy(status:find(" 200 ", 1, true), status)
  end

  local function read_all(res)
    local parts = {}
    while true do
      local chunk, err = res.read()
      if chunk == nil then return table.concat(parts), err, #parts end
      assert.equal("string", type(chunk))
      assert.is_true(#chunk > 0)
      parts[#parts + 1] = chunk
    end
  end

  describe("stream = true", function()
    it("returns at the headers and hands each chunk over as it arrives", function()
      local res = assert(fetch.request(a .. "/parts?id=inc", { stream = true, timeout = 5000 }))
      assert.equal(200, res.status)
      assert.equal("chunked", res.headers["transfer-encoding"])
      assert.is_nil(res.body)
      -- the server sends "second" only once told to: this read cannot wait
      -- for the whole body
      assert.equal("first", res.read())
      assert(fetch.request(b .. "/signal?id=inc"))
      assert.equal("second", res.read())
      local chunk, err = res.read()
      assert.is_nil(chunk)
      assert.is_nil(err)
      assert.is_nil(res.read())   -- and stays at the end
    end)

    it("reads to the end through res.chunks(); the connection then serves the next request", function()
      local res = assert(fetch.request(a .. "/chunked?n=300000&chunk=1000", { stream = true }))
      local parts = {}
      for chunk in res.chunks() do
        assert.is_true(#chunk <= 65536, #chunk)  -- at most 64 KiB held unread
        parts[#parts + 1] = chunk
      end
      assert.equal(("x"):rep(300000), table.concat(parts))
      assert.is_true(#parts >= 5)
      local echo = assert(fetch.request(a .. "/echo"))
      assert.equal(0, echo.connections)
      assert.equal(request_to("/chunked?n=300000&chunk=1000").conn, request_to("/echo").conn)
    end)

    it("follows a redirect and streams the answer", function()
      local res = assert(fetch.request(a .. "/redirect/302?to=/length%3Fn%3D300", { stream = true }))
      assert.equal(200, res.status)
      assert.equal(a .. "/length?n=300", res.url)
      assert.equal(("x"):rep(300), (read_all(res)))
    end)

    it("close() mid-body closes the connection; the next request to the host works", function()
      local res = assert(fetch.request(a .. "/hold?id=close", { stream = true }))
      assert.equal("held", res.read())
      res:close()
      closed("close")
      local chunk, err = res.read()
      assert.is_nil(chunk)
      assert.equal("closed", err.kind)
      res:close()                  -- twice is fine
      local echo = assert(fetch.request(a .. "/echo"))
      assert.equal(200, echo.status)
      assert.equal(1, echo.connections)  -- not the abandoned one
    end)

    it("a to-be-closed variable is closed by a Lua error while streaming", function()
      local ok, err = pcall(function()
        local res <close> = assert(fetch.request(a .. "/hold?id=tbc", { stream = true }))
        assert.equal("held", res.read())
        error("midway")
      end)
      assert.is_false(ok)
      assert.truthy(tostring(err):find("midway", 1, true))
      closed("tbc")
      assert.equal(200, assert(fetch.request(a .. "/echo")).status)
    end)

    it("a response dropped without close is closed when collected", function()
      do
        local res = assert(fetch.request(a .. "/hold?id=gc", { stream = true }))
        assert.equal("held", res.read())
      end
      collectgarbage()
      collectgarbage()
      closed("gc")
      assert.equal(200, assert(fetch.request(a .. "/echo")).status)
    end)

    it("a connection cut mid-body: nil, err of kind connection (and again)", function()
      for _, path in ipairs { "/cut?id=c1", "/cut?id=c2&chunked=1" } do
        local res = assert(fetch.request(a .. path, { stream = true }))
        local body, err = read_all(res)
        assert.equal("partial", body, path)
        assert.equal("connection", err.kind, path)
        local again, err2 = res.read()
        assert.is_nil(again)
        assert.equal(err, err2)
      end
      assert.equal(200, assert(fetch.request(a .. "/echo")).status)
    end)

    it("max_body applies when given, not by default", function()
      local body, err = read_all(assert(fetch.request(a .. "/chunked?n=4096&chunk=1000",
        { stream = true, max_body = 4096 })))
      assert.is_nil(err)
      assert.equal(4096, #body)
      body, err = read_all(assert(fetch.request(a .. "/chunked?n=4097&chunk=1000",
        { stream = true, max_body = 4096 })))
      assert.equal("too_large", err.kind)
      assert.is_true(#body <= 4096)
      -- past it with the headers' first read: the response all the same,
      -- and the error at its read
      body, err = read_all(assert(fetch.request(a .. "/chunked?n=5000&chunk=5000",
        { stream = true, max_body = 4096 })))
      assert.equal("too_large", err.kind)
      assert.equal("", body)
      -- a length over it: refused at the headers
      local res, lerr = fetch.request(a .. "/length?n=11", { stream = true, max_body = 10 })
      assert.is_nil(res)
      assert.equal("too_large", lerr.kind)
      -- over the 10 MiB default: not kept, so not limited
      body, err = read_all(assert(fetch.request(a .. "/chunked?n=10485761&chunk=65536",
        { stream = true })))
      assert.is_nil(err)
      assert.equal(10485761, #body)
    end)

    it("an unread stream waits while other requests run, and loses nothing", function()
      local res = assert(fetch.request(a .. "/chunked?n=1000000&chunk=16384", { stream = true }))
      local total = #assert(res.read())
      for _ = 1, 3 do assert.equal(200, assert(fetch.request(a .. "/echo")).status) end
      -- meanwhile it paused: at most 64 KiB held
      for chunk in res.chunks() do
        assert.is_true(#chunk <= 65536, #chunk)
        total = total + #chunk
      end
      assert.equal(1000000, total)
    end)
  end)

  describe("on_body", function()
    it("gets each chunk as it arrives; nothing is kept", function()
      local got, signalled = {}, false
      local res = assert(fetch.request(a .. "/parts?id=ob", { timeout = 5000,
        on_body = function(chunk)
          got[#got + 1] = chunk
          if not signalled then   -- the rest comes only once told
            signalled = true
            raw_signal("ob")
          end
        end }))
      assert.equal(200, res.status)
      assert.same({ "first", "second" }, got)
      assert.is_nil(res.body)
      assert.equal(11, res.bytes)
    end)

    it("returning false aborts: nil, err of kind aborted", function()
      local calls = 0
      local res, err = fetch.request(a .. "/chunked?n=10000&chunk=1000",
        { on_body = function() calls = calls + 1 return false end })
      assert.is_nil(res)
      assert.equal("aborted", err.kind)
      assert.equal(1, calls)
    end)

    it("an error raised in it is raised by lambda.fetch, as it was", function()
      local mine = { tag = "mine" }
      local ok, err = pcall(fetch.request, a .. "/chunked?n=10000&chunk=1000",
        { on_body = function() error(mine) end })
      assert.is_false(ok)
      assert.equal(mine, err)
      ok, err = pcall(fetch.request, a .. "/length?n=10",
        { on_body = function() error("boom") end })
      assert.is_false(ok)
      assert.truthy(err:find("boom", 1, true))
      assert.equal(200, assert(fetch.request(a .. "/echo")).status)
    end)

    it("cannot call lambda.fetch (nil, err of kind invalid)", function()
      local inner
      assert(fetch.request(a .. "/length?n=10", { on_body = function()
        inner = { fetch.request(a .. "/echo") }
      end }))
      assert.is_nil(inner[1])
      assert.equal("invalid", inner[2].kind)
    end)

    it("max_body applies when given, not by default", function()
      local n = 0
      local res = assert(fetch.request(a .. "/chunked?n=10485761&chunk=65536",
        { on_body = function(c) n = n + #c end }))
      assert.equal(10485761, n)
      assert.equal(10485761, res.bytes)
      local _, err = fetch.request(a .. "/chunked?n=4097&chunk=1000",
        { on_body = function() end, max_body = 4096 })
      assert.equal("too_large", err.kind)
    end)

    it("is not given an answer other than a 2xx: that one is res.body", function()
      local calls = 0
      local res = assert(fetch.request(a .. "/nope", { on_body = function() calls = calls + 1 end }))
      assert.equal(404, res.status)
      assert.equal("no such endpoint", res.body)
      assert.equal(0, calls)
    end)
  end)

  describe("sink", function()
    it("writes the body to a file name as it arrives", function()
      local path = helper.tmpfile(nil, "sink.bin")
      local res = assert(fetch.request(a .. "/length?n=100000", { sink = path }))
      assert.equal(200, res.status)
      assert.is_nil(res.body)
      assert.equal(100000, res.bytes)
      assert.equal(("x"):rep(100000), helper.read(path))
    end)

    it("writes to an open file handle, left open", function()
      local path = helper.tmpfile(nil, "handle.bin")
      local f = assert(io.open(path, "wb"))
      f:write("head:")
      local res = assert(fetch.request(a .. "/chunked?n=5000&chunk=700", { sink = f }))
      assert.equal(5000, res.bytes)
      f:write(":tail")
      f:close()
      assert.equal("head:" .. ("x"):rep(5000) .. ":tail", helper.read(path))
    end)

    it("writes each chunk as it arrives (to a pipe whose reader signals the server)", function()
      -- the reader takes "first", then lets the server send the rest
      local out = helper.tmpfile(nil, "piped.bin")
      local reader = ("%s -c %q"):format(PYTHON, table.concat({
        "import sys, urllib.request",
        "first = sys.stdin.buffer.read(5)",
        "urllib.request.urlopen('" .. b .. "/signal?id=sink').read()",
        "open('" .. out .. "', 'wb').write(first + sys.stdin.buffer.read())",
      }, "; "))
      local pipe = assert(io.popen(reader, "w"))
      local res, err = fetch.request(a .. "/parts?id=sink", { sink = pipe, timeout = 5000 })
      pipe:close()
      assert.is_nil(err)
      assert.equal(11, res.bytes)
      assert.equal("firstsecond", helper.read(out))
    end)

    it("leaves the file alone for an answer other than a 2xx (res.body)", function()
      local path = helper.tmpfile(nil, "never.bin")
      local res = assert(fetch.request(a .. "/nope", { sink = path }))
      assert.equal(404, res.status)
      assert.equal("no such endpoint", res.body)
      assert.is_nil(io.open(path))
    end)

    it("a file that cannot be written: nil, err of kind io", function()
      local res, err = fetch.request(a .. "/length?n=10", { sink = "/nonexistent-dir/x" })
      assert.is_nil(res)
      assert.equal("io", err.kind)
      assert.truthy(err.message:find("/nonexistent-dir/x", 1, true))
    end)
  end)

  describe("options", function()
    it("names the field of a wrong type, and refuses two of stream, on_body, sink", function()
      local f = assert(io.tmpfile())
      f:close()
      local cases = {
        { { stream = "yes" }, "option 'stream' must be a boolean, got string" },
        { { on_body = "f" }, "option 'on_body' must be a function, got string" },
        { { sink = 5 }, "option 'sink' must be a file name or an open file, got number" },
        { { sink = f }, "option 'sink' must be a file name or an open file, got userdata" },
        { { stream = true, sink = "/tmp/x" },
          "options 'stream', 'on_body' and 'sink' do not go together" },
        { { on_body = print, sink = "/tmp/x" },
          "options 'stream', 'on_body' and 'sink' do not go together" },
      }
      for _, c in ipairs(cases) do
        local ok, err = pcall(fetch.request, a .. "/echo", c[1])
        assert.is_false(ok, c[2])
        assert.equal("lambda.fetch: " .. c[2], err)
      end
      -- stream = false is the whole body, as before
      assert.equal(("x"):rep(5), assert(fetch.request(a .. "/length?n=5", { stream = false })).body)
    end)
  end)

  describe("in the runtime", function()
    it("a read past the deadline (less the margin) gives nil, err of kind timeout, in time", function()
      local first_post
      local deadline = helper.deadline_in(2500)
      local run = own.run { handler = "app.handler",
        env = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "500" },
        on_post = function() first_post = first_post or socket.gettime() end,
        invocations = {
          { deadline_ms = deadline, event = cjson.encode { url = a .. "/hold?id=deadline" } },
          { event = cjson.encode { url = a .. "/chunked?n=30000&chunk=1000", action = "read_all" } },
        } }
      assert.equal(2, #run.posts, run.stderr)
      local out = helper.decode(run.posts[1].body)
      assert.is_nil(helper.error_type(run.posts[1]), run.posts[1].body)
      assert.equal("held", out.first)
      assert.is_nil(out.chunk)
      assert.equal("timeout", out.kind, out.message)
      -- answered before the deadline, and not long before its margin: the
      -- read waited until the time there was
      assert.is_true(first_post * 1000 < deadline)
      assert.is_true(first_post * 1000 > deadline - 1500)
      closed("deadline")
      -- the next invocation streams on the same state
      local second = helper.decode(run.posts[2].body)
      assert.same({ status = 200, length = 30000 }, second)
    end)

    it("does each of the above in the runtime too (what the sanitizer builds run)", function()
      local sink = helper.tmpfile(nil, "runtime-sink.bin")
      local run = own.run { handler = "app.scenarios", invocations = {
        { event = cjson.encode { a = a, b = b, sink = sink } } } }
      assert.equal(1, #run.posts, run.stderr)
      assert.is_nil(helper.error_type(run.posts[1]), run.posts[1].body)
      assert.same({
        first = "first", rest = "second", after_close = "closed", tbc = "midway",
        cut = "partial", cut_err = "connection", big = 300000, too_large = "too_large",
        beside = 1000000, aborted = "aborted", on_body_error = "boom", nested = "invalid",
        sink_bytes = 100000, echo = 200,
      }, helper.decode(run.posts[1].body))
      for _, name in ipairs { "rt_close", "rt_tbc", "rt_gc" } do closed(name) end
      assert.equal(100000, #helper.read(sink))
    end)
  end)
end)
