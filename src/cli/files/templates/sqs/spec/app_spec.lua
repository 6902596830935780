local testing = require "lambda.testing"
local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$") or "."

describe("{{name}}", function()
  it("takes a batch and reports only the message that failed", function()
    local r, err = testing.invoke("app.handler",
      testing.event(here .. "/events/event.json"), { task_root = here })
    assert.is_nil(err)
    assert.same({ { itemIdentifier = "m-2" } }, r.batchItemFailures)
  end)

  it("can be called directly, in this Lua", function()
    local app = require "app"
    local r = app.handler(testing.event(here .. "/events/event.json"),
      testing.context())
    assert.same({ { itemIdentifier = "m-2" } }, r.batchItemFailures)
  end)
end)
