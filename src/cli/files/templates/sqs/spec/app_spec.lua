local testing = require "lambda.testing"
local support = require "spec.support"

describe("{{name}}", function()
  local failed = { { itemIdentifier = "m-2" } }

  it("takes a batch and reports only the message that failed", function()
    assert.same(failed, support.invoke().batchItemFailures)
  end)

  it("can be called directly, in this Lua", function()
    local app = require "app"
    local r = app.handler(support.event(), testing.context())
    assert.same(failed, r.batchItemFailures)
  end)
end)
