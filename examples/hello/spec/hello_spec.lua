-- Runs the example the way Lambda would, through lua-lambda invoke.
local testing = require "lambda.testing"
local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$")

describe("examples/hello", function()
  it("greets by name, or the world", function()
    local result, err = testing.invoke("app.handler", { name = "Lua" },
      { task_root = here, function_name = "hello" })
    assert.is_nil(err)
    assert.same({ statusCode = 200, body = "hello Lua" }, result)
    result = testing.invoke("app.handler", {}, { task_root = here })
    assert.equal("hello world", result.body)
  end)
end)
