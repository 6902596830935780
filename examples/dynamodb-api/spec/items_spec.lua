-- examples/dynamodb-api against a local HTTPS fake of AWS
-- (spec/support/fakes/fake_aws.py): lambda.testing runs the handler with
-- AWS_ENDPOINT_URL pointing at it.
local testing = require "lambda.testing"
local json = require "lambda.json"
local Process = require "process"
local test_ca = require "test_ca"
local helper = require "helper"

local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$")

describe("examples/dynamodb-api", function()
  local ca, fake, opts

  lazy_setup(function()
    ca = test_ca.make()
    fake = Process.start { argv = { "/usr/bin/python3", "spec/support/fakes/fake_aws.py",
      ca.cert, ca.key } }
    local port = helper.wait_for(function()
      assert(not fake:exited(), fake:stderr())
      return fake:stdout():match("port (%d+)")
    end, "fake_aws.py did not start", 20)
    opts = { task_root = here, cli = helper.cli, env = {
      AWS_ENDPOINT_URL = "https://127.0.0.1:" .. port, SSL_CERT_FILE = ca.ca,
      AWS_ACCESS_KEY_ID = "AKIDTEST", AWS_SECRET_ACCESS_KEY = "test/secret+key",
      AWS_REGION = "eu-west-1", TABLE_NAME = "items", BUCKET_NAME = "uploads" } }
  end)

  lazy_teardown(function()
    if fake then fake:kill() fake:cleanup() end
    if ca then test_ca.remove(ca) end
  end)

  it("stores an item and reads it back, its numbers exact", function()
    local put, err = testing.invoke("app.handler",
      testing.event(here .. "/events/put-item.json"), opts)
    assert.is_nil(err)
    assert.equal(200, put.statusCode)
    local got = testing.invoke("app.handler",
      testing.event(here .. "/events/get-item.json"), opts)
    assert.equal(200, got.statusCode)
    local item = json.decode(got.body)
    assert.equal("teapot", item.name)
    assert.equal(9007199254740993, item.stock)
    assert.equal("42", item.id)
  end)

  it("answers 404 for a missing item and 400 for a body that is not JSON", function()
    local event = testing.event(here .. "/events/get-item.json")
    event.pathParameters.id = "nope"
    assert.equal(404, testing.invoke("app.handler", event, opts).statusCode)
    local bad = testing.event(here .. "/events/put-item.json")
    bad.body = "{oops"
    assert.equal(400, testing.invoke("app.handler", bad, opts).statusCode)
  end)

  it("hands out a presigned upload URL for the item's file", function()
    local event = testing.event(here .. "/events/get-item.json")
    event.routeKey = "GET /items/{id}/upload-url"
    local r = testing.invoke("app.handler", event, opts)
    local url = json.decode(r.body).url
    assert.truthy(url:find("/uploads/items/42?", 1, true), url)
    assert.truthy(url:find("X-Amz-Signature=", 1, true))
    assert.truthy(url:find("X-Amz-Expires=300", 1, true))
  end)
end)
