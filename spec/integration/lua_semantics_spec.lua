-- Lua's own semantics inside the host: each probe of
-- spec/integration/lua_semantics/semantics.lua answers the same under the real
-- bootstrap, inside an invocation with its deadline armed, as under a
-- stock lua5.4 (the oracle), whatever the deadline hook and the host's
-- coroutine functions do underneath.
local helper = require "helper"
local socket = require "socket"

local own = helper.own()  -- spec/integration/lua_semantics/: semantics.lua

local PROBES = {
  "gethook_none", "sethook_roundtrip", "hook_table", "count_hook", "line_hook",
  "coroutine_hook_kept", "coroutine_hook_inherited", "wrap_closes",
  "wrap_close_error", "wrap_position", "wrap_dead", "resume_errors",
  "resume_running", "yield_across", "count_across_resumes",
}

-- Chunk names differ (a path here, another there): keep the file's name.
local function normal(text)
  return (text:gsub("[^%s\"']*semantics%.lua", "semantics.lua"))
end

local function stock(probe)
  local p = io.popen(("cd %s && lua5.4 -e 'package.path = \"./?.lua;\" .. package.path "
    .. "io.write(require(\"semantics\").%s())'"):format(own.root, probe))
  local out = p:read("a")
  p:close()
  return normal(out)
end

local function in_host(probes)
  local invocations = {}
  local deadline = math.floor(socket.gettime() * 1000) + 60000
  for i = 1, #probes do invocations[i] = { deadline_ms = deadline } end
  local results = {}
  for i, probe in ipairs(probes) do
    local run = own.run { handler = "semantics." .. probe,
      invocations = { invocations[i] } }
    assert.equal("response", run.posts[1].kind, probe .. ": " .. run.posts[1].body)
    results[probe] = normal(helper.decode(run.posts[1].body))
  end
  return results
end

describe("Lua semantics inside the host", function()
  it("match stock lua5.4: debug hooks, coroutine.resume and wrap", function()
    local host = in_host(PROBES)
    local differ = {}
    for _, probe in ipairs(PROBES) do
      local want = stock(probe)
      if host[probe] ~= want then
        differ[probe] = ("host: %s | stock: %s"):format(host[probe], want)
      end
    end
    assert.same({}, differ)
  end)

  it("nest resumes as deep as stock lua5.4 (one C call per resume)", function()
    local here = tonumber(in_host({ "nested_depth" }).nested_depth)
    local there = tonumber(stock("nested_depth"))
    assert.is_true(there > 150, tostring(there))
    -- the host calls the handler from two C frames of its own
    assert.is_true(here >= there - 3, ("host %d, stock %d"):format(here, there))
  end)
end)
