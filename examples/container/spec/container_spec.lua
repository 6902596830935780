local testing = require "lambda.testing"
local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$")

describe("examples/container", function()
  it("answers with the event and the function's name", function()
    local r, err = testing.invoke("app.handler", { hi = 1 },
      { task_root = here, function_name = "lua-container" })
    assert.is_nil(err)
    assert.equal("hello from a container", r.message)
    assert.equal("lua-container", r.function_name)
    assert.same({ hi = 1 }, r.echo)
  end)

  it("has a Dockerfile FROM the runtime image with the handler as CMD", function()
    local f = assert(io.open(here .. "/Dockerfile"))
    local text = f:read("a")
    f:close()
    assert.truthy(text:find("\nFROM ${RUNTIME_IMAGE}\n", 1, true))
    assert.truthy(text:find('CMD ["app.handler"]', 1, true))
  end)
end)
