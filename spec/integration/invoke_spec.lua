-- lua-lambda invoke: one invocation of the function in this folder through
-- the real bootstrap, the result on stdout, the error document on stderr.
local helper = require "helper"
local Process = require "process"

describe("lua-lambda invoke", function()
  local function invoke(args, stdin_file)
    local argv = { helper.cli, "invoke" }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    local p = Process.start { argv = argv, cwd = helper.handlers }
    local code = p:wait(10)
    local out, err = p:stdout(), p:stderr()
    p:cleanup()
    return code, out, err
  end

  -- invoke with args, which must fail: exit 1 and nothing on stdout.
  -- Returns the error document (the last JSON object on stderr) and stderr.
  local function invoke_fails(args)
    local code, out, err = invoke(args)
    assert.equal(1, code, err)
    assert.equal("", out)
    local doc = err:match("(%b{})%s*$")
    return doc and helper.decode(doc), err
  end

  it("prints the result on stdout alone and exits 0", function()
    local event = helper.tmpfile('{"name":"cli"}')
    local code, out, err = invoke({ "app.print_and_return", event })
    assert.equal(0, code)
    assert.equal('"ok"\n', out)
    assert.truthy(err:find("to stdout", 1, true))  -- the handler's prints
    code, out = invoke({ "app.hello", event })
    os.remove(event)
    assert.same({ statusCode = 200, body = "hello cli" }, helper.decode(out))
  end)

  it("prints the error document on stderr and exits 1", function()
    assert.equal("NotFound", invoke_fails({ "app.fail_table" }).errorType)
    local _, err = invoke_fails({ "nowhere.handler" })
    assert.truthy(err:find("Runtime.ImportModuleError", 1, true))
  end)

  it("runs a streaming handler to the end and prints the whole body", function()
    local code, out = invoke({ "app.stream_hello" })
    assert.equal(0, code)
    assert.equal("hello world\n", out)
  end)

  it("fails a stream that breaks in the middle: no partial body as a result", function()
    assert.equal("Broken", invoke_fails({ "app.stream_fail_mid" }).errorType)
  end)

  it("caps the Lua heap by --memory, as bootstrap does by the function's memory", function()
    local event = helper.tmpfile('{"mb":60}')
    -- 64 MB less the 16 MB headroom: 60 MB of strings do not fit. The
    -- deadline is far off: under ThreadSanitizer on a busy machine 60 MB
    -- of strings take longer than Lambda's default 3 s.
    local code, out, err = invoke({ "memory.handler", event, "--memory", "64", "--timeout", "60" })
    assert.equal(1, code)
    assert.equal("", out)
    assert.truthy(err:find("Runtime.OutOfMemory", 1, true), err)
    code, out = invoke({ "memory.handler", event, "--memory", "256", "--timeout", "60" })
    os.remove(event)
    assert.equal(0, code)
    assert.equal(60, helper.decode(out).kept)
    -- and bootstrap, given the same memory, agrees
    local run = helper.run { handler = "memory.handler",
      env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE = "64" },
      invocations = { { event = '{"mb":60}' } } }
    assert.equal("Runtime.OutOfMemory", run.posts[1].headers["lambda-runtime-function-error-type"])
  end)

  it("parses numbers strictly and says when the event cannot be read", function()
    for _, t in ipairs { "10abc", "9223372036854775807", "0", "-5", "" } do
      local code, out, err = invoke({ "app.hello", "--timeout", t })
      assert.equal(2, code, t)
      assert.equal("", out)
      assert.truthy(err:find("--timeout", 1, true), err)
    end
    local code, _, err = invoke({ "app.hello", "--memory", "12x" })
    assert.equal(2, code)
    assert.truthy(err:find("--memory", 1, true), err)
    -- a directory as the event: unreadable, not "bad JSON"
    code, _, err = invoke({ "app.hello", "." })
    assert.equal(2, code)
    assert.truthy(err:find("cannot read", 1, true), err)
    assert.is_nil(err:find("UnmarshalError", 1, true))
  end)

  it("gives the context a deadline from --timeout and a function name", function()
    local code, out = invoke({ "app.context", "--timeout", "7",
      "--function-name", "my-fn" })
    assert.equal(0, code)
    local ctx = helper.decode(out)
    assert.equal("my-fn", ctx.function_name)
    assert.is_true(ctx.remaining_colon > 6000 and ctx.remaining_colon <= 7000)
    assert.truthy(ctx.aws_request_id:match("^%x+%-%x+%-4%x+%-%x+%-%x+$"))
  end)
end)
