-- lambda.http against every HTTP sample event, and the responses it builds.
local helper = require "helper"
local http = require "lambda.http"
local json = require "lambda.json"
local base64 = require "lambda.base64"

local event = helper.event

local HTTP_SAMPLES = {
  -- name, kind, method, path
  { "apigw-request.json", "rest", "POST", "/hello/world" },
  { "apigw-restapi-openapi-request.json", "rest", "POST", "/hello/world" },
  { "apigw-custom-auth-request-type-request.json", "rest", "GET", "/request" },
  { "apigw-websocket-request.json", "rest", "POST", "/hello/world" },
  { "apigw-v2-request-no-authorizer.json", "http", "GET", "/" },
  { "apigw-v2-request-iam.json", "http", "GET", "/my/path" },
  { "apigw-v2-request-jwt-authorizer.json", "http", "GET", "/my/path" },
  { "apigw-v2-request-lambda-authorizer.json", "http", "GET", "/my/path" },
  { "alb-lambda-target-request-headers-only.json", "alb", "GET", "/" },
  { "alb-lambda-target-request-multivalue-headers.json", "alb", "GET", "/" },
  { "lambda-urls-request.json", "url", "POST", "/my/path" },
}

describe("lambda.http.request #unit", function()
  it("normalises every HTTP sample event", function()
    for _, s in ipairs(HTTP_SAMPLES) do
      local req, err = http.request(event(s[1]))
      assert(req, s[1] .. ": " .. tostring(err))
      assert.equal(s[2], req.kind, s[1])
      assert.equal(s[3], req.method, s[1])
      assert.equal(s[4], req.path, s[1])
      assert.equal("string", type(req.body), s[1])
      for k, v in pairs(req.headers) do
        assert.equal(k:lower(), k, s[1])
        assert.equal("string", type(v), s[1])
        assert.equal("table", type(req.multi_headers[k]), s[1])
      end
      for k, v in pairs(req.query) do
        local all = req.multi_query[k]
        assert.equal(v, all[#all], s[1] .. " " .. k)
      end
    end
  end)

  it("reads REST API headers, query and JSON body", function()
    local req = http.request(event("apigw-request.json"))
    assert.equal("me", req.query.name)
    assert.same({ "me" }, req.multi_query.name)
    assert.equal("gy415nuibc.execute-api.us-east-1.amazonaws.com", req.headers.host)
    assert.equal(1, json.decode(req.body).a)
    assert.is_false(req.is_base64)
  end)

  it("reads a function URL's cookies and repeated query parameters", function()
    local req = http.request(event("lambda-urls-request.json"))
    assert.equal(2, #req.cookies)
    assert.same({ "value1", "value2" }, req.multi_query.parameter1)
    assert.equal("value2", req.query.parameter1)
    assert.equal("value", req.query.parameter2)
    assert.equal("Hello from client!", req.body)
  end)

  it("reads ALB multi-value headers and decodes its raw query", function()
    local req = http.request(event("alb-lambda-target-request-multivalue-headers.json"))
    assert.equal("hello", req.query.key)
    assert.truthy(next(req.multi_headers))
    local e = event("alb-lambda-target-request-headers-only.json")
    e.queryStringParameters = { ["a%20b"] = "c%2Bd+e" }
    req = http.request(e)
    assert.equal("c+d e", req.query["a b"])
  end)

  it("splits cookies from Cookie headers of REST and ALB events", function()
    local e = event("apigw-request.json")
    e.headers.Cookie = "a=1; b=2"
    e.multiValueHeaders = nil
    assert.same({ "a=1", "b=2" }, http.request(e).cookies)
  end)

  it("decodes a base64 body and copes with no body or headers", function()
    local e = event("apigw-v2-request-no-authorizer.json")
    e.body = base64.encode("\0\1\2binary\255")
    e.isBase64Encoded = true
    assert.equal("\0\1\2binary\255", http.request(e).body)
    e.body, e.headers, e.isBase64Encoded = nil, nil, false
    local req = http.request(e)
    assert.equal("", req.body)
    assert.same({}, req.headers)
    e.body = json.null
    assert.equal("", http.request(e).body)
    e.isBase64Encoded, e.body = true, "not base64!"
    local bad, err = http.request(e)
    assert.is_nil(bad)
    assert.equal("base64", err.kind)
    assert.truthy(err.message:find("base64", 1, true))
  end)

  it("refuses events that are not HTTP", function()
    for _, name in ipairs { "sqs-event.json", "s3-event.json",
      "apigw-websocket-request-disconnect.json" } do
      local req, err = http.request(event(name))
      assert.is_nil(req, name)
      assert.equal("invalid", err.kind)
      assert.equal("not an HTTP event", err.message)
    end
  end)
end)

describe("lambda.http.response #unit", function()
  it("builds HTTP API and function URL responses with cookies", function()
    for _, kind in ipairs { "http", "url" } do
      local res = http.response(kind, { status = 201, json = { ok = true },
        headers = { ["X-Id"] = "7" }, cookies = { "s=1; Path=/" } })
      assert.equal(201, res.statusCode)
      assert.equal("application/json", res.headers["content-type"])
      assert.equal("7", res.headers["x-id"])
      assert.same({ "s=1; Path=/" }, res.cookies)
      assert.same({ ok = true }, json.decode(res.body))
      assert.is_false(res.isBase64Encoded)
    end
  end)

  it("builds REST API responses, cookies as multi-value Set-Cookie", function()
    local req = http.request(event("apigw-request.json"))
    local res = http.response(req, { body = "hi", cookies = { "a=1", "b=2" } })
    assert.equal(200, res.statusCode)
    assert.equal("hi", res.body)
    assert.same({ "a=1", "b=2" }, res.multiValueHeaders["set-cookie"])
  end)

  it("builds ALB responses with a status description, in the request's header mode", function()
    local single = http.request(event("alb-lambda-target-request-headers-only.json"))
    local res = http.json(single, 404, { error = "no" })
    assert.equal("404 Not Found", res.statusDescription)
    assert.equal("application/json", res.headers["content-type"])
    -- single-header mode: every cookie, each under its own spelling
    res = http.response(single, { status = 200, body = "x",
      cookies = { "a=1", "b=2", "c=3" }, headers = { ["X-A"] = "1" } })
    local got, names = {}, {}
    for name, value in pairs(res.headers) do
      if name:lower() == "set-cookie" then
        got[#got + 1] = value
        names[name] = true
      end
    end
    table.sort(got)
    assert.same({ "a=1", "b=2", "c=3" }, got)
    assert.equal("1", res.headers["x-a"])
    assert.is_nil(res.multiValueHeaders)
    local multi = http.request(event("alb-lambda-target-request-multivalue-headers.json"))
    res = http.response(multi, { status = 200, body = "x", cookies = { "a=1", "b=2" } })
    assert.same({ "a=1", "b=2" }, res.multiValueHeaders["set-cookie"])
    assert.is_nil(res.headers)
  end)

  it("sends binary bodies base64-encoded and empty bodies as empty", function()
    local res = http.response("http", { body = "\0\255png", binary = true,
      headers = { ["Content-Type"] = "image/png" } })
    assert.is_true(res.isBase64Encoded)
    assert.equal("\0\255png", base64.decode(res.body))
    assert.equal("image/png", res.headers["content-type"])
    res = http.response("http", { status = 204 })
    assert.equal("", res.body)
    assert.equal(204, res.statusCode)
  end)
end)
