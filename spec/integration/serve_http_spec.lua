-- lua-lambda serve --http: plain HTTP in front of the local Lambda, as a
-- function URL (payload 2.0), an HTTP API, a REST API or an ALB is in
-- front of a deployed function. Driven with curl and with a small Python
-- client (spec/support/lib/http_client.py) that reads streams as they come.
local cjson = require "cjson"
local helper = require "helper"
local socket = require "socket"
local base64 = require "lambda.base64"
local sh, shell_quote = helper.sh, helper.quote

local WEB = helper.fixtures .. "/web"
local CLIENT = "spec/support/lib/http_client.py"

-- Starts serve --http on a free port; server.http_port is it.
local function serve_http(handler, extra)
  local args = { "--task-root", WEB, "--timeout", "60", "--http", "0" }
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  args[#args + 1] = handler
  local server = helper.serve(args)
  server.http_port = tonumber(helper.wait_for(function()
    return server:output():match("open http://127%.0%.0%.1:(%d+)/")
  end, "serve --http did not say where it listens", 10))
  server.url = "http://127.0.0.1:" .. server.http_port
  return server
end

-- curl: returns status, headers (lower-cased name -> list), body.
local function curl(args)
  local ok, out = sh("curl -s -i " .. args)
  assert(ok, out)
  local head, body = out:match("^(.-)\r\n\r\n(.*)$")
  local status = tonumber(head:match("^HTTP/1%.1 (%d+)"))
  local headers = {}
  for name, value in head:gmatch("\r\n([^:\r\n]+):%s*([^\r\n]*)") do
    name = name:lower()
    headers[name] = headers[name] or {}
    table.insert(headers[name], value)
  end
  return status, headers, body
end

-- The Python client; returns its decoded JSON.
local function client(...)
  local words = { "/usr/bin/python3", CLIENT }
  for _, a in ipairs({ ... }) do words[#words + 1] = shell_quote(a) end
  local ok, out = sh(table.concat(words, " "))
  assert(ok, out)
  local r = cjson.decode(out)
  if r.body_hex then
    r.body = r.body_hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
  end
  r.header = {}
  for _, h in ipairs(r.headers or {}) do
    local name = h[1]:lower()
    r.header[name] = r.header[name] or {}
    table.insert(r.header[name], h[2])
  end
  return r
end

describe("lua-lambda serve --http", function()
  local server
  after_each(function()
    if server then server:stop() end
    server = nil
  end)

  it("sends a function URL's event: path, query, cookies, headers", function()
    server = serve_http("app.echo_event")
    local status, headers, body = curl(("-H 'X-Multi: a' -H 'X-Multi: b' "
      .. "-H 'Cookie: c1=v1; c2=v2' -A 'agent/1' %s"):format(
      shell_quote(server.url .. "/items/a%20b?name=x&tag=1&tag=2&e=%C3%A9")))
    assert.equal(200, status)
    assert.same({ "application/json" }, headers["content-type"])
    local e = cjson.decode(body)
    assert.equal("2.0", e.version)
    assert.equal("$default", e.routeKey)
    assert.equal("/items/a%20b", e.rawPath)
    assert.equal("name=x&tag=1&tag=2&e=%C3%A9", e.rawQueryString)
    assert.same({ name = "x", tag = "1,2", e = "é" }, e.queryStringParameters)
    assert.same({ "c1=v1", "c2=v2" }, e.cookies)
    assert.is_nil(e.headers.cookie)  -- moved to cookies, as 2.0 does
    assert.equal("a,b", e.headers["x-multi"])
    assert.equal("agent/1", e.headers["user-agent"])
    assert.equal("GET", e.requestContext.http.method)
    assert.equal("/items/a b", e.requestContext.http.path)
    assert.equal("127.0.0.1", e.requestContext.http.sourceIp)
    assert.equal("agent/1", e.requestContext.http.userAgent)
    assert.truthy(e.requestContext.domainName:find("%.lambda%-url%."))
    assert.truthy(e.requestContext.requestId:find("^%x+%-"))
    assert.equal("number", type(e.requestContext.timeEpoch))
    assert.is_true(math.abs(e.requestContext.timeEpoch / 1000 - os.time()) < 3600)
    assert.is_false(e.isBase64Encoded)
    assert.is_nil(e.body)
  end)

  it("passes a text body as it is and a binary one base64-encoded", function()
    server = serve_http("app.echo_event")
    local _, _, body = curl("--data-binary 'a=1&b=2' " .. shell_quote(server.url .. "/form"))
    local e = cjson.decode(body)
    assert.equal("a=1&b=2", e.body)
    assert.is_false(e.isBase64Encoded)
    assert.equal("POST", e.requestContext.http.method)
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    bytes = table.concat(bytes)
    local file = helper.tmpfile(bytes)
    local r = client("request", "POST", server.url .. "/upload", file,
      "Content-Type:image/png")
    os.remove(file)
    e = cjson.decode(r.body)
    assert.is_true(e.isBase64Encoded)
    assert.equal(bytes, base64.decode(e.body))
  end)

  it("answers a binary result with its bytes", function()
    server = serve_http("app.binary")
    local r = client("request", "GET", server.url .. "/b")
    assert.equal(200, r.status)
    assert.equal(256, #r.body)
    assert.equal("\0\1\2", r.body:sub(1, 3))
    assert.equal("\255", r.body:sub(-1))
  end)

  it("answers a string result as its body, and any other value as JSON", function()
    server = serve_http("app.string")
    local status, headers, body = curl(shell_quote(server.url .. "/"))
    assert.equal(200, status)
    assert.same({ "application/json" }, headers["content-type"])
    assert.equal("plain text", body)
    server:stop()
    server = serve_http("app.table")
    status, headers, body = curl(shell_quote(server.url .. "/"))
    assert.equal(200, status)
    assert.same({ a = 1 }, cjson.decode(body))
  end)

  it("answers a handler error, or a result it cannot read, with 502 Internal Server Error", function()
    for _, handler in ipairs { "app.fail", "app.bad_status" } do
      server = serve_http(handler)
      local status, _, body = curl(shell_quote(server.url .. "/"))
      assert.equal(502, status, handler)
      assert.equal("Internal Server Error", body, handler)
      server:stop()
      server = nil
    end
  end)

  it("never lets a header value add a header of its own", function()
    server = serve_http("app.header_inject")
    local status, headers = curl(shell_quote(server.url .. "/"))
    assert.equal(502, status)
    assert.is_nil(headers["set-cookie"])
  end)

  it("answers HEAD with the headers and no body", function()
    server = serve_http("app.http_api")
    local status, headers, body = curl("-I " .. shell_quote(server.url .. "/h"))
    assert.equal(201, status)
    assert.same({ "url" }, headers["x-kind"])
    assert.equal("", body)
    assert.truthy(server:output():find("HEAD /h -> 201", 1, true))
  end)

  it("refuses a body over Lambda's 6 MB with 413, the function untouched", function()
    server = serve_http("app.echo_event")
    local file = helper.tmpfile(string.rep("x", 7 * 1024 * 1024))
    local r = client("request", "POST", server.url .. "/big", file,
      "Content-Type:text/plain")
    os.remove(file)
    assert.equal(413, r.status)
    assert.is_nil(server:output():find("START RequestId", 1, true))
  end)

  for _, case in ipairs {
    { format = "url", kind = "url", all = "a+b" },
    { format = "apigw-v2", kind = "http", all = "a+b" },
    { format = "apigw-v1", kind = "rest", all = "a+b" },
    -- a target group with multi-value headers off passes one value a key
    { format = "alb", kind = "alb", all = "b" },
  } do
    it("lets lambda.http work unchanged behind --http-format " .. case.format, function()
      server = serve_http("app.http_api", { "--http-format", case.format })
      local file = helper.tmpfile("payload")
      local r = client("request", "POST", server.url .. "/p/q?name=a&name=b",
        file, "Content-Type:text/plain", "Cookie:k=v")
      os.remove(file)
      assert.equal(201, r.status)
      assert.same({ case.kind }, r.header["x-kind"])
      assert.same({ "text/plain" }, r.header["content-type"])
      assert.equal("POST /p/q name=b all=" .. case.all .. " body=payload", r.body)
      -- every cookie arrives as a Set-Cookie header of its own
      table.sort(r.header["set-cookie"])
      assert.same({ "a=1; Path=/", "b=2" }, r.header["set-cookie"])
    end)
  end

  it("answers errors the way each source does", function()
    local expect = {
      url = { 502, "Internal Server Error" },
      ["apigw-v2"] = { 500, '{"message":"Internal Server Error"}' },
      ["apigw-v1"] = { 502, '{"message": "Internal server error"}' },
    }
    for format, want in pairs(expect) do
      server = serve_http("app.fail", { "--http-format", format })
      local status, _, body = curl(shell_quote(server.url .. "/"))
      assert.equal(want[1], status, format)
      assert.equal(want[2], body, format)
      server:stop()
      server = nil
    end
  end)

  it("streams a lambda.http.stream response as it is written, prelude as status and headers", function()
    server = serve_http("app.stream_wait")
    local flag = helper.tmpfile()
    -- the handler writes its second line only once the client, having
    -- read the first, creates the file: the first came on its own
    local r = client("stream", server.url .. "/s?file=" .. flag, flag)
    os.remove(flag)
    assert.equal(202, r.status)
    assert.same({ "chunked" }, r.header["transfer-encoding"])
    assert.same({ "yes" }, r.header["x-streamed"])
    assert.same({ "s=1" }, r.header["set-cookie"])
    assert.equal("first\n", r.first)
    assert.equal("second\n", r.rest)
  end)

  it("finds the prelude's end when the body came in the same piece", function()
    server = serve_http("app.stream_one_piece", { "--timeout", "3" })
    local status, headers, body = curl(shell_quote(server.url .. "/"))
    assert.equal(203, status)
    assert.same({ "1" }, headers["x-one"])
    assert.equal("together", body)
  end)

  it("streams a response without a prelude with its own content type", function()
    server = serve_http("app.stream_plain")
    local status, headers, body = curl(shell_quote(server.url .. "/"))
    assert.equal(200, status)
    assert.same({ "text/csv" }, headers["content-type"])
    assert.equal("a,b\n", body)
  end)

  it("survives a client that goes away mid-stream; the function runs to its end", function()
    server = serve_http("app.stream_wait")
    local flag = helper.tmpfile()
    local r = client("disconnect", server.url .. "/s?file=" .. flag, flag)
    assert.equal(202, r.status)
    assert.equal("first\n", r.first)
    -- the invocation ends (its REPORT), and serve goes on answering
    helper.wait_for(function()
      return server:output():find("REPORT RequestId", 1, true)
    end, "the streamed invocation did not end", 30)
    os.remove(flag)
    local again = client("disconnect", server.url .. "/s?file=" .. flag, flag)
    os.remove(flag)
    assert.equal("first\n", again.first)
  end)

  it("refuses an unknown --http-format", function()
    local ok, out = sh(helper.cli .. " serve --port 0 --invoke-port 0 --http 0 "
      .. "--http-format soap --task-root " .. WEB .. " app.string")
    assert.is_falsy(ok)
    assert.truthy(out:find("--http-format takes url, apigw-v2, apigw-v1 or alb", 1, true))
  end)
end)
