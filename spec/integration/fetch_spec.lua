-- lambda.fetch against local origins (spec/support/fakes/fetch_server.py):
-- redirects (same origin by default, the caller's headers never carried
-- to another origin, no downgrade, RFC 9110's method rules), the exact
-- max_body of a chunked answer, header values that could split a header,
-- what is sent again when a pooled connection was dead, and the option
-- table's types. The module runs in this process (build/lua/lambda/
-- fetch.so); what needs SSL_CERT_FILE runs in a child lua5.4.
local cjson = require "cjson"
local helper = require "helper"
local Process = require "process"
local test_ca = require "test_ca"
local fetch = require "lambda.fetch"
local json = require "lambda.json"

local PYTHON = "/usr/bin/python3"

describe("lambda.fetch against local origins", function()
  local ca, server, a, b, s

  lazy_setup(function()
    ca = test_ca.make()
    server = Process.start { argv = { PYTHON, "spec/support/fakes/fetch_server.py",
      ca.cert, ca.key } }
    local line = helper.wait_for(function()
      assert(not server:exited(), "fetch_server.py exited: " .. server:stderr())
      return server:stdout():match("ports [^\n]*\n")
    end, "fetch_server.py did not start", 20)
    a = "http://127.0.0.1:" .. line:match("a=(%d+)")
    b = "http://127.0.0.1:" .. line:match("b=(%d+)")
    s = "https://127.0.0.1:" .. line:match("s=(%d+)")
  end)

  lazy_teardown(function()
    if server then server:kill() server:cleanup() end
    if ca then test_ca.remove(ca) end
  end)

  -- Every request the server has read, in order.
  local function log()
    local records = {}
    for l in server:stdout():gmatch("[^\n]+") do
      if l:sub(1, 1) == "{" then records[#records + 1] = cjson.decode(l) end
    end
    return records
  end

  -- The requests read since mark (a count from #log()).
  local function since(mark)
    local all, out = log(), {}
    for i = mark + 1, #all do out[#out + 1] = all[i] end
    return out
  end

  local function header(record, name)
    for _, pair in ipairs(record.headers) do
      if pair[1]:lower() == name:lower() then return pair[2] end
    end
  end

  local function q(url)
    return (url:gsub("[^%w%-%._~/:]", function(c)
      return ("%%%02X"):format(c:byte())
    end))
  end

  local SECRETS = { ["X-Amz-Security-Token"] = "tok", ["X-Api-Key"] = "key",
    Authorization = "Bearer secret", Cookie = "session=1" }

  describe("redirects", function()
    it("follows one to the same origin by default, with the caller's headers", function()
      local mark = #log()
      local res = assert(fetch.request(a .. "/redirect/302?to=/echo",
        { headers = SECRETS }))
      assert.equal(200, res.status)
      assert.equal(a .. "/echo", res.url)
      local sent = since(mark)
      assert.equal(2, #sent)
      assert.equal("/echo", sent[2].path)
      for name, value in pairs(SECRETS) do
        assert.equal(value, header(sent[2], name), name)
      end
    end)

    it("does not follow one to another origin unless asked", function()
      local mark = #log()
      local to = b .. "/echo"
      local res, err = fetch.request(a .. "/redirect/302?to=" .. q(to),
        { headers = SECRETS })
      assert.is_nil(res)
      assert.equal("redirect", err.kind)
      assert.equal(302, err.status)
      assert.equal(to, err.location)
      assert.truthy(err.message:find('redirect = "follow"', 1, true), err.message)
      assert.equal(1, #since(mark))  -- b never asked
      -- another port is another origin
      local other, perr = fetch.request(a .. "/redirect/301?to="
        .. q(a:gsub(":(%d+)$", ":1") .. "/echo"))
      assert.is_nil(other)
      assert.equal("redirect", perr.kind)
    end)

    it("follows one to another origin when asked, without the caller's headers", function()
      local mark = #log()
      local to = b .. "/echo"
      local res = assert(fetch.request(a .. "/redirect/302?to=" .. q(to),
        { headers = SECRETS, redirect = "follow" }))
      assert.equal(200, res.status)
      assert.equal(to, res.url)
      local sent = since(mark)
      assert.equal("b", sent[2].origin)
      for name in pairs(SECRETS) do
        assert.is_nil(header(sent[2], name), name)
      end
      -- a body kept (307) keeps what describes it, and only that
      mark = #log()
      assert(fetch.request(a .. "/redirect/307?to=" .. q(to), { method = "POST",
        body = "{}", redirect = "follow", headers = { ["Content-Type"] =
        "application/json", ["X-Api-Key"] = "key" } }))
      sent = since(mark)
      assert.equal("POST", sent[2].method)
      assert.equal("{}", sent[2].body)
      assert.equal("application/json", header(sent[2], "content-type"))
      assert.is_nil(header(sent[2], "x-api-key"))
    end)

    it("returns the redirect itself with redirect = \"manual\" (or false)", function()
      for _, mode in ipairs { "manual", false } do
        local mark = #log()
        local res = assert(fetch.request(a .. "/redirect/302?to=/echo",
          { redirect = mode }))
        assert.equal(302, res.status)
        assert.equal("/echo", res.headers.location)
        assert.equal(1, #since(mark))
      end
      local res, err = fetch.request(a .. "/redirect/302?to=/echo",
        { redirect = "error" })
      assert.is_nil(res)
      assert.equal("redirect", err.kind)
    end)

    it("changes the method as RFC 9110 says", function()
      -- { status, method sent, method then, body then }
      local cases = {
        { 301, "POST", "GET", "" }, { 302, "POST", "GET", "" },
        { 302, "PUT", "PUT", "data" }, { 303, "PUT", "GET", "" },
        { 303, "DELETE", "GET", "" }, { 307, "POST", "POST", "data" },
        { 308, "PUT", "PUT", "data" }, { 308, "POST", "POST", "data" },
      }
      for _, c in ipairs(cases) do
        local mark = #log()
        local what = c[1] .. " " .. c[2]
        local res = assert(fetch.request(a .. "/redirect/" .. c[1] .. "?to=/echo",
          { method = c[2], body = "data", headers = { ["Content-Type"] = "text/plain" } }))
        assert.equal(200, res.status, what)
        local sent = since(mark)
        assert.equal(2, #sent, what)
        assert.equal(c[3], sent[2].method, what)
        assert.equal(c[4], sent[2].body, what)
        if c[4] == "" then
          assert.is_nil(header(sent[2], "content-type"), what)
          assert.is_nil(header(sent[2], "content-length"), what)
        else
          assert.equal("text/plain", header(sent[2], "content-type"), what)
        end
      end
      local mark = #log()
      local res = assert(fetch.request(a .. "/redirect/303?to=/echo", { method = "HEAD" }))
      assert.equal(200, res.status)
      assert.equal("HEAD", since(mark)[2].method)
    end)

    it("does not send a streamed body again", function()
      local mark = #log()
      local parts = { "da", "ta" }
      local res, err = fetch.request(a .. "/redirect/307?to=/echo",
        { method = "POST", body = function() return table.remove(parts, 1) end })
      assert.is_nil(res)
      assert.equal("redirect", err.kind)
      assert.equal(1, #since(mark))
      -- a 303 sends none: it is followed
      parts = { "da", "ta" }
      res = assert(fetch.request(a .. "/redirect/303?to=/echo",
        { method = "POST", body = function() return table.remove(parts, 1) end }))
      assert.equal(200, res.status)
    end)

    it("stops after 5", function()
      local mark = #log()
      local res, err = fetch.request(a .. "/loop")
      assert.is_nil(res)
      assert.equal("redirect", err.kind)
      assert.equal(6, #since(mark))
    end)

    it("never goes from https to http, even when asked to follow", function()
      -- the test CA is trusted through SSL_CERT_FILE: in a child lua5.4
      local script = [[
        local cjson = require "cjson"
        local fetch = require "lambda.fetch"
        local out = {}
        for i, url in ipairs(arg) do
          local res, err = fetch.request(url, { redirect = "follow" })
          out[i] = res and { status = res.status, url = res.url }
            or { kind = err.kind, message = err.message }
        end
        print(cjson.encode(out))
      ]]
      local file = helper.tmpfile(script, "redirects.lua")
      local mark = #log()
      local p = Process.start { argv = { "lua5.4", file,
        s .. "/redirect/302?to=" .. q(a .. "/echo"),
        s .. "/redirect/302?to=/echo" },
        env = { SSL_CERT_FILE = ca.ca, LUA_CPATH_5_4 = os.getenv("LUA_CPATH_5_4")
          or (helper.build .. "/lua/?.so;;") } }
      assert.equal(0, p:wait(30), p:stderr())
      local out = cjson.decode(p:stdout())
      p:cleanup()
      os.remove(file)
      assert.equal("redirect", out[1].kind, out[1].message)
      assert.truthy(out[1].message:find("https", 1, true))
      assert.equal(200, out[2].status)  -- https to https is fine
      for _, r in ipairs(since(mark)) do assert.equal("s", r.origin) end
    end)
  end)

  describe("max_body", function()
    it("is exact for a chunked answer (no length to check first)", function()
      for _, chunk in ipairs { 1000, 4096, 4097, 1 } do
        local ok = assert(fetch.request(a .. "/chunked?n=4096&chunk=" .. chunk,
          { max_body = 4096 }))
        assert.equal(4096, #ok.body, chunk)
        local res, err = fetch.request(a .. "/chunked?n=4097&chunk=" .. chunk,
          { max_body = 4096 })
        assert.is_nil(res, chunk)
        assert.equal("too_large", err.kind)
      end
    end)

    it("is exact with a length too", function()
      assert.equal(10, #assert(fetch.request(a .. "/length?n=10", { max_body = 10 })).body)
      local _, err = fetch.request(a .. "/length?n=11", { max_body = 10 })
      assert.equal("too_large", err.kind)
    end)
  end)

  describe("header names and values", function()
    it("refuses a lone CR, a lone LF or a NUL, and sends nothing", function()
      local mark = #log()
      for _, bad in ipairs { "x\ry", "x\ny", "x\0y", "x\r", "\rX-Injected: yes" } do
        local res, err = fetch.request(a .. "/echo", { headers = { ["X-A"] = bad } })
        assert.is_nil(res, bad)
        assert.equal("invalid", err.kind)
        res, err = fetch.request(a .. "/echo", { headers = { { "X-A" .. bad, "v" } } })
        assert.is_nil(res, bad)
        assert.equal("invalid", err.kind)
      end
      local res, err = fetch.request(a .. "/echo", { method = "GE\rT" })
      assert.is_nil(res)
      assert.equal("invalid", err.kind)
      assert.equal(0, #since(mark))
    end)
  end)

  describe("a pooled connection found dead", function()
    -- /reused/*: a connection's first request is answered, a later one is
    -- read whole and then the connection closes, without a word or halfway
    -- through the answer. /echo first leaves a pooled connection.
    local function twice(path, opts)
      assert(fetch.request(a .. "/echo"))
      local mark = #log()
      local res, err = fetch.request(a .. path, opts)
      local sent = {}
      for _, r in ipairs(since(mark)) do
        if r.path == path then sent[#sent + 1] = r end
      end
      return res, err, sent
    end

    it("sends a GET once more, on a new connection", function()
      for _, path in ipairs { "/reused/nothing", "/reused/half" } do
        local res, err, sent = twice(path)
        assert.is_nil(err, path)
        assert.equal("fresh", res.body)
        assert.equal(2, #sent, path)
        assert.is_true(sent[1].seq > 1, path)  -- on the pooled one
        assert.equal(1, sent[2].seq, path)     -- then on a new one
      end
    end)

    it("never sends a POST twice", function()
      for _, path in ipairs { "/reused/nothing", "/reused/half" } do
        for _, body in ipairs { "payload", "" } do
          local res, err, sent = twice(path, { method = "POST", body = body })
          assert.is_nil(res, path)
          assert.equal("connection", err.kind)
          assert.equal(1, #sent, path .. " " .. body)
        end
        local parts = { "pay", "load" }
        local res, err, sent = twice(path, { method = "POST",
          body = function() return table.remove(parts, 1) end })
        assert.is_nil(res, path)
        assert.equal("connection", err.kind)
        assert.equal(1, #sent, path .. " streamed")
      end
    end)
  end)

  describe("options", function()
    it("takes lambda.json.null as absent", function()
      local mark = #log()
      local res = assert(fetch.request(a .. "/echo", { method = json.null,
        headers = json.null, body = json.null, timeout = json.null,
        max_body = json.null, redirect = json.null }))
      assert.equal(200, res.status)
      res = assert(fetch.request(a .. "/echo", { headers = { ["X-A"] = json.null,
        ["X-B"] = "b" } }))
      local sent = since(mark)
      assert.equal("GET", sent[1].method)
      assert.is_nil(header(sent[2], "x-a"))
      assert.equal("b", header(sent[2], "x-b"))
      assert(fetch.request(a .. "/echo", json.null))
    end)

    it("names the field of a wrong type", function()
      local cases = {
        { { timeout = "5" }, "option 'timeout' must be a positive integer, got string" },
        { { timeout = 1.5 }, "option 'timeout' must be a positive integer, got number" },
        { { max_body = 0 }, "option 'max_body' must be a positive integer, got number" },
        { { method = 5 }, "option 'method' must be a string, got number" },
        { { headers = "x" }, "option 'headers' must be a table, got string" },
        { { body = {} }, "option 'body' must be a string or a function, got table" },
        { { redirect = "sometimes" }, "option 'redirect' must be \"same-origin\", "
          .. "\"follow\", \"manual\", \"error\" or a boolean, got string" },
        { { redirect = 1 }, "option 'redirect' must be \"same-origin\", "
          .. "\"follow\", \"manual\", \"error\" or a boolean, got number" },
      }
      local mark = #log()
      for _, c in ipairs(cases) do
        local ok, err = pcall(fetch.request, a .. "/echo", c[1])
        assert.is_false(ok, c[2])
        assert.equal("lambda.fetch: " .. c[2], err)
      end
      assert.equal(0, #since(mark))
    end)
  end)
end)
