-- lua-lambda serve --http: requests with bytes that are not UTF-8 (a
-- percent-escape such as %ff, a raw \xff in a header or a cookie) still
-- make an event, which is JSON and so UTF-8: the raw fields (rawPath,
-- rawQueryString, an ALB's path and query) keep them percent-encoded, as
-- sent; the decoded ones (http.path, queryStringParameters, headers,
-- cookies) carry U+FFFD in their place; a text body that is not UTF-8
-- comes base64-encoded. The function runs.
local cjson = require "cjson"
local helper = require "helper"
local socket = require "socket"

local WEB = helper.fixtures .. "/web"
local FFFD = "\u{FFFD}"

local function serve_http(handler, format)
  local args = { "--task-root", WEB, "--timeout", "60", "--http", "0" }
  if format then
    args[#args + 1] = "--http-format"
    args[#args + 1] = format
  end
  args[#args + 1] = handler
  local server = helper.serve(args)
  server.http_port = tonumber(helper.wait_for(function()
    return server:output():match("open http://127%.0%.0%.1:(%d+)/")
  end, "serve --http did not say where it listens", 10))
  return server
end

-- Sends request (bytes, as given) and returns status and body.
local function send(port, request)
  local c = assert(socket.connect("127.0.0.1", port))
  c:settimeout(30)
  assert(c:send(request))
  local reply = c:receive("*a") or ""
  c:close()
  local status = tonumber(reply:match("^HTTP/1%.1 (%d+)"))
  return status, reply:match("\r\n\r\n(.*)$") or "", reply
end

local function get(port, target, headers)
  return send(port, "GET " .. target .. " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    .. (headers or "") .. "\r\n")
end

describe("lua-lambda serve --http, bytes that are not UTF-8", function()
  local server
  after_each(function()
    if server then server:stop() end
    server = nil
  end)

  -- The event the function saw for GET target with headers (echo_event).
  local function event_of(target, headers)
    local status, body, reply = get(server.http_port, target, headers)
    assert.equal(200, status, reply .. server:output())
    return cjson.decode(body)
  end

  it("makes a function URL's event of them, and the function runs", function()
    server = serve_http("app.echo_event")
    local event = event_of("/%ff/caf%C3%A9?q=%ff&ok=%C3%A9",
      "X-Odd: a\xffb\r\nCookie: c=\xff; d=1\r\n")
    assert.equal("/%ff/caf%C3%A9", event.rawPath)
    assert.equal("/" .. FFFD .. "/caf\xc3\xa9", event.requestContext.http.path)
    assert.equal("q=%ff&ok=%C3%A9", event.rawQueryString)
    assert.same({ q = FFFD, ok = "\xc3\xa9" }, event.queryStringParameters)
    assert.equal("a" .. FFFD .. "b", event.headers["x-odd"])
    assert.same({ "c=" .. FFFD, "d=1" }, event.cookies)
  end)

  it("percent-encodes a raw byte of the path in rawPath", function()
    server = serve_http("app.echo_event")
    local event = event_of("/a\xffb")
    assert.equal("/a%FFb", event.rawPath)
    assert.equal("/a" .. FFFD .. "b", event.requestContext.http.path)
  end)

  it("base64-encodes a text body that is not UTF-8", function()
    server = serve_http("app.echo_event")
    local status, body, reply = send(server.http_port, "POST / HTTP/1.1\r\nHost: x\r\n"
      .. "Connection: close\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\na\xffb")
    assert.equal(200, status, reply .. server:output())
    local event = cjson.decode(body)
    assert.is_true(event.isBase64Encoded)
    assert.equal("Yf9i", event.body)
  end)

  it("makes a REST API's event of them", function()
    server = serve_http("app.echo_event", "apigw-v1")
    local event = event_of("/x%ff?q=%ff", "X-Odd: \xff\r\n")
    assert.equal("/x" .. FFFD, event.path)
    assert.equal("x" .. FFFD, event.pathParameters.proxy)
    assert.same({ q = FFFD }, event.queryStringParameters)
    assert.same({ q = { FFFD } }, event.multiValueQueryStringParameters)
    assert.equal(FFFD, event.headers["X-Odd"])
  end)

  it("makes an ALB's event of them, path and query as sent", function()
    server = serve_http("app.echo_event", "alb")
    local event = event_of("/x%ff?q=%ff", "X-Odd: \xff\r\n")
    assert.equal("/x%ff", event.path)
    assert.same({ q = "%ff" }, event.queryStringParameters)
    assert.equal(FFFD, event.headers["x-odd"])
  end)
end)

-- What a source cannot read is answered as it answers it (502 for a
-- function URL), and serve says why, as SAM does.
describe("lua-lambda serve --http, a result the source cannot read", function()
  local server, dir
  local MODULE = [[
local json = require "lambda.json"
return {
  table_body = function() return { statusCode = 200, body = { x = 1 } } end,
  string_status = function() return { statusCode = "200", body = "x" } end,
  bad_headers = function() return { statusCode = 200, headers = { a = { 1 } } } end,
  bad_cookies = function() return { statusCode = 200, cookies = { 1 } } end,
  v1_string = function() return "just text" end,
}
]]
  before_each(function()
    dir = helper.tmpdir_with("odd.lua", MODULE)
  end)
  after_each(function()
    if server then server:stop() end
    server = nil
    os.execute("rm -rf " .. helper.quote(dir))
  end)

  local function serve_odd(handler, format)
    local args = { "--task-root", dir, "--http", "0" }
    if format then
      args[#args + 1] = "--http-format"
      args[#args + 1] = format
    end
    args[#args + 1] = "odd." .. handler
    server = helper.serve(args)
    server.http_port = tonumber(helper.wait_for(function()
      return server:output():match("open http://127%.0%.0%.1:(%d+)/")
    end, "serve --http did not say where it listens", 10))
  end

  for handler, why in pairs({
    table_body = "body is a table, not a string",
    string_status = 'statusCode is "200", not a whole number from 100 to 599',
    bad_headers = "headers: a is a table, not a string, number or boolean",
    bad_cookies = "cookies[1] is a number, not a string",
  }) do
    it("logs why for " .. handler, function()
      serve_odd(handler)
      local status, _, reply = get(server.http_port, "/")
      assert.equal(502, status, reply)
      -- said before the answer is sent
      local said = server:output():match("[^\n]*Invalid lambda response received[^\n]*")
      assert.truthy(said, "serve said nothing of it: " .. server:output())
      assert.truthy(said:find(why, 1, true), said)
    end)
  end

  it("logs why for a REST API given a string", function()
    serve_odd("v1_string", "apigw-v1")
    local status, _, reply = get(server.http_port, "/")
    assert.equal(502, status, reply)
    local said = server:output():match("[^\n]*Invalid lambda response received[^\n]*")
    assert.truthy(said, "serve said nothing of it: " .. server:output())
    assert.truthy(said:find("the result is a string, not an object", 1, true), said)
  end)
end)
