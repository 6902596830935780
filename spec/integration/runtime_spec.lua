-- The success path of the real bootstrap against the fake Runtime API.
local helper = require "helper"

local own = helper.own()  -- spec/integration/runtime/

-- A new task root holding this spec's app.lua and the test C module,
-- hello_c.so.
local function with_cmodule()
  local so = os.getenv("LUA_LAMBDA_TEST_CMODULE")
  assert.truthy(so, "LUA_LAMBDA_TEST_CMODULE is set by ctest")
  local dir = helper.tmpdir()
  assert(os.execute(("cp %s %s/hello_c.so && cp %s/app.lua %s/"):format(
    so, dir, own.root, dir)))
  return dir
end

describe("bootstrap", function()
  it("posts the handler's result to /response as JSON", function()
    local post, run = helper.invoke("app.hello", '{"name":"Lua"}')
    assert.equal("parked", run.why)
    assert.equal("response", post.kind)
    assert.equal("req-1", post.request_id)
    assert.same({ statusCode = 200, body = "hello Lua" }, post.json)
    assert.equal("application/json", post.headers["content-type"])
    assert.equal(tostring(#post.body), post.headers["content-length"])
    assert.is_nil(post.headers["transfer-encoding"])
    assert.is_nil(post.headers["expect"])
    assert.is_nil(post.headers["lambda-runtime-function-error-type"])
  end)

  it("encodes nil, strings and callable tables' results", function()
    assert.equal("null", (own.invoke("app.return_nothing")).body)
    assert.equal('"plain"', (own.invoke("app.return_string")).body)
    local post = own.invoke("app.callable_table", '{"a":1}')
    assert.same({ called = true, event = { a = 1 } }, post.json)
  end)

  it("gives a lambda.raw_event handler the event's text as it came, undecoded", function()
    -- not JSON at all, and JSON with its own spacing: both reach it byte for byte
    local text = '{ "a" : [1, 2.50, "\\u00e9"] ,"b":{}}'
    local post = own.invoke("app.raw_echo", text)
    assert.equal("response", post.kind)
    assert.same({ type = "string", text = text, request_id = "req-1" }, post.json)
    post = own.invoke("app.raw_echo", "not json")
    assert.equal("response", post.kind)
    assert.equal("not json", post.json.text)
    post = own.invoke("app.raw_stream", '{"x": 1}')
    assert.equal("streaming", post.headers["lambda-runtime-function-response-mode"])
    assert.equal('string:{"x": 1}', post.body)
    assert.equal('"got {}"', own.invoke("app.raw_direct", "{}").body)
    local bad = own.invoke("app.raw_bad").json
    assert.is_false(bad.ok)
    assert.truthy(bad.err:find("bad argument #1 to 'raw_event'", 1, true))
  end)

  it("loads the module once and keeps its state across invocations", function()
    local run = helper.invoke_all("app.count", { "{}", "{}", "{}" })
    assert.equal(3, #run.posts)
    for i, post in ipairs(run.posts) do
      assert.equal(tostring(i), post.body)
      assert.equal("req-" .. i, post.request_id)
    end
    run = helper.invoke_all("init_counter.handler", { "{}", "{}" })
    assert.equal("1", run.posts[2].body)
  end)

  it("uses one keep-alive connection for a whole run", function()
    local events = {}
    for i = 1, 25 do events[i] = '{"i":' .. i .. '}' end
    local run = helper.invoke_all("app.echo", events)
    assert.equal(25, #run.posts)
    assert.equal(1, run.connections)
    -- 25 /next + 25 posts + the /next the runtime is parked on
    assert.equal(51, #run.requests)
  end)

  it("says who it is on the first /next only, not on every request", function()
    local run = helper.invoke_all("app.echo", { "{}", "{}" })
    local ua = run.requests[1].headers["user-agent"]
    assert.truthy(ua and ua:find("^lua%-lambda/"), ua)
    for i = 2, #run.requests do
      assert.is_nil(run.requests[i].headers["user-agent"], run.requests[i].path)
    end
  end)

  it("takes the handler from the first argument before _HANDLER", function()
    local post = helper.invoke("app.count", "{}", {
      args = { "app.hello" },
    })
    assert.same({ statusCode = 200, body = "hello world" }, post.json)
  end)

  it("resolves nested modules and init.lua", function()
    local post = own.invoke("pkg.users.get", '{"id":7}')
    assert.same({ user = 7, module = "pkg.users" }, post.json)
    post = own.invoke("init_mod.handler")
    assert.equal('"from init.lua"', post.body)
  end)

  it("searches the task root, its lua_modules, then the layers', in order", function()
    local post = own.invoke("app.runtime_module_source")
    local root = post.json.path:match("^([^;]+)/%?%.lua;")
    assert.truthy(root:match("spec/integration/runtime$"))
    local function order(path, entries)
      local at = 0
      for _, entry in ipairs(entries) do
        local i = path:find(entry .. ";", 1, true) or path:find(entry, 1, true)
        assert.truthy(i, entry .. " missing from " .. path)
        assert.is_true(i > at, entry .. " out of order in " .. path)
        at = i
      end
    end
    order(post.json.path, { root .. "/?.lua", root .. "/?/init.lua",
      root .. "/lua_modules/share/lua/5.4/?.lua",
      root .. "/lua_modules/share/lua/5.4/?/init.lua",
      "/opt/lua_modules/share/lua/5.4/?.lua",
      "/opt/lua_modules/share/lua/5.4/?/init.lua",
      "/opt/lua/?.lua", "/opt/lua/?/init.lua", "/opt/share/lua/5.4/?.lua" })
    order(post.json.cpath, { root .. "/?.so",
      root .. "/lua_modules/lib/lua/5.4/?.so",
      "/opt/lua_modules/lib/lua/5.4/?.so", "/opt/lua/?.so",
      "/opt/lib/lua/5.4/?.so" })
  end)

  it("loads a LuaRocks tree's Lua and C modules from lua_modules/; LUA_PATH wins", function()
    local so = os.getenv("LUA_LAMBDA_TEST_CMODULE")
    assert.truthy(so, "LUA_LAMBDA_TEST_CMODULE is set by ctest")
    local dir = helper.tmpdir()
    local share, lib = dir .. "/lua_modules/share/lua/5.4", dir .. "/lua_modules/lib/lua/5.4"
    assert(os.execute(("mkdir -p %s/greet %s %s/elsewhere"):format(share, lib, dir)))
    assert(os.execute(("cp %s %s/hello_c.so"):format(so, lib)))
    local write = helper.write
    write(share .. "/greet/init.lua", 'return { where = "lua_modules" }\n')
    write(dir .. "/elsewhere/greet.lua", 'return { where = "LUA_PATH" }\n')
    write(dir .. "/fn.lua", [[
      return { handler = function(event)
        return require("greet").where .. " " .. require("hello_c").greet(event.name)
      end }
    ]])
    local post = helper.invoke("fn.handler", '{"name":"rock"}', { task_root = dir })
    assert.equal('"lua_modules hello from C, rock"', post.body)
    post = helper.invoke("fn.handler", '{"name":"rock"}', { task_root = dir,
      env = { LUA_PATH = dir .. "/elsewhere/?.lua;;" } })
    assert.equal('"LUA_PATH hello from C, rock"', post.body)
    -- (lua-lambda invoke searches the same way: spec/integration/build_spec.lua; this
    -- spec also runs with an arm64 bootstrap under qemu, the CLI does not)
    assert(os.execute("rm -rf " .. dir))
  end)

  it("loads user C modules (.so) against the embedded Lua", function()
    local dir = with_cmodule()
    local post = own.invoke("app.cmodule", '{"name":"Lua"}', {
      task_root = dir,
    })
    assert.equal('"hello from C, Lua"', post.body)
    -- a C module can be the handler module itself
    post = helper.invoke("hello_c.handler", '{"name":"bare"}', {
      task_root = dir,
    })
    assert(os.execute("rm -rf " .. dir))
    assert.equal('"hello from C, bare"', post.body)
  end)

  it("offers cjson to user code without sharing its settings", function()
    local post = own.invoke("app.user_cjson")
    assert.equal("response", post.kind)
    assert.same({ pi = 3.14 }, helper.decode(post.json.encoded))
    assert.is_true(post.json.safe_bad)
    -- the user's precision of 3 digits did not reach the wire
    assert.equal(3.14159265, post.json.pi)
  end)

  it("serves its own Lua modules from the binary with readable names", function()
    local post = own.invoke("app.runtime_module_source")
    assert.equal("@lambda/init.lua", post.json.source)
    post = own.invoke("app.lambda_misuse")
    assert.equal("error", post.kind)
    assert.truthy(post.json.errorMessage:find("bad argument #1 to 'error'",
      1, true))
    -- the frame of the runtime's module is named in the traceback
    local named = false
    for _, frame in ipairs(post.json.stackTrace) do
      if frame:find("lambda/init.lua:", 1, true) then named = true end
    end
    assert.is_true(named)
  end)
end)

describe("context", function()
  local headers = {
    ["Lambda-Runtime-Trace-Id"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
    ["Lambda-Runtime-Client-Context"] = '{"client":{"app_title":"t"},"custom":{"k":"v"},"env":{}}',
    ["Lambda-Runtime-Cognito-Identity"] = '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
    ["Lambda-Runtime-Aws-Tenant-Id"] = "tenant-blue",
  }

  it("carries every field of the invocation and the function", function()
    local deadline = math.floor(os.time() * 1000) + 60000
    local run = helper.run {
      handler = "app.context",
      invocations = { { event = "{}", request_id = "abc-123",
        deadline_ms = deadline, headers = headers } },
    }
    local ctx = helper.decode(run.posts[1].body)
    assert.equal("abc-123", ctx.aws_request_id)
    assert.equal("arn:aws:lambda:us-east-1:123456789012:function:test",
      ctx.invoked_function_arn)
    assert.equal("test-fn", ctx.function_name)
    assert.equal("$LATEST", ctx.function_version)
    assert.equal(128, ctx.memory_limit_in_mb)
    assert.equal("/aws/lambda/test-fn", ctx.log_group_name)
    assert.equal("2026/11/22/[$LATEST]abc", ctx.log_stream_name)
    assert.equal(deadline, ctx.deadline_ms)
    assert.is_true(ctx.deadline_is_integer)
    assert.equal(headers["Lambda-Runtime-Trace-Id"], ctx.trace_id)
    assert.equal("tenant-blue", ctx.tenant_id)
    assert.same({ client = { app_title = "t" }, custom = { k = "v" }, env = {} },
      ctx.client_context)
    assert.same({ cognitoIdentityId = "id-1", cognitoIdentityPoolId = "pool-1" },
      ctx.identity)
    -- 60 s away, minus the time this took
    assert.is_true(ctx.remaining_colon > 50000 and ctx.remaining_colon <= 60000)
    assert.is_true(ctx.remaining_dot > 50000 and ctx.remaining_dot <= 60000)
  end)

  it("reports the time the handler has: to the deadline less the runtime's margin", function()
    local deadline = math.floor(os.time() * 1000) + 60000
    local run = helper.run {
      handler = "app.context",
      env = { LUA_LAMBDA_TIMEOUT_MARGIN_MS = "30000" },
      invocations = { { event = "{}", deadline_ms = deadline } },
    }
    local ctx = helper.decode(run.posts[1].body)
    assert.equal(deadline, ctx.deadline_ms)  -- Lambda's deadline, as sent
    -- the handler is stopped 30 s before it: that is the time it has
    assert.is_true(ctx.remaining_colon > 0 and ctx.remaining_colon <= 30000,
      tostring(ctx.remaining_colon))
    assert.is_true(ctx.remaining_dot <= 30000)
  end)

  it("reaches every handler that can see it: varargs, callable tables, streaming, raw", function()
    -- (a function(event) cannot see a second argument: none is built for it)
    assert.same({ n = 2, id = "req-1" }, own.invoke("app.ctx_vararg").json)
    assert.equal('"req-1"', own.invoke("app.ctx_callable").body)
    assert.equal("req-1", own.invoke("app.ctx_stream").body)
    assert.equal('"req-1"', own.invoke("app.ctx_raw").body)
  end)

  it("leaves optional fields out when Lambda sends no header", function()
    local post = helper.invoke("app.context")
    assert.is_nil(post.json.trace_id)
    assert.is_nil(post.json.tenant_id)
    assert.is_nil(post.json.client_context)
    assert.is_nil(post.json.identity)
  end)

  it("sets _X_AMZN_TRACE_ID per invocation and clears it", function()
    local run = helper.run {
      handler = "app.context",
      env = { _X_AMZN_TRACE_ID = "stale-from-the-environment" },
      invocations = {
        { headers = { ["Lambda-Runtime-Trace-Id"] = "Root=1-aaa" } },
        {},
        { headers = { ["Lambda-Runtime-Trace-Id"] = "Root=1-ccc" } },
      },
    }
    assert.equal("Root=1-aaa", helper.decode(run.posts[1].body).trace_env)
    assert.equal("unset", helper.decode(run.posts[2].body).trace_env)
    assert.equal("Root=1-ccc", helper.decode(run.posts[3].body).trace_env)
  end)

  it("gives the trace id to the processes and C modules a handler uses, and to Lua", function()
    local dir = with_cmodule()
    local function trace(id)
      return id and { ["Lambda-Runtime-Trace-Id"] = id } or nil
    end
    local run = helper.run {
      handler = "app.trace_readers", task_root = dir,
      env = { _X_AMZN_TRACE_ID = "stale-from-the-environment" },
      invocations = {
        { headers = trace("Root=1-aaa") },             -- Lua and a child
        { headers = trace("Root=1-bbb"), event = '{"c":true}' },  -- C too
        {},                                            -- none: unset
        { headers = trace("Root=1-ddd"), event = '{"c":true}' },
      },
    }
    assert(os.execute("rm -rf " .. dir))
    local r = {}
    for i, post in ipairs(run.posts) do r[i] = helper.decode(post.body) end
    assert.same({ child = "Root=1-aaa", lua = "Root=1-aaa" }, r[1])
    assert.same({ child = "Root=1-bbb", lua = "Root=1-bbb", c = "Root=1-bbb" }, r[2])
    assert.same({ child = "unset", lua = "unset" }, r[3])
    assert.same({ child = "Root=1-ddd", lua = "Root=1-ddd", c = "Root=1-ddd" }, r[4])
  end)

  it("reports a client context that is not JSON and goes on", function()
    local run = helper.run {
      handler = "app.echo",
      invocations = {
        { headers = { ["Lambda-Runtime-Client-Context"] = "{oops" } },
        { event = '{"next":true}' },
      },
    }
    assert.equal("error", run.posts[1].kind)
    assert.equal("Runtime.UnmarshalError",
      run.posts[1].headers["lambda-runtime-function-error-type"])
    assert.truthy(helper.decode(run.posts[1].body).errorMessage
      :find("Lambda-Runtime-Client-Context", 1, true))
    assert.same({ ["next"] = true }, helper.decode(run.posts[2].body))
  end)
end)

describe("invocation id", function()
  it("is echoed on /response and /error when /next carried it", function()
    local run = helper.run {
      handler = "app.fail_table",
      invocations = { { headers = { ["Lambda-Runtime-Invocation-Id"] = "inv-e" } } },
    }
    assert.equal("inv-e", run.posts[1].headers["lambda-runtime-invocation-id"])
    run = helper.run {
      handler = "app.echo",
      invocations = {
        { headers = { ["Lambda-Runtime-Invocation-Id"] = "inv-1" } },
        {},
      },
    }
    assert.equal("inv-1", run.posts[1].headers["lambda-runtime-invocation-id"])
    -- not carried over to the next invocation
    assert.is_nil(run.posts[2].headers["lambda-runtime-invocation-id"])
  end)
end)

describe("output", function()
  it("reaches stdout and stderr unbuffered, even when killed", function()
    local run = helper.invoke_all("app.print_and_return", { "{}" },
      { stop_signal = "KILL" })
    assert.equal('"ok"', run.posts[1].body)
    assert.truthy(run.stdout:find("to stdout\n", 1, true))
    assert.truthy(run.stdout:find("io.write to stdout\n", 1, true))
    assert.truthy(run.stderr:find("to stderr\n", 1, true))
  end)
end)

describe("Runtime API traffic", function()
  it("posts a large result at once, without Expect: 100-continue", function()
    -- libcurl adds the header to bodies over 1 MB unless told not to
    local post = helper.invoke("app.sized", '{"size":1500000}')
    assert.equal("response", post.kind)
    assert.equal(1500002, #post.body)
    assert.is_nil(post.headers["expect"])
  end)

  it("ignores HTTP_PROXY", function()
    local post = helper.invoke("app.hello", "{}", {
      env = { HTTP_PROXY = "http://127.0.0.1:9", http_proxy = "http://127.0.0.1:9",
        ALL_PROXY = "http://127.0.0.1:9" },
    })
    assert.equal("response", post.kind)
  end)
end)
