-- Handler errors of every Lua type, and the runtime's own marshalling
-- errors, as they reach /error.
local helper = require "helper"

local own = helper.own()  -- spec/integration/errors/app.lua

-- Invokes handler (own's, or from's: helper for a shared one) on event.
local function fail(handler, event, from)
  local post, run = (from or own).invoke(handler, event)
  assert.equal("parked", run.why, "the runtime must survive " .. handler)
  assert.equal("error", post.kind, handler)
  assert.equal("application/json", post.headers["content-type"])
  return post.json, post.headers["lambda-runtime-function-error-type"], post
end

local function has_frame(trace, pattern)
  for _, frame in ipairs(trace) do
    if frame:find(pattern) then return true end
  end
  return false
end

describe("a handler error", function()
  it("from error('msg') keeps the position and a traceback", function()
    local body, header = fail("app.fail_string", nil, helper)
    assert.equal("Function.Error", header)
    assert.equal("Error", body.errorType)
    assert.truthy(body.errorMessage:match("app%.lua:%d+: boom$"))
    assert.is_true(has_frame(body.stackTrace, "in function 'error'"))
    assert.is_true(has_frame(body.stackTrace, "app%.lua:%d+: in function"))
  end)

  it("from the VM names every frame down to the handler", function()
    local body = fail("app.fail_runtime")
    assert.truthy(body.errorMessage:find("attempt to index a nil value", 1, true))
    assert.is_true(has_frame(body.stackTrace, "in upvalue 'inner'")
      or has_frame(body.stackTrace, "in local 'inner'")
      or has_frame(body.stackTrace, "in function 'inner'"))
    assert.is_true(has_frame(body.stackTrace, "fail_runtime"))
    for _, frame in ipairs(body.stackTrace) do
      assert.is_nil(frame:find("^%s"), "frames are trimmed")
      assert.is_nil(frame:find("stack traceback", 1, true))
    end
    -- the handler is the bottom frame: the runtime's own C frame is cut
    assert.truthy(body.stackTrace[#body.stackTrace]:find("fail_runtime", 1, true))
  end)

  it("as a table sets the type", function()
    local body, header = fail("app.fail_table", nil, helper)
    assert.equal("Function.NotFound", header)
    assert.equal("NotFound", body.errorType)
    assert.equal("no such user", body.errorMessage)
    assert.is_true(#body.stackTrace > 0)
  end)

  it("with a type Lambda would not accept gets a header it does", function()
    local body, header = fail("app.fail_odd_type")
    assert.equal("not-found!", body.errorType)
    assert.equal("Function.Notfound", header)
  end)

  it("from lambda.error sets type and message", function()
    local body, header = fail("app.lambda_error")
    assert.equal("Function.Teapot", header)
    assert.same("Teapot", body.errorType)
    assert.same("short and stout", body.errorMessage)
  end)

  it("as a table without a message is shown as JSON", function()
    local body, header = fail("app.fail_plain_table")
    assert.equal("Function.Error", header)
    assert.same({ code = 7 }, helper.decode(body.errorMessage))
  end)

  it("of any other type becomes a message", function()
    local cases = {
      { "app.fail_nil", "^%(error object is a nil value%)$" },
      { "app.fail_number", "^42$" },
      { "app.fail_boolean", "^%(error object is a boolean value%)$" },
      { "app.fail_userdata", "^file %(0x%x+%)$" },
      { "app.fail_tostring_table", "^custom error$" },
      { "app.fail_bad_tostring", "^%(error object is a table value%)$" },
    }
    for _, case in ipairs(cases) do
      local body, header = fail(case[1])
      assert.equal("Function.Error", header, case[1])
      assert.equal("Error", body.errorType, case[1])
      assert.truthy(body.errorMessage:match(case[2]),
        case[1] .. ": " .. body.errorMessage)
    end
  end)

  it("leaves the runtime serving the next invocation", function()
    local run = helper.run {
      handler = "app.fail_string",
      invocations = { {}, {}, {} },
    }
    assert.equal(3, #run.posts)
    for _, post in ipairs(run.posts) do assert.equal("error", post.kind) end
    assert.equal("parked", run.why)
  end)
end)

describe("the runtime's own errors", function()
  it("reports an event that is not JSON as Runtime.UnmarshalError and goes on", function()
    local run = helper.run {
      handler = "app.echo",
      invocations = {
        { event = helper.read(helper.events .. "/dynamodb-event-malformed.2.json") },
        { event = '{"after":1}' },
      },
    }
    local first = run.posts[1]
    assert.equal("error", first.kind)
    assert.equal("Runtime.UnmarshalError",
      first.headers["lambda-runtime-function-error-type"])
    assert.equal("Runtime.UnmarshalError", helper.decode(first.body).errorType)
    assert.same({ after = 1 }, helper.decode(run.posts[2].body))
  end)

  it("reports a result that cannot be JSON as Runtime.MarshalError", function()
    local body, header = fail("app.return_function", nil, helper)
    assert.equal("Runtime.MarshalError", header)
    assert.equal("Runtime.MarshalError", body.errorType)
    assert.truthy(body.errorMessage:find("function", 1, true))
  end)
end)
