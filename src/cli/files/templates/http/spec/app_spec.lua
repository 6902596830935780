local testing = require "lambda.testing"
local json = require "lambda.json"
local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$") or "."

describe("{{name}}", function()
  it("says hello to the name in the query", function()
    local r, err = testing.invoke("app.handler",
      testing.event(here .. "/events/event.json"), { task_root = here })
    assert.is_nil(err)
    assert.equal(200, r.statusCode)
    assert.equal("hello you", json.decode(r.body).message)
  end)

  it("answers 404 for other paths", function()
    local event = testing.event(here .. "/events/event.json")
    event.rawPath, event.requestContext.http.path = "/nope", "/nope"
    local r = testing.invoke("app.handler", event, { task_root = here })
    assert.equal(404, r.statusCode)
  end)

  it("can be called directly, in this Lua", function()
    local app = require "app"
    local ctx = testing.context({ aws_request_id = "direct" })
    local r = app.handler(testing.event(here .. "/events/event.json"), ctx)
    assert.equal(200, r.statusCode)
    assert.same({ message = "hello you", request_id = "direct" }, json.decode(r.body))
  end)
end)
