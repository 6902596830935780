-- Managed Instances: with AWS_LAMBDA_MAX_CONCURRENCY=N, bootstrap keeps N
-- /next calls outstanding and runs N invocations at once, a Lua state
-- each, against a fake Runtime API that hands invocations to whichever
-- /next waits.
local cjson = require "cjson"
local helper = require "helper"

local own = helper.own()  -- spec/integration/managed_instances/: the init errors
local tmpdir = helper.tmpdir

-- How many lines mi_app.lua noted in dir/name (0 without the file).
local function count_lines(dir, name)
  local f = io.open(dir .. "/" .. name)
  if not f then return 0 end
  local n = 0
  for _ in f:lines() do n = n + 1 end
  f:close()
  return n
end

-- The run's stdout as decoded JSON log records (others left out).
local function records(run)
  local list = {}
  for line in run.stdout:gmatch("[^\n]+") do
    local ok, rec = pcall(cjson.decode, line)
    if ok and type(rec) == "table" then list[#list + 1] = rec end
  end
  return list
end

-- helper.run, and no sanitizer report in what the runtime wrote (CI runs
-- this spec with a ThreadSanitizer build of bootstrap).
local function run(opts)
  local r = helper.run(opts)
  assert.is_nil(r.stderr:find("ThreadSanitizer", 1, true), r.stderr)
  assert.is_nil(r.stderr:find("AddressSanitizer", 1, true), r.stderr)
  return r
end

describe("bootstrap on Managed Instances", function()
  it("answers 8 concurrent invocations with 4 workers, each with its own ids and logs", function()
    local meet, states = tmpdir(), tmpdir()
    local invocations = {}
    for i = 1, 8 do
      invocations[i] = {
        event = cjson.encode { dir = meet .. "/" .. ((i - 1) // 4), count = 4 },
        headers = { ["Lambda-Runtime-Trace-Id"] = "Root=1-00000000-00000000000000000000000" .. i },
      }
    end
    assert(os.execute(("mkdir -p %s/0 %s/1"):format(meet, meet)))
    local run = run { handler = "mi_app.meet", invocations = invocations,
      concurrency = 4, seconds = 30,
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "4", MI_DIR = states } }
    assert.equal("parked", run.why, run.stderr)
    assert.equal(8, #run.posts)
    local seen = {}
    for _, post in ipairs(run.posts) do
      assert.equal("response", post.kind, post.body)
      local r = cjson.decode(post.body)
      local n = tonumber(r.request_id:match("^req%-(%d+)$"))
      assert.equal(post.request_id, r.request_id)
      assert.equal("Root=1-00000000-00000000000000000000000" .. n, r.trace_id)
      assert.equal(r.trace_id, r.getenv_trace)   -- os.getenv answers its own
      assert.equal("", r.process_env_trace)       -- never the process's
      seen[r.request_id] = true
    end
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.equal(8, n)
    -- four Lua states, each loaded the module once
    assert.equal(4, count_lines(states, "inits"))
    -- JSON records (Managed Instances' format) with each one's request id
    local met = {}
    for _, rec in ipairs(records(run)) do
      if rec.message == "met" then
        assert.equal(rec.request, rec.requestId)
        met[rec.requestId] = true
      end
    end
    n = 0
    for _ in pairs(met) do n = n + 1 end
    assert.equal(8, n)
    assert(os.execute(("rm -rf %s %s"):format(meet, states)))
  end)

  it("reports a failed init once, though every state fails it", function()
    local run = run { handler = "mi_init_error.handler", task_root = own.root,
      invocations = { {} }, concurrency = 4,
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "4" } }
    assert.equal("exited", run.why)
    assert.equal(1, #run.init_errors)
    assert.equal("Runtime.ImportModuleError",
      cjson.decode(run.init_errors[1].body).errorType)
    assert.are_not.equal(0, run.exit_code)
    assert.equal(0, #run.posts)
  end)

  it("serves nothing when one state fails its init and the others do not", function()
    local dir = tmpdir()
    local run = run { handler = "mi_init_error_some.handler", task_root = own.root,
      invocations = { {} }, concurrency = 2,
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "2", MI_DIR = dir } }
    os.execute("rm -rf " .. dir)
    assert.equal("exited", run.why)
    assert.equal(1, #run.init_errors)
    assert.equal(0, #run.posts)
  end)

  it("rebuilds a state that ran out of memory without losing the others' invocations", function()
    local dir = tmpdir()
    local run = run { handler = "mi_app.maybe_oom", concurrency = 2,
      invocations = {
        { event = cjson.encode { wait_for = dir .. "/go" } },
        { event = '{"oom":true}' },
        { event = "{}" }, { event = "{}" },
      },
      on_post = function(post)
        if post.request_id == "req-2" then
          assert(io.open(dir .. "/go", "w")):close()
        end
      end,
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "2", LUA_LAMBDA_MEMORY_LIMIT_MB = "16" } }
    assert.equal("parked", run.why, run.stderr)
    assert.equal(4, #run.posts)
    local by_id = {}
    for _, post in ipairs(run.posts) do by_id[post.request_id] = post end
    assert.equal("error", by_id["req-2"].kind)
    assert.equal("Runtime.OutOfMemory", cjson.decode(by_id["req-2"].body).errorType)
    for _, id in ipairs { "req-1", "req-3", "req-4" } do
      assert.equal("response", by_id[id].kind, id)
    end
    assert.truthy(run.stderr:find("starting a fresh state", 1, true))
    os.execute("rm -rf " .. dir)
  end)

  it("starts again only the state a handler was stopped in at its deadline", function()
    local states = tmpdir()
    local socket = require "socket"
    local run = run { handler = "mi_app.maybe_oom", concurrency = 2,
      invocations = {
        { event = '{"spin":true}', deadline_ms = math.floor(socket.gettime() * 1000) + 1500 },
        { event = "{}" }, { event = "{}" }, { event = "{}" },
      },
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "2", MI_DIR = states } }
    assert.equal("parked", run.why, run.stderr)
    local by_id = {}
    for _, post in ipairs(run.posts) do by_id[post.request_id] = post end
    assert.equal("Runtime.Timeout", cjson.decode(by_id["req-1"].body).errorType)
    for _, id in ipairs { "req-2", "req-3", "req-4" } do
      assert.equal("response", by_id[id].kind, id)
    end
    assert.truthy(run.stderr:find("a handler was stopped at its deadline: "
      .. "starting a fresh state", 1, true), run.stderr)
    assert.equal(3, count_lines(states, "inits"))  -- two, and the fresh one
    os.execute("rm -rf " .. states)
  end)

  it("runs on_shutdown once in every state at SIGTERM", function()
    local states = tmpdir()
    local run = run { handler = "mi_app.maybe_oom", concurrency = 3,
      invocations = { { event = "{}" } },
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "3", MI_DIR = states } }
    assert.equal("parked", run.why, run.stderr)
    assert.equal(3, count_lines(states, "inits"))
    assert.equal(3, count_lines(states, "shutdowns"))
    os.execute("rm -rf " .. states)
  end)

  it("closes the connection after each streamed response", function()
    local invocations = {}
    for i = 1, 4 do invocations[i] = { event = "{}" } end
    local run = run { handler = "mi_app.stream", concurrency = 2,
      invocations = invocations, env = { AWS_LAMBDA_MAX_CONCURRENCY = "2" } }
    assert.equal("parked", run.why, run.stderr)
    assert.equal(4, #run.posts)
    for _, post in ipairs(run.posts) do
      assert.equal("part 1 part 2", post.body)
    end
    -- each worker's first connection, and a new one after each stream
    local runtime_connections = {}
    for _, req in ipairs(run.requests) do
      if req.path:find("^/2018%-06%-01/") then runtime_connections[req.connection] = true end
    end
    local n = 0
    for _ in pairs(runtime_connections) do n = n + 1 end
    assert.equal(2 + 4, n)
  end)

  it("ends with status 1, every worker stopped cleanly, when /next fails after 48 mixed invocations", function()
    local socket = require "socket"
    local invocations = {}
    for i = 1, 48 do
      -- every sixth spins to its deadline: its state is started again
      invocations[i] = i % 6 == 0
        and { event = '{"spin":true}',
              deadline_ms = math.floor(socket.gettime() * 1000) + 300 }
        or { event = "{}" }
    end
    for i = 49, 52 do  -- one 500 for each worker's next /next
      invocations[i] = { next_reply = { status = 500, body = '{"errorType":"ServiceException"}' } }
    end
    local r = run { handler = "mi_app.maybe_oom", concurrency = 4,
      invocations = invocations, seconds = 60,
      env = { AWS_LAMBDA_MAX_CONCURRENCY = "4" } }
    assert.equal("exited", r.why, r.stderr)
    assert.equal(1, r.exit_code, r.stderr)
    assert.truthy(r.stderr:find("/next: HTTP 500", 1, true), r.stderr)
    -- what went out went out once, for an invocation handed out
    local seen = {}
    for _, post in ipairs(r.posts) do
      local n = tonumber(post.request_id:match("^req%-(%d+)$"))
      assert.is_true(n ~= nil and n <= 48, post.request_id)
      assert.is_nil(seen[n], post.request_id)
      seen[n] = true
    end
  end)

  it("serves nothing when the shutdown extension cannot register (no identifier in the answer)", function()
    -- 1 in 10 runs once showed workers serving after the process gave up
    for _ = 1, 10 do
      local r = run { handler = "mi_app.maybe_oom", concurrency = 4,
        invocations = { {}, {}, {}, {}, {}, {}, {}, {} },
        register_without_identifier = true,
        env = { AWS_LAMBDA_MAX_CONCURRENCY = "4" } }
      assert.equal("exited", r.why, r.stderr)
      assert.equal(1, r.exit_code, r.stderr)
      assert.truthy(r.stderr:find("no usable Lambda-Extension-Identifier", 1, true),
        r.stderr)
      local nexts = 0
      for _, req in ipairs(r.requests) do
        if req.path:find("/invocation/next", 1, true) then nexts = nexts + 1 end
      end
      assert.equal(0, nexts, r.stderr)
      assert.equal(0, #r.posts, r.stderr)
    end
  end)

  it("changes nothing without the variable: one state, the trace id in the environment", function()
    local meet = tmpdir()
    local run = run { handler = "mi_app.meet", invocations = {
        { event = cjson.encode { dir = meet, count = 1 },
          headers = { ["Lambda-Runtime-Trace-Id"] = "Root=1-abc" } } } }
    assert.equal("parked", run.why, run.stderr)
    local r = cjson.decode(run.posts[1].body)
    assert.equal("Root=1-abc", r.process_env_trace)
    assert.is_nil(run.stdout:find('"requestId"', 1, true))  -- Text logs
    os.execute("rm -rf " .. meet)
  end)
end)
