--- Invocations per second of bootstrap with an echo handler against the
--- Lua fake Runtime API, next to a plain-Lua floor runtime against the same
--- fake in the same run. The fake is the bottleneck for both, so the ratio
--- (not the absolute figure) is what to compare across changes.
---
--- usage: lua5.4 bench/echo.lua [INVOCATIONS] [BOOTSTRAP]
package.path = "./spec/support/lib/?.lua;./spec/support/fakes/?.lua;"
  .. package.path
local socket = require "socket"
local FakeApi = require "fake_runtime_api"
local Process = require "process"

local n = tonumber(arg[1]) or 5000
local bootstrap = arg[2] or "build/bootstrap"
-- 100 bytes of JSON
local event = '{"id":12345,"name":"bench","tags":["a","b","c"],'
  .. '"nested":{"ok":true,"ratio":0.5},"pad":"xxxxxxxxxx"}'
assert(#event == 100, #event)

local function measure(argv)
  local invocations = {}
  for i = 1, n do invocations[i] = { event = event } end
  local api = FakeApi.new { invocations = invocations }
  local proc = Process.start {
    argv = argv,
    env = {
      AWS_LAMBDA_RUNTIME_API = api.address, _HANDLER = "app.echo",
      LAMBDA_TASK_ROOT = Process.absolute("spec/fixtures/handlers"),
      LUA_PATH = package.path, LUA_CPATH = package.cpath,
    },
  }
  -- from the process start to the runtime parking after the last post
  local started = socket.gettime()
  local why = api:serve(proc, 600)
  local elapsed = socket.gettime() - started
  proc:kill()
  local err = proc:stderr()
  proc:cleanup()
  api:close()
  assert(why == "parked" and #api.posts == n,
    ("%s did not complete (%s): %s"):format(argv[#argv], why, err))
  return n / elapsed
end

local floor = measure { "lua5.4", "bench/floor_client.lua" }
local ours = measure { bootstrap }
print(("invocations: %d, event: %d B"):format(n, #event))
print(("floor (plain Lua, no JSON): %8.0f invocations/s"):format(floor))
print(("bootstrap (app.echo):       %8.0f invocations/s"):format(ours))
print(("bootstrap / floor throughput: %.2f"):format(ours / floor))
