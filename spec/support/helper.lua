--- Shared by every spec: runs the real bootstrap against the fake Runtime
--- API and hands back what crossed the wire.
local cjson = require "cjson"
local FakeApi = require "fake_runtime_api"
local Process = require "process"

local helper = {}

helper.bootstrap = os.getenv("LUA_LAMBDA_BOOTSTRAP") or "build/bootstrap"
helper.fixtures = "spec/fixtures"
helper.handlers = helper.fixtures .. "/handlers"
helper.events = os.getenv("LUA_LAMBDA_EVENTS") or "../shared/events"
helper.build = os.getenv("LUA_LAMBDA_BUILD") or "build"

local absolute = Process.absolute

function helper.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
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
---   seconds      how long to serve at most (default 10)
--- Returns { why = "parked"|"exited"|"timeout", exit_code, posts,
---   init_errors, requests, connections, stdout, stderr }.
function helper.run(opts)
  local api = FakeApi.new {
    invocations = opts.invocations,
    init_error_status = opts.init_error_status,
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
  local argv = { helper.bootstrap }
  for _, a in ipairs(opts.args or {}) do argv[#argv + 1] = a end
  local proc = Process.start { argv = argv, env = env }
  local why = api:serve(proc, opts.seconds or 10)
  local code
  if why == "exited" then
    code = proc:exited()
  else
    proc:kill(opts.stop_signal)
  end
  api:close()
  local result = {
    why = why, exit_code = code, posts = api.posts,
    init_errors = api.init_errors, requests = api.requests,
    connections = api.connections, stdout = proc:stdout(),
    stderr = proc:stderr(), served = api.next_index,
  }
  proc:cleanup()
  return result
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

return helper
