-- lua-lambda serve's own output: libmicrohttpd's messages come through
-- serve's logging (its prefix, one line each), a port in use is one clear
-- error line, and an init error is said once.
local helper = require "helper"
local socket = require "socket"
local Process = require "process"

local quote = helper.quote

local write = helper.write

-- Every line of out that is not serve's, the function's or Lambda's own.
local function raw_lines(out)
  local raw = {}
  for line in out:gmatch("[^\n]+") do
    if not (line:find("^lua%-lambda: ") or line:find("^START ") or line:find("^END ")
        or line:find("^REPORT ") or line:find("^INIT_REPORT ")
        or line:find("^%d%d%d%d%-%d%d%-%d%dT")) then
      raw[#raw + 1] = line
    end
  end
  return raw
end

describe("lua-lambda serve's output", function()
  local dir, taken, server
  before_each(function()
    dir = helper.tmpdir()
    taken = assert(socket.bind("127.0.0.1", 0))
  end)
  after_each(function()
    if server then server:stop() end
    server = nil
    taken:close()
    os.execute("rm -rf " .. quote(dir))
  end)

  for _, case in ipairs({
    { flag = { "--port" }, hint = "--port picks another" },
    { flag = { "--invoke-port" }, hint = "--invoke-port picks another" },
    { flag = { "--http" }, hint = "--http PORT picks another" },
  }) do
    it("says a port in use in one line (" .. case.flag[1] .. ")", function()
      local _, port = taken:getsockname()
      local args = { helper.cli, "serve", "--port", "0", "--invoke-port", "0" }
      args[#args + 1] = case.flag[1]
      args[#args + 1] = tostring(port)
      for _, a in ipairs({ "--task-root", helper.handlers, "app.hello" }) do
        args[#args + 1] = a
      end
      local proc = Process.start { argv = args }
      helper.wait_for(function() return proc:exited() end, "serve did not exit")
      local err = proc:stderr()
      proc:cleanup()
      assert.equal(("lua-lambda: cannot listen on 127.0.0.1:%d: address already in use "
        .. "(%s; 0 takes any free one)\n"):format(port, case.hint), err)
    end)
  end

  it("says libmicrohttpd's messages with its own prefix", function()
    -- a stream broken under way: libmicrohttpd closes the connection
    write(dir .. "/cut.lua", [[
local lambda = require "lambda"
local clock = require "lambda.clock"
return { handler = lambda.streaming(function(event, stream)
  lambda.http.stream(stream, { statusCode = 200 })
  stream:write("some\n")
  local flag = event.queryStringParameters.flag
  while not io.open(flag) do clock.sleep_ms(5) end
  error("broken mid-stream")
end) }
]])
    local flag = dir .. "/flag"
    server = helper.serve({ "--task-root", dir, "--http", "0", "cut.handler" })
    local port = tonumber(helper.wait_for(function()
      return server:output():match("open http://127%.0%.0%.1:(%d+)/")
    end, "serve --http did not say where it listens"))
    local c = assert(socket.connect("127.0.0.1", port))
    c:settimeout(30)
    assert(c:send("GET /?flag=" .. flag .. " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    repeat
      local line = assert(c:receive("*l"))
    until line:find("some", 1, true)  -- the stream is under way
    write(flag, "")
    c:receive("*a")
    c:close()
    local out = helper.wait_for(function()
      local o = server:output()
      return o:find("Closing connection", 1, true) and o
    end, "libmicrohttpd said nothing of the cut stream: " .. server:output())
    server:stop()
    server = nil
    assert.same({}, raw_lines(out))
    assert.truthy(out:find("lua-lambda: serve --http: Closing connection", 1, true), out)
  end)

  it("says an init error once, and once again after a --watch reload", function()
    write(dir .. "/bad.lua", 'error("broken at load 1")\n')
    server = helper.serve({ "--task-root", dir, "--watch", "bad.handler" })
    local r = server:invoke("{}")
    assert.equal("Runtime.ImportModuleError", r.json.errorType)
    write(dir .. "/bad.lua", 'error("broken at load 2")\n')
    helper.wait_for(function()
      return server:output():find("a file changed: restarting the runtime", 1, true)
    end, "--watch did not see the change")
    r = server:invoke("{}")
    assert.truthy(r.json.errorMessage:find("broken at load 2", 1, true), r.body)
    local out = server:stop()
    server = nil
    assert.equal(1, helper.count(out, "broken at load 1"), out)
    assert.equal(1, helper.count(out, "broken at load 2"), out)
    -- and serve's own line for each failed init, with the type alone
    assert.equal(2, helper.count(out, "lua-lambda: init error: Runtime.ImportModuleError\n"), out)
  end)
end)
