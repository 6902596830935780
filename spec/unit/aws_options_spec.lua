-- lambda.aws's option tables, in process: lambda.json.null counts as
-- absent and a wrong type is an error naming the field; the credentials'
-- order (the environment before the container endpoint); a bare 503
-- retried. lambda.fetch is replaced by a fake that answers as AWS would,
-- and os.getenv by the environment each test sets.
require "lambda.aws.model"  -- reads LUA_LAMBDA_AWS_MODELS before os.getenv is stood in for
local json = require "lambda.json"
local fetch = require "lambda.fetch"
local aws = require "lambda.aws"
local credentials = require "lambda.aws.credentials"

local CREDS = { access_key_id = "AKIDEXAMPLE",
  secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
local TIME = 1440938160  -- 2015-08-30T12:36:00Z

local function with_token(token)
  return { access_key_id = CREDS.access_key_id,
    secret_access_key = CREDS.secret_access_key, session_token = token }
end

local function base_request(extra)
  local req = { method = "GET", url = "https://example.amazonaws.com/a?x=1",
    service = "service", region = "us-east-1", credentials = CREDS, time = TIME }
  for k, v in pairs(extra or {}) do req[k] = v end
  return req
end

-- What a call raised, without the position.
local function raised(f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "no error raised")
  return (tostring(err):gsub("^[^:]*:%d+: ", ""))
end

describe("lambda.aws option tables #unit", function()
  local real_getenv, real_request = os.getenv, fetch.request
  local env, answers, sent

  before_each(function()
    env = { AWS_ACCESS_KEY_ID = "AKIDTEST", AWS_SECRET_ACCESS_KEY = "secret",
      AWS_REGION = "eu-west-1" }
    os.getenv = function(name) return env[name] end
    answers, sent = {}, {}
    -- each call takes the next answer: a response table, or an error
    fetch.request = function(url, opts)
      sent[#sent + 1] = { url = url, opts = opts }
      local a = table.remove(answers, 1) or { status = 200, headers = {}, body = "" }
      if a.kind then return nil, a end
      return a
    end
    credentials.reset()
  end)

  after_each(function()
    os.getenv, fetch.request = real_getenv, real_request
    credentials.reset()
  end)

  describe("aws.sign and aws.presign", function()
    it("sign a null session token as no token", function()
      local want, wd = aws.sign(base_request())
      local got, gd = aws.sign(base_request { credentials = with_token(json.null) })
      assert.is_nil(got["x-amz-security-token"])
      assert.same(want, got)
      assert.equal(wd.canonical_request, gd.canonical_request)
      local url = aws.presign(base_request { credentials = with_token(json.null) })
      assert.equal(aws.presign(base_request()), url)
      assert.is_nil(url:find("X-Amz-Security-Token", 1, true))
    end)

    it("take every optional field given as null as absent", function()
      local want = aws.sign(base_request())
      for _, field in ipairs { "headers", "body", "payload_hash", "unsigned_payload",
          "sign_payload", "omit_session_token", "normalize_path", "encode_path" } do
        assert.same(want, aws.sign(base_request { [field] = json.null }), field)
      end
      -- a null method is GET, a null time now, null credentials the resolved ones
      assert.same(want, aws.sign(base_request { method = json.null }))
      local now = aws.sign(base_request { time = json.null })
      assert.truthy(now["x-amz-date"]:match("^%d+T%d+Z$"))
      local env_signed = aws.sign(base_request { credentials = json.null })
      assert.truthy(env_signed.authorization:find("Credential=AKIDTEST/", 1, true))
      local presigned = aws.presign(base_request())
      assert.equal(presigned, aws.presign(base_request { expires = json.null }))
      -- a null header value is no header
      assert.same(want, aws.sign(base_request { headers = { ["x-extra"] = json.null } }))
    end)

    it("name the field of the wrong type", function()
      local cases = {
        { { credentials = with_token(5) },
          "lambda.aws.sign: credentials.session_token must be a string, got number" },
        { { credentials = { access_key_id = "A", secret_access_key = json.null } },
          "lambda.aws.sign: credentials.secret_access_key is required" },
        { { credentials = "AKID" },
          "lambda.aws.sign: credentials must be a table, got string" },
        { { region = json.null }, "lambda.aws.sign: region is required" },
        { { service = 7 }, "lambda.aws.sign: service must be a string, got number" },
        { { time = "now" }, "lambda.aws.sign: time must be a number, got string" },
        { { time = 0 / 0 }, "lambda.aws.sign: time must be finite unix seconds" },
        { { body = {} }, "lambda.aws.sign: body must be a string or function, got table" },
        { { headers = "x: y" }, "lambda.aws.sign: headers must be a table, got string" },
        { { sign_payload = "yes" },
          "lambda.aws.sign: sign_payload must be a boolean, got string" },
      }
      for _, case in ipairs(cases) do
        assert.equal(case[2], raised(aws.sign, base_request(case[1])))
      end
      assert.equal("lambda.aws.sign: options must be a table, got string",
        raised(aws.sign, "https://example.amazonaws.com/"))
      assert.equal("lambda.aws.presign: expires must be a number, got string",
        raised(aws.presign, base_request { expires = "60" }))
      assert.equal("lambda.aws.presign: credentials.access_key_id must be a string, got boolean",
        raised(aws.presign, base_request { credentials = { access_key_id = true,
          secret_access_key = "s" } }))
    end)
  end)

  describe("aws.request and the service helpers", function()
    it("take null fields as absent", function()
      local value = aws.request { service = "dynamodb", region = json.null,
        target = "DynamoDB_20120810.ListTables", headers = { ["x-a"] = json.null },
        query = json.null, timeout = json.null, raw = json.null, body = json.null,
        endpoint = json.null, path = json.null, method = json.null }
      assert.equal("", value)
      assert.equal("https://dynamodb.eu-west-1.amazonaws.com/", sent[1].url)
      assert.equal("POST", sent[1].opts.method)
      assert.is_nil(sent[1].opts.timeout)
      assert.is_nil(sent[1].opts.headers["x-a"])
      assert.equal("{}", sent[1].opts.body)

      answers[1] = { status = 200, headers = { ["content-type"] = "application/x-amz-json-1.0" },
        body = '{"TableNames":[]}' }
      local res = aws.dynamodb:call("ListTables", json.null,
        { region = json.null, timeout = json.null })
      assert.equal(0, #res.TableNames)
      assert.equal("https://dynamodb.eu-west-1.amazonaws.com/", sent[2].url)

      aws.s3:get("bucket", "key", { region = json.null, headers = json.null,
        content_type = json.null, max_body = json.null })
      assert.equal("https://bucket.s3.eu-west-1.amazonaws.com/key", sent[3].url)
      local url = aws.s3:presign_get("bucket", "key", { credentials = with_token(json.null),
        time = TIME, expires = json.null })
      assert.truthy(url:find("X-Amz-Expires=900", 1, true))
      assert.is_nil(url:find("X-Amz-Security-Token", 1, true))
      aws.lambda:invoke("fn", {}, { qualifier = json.null, region = json.null })
      assert.equal("https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/fn/invocations",
        sent[4].url)
    end)

    it("name the field of the wrong type", function()
      assert.equal("lambda.aws.request: timeout must be a number, got string",
        raised(aws.request, { service = "dynamodb", timeout = "5" }))
      assert.equal("lambda.aws.request: service is required",
        raised(aws.request, { service = json.null }))
      assert.equal("lambda.aws.request: query must be a table or string, got number",
        raised(aws.request, { service = "s3", query = 1 }))
      local ddb = aws.dynamodb
      assert.equal("lambda.aws.dynamodb:call: opts.timeout must be a number, got string",
        raised(ddb.call, ddb, "GetItem", {}, { timeout = "1s" }))
      assert.equal("lambda.aws.dynamodb:call: operation is required",
        raised(ddb.call, ddb, nil, {}))
      assert.equal("lambda.aws.dynamodb:call: params must be a table, got string",
        raised(ddb.call, ddb, "GetItem", "{}"))
      assert.equal("lambda.aws.s3:get: key must be a string, got number",
        raised(aws.s3.get, aws.s3, "bucket", 12))
      assert.equal("lambda.aws.s3:put: opts.content_type must be a string, got boolean",
        raised(aws.s3.put, aws.s3, "bucket", "key", "body", { content_type = true }))
      assert.equal("lambda.aws.s3:presign_put: opts.credentials.session_token must be a string, got table",
        raised(aws.s3.presign_put, aws.s3, "bucket", "key",
          { credentials = with_token({}) }))
      assert.equal("lambda.aws.lambda:invoke: opts.qualifier must be a string, got number",
        raised(aws.lambda.invoke, aws.lambda, "fn", {}, { qualifier = 1 }))
      assert.equal("lambda.aws.client: region must be a string, got number",
        raised(aws.client, "sqs", 1))
      assert.equal("lambda.aws.warm: name 2 must be a string, got number",
        raised(aws.warm, "dynamodb", 5))
      assert.equal(0, #sent)  -- nothing was sent for any of them
    end)
  end)

  describe("credentials", function()
    it("come from the environment before the container endpoint, as the SDKs' order", function()
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI = "http://127.0.0.1:9/creds"
      env.AWS_CONTAINER_AUTHORIZATION_TOKEN = "token"
      answers[1] = { status = 200, headers = {}, body = json.encode {
        AccessKeyId = "AKIDCONTAINER", SecretAccessKey = "container-secret",
        Token = "container-token", Expiration = "2099-01-01T00:00:00Z" } }
      local creds = assert(aws.credentials())
      assert.equal("environment", creds.source)
      assert.equal("AKIDTEST", creds.access_key_id)
      assert.equal(0, #sent)  -- the endpoint was never asked
    end)

    it("take a container endpoint's null token as none", function()
      env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY = nil, nil
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI = "http://127.0.0.1:9/creds"
      answers[1] = { status = 200, headers = {}, body = '{"AccessKeyId":"AKIDC",'
        .. '"SecretAccessKey":"s","Token":null,"Expiration":null}' }
      local creds = assert(aws.credentials())
      assert.equal("container", creds.source)
      assert.is_nil(creds.session_token)
      assert.is_nil(aws.sign(base_request { credentials = creds })["x-amz-security-token"])
    end)
  end)

  it("retries a bare 503 (no error code: S3's answer to a HEAD it sheds)", function()
    answers[1] = { status = 503, headers = {}, body = "" }
    answers[2] = { status = 200, headers = { ["content-type"] = "text/plain",
      ["content-length"] = "5" }, body = "" }
    local headers, res = aws.s3:head("bucket", "key")
    assert.is_truthy(headers, "the 503 was not retried")
    assert.equal(200, res.status)
    assert.equal(2, #sent)
    assert.equal("HEAD", sent[2].opts.method)
  end)
end)
