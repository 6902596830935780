local testing = require "lambda.testing"
local json = require "lambda.json"
local support = require "spec.support"

describe("{{name}}", function()
  it("says hello to the name in the query", function()
    local r = support.invoke()
    assert.equal(200, r.statusCode)
    assert.equal("hello you", json.decode(r.body).message)
  end)

  it("answers 404 for other paths", function()
    local event = support.event()
    event.rawPath, event.requestContext.http.path = "/nope", "/nope"
    assert.equal(404, support.invoke(event).statusCode)
  end)

  it("can be called directly, in this Lua", function()
    local app = require "app"
    local ctx = testing.context({ aws_request_id = "direct" })
    local r = app.handler(support.event(), ctx)
    assert.equal(200, r.statusCode)
    assert.same({ message = "hello you", request_id = "direct" }, json.decode(r.body))
  end)
end)
