-- The error rule of every lambda.* module (docs/errors.md), in this
-- process: an expected failure returns nil and an error value (kind,
-- message, the one shared metatable, a __tostring of "code: message" or
-- "kind: message") whichever module, C or Lua, made it; a misuse raises
-- at the caller, as stock Lua's "bad argument"; one region default; one
-- way of joining repeated headers. lambda.fetch and lambda.aws.credentials
-- are stood in for where a failure would need the network; the joining of
-- fetch's headers needs a server (errors_rule/repeated_headers.py).
require "lambda.aws.model"  -- reads LUA_LAMBDA_AWS_MODELS before os.getenv is stood in for
local helper = require "helper"
local Process = require "process"
local errors = require "lambda.errors"
local json = require "lambda.json"
local base64 = require "lambda.base64"
local fetch = require "lambda.fetch"
local http = require "lambda.http"
local lambda = require "lambda"
local aws = require "lambda.aws"
local credentials = require "lambda.aws.credentials"
local sign = require "lambda.aws.sign"

local HERE = debug.getinfo(1, "S").short_src
local META = "lambda.error"

-- An error value as the rule has it; returns it.
local function assert_error(err, kind, code)
  assert.is_true(errors.is(err), tostring(err))
  assert.equal(debug.getregistry()[META], getmetatable(err))
  assert.equal(META, getmetatable(err).__name)
  assert.equal(kind, err.kind)
  assert.equal("string", type(err.message))
  assert.equal(code, err.code)
  local text = (code or kind) .. ": " .. err.message
    .. (err.request_id and (" (request id " .. err.request_id .. ")") or "")
  assert.equal(text, tostring(err))
  assert.equal("got " .. text, "got " .. err)  -- __concat, as a string would
  return err
end

-- The message a call raised; it must name this file's line, the caller's.
local function raised(f)
  local ok, err = pcall(f)
  assert.is_false(ok, "nothing raised")
  local at, message = tostring(err):match("^(.-):%d+: (.*)$")
  assert.equal(HERE, at, tostring(err))
  return message
end

local real_getenv, real_request = os.getenv, fetch.request
local env, answers, sent

