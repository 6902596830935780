--- Invokes a function once through the real bootstrap and a local Runtime
--- API on 127.0.0.1 (the specs' fake), printing its logs and response.
---
--- usage: lua5.4 scripts/invoke-local.lua BOOTSTRAP TASK_ROOT HANDLER [EVENT_FILE]
local here = arg[0]:match("^(.*)/[^/]+$") or "."
package.path = here .. "/../spec/support/?.lua;" .. package.path

local FakeApi = require "fake_runtime_api"
local Process = require "process"

local bootstrap, task_root, handler, event_file = arg[1], arg[2], arg[3], arg[4]
if not (bootstrap and task_root and handler) then
  io.stderr:write("usage: lua5.4 scripts/invoke-local.lua BOOTSTRAP TASK_ROOT"
    .. " HANDLER [EVENT_FILE]\n")
  os.exit(2)
end

local event = "{}"
if event_file then
  local f = assert(io.open(event_file, "rb"))
  event = f:read("a")
  f:close()
end

local absolute = Process.absolute

local api = FakeApi.new { invocations = { { event = event } } }
local name = task_root:match("([^/]+)/*$") or "function"
local proc = Process.start {
  argv = { absolute(bootstrap) },
  cwd = task_root,
  env = {
    AWS_LAMBDA_RUNTIME_API = api.address,
    _HANDLER = handler,
    LAMBDA_TASK_ROOT = absolute(task_root),
    AWS_LAMBDA_FUNCTION_NAME = name,
    AWS_LAMBDA_FUNCTION_VERSION = "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE = "128",
  },
}
local why = api:serve(proc, 30)
if why ~= "exited" then proc:kill() end
api:close()

io.stderr:write(proc:stdout(), proc:stderr())
local post = api.posts[1] or api.init_errors[1]
proc:cleanup()
if not post then
  io.stderr:write("no response from bootstrap (", why, ")\n")
  os.exit(1)
end
if post.kind == "response" then
  io.write(post.body, "\n")
  os.exit(0)
end
io.stderr:write(post.headers["lambda-runtime-function-error-type"] or "error",
  ": ", post.body, "\n")
os.exit(1)
