local testing = require "lambda.testing"
local support = require "spec.support"

describe("{{name}}", function()
  local ran = { ok = true, ran_for = "2026-12-02T10:00:00Z" }

  it("runs for the time the scheduler gives", function()
    assert.same(ran, support.invoke())
  end)

  it("can be called directly, in this Lua", function()
    local app = require "app"
    assert.same(ran, app.handler(support.event(), testing.context()))
  end)
end)
