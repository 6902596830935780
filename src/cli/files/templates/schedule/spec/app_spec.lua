local testing = require "lambda.testing"
local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$") or "."

describe("{{name}}", function()
  it("runs for the time the scheduler gives", function()
    local r, err = testing.invoke("app.handler",
      testing.event(here .. "/events/event.json"), { task_root = here })
    assert.is_nil(err)
    assert.same({ ok = true, ran_for = "2026-12-02T10:00:00Z" }, r)
  end)

  it("can be called directly, in this Lua", function()
    local app = require "app"
    local r = app.handler(testing.event(here .. "/events/event.json"),
      testing.context())
    assert.same({ ok = true, ran_for = "2026-12-02T10:00:00Z" }, r)
  end)
end)