-- lambda.fetch's stand-in: each call takes the next answer, a response
-- or a fetch error value, and is kept in sent.
local function answer(url, opts)
  sent[#sent + 1] = { url = url, opts = opts }
  local a = table.remove(answers, 1) or { status = 200, headers = {}, body = "" }
  if errors.is(a) then return nil, a end
  return a
end

local function restore()
  os.getenv, fetch.request = real_getenv, real_request
  credentials.reset()
end

describe("the error rule", function()
  before_each(function()
    env = { AWS_ACCESS_KEY_ID = "AKIDTEST", AWS_SECRET_ACCESS_KEY = "secret",
      HOME = "/nonexistent" }
    answers, sent = {}, {}
    os.getenv = function(name) return env[name] end
    fetch.request = answer
    credentials.reset()
  end)

  after_each(restore)

  describe("returns nil and an error value", function()
    it("from the C modules: lambda.json, lambda.base64, lambda.fetch", function()
      local v, err = json.decode("[1,")
      assert.is_nil(v)
      assert.truthy(assert_error(err, "json").message:find("at byte 3", 1, true))
      v, err = base64.decode("not base64!")
      assert.is_nil(v)
      assert_error(err, "base64")
      -- refused before any connection is made
      v, err = real_request("http://127.0.0.1:1/", { method = "TWO WORDS" })
      assert.is_nil(v)
      assert_error(err, "invalid")
    end)

    it("from lambda.http", function()
      local req, err = http.request({ Records = {} })
      assert.is_nil(req)
      assert_error(err, "invalid")
      req, err = http.request { version = "2.0", rawPath = "/", body = "%%",
        isBase64Encoded = true, requestContext = { http = { method = "GET" } } }
      assert.is_nil(req)
      assert_error(err, "base64")
    end)

    it("from lambda.aws: credentials, AWS's answers, the transport, a bad body", function()
      env.AWS_ACCESS_KEY_ID = nil
      local creds, err = aws.credentials()
      assert.is_nil(creds)
      assert_error(err, "credentials")
      local value
      value, err = aws.sqs:call("ListQueues", {})
      assert.is_nil(value)
      assert_error(err, "credentials", "CredentialsError")
      assert.is_false(err.retryable)
      value, err = aws.sign { url = "https://h/", service = "s", region = "r" }
      assert.is_nil(value)
      assert_error(err, "credentials")
      value, err = aws.s3:presign_get("bucket", "key")
      assert.is_nil(value)
      assert_error(err, "credentials")

      env.AWS_ACCESS_KEY_ID = "AKIDTEST"
      answers[1] = { status = 400, headers = { ["x-amzn-requestid"] = "req-1",
        ["content-type"] = "application/x-amz-json-1.0" },
        body = '{"__type":"com.amazonaws#ValidationException","message":"bad"}' }
      value, err = aws.dynamodb:call("GetItem", {})
      assert.is_nil(value)
      assert_error(err, "aws", "ValidationException")
      assert.equal(400, err.status)
      assert.equal("req-1", err.request_id)
      assert.is_false(err.retryable)
      assert.equal(1, err.attempts)

      -- a real fetch error value, as the transport gave it
      answers[1] = select(2, real_request("http://127.0.0.1:1/", { method = "A B" }))
      value, err = aws.dynamodb:call("GetItem", {})
      assert.is_nil(value)
      assert_error(err, "invalid", "Transport.invalid")

      answers[1] = { status = 200, body = "{oops",
        headers = { ["content-type"] = "application/x-amz-json-1.0" } }
      value, err = aws.dynamodb:call("GetItem", {})
      assert.is_nil(value)
      assert_error(err, "json", "DecodeError")

      local scheme
      scheme, err = sign.split_url("no-scheme")
      assert.is_nil(scheme)
      assert_error(err, "invalid")
    end)

    it("returns one value on success, so the second is the error or nil", function()
      answers[1] = { status = 200, body = '{"Item":{}}',
        headers = { ["content-type"] = "application/x-amz-json-1.0" } }
      assert.equal(1, select("#", aws.dynamodb:call("GetItem", {})))
      answers[1] = { status = 200, headers = {}, body = "text" }
      assert.equal(1, select("#", aws.request { service = "s3", method = "GET" }))
    end)

    it("from lambda.errors.new, with the module's own fields kept", function()
      local err = errors.new("timeout", "too slow", { curl_code = 28, kind = "x" })
      assert_error(err, "timeout")
      assert.equal(28, err.curl_code)
      assert_error(errors.new("aws", "Rate exceeded", { code = "Throttling",
        request_id = "r-9" }), "aws", "Throttling")
      assert.is_false(errors.is({ kind = "timeout", message = "m" }))
      assert.is_false(errors.is("timeout: m"))
    end)

    it("with one __tostring, the same in C as in Lua", function()
      -- a metatable made by the C modules, and one made by lambda/errors.lua,
      -- each in a state (registry) where it came first
      local registry = debug.getregistry()
      local shared = registry[META]
      registry[META] = nil
      local c_meta = getmetatable(select(2, json.decode("x")))
      registry[META] = nil
      local lua_meta = getmetatable(dofile(package.searchpath("lambda.errors",
        package.path)).new("k", "m"))
      registry[META] = shared
      assert.are_not.equal(c_meta, lua_meta)
      for _, fields in ipairs {
        { kind = "timeout", message = "too slow" },
        { kind = "aws", code = "NoSuchKey", message = "gone", request_id = "r-1" },
        { kind = "json" },
        { message = "m", request_id = 5 },
      } do
        assert.equal(lua_meta.__tostring(fields), c_meta.__tostring(fields))
        local e = setmetatable(fields, c_meta)
        assert.equal(lua_meta.__concat("a ", e), c_meta.__concat("a ", e))
      end
    end)
  end)

  describe("raises a misuse at the caller, as stock Lua's bad argument", function()
    it("in lambda, lambda.batch and lambda.errors", function()
      assert.equal("bad argument #1 to 'error' (non-empty string expected, got string)",
        raised(function() lambda.error("") end))
      assert.equal("bad argument #2 to 'error' (string expected, got number)",
        raised(function() lambda.error("T", 5) end))
      assert.equal("bad argument #3 to 'error' (table expected, got boolean)",
        raised(function() lambda.error("T", "m", true) end))
      assert.equal("bad argument #1 to 'streaming' (function expected, got nil)",
        raised(function() lambda.streaming() end))
      assert.equal("bad argument #1 to 'raw_event' (function or lambda.streaming "
        .. "handler expected, got number)", raised(function() lambda.raw_event(1) end))
      assert.equal("bad argument #2 to 'process' (function expected, got table)",
        raised(function() lambda.batch.process({}, {}) end))
      assert.equal("bad argument #2 to 'new' (string expected, got nil)",
        raised(function() errors.new("kind") end))
      -- without a name given, the caller's; counted as lauxlib counts
      local function mine(x) errors.check(x, "string|nil", 1) end
      assert.equal("bad argument #1 to 'mine' (string expected, got lambda.error)",
        raised(function() mine(errors.new("k", "m")) end))
      local obj = { m = function(_, x) errors.check(x, "string", 2) end }
      assert.equal("bad argument #1 to 'm' (string expected, got number)",
        raised(function() obj:m(1) end))
    end)

    it("however deep in the runtime's modules the check sits", function()
      assert.equal("lambda.aws.s3:get: key must be a string, got number",
        raised(function() aws.s3:get("bucket", 5) end))
      assert.equal("lambda.aws.sign: time must be finite unix seconds",
        raised(function() aws.sign { url = "https://h/", service = "s",
          region = "r", time = 0 / 0 } end))
      assert.equal("cannot store a function in DynamoDB",
        raised(function() aws.dynamodb.marshal { a = { b = { c = print } } } end))
      assert.equal("metric m: value must be a finite number",
        raised(function() lambda.metrics.add("m", 0 / 0) end))
      assert.equal(0, #sent)
    end)
  end)

  describe("takes the region", function()
    local function region_used(setup)
      env.AWS_REGION, env.AWS_DEFAULT_REGION = setup[1], setup[2]
      local seen = { aws.region() }
      aws.dynamodb:call("ListTables", {})
      aws.s3:get("bucket", "key")
      aws.warm("sqs")
      for i = 1, 3 do
        seen[#seen + 1] = sent[i].url:match("%.([%w-]+)%.amazonaws%.com")
      end
      sent = {}
      return seen
    end

    it("from AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1, everywhere", function()
      assert.same({ "eu-west-1", "eu-west-1", "eu-west-1", "eu-west-1" },
        region_used { "eu-west-1", "ap-south-1" })
      assert.same({ "ap-south-1", "ap-south-1", "ap-south-1", "ap-south-1" },
        region_used { nil, "ap-south-1" })
      assert.same({ "ap-south-1", "ap-south-1", "ap-south-1", "ap-south-1" },
        region_used { "", "ap-south-1" })
      assert.same({ "us-east-1", "us-east-1", "us-east-1", "us-east-1" },
        region_used { nil, nil })
      -- a region given wins
      env.AWS_REGION = "eu-west-1"
      aws.client("s3", "sa-east-1"):get("bucket", "key")
      aws.dynamodb:call("ListTables", {}, { region = "ca-central-1" })
      assert.equal("https://bucket.s3.sa-east-1.amazonaws.com/key", sent[1].url)
      assert.equal("https://dynamodb.ca-central-1.amazonaws.com/", sent[2].url)
    end)
  end)

  describe("joins repeated headers", function()
    local server

    lazy_setup(function()
      server = Process.start { argv = { "/usr/bin/python3",
        "spec/integration/errors_rule/repeated_headers.py" } }
    end)

    lazy_teardown(function()
      if server then server:kill() server:cleanup() end
    end)

    it("with \",\" in lambda.http and lambda.fetch, as AWS joins them", function()
      local req = assert(http.request { httpMethod = "GET", path = "/",
        headers = {}, multiValueHeaders = { ["X-Two"] = { "1", "2" } } })
      assert.equal("1,2", req.headers["x-two"])
      local port = helper.wait_for(function()
        assert(not server:exited(), "repeated_headers.py exited: " .. server:stderr())
        return server:stdout():match("port (%d+)")
      end, "repeated_headers.py did not start", 20)
      local res = assert(real_request("http://127.0.0.1:" .. port .. "/"))
      assert.equal(req.headers["x-two"], res.headers["x-two"])
    end)
  end)
end)
