-- Init failures go to /init/error with the documented type, then exit.
local helper = require "helper"

local function init_fails(handler, want_type, want_message, extra)
  local opts = { handler = handler, invocations = { {} } }
  for k, v in pairs(extra or {}) do opts[k] = v end
  local run = helper.run(opts)
  assert.equal("exited", run.why, handler)
  assert.is_true(run.exit_code ~= 0, handler)
  assert.equal(1, #run.init_errors, handler)
  -- no /next before the init error, and none after
  assert.equal(1, #run.requests, handler)
  local post = run.init_errors[1]
  assert.equal(want_type, post.headers["lambda-runtime-function-error-type"])
  local body = helper.decode(post.body)
  assert.equal(want_type, body.errorType)
  assert.truthy(body.errorMessage:find(want_message, 1, true),
    tostring(handler) .. ": " .. body.errorMessage)
  assert.truthy(run.stderr:find(want_type, 1, true))
  return body, run
end

describe("init errors", function()
  it("Runtime.MalformedHandlerName for a handler without a dot", function()
    init_fails("app", "Runtime.MalformedHandlerName", "'app'")
    init_fails("app.", "Runtime.MalformedHandlerName", "'app.'")
    init_fails(".handler", "Runtime.MalformedHandlerName", "'.handler'")
  end)

  it("Runtime.MalformedHandlerName when no handler is given", function()
    init_fails(nil, "Runtime.MalformedHandlerName", "_HANDLER")
  end)

  it("Runtime.ImportModuleError for a missing module, naming the paths tried", function()
    local body = init_fails("nowhere.handler", "Runtime.ImportModuleError",
      "module 'nowhere' not found")
    assert.truthy(body.errorMessage:find("spec/fixtures/handlers/nowhere.lua", 1, true))
  end)

  it("Runtime.UserCodeSyntaxError with the file and line", function()
    local body = init_fails("syntax_error.handler", "Runtime.UserCodeSyntaxError",
      "syntax_error.lua:4:")
    assert.same({}, body.stackTrace)
  end)

  it("Runtime.ImportModuleError with a traceback for an error in top-level code", function()
    local body = init_fails("toplevel_error.handler", "Runtime.ImportModuleError",
      "cannot reach the database")
    local named = false
    for _, frame in ipairs(body.stackTrace) do
      if frame:find("toplevel_error.lua:%d+: in local 'connect'")
        or frame:find("toplevel_error.lua:%d+: in function 'connect'") then
        named = true
      end
    end
    assert.is_true(named, table.concat(body.stackTrace, "\n"))
  end)

  it("Runtime.HandlerNotFound for a missing or non-callable function", function()
    init_fails("app.nope", "Runtime.HandlerNotFound", "no function 'nope'")
    init_fails("app.not_a_function", "Runtime.HandlerNotFound", "found string")
    init_fails("returns_nothing.handler", "Runtime.HandlerNotFound",
      "returned a boolean")
  end)

  it("exits non-zero even when /init/error itself fails", function()
    local _, run = init_fails("app.nope", "Runtime.HandlerNotFound", "nope",
      { init_error_status = 500 })
    assert.truthy(run.stderr:find("HTTP 500", 1, true))
  end)
end)
