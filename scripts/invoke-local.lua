--- Invokes a function once through `lua-lambda serve`: the real bootstrap,
--- its Runtime API loop and the invoke endpoint, all on 127.0.0.1.
--- Prints the function's logs and START/END/REPORT on stderr and the
--- response on stdout.
---
--- usage: lua5.4 scripts/invoke-local.lua LUA_LAMBDA TASK_ROOT HANDLER [EVENT_FILE]
local here = arg[0]:match("^(.*)/[^/]+$") or "."
package.path = here .. "/../spec/support/lib/?.lua;" .. here
  .. "/../spec/support/fakes/?.lua;" .. package.path

local cli, task_root, handler, event_file = arg[1], arg[2], arg[3], arg[4]
if not (cli and task_root and handler) then
  io.stderr:write("usage: lua5.4 scripts/invoke-local.lua LUA_LAMBDA TASK_ROOT"
    .. " HANDLER [EVENT_FILE]\n")
  os.exit(2)
end

local Process = require "process"
local helper = require "helper"
helper.cli = Process.absolute(cli)

-- The shell's environment, whole: serve hands the function only what
-- lua-lambda invoke would (the AWS credentials, region, profile and
-- endpoints, the proxy and CA variables: function_env.c), and Process
-- would otherwise start serve with env -i, losing them without a word.
local function shell_environment()
  local f = io.open("/proc/self/environ", "rb")
  local env = {}
  if f == nil then return env end
  for entry in f:read("a"):gmatch("[^%z]+") do
    local name, value = entry:match("^([^=]+)=(.*)$")
    if name then env[name] = value end
  end
  f:close()
  return env
end

local event = event_file and helper.read(event_file) or "{}"
local name = task_root:match("([^/]+)/*$") or "function"
local server = helper.serve({ "--task-root", task_root, "--function-name",
  name, "--", handler }, { shell = shell_environment() })
local r = server:invoke(event)
local logs = server:stop()
-- serve's own banner lines are noise here; the function's logs are not
logs = logs:gsub("lua%-lambda: serving[^\n]*\n", "")
  :gsub("lua%-lambda: runtime [^\n]*\n", "")
  :gsub("lua%-lambda: invoke with[^\n]*\n", ""):gsub("lua%-lambda: stopping\n", "")
io.stderr:write(logs)
io.write(r.body, "\n")
os.exit(r.headers["x-amz-function-error"] and 1 or 0)
