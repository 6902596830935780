-- lambda.http's query of REST and ALB events when a parameter repeats:
-- API Gateway REST puts the last value in queryStringParameters and all
-- of them in multiValueQueryStringParameters; ALB with multi-value headers
-- on sends only the multi-value maps (percent-encoded, as they came), with
-- them off only the single map, holding the last value. req.query is the
-- last value each time, req.multi_query every one in order.
local helper = require "helper"
local http = require "lambda.http"
local json = require "lambda.json"

local event = helper.event

describe("lambda.http.request repeated query parameters #unit", function()
  it("REST (?tag=a&tag=b&tag=c): the last value, and all of them", function()
    local e = event("apigw-request.json")
    e.queryStringParameters = { tag = "c", one = "1" }
    e.multiValueQueryStringParameters = { tag = { "a", "b", "c" }, one = { "1" } }
    local req = assert(http.request(e))
    assert.equal("c", req.query.tag)
    assert.same({ "a", "b", "c" }, req.multi_query.tag)
    assert.equal("1", req.query.one)
  end)

  it("REST with only the multi-value map: still the last value", function()
    local e = event("apigw-request.json")
    e.queryStringParameters = json.null
    e.multiValueQueryStringParameters = { tag = { "a", "b", "c" } }
    local req = assert(http.request(e))
    assert.equal("c", req.query.tag)
    assert.same({ "a", "b", "c" }, req.multi_query.tag)
  end)

  it("ALB with multi-value headers on (?a%20b=1&a%20b=x%2By): the last value, decoded", function()
    local e = event("alb-lambda-target-request-multivalue-headers.json")
    e.multiValueQueryStringParameters = { ["a%20b"] = { "1", "x%2By" }, key = { "hello" } }
    local req = assert(http.request(e))
    assert.equal("x+y", req.query["a b"])
    assert.same({ "1", "x+y" }, req.multi_query["a b"])
    assert.equal("hello", req.query.key)
  end)

  it("ALB with multi-value headers off: the one value ALB sends (the last)", function()
    local e = event("alb-lambda-target-request-headers-only.json")
    e.queryStringParameters = { tag = "c" }
    local req = assert(http.request(e))
    assert.equal("c", req.query.tag)
    assert.same({ "c" }, req.multi_query.tag)
  end)
end)
