--- Shared by every spec: runs the real bootstrap against the fake Runtime
--- API and hands back what crossed the wire.
local cjson = require "cjson"
local FakeApi = require "fake_runtime_api"
local event_stream = require "event_stream"
local Process = require "process"
local socket = require "socket"
local tmp = require "tmp"
local wire = require "http_wire"

local helper = {}

helper.bootstrap = os.getenv("LUA_LAMBDA_BOOTSTRAP") or "build/bootstrap"
helper.fixtures = "spec/fixtures"
helper.handlers = helper.fixtures .. "/handlers"
helper.events = os.getenv("LUA_LAMBDA_EVENTS") or "spec/fixtures/events"
helper.build = os.getenv("LUA_LAMBDA_BUILD") or "build"
-- The build's C modules (lambda.json, lambda.base64) for every spec.
package.cpath = helper.build .. "/lua/?.so;" .. package.cpath

local absolute = Process.absolute

function helper.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

--- Writes text to path (made or truncated).
function helper.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

--- Runs a shell command; returns whether it succeeded and its output
--- (stdout and stderr).
function helper.sh(command)
  local p = assert(io.popen(command .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

--- s quoted for sh.
function helper.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- A new empty folder under /tmp, removed when the spec file ends
--- (tmp.lua).
helper.tmpdir = tmp.dir

--- A new folder under /tmp holding one file, NAME (a path within it),
--- with the text given.
function helper.tmpdir_with(name, text)
  local dir = helper.tmpdir()
  helper.write(dir .. "/" .. name, text)
  return dir
end

--- The path of a file NAME (default "file") in a new temporary folder,
--- holding text, or not made yet when text is nil.
function helper.tmpfile(text, name)
  name = name or "file"
  if text == nil then return helper.tmpdir() .. "/" .. name end
  return helper.tmpdir_with(name, text) .. "/" .. name
end

--- Whether lua-lambda is a sanitizer's build (AddressSanitizer owns
--- malloc and the address space: no ulimit -v, no valgrind, no shims).
function helper.sanitized_cli()
  local p = io.popen("nm " .. helper.quote(helper.cli) .. " 2>/dev/null | grep -c __asan_init")
  local n = tonumber(p:read("a"))
  p:close()
  return n ~= nil and n > 0
end

--- The non-empty lines of text, in order.
function helper.lines(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

--- How many times plain (not a pattern) occurs in s.
function helper.count(s, plain)
  local n, from = 0, 1
  while true do
    local at = s:find(plain, from, true)
    if not at then return n end
    n, from = n + 1, at + #plain
  end
end

--- Where a stock lua5.4 finds module name on this machine (Debian's
--- system paths; inspect, plain Lua, is packaged for 5.1-5.3 only), or
--- nil.
function helper.system_module(name)
  local p = assert(io.popen(("lua5.4 -e 'package.path = package.path .. "
    .. "\";/usr/share/lua/5.3/?.lua\" print(package.searchpath(%q, package.path) "
    .. "or package.searchpath(%q, package.cpath))'"):format(name, name)))
  local path = p:read("l")
  p:close()
  return path ~= "nil" and path or nil
end

--- A new layer folder (a stand-in for /opt, for --layer or
--- lambda.testing's layers) holding this machine's system-wide
--- installed modules names, laid out as `lua-lambda build --layer` lays
--- out rocks: Debian's packages stand in for the rocks a function names.
function helper.system_modules_layer(names)
  local dir = helper.tmpdir()
  for _, name in ipairs(names) do
    local path = assert(helper.system_module(name), name .. " is not installed")
    local into = path:match("%.so$") and "/lua_modules/lib/lua/5.4"
      or "/lua_modules/share/lua/5.4"
    assert(os.execute(("mkdir -p %s%s && cp %s %s%s/"):format(dir, into,
      helper.quote(path), dir, into)))
  end
  return dir
end

--- Whether binary carries a sanitizer's runtime (build-check,
--- build-tsan): such a bootstrap is for this machine, never for Lambda.
function helper.sanitized(binary)
  local _, syms = helper.sh("readelf -W --dyn-syms " .. helper.quote(binary))
  return syms:match("__[at]san_init") ~= nil
end

--- A bootstrap lua-lambda build may pack: the build's own, or, when that
--- one is sanitized, the normal build's (LUA_LAMBDA_DEPLOYABLE_BOOTSTRAP,
--- which scripts/dev test sets); nil when there is none.
function helper.deployable_bootstrap()
  if not helper.sanitized(helper.bootstrap) then return helper.bootstrap end
  local other = os.getenv("LUA_LAMBDA_DEPLOYABLE_BOOTSTRAP")
  return other and other ~= "" and other or nil
end

--- The names of the sample events, sorted.
function helper.event_names()
  local names = {}
  local p = assert(io.popen("ls " .. helper.events))
  for name in p:lines() do
    if name:match("%.json$") then names[#names + 1] = name end
  end
  p:close()
  return names
end

--- Whether a and b (decoded JSON) are equal values of equal kinds: integer
--- vs float and array vs object (lambda.json's array mark) count. Returns
--- true, or false and where they differ.
function helper.same_json(a, b, path)
  path = path or "$"
  if type(a) ~= type(b) then
    return false, path .. ": " .. type(a) .. " vs " .. type(b)
  end
  if type(a) == "number" then
    if math.type(a) ~= math.type(b) then
      return false, path .. ": " .. math.type(a) .. " vs " .. math.type(b)
    end
    if a ~= b or (a == 0 and 1 / a ~= 1 / b) then
      return false, path .. ": " .. a .. " vs " .. b
    end
    return true
  end
  if type(a) ~= "table" then
    return a == b, path .. ": " .. tostring(a) .. " vs " .. tostring(b)
  end
  if getmetatable(a) ~= getmetatable(b) then
    return false, path .. ": array mark differs"
  end
  for k, v in pairs(a) do
    local ok, why = helper.same_json(v, b[k], path .. "." .. tostring(k))
    if not ok then return false, why end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. " missing" end
  end
  return true
end

--- A sample event (helper.events/name) as lambda.json decodes it.
function helper.event(name)
  local json = require "lambda.json"
  return assert(json.decode(helper.read(helper.events .. "/" .. name)))
end

function helper.decode(text)
  return cjson.decode(text)
end

function helper.encode(value)
  return cjson.encode(value)
end

--- Runs bootstrap once.
---   handler      _HANDLER (unless env._HANDLER is given; false unsets)
---   invocations  the fake API's script (see fake_runtime_api.lua)
---   env          extra variables; a value of false leaves one out
---   args         argv after bootstrap
---   task_root    default spec/fixtures/handlers
---   bootstrap    default helper.bootstrap
---   wrapper      words before bootstrap instead of LUA_LAMBDA_TEST_WRAPPER
---                (e.g. { "chroot", root }; see Process.start)
---   seconds      how long to serve at most (default 10)
---   init_timeout seconds the fake waits at the Init barrier (default 10)
---   register_without_identifier  see fake_runtime_api.lua
---   stop_signal  how the runtime is stopped when it is still running
---                (default TERM); the exit code is then in exit_code
--- Returns { why = "parked"|"exited"|"timeout"|"init_timeout", exit_code, posts,
---   init_errors, requests, connections, stdout, stderr }.
function helper.run(opts)
  local api = FakeApi.new {
    invocations = opts.invocations,
    init_error_status = opts.init_error_status,
    on_post = opts.on_post,
    init_timeout = opts.init_timeout,
    concurrency = opts.concurrency,
    register_without_identifier = opts.register_without_identifier,
  }
  local env = {
    AWS_LAMBDA_RUNTIME_API = api.address,
    LAMBDA_TASK_ROOT = absolute(opts.task_root or helper.handlers),
    _HANDLER = opts.handler,
    AWS_LAMBDA_FUNCTION_NAME = "test-fn",
    AWS_LAMBDA_FUNCTION_VERSION = "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE = "128",
    AWS_LAMBDA_LOG_GROUP_NAME = "/aws/lambda/test-fn",
    AWS_LAMBDA_LOG_STREAM_NAME = "2026/11/22/[$LATEST]abc",
  }
  for name, value in pairs(opts.env or {}) do
    env[name] = value or nil
  end
  local argv = { opts.bootstrap or helper.bootstrap }
  for _, a in ipairs(opts.args or {}) do argv[#argv + 1] = a end
  local proc = Process.start { argv = argv, env = env, wrapper = opts.wrapper }
  local why = api:serve(proc, opts.seconds or 10)
  if opts.measure_rss then proc.max_rss_kb = proc:max_rss_kb() end
  if opts.after_serve then opts.after_serve(proc, api) end
  local code
  if why == "exited" then
    code = proc:exited()
  else
    code = proc:kill(opts.stop_signal)
  end
  api:close()
  local result = {
    why = why, exit_code = code, posts = api.posts,
    init_errors = api.init_errors, requests = api.requests,
    extensions = api.extensions, max_rss_kb = opts.measure_rss and proc.max_rss_kb,
    connections = api.connections, stdout = proc:stdout(),
    stderr = proc:stderr(), served = api.next_index,
  }
  proc:cleanup()
  return result
end

--- A spec's own handlers: the folder beside the spec file named after it
--- (spec/integration/errors/ for errors_spec.lua; name, e.g. "deadline",
--- for a family of spec files that share one), a task root. Returns
--- { root = path, run, invoke, invoke_all }: helper's, with task_root
--- defaulting to that folder. Handlers several specs use stay in
--- helper.handlers (spec/fixtures/handlers).
function helper.own(name)
  local source = debug.getinfo(2, "S").source
  local dir, spec = source:match("^@(.-)/?([^/]+)_spec%.lua$")
  local root = (dir ~= "" and dir .. "/" or "") .. (name or spec)
  local function rooted(extra)
    local opts = { task_root = root }
    for k, v in pairs(extra or {}) do opts[k] = v end
    return opts
  end
  return {
    root = root,
    run = function(opts) return helper.run(rooted(opts)) end,
    invoke = function(handler, event, extra)
      return helper.invoke(handler, event, rooted(extra))
    end,
    invoke_all = function(handler, events, extra)
      return helper.invoke_all(handler, events, rooted(extra))
    end,
  }
end

--- Runs handler over events (JSON texts) and returns the posts.
function helper.invoke_all(handler, events, extra)
  local invocations = {}
  for i, e in ipairs(events) do invocations[i] = { event = e } end
  local opts = { handler = handler, invocations = invocations }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return helper.run(opts)
end

--- Runs handler once on event (JSON text, default "{}"); returns the single
--- post (decoded body in .json) and the whole run.
function helper.invoke(handler, event, extra)
  local run = helper.invoke_all(handler, { event or "{}" }, extra)
  local post = run.posts[1]
  if post then
    local ok, value = pcall(cjson.decode, post.body)
    post.json = ok and value or nil
  end
  return post, run
end

--- A deadline (epoch milliseconds, as Lambda-Runtime-Deadline-Ms) ms
--- from now.
function helper.deadline_in(ms)
  return math.floor(socket.gettime() * 1000) + ms
end

--- The error type a post to /error carried in its header.
function helper.error_type(post)
  return post.headers["lambda-runtime-function-error-type"]
end

--- The error a streamed response carried in its trailers: the type, and
--- the error document decoded (nil when there is none).
function helper.trailer_error(post)
  local body = post.trailers["lambda-runtime-function-error-body"]
  return post.trailers["lambda-runtime-function-error-type"],
    body and helper.decode(require("lambda.base64").decode(body))
end

--- Waits until check() returns a true value (polling; the condition is
--- the readiness signal, the bound only keeps a broken run from hanging).
function helper.wait_for(check, what, seconds)
  local deadline = socket.gettime() + (seconds or 30)
  while true do
    local v = check()
    if v then return v end
    assert(socket.gettime() < deadline, what or "condition not met")
    socket.sleep(0.01)
  end
end

--- POSTs over a fresh connection. Returns { status, headers (lower-cased),
--- body, chunks = { { at = seconds since sent, data = "..." }, ... } }.
function helper.http_post(port, path, body, headers)
  local conn = assert(socket.connect("127.0.0.1", port))
  conn:settimeout(30)
  local lines = { ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"):format(path),
    ("Content-Length: %d\r\nConnection: close\r\n"):format(#body) }
  for name, value in pairs(headers or {}) do
    lines[#lines + 1] = name .. ": " .. value .. "\r\n"
  end
  local sent = socket.gettime()
  assert(conn:send(table.concat(lines) .. "\r\n" .. body))
  local status_line = assert(conn:receive("*l"))
  local result = { status = tonumber(status_line:match("^HTTP/1%.%d (%d+)")),
    chunks = {} }
  result.headers = wire.read_headers(conn)
  result.body = wire.read_body(conn, result.headers, function(data)
    result.chunks[#result.chunks + 1] = { at = socket.gettime() - sent, data = data }
  end)
  conn:close()
  return result
end

helper.cli = Process.absolute(os.getenv("LUA_LAMBDA_CLI")
  or (helper.build .. "/lua-lambda"))

--- Starts `lua-lambda serve` with args (a list) on ports the kernel
--- picks (port 0) and waits until it says where it listens. Returns an
--- object with :invoke(body, headers), :invoke_stream(body, headers),
--- :output() and :stop(). opts: cwd, env (the function's variables,
--- given as --env), shell (variables of serve's own environment, the
--- developer's shell: only the AWS ones reach the function), open_files
--- (the soft limit on open files serve starts with).
function helper.serve(args, opts)
  opts = opts or {}
  local argv = { helper.cli, "serve", "--port", "0", "--invoke-port", "0" }
  if opts.open_files then
    table.insert(argv, 1, "sh")
    table.insert(argv, 2, "-c")
    table.insert(argv, 3, 'ulimit -Sn "$0" && exec "$@"')
    table.insert(argv, 4, tostring(opts.open_files))
  end
  local names = {}
  for name in pairs(opts.env or {}) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    argv[#argv + 1] = "--env"
    argv[#argv + 1] = name .. "=" .. opts.env[name]
  end
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local env = {}
  for name, value in pairs(opts.shell or {}) do env[name] = value end
  local proc = Process.start { argv = argv, cwd = opts.cwd, env = env }
  local invoke_port = tonumber(helper.wait_for(function()
    assert(not proc:exited(), "serve exited: " .. proc:stderr())
    return proc:stdout():match("http://127%.0%.0%.1:(%d+)/2015%-03%-31/")
  end, "serve did not start", 10))
  local server = { proc = proc, port = invoke_port }
  local function decoded(r)
    local ok, value = pcall(cjson.decode, r.body)
    r.json = ok and value or nil
    return r
  end
  function server:invoke(body, headers)
    return decoded(helper.http_post(invoke_port,
      "/2015-03-31/functions/function/invocations", body or "{}", headers))
  end
  -- InvokeWithResponseStream: r.body is the event stream as it came;
  -- r.payload the PayloadChunks joined, r.complete InvokeComplete's JSON
  -- decoded, r.events the messages.
  function server:invoke_stream(body, headers)
    local r = helper.http_post(invoke_port,
      "/2021-11-15/functions/function/response-streaming-invocations",
      body or "{}", headers)
    if r.status == 200 then
      r.events = event_stream.decode(r.body)
      local complete
      r.payload, complete = event_stream.split(r.events)
      r.complete = complete and cjson.decode(complete)
    end
    return r
  end
  function server:output() return proc:stdout() .. proc:stderr() end
  function server:stop()
    proc:kill()
    local out = self:output()
    proc:cleanup()
    return out
  end
  return server
end

return helper
