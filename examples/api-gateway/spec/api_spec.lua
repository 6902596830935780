local testing = require "lambda.testing"
local json = require "lambda.json"
local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$")
local opts = { task_root = here }

describe("examples/api-gateway", function()
  it("answers GET /hello/{name} with JSON, status and headers", function()
    local r, err = testing.invoke("app.handler",
      testing.event(here .. "/events/get-hello.json"), opts)
    assert.is_nil(err)
    assert.equal(200, r.statusCode)
    assert.equal("application/json", r.headers["content-type"])
    assert.same({ message = "hi lua" }, json.decode(r.body))
  end)

  it("creates an item from a JSON body", function()
    local r = testing.invoke("app.handler",
      testing.event(here .. "/events/post-item.json"), opts)
    assert.equal(201, r.statusCode)
    assert.equal("/items/1", r.headers.location)
    assert.same({ id = 1, name = "teapot" }, json.decode(r.body))
  end)

  it("refuses a body that is not an item, and unknown routes", function()
    local event = testing.event(here .. "/events/post-item.json")
    event.body = "{oops"
    local r = testing.invoke("app.handler", event, opts)
    assert.equal(400, r.statusCode)
    assert.truthy(json.decode(r.body).error:find("invalid JSON", 1, true))
    r = testing.invoke("app.handler", { routeKey = "DELETE /" }, opts)
    assert.equal(404, r.statusCode)
  end)
end)
