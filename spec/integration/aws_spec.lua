-- lambda.fetch and lambda.aws end to end: handlers run by `lua-lambda
-- invoke` call a fake AWS endpoint (spec/support/fakes/fake_aws.py) over HTTPS
-- with a CA made at test time; the fake checks every signature with
-- botocore and answers 403 SignatureDoesNotMatch on any difference.
local cjson = require "cjson"
local helper = require "helper"
local test_ca = require "test_ca"
local aws_fake = require "aws_fake"

local own = helper.own()  -- spec/integration/aws/: aws_app.lua

local SECRET = "test/secret+key"

local start_fake = aws_fake.start_with

describe("lambda.fetch and lambda.aws", function()
  local ca, fake, bad

  lazy_setup(function()
    ca = test_ca.make()
    fake = start_fake(ca.cert, ca.key)
    bad = start_fake(ca.bad_cert, ca.bad_key)
  end)

  lazy_teardown(function()
    if fake then fake.proc:kill() fake.proc:cleanup() end
    if bad then bad.proc:kill() bad.proc:cleanup() end
    if ca then test_ca.remove(ca) end
  end)

  -- The environment a function gets: env credentials, the fake as the
  -- endpoint of every service, the test CA trusted. extra overrides
  -- (false removes).
  local function env(extra)
    local e = {
      SSL_CERT_FILE = ca.ca, AWS_ENDPOINT_URL = fake.base,
      AWS_ACCESS_KEY_ID = "AKIDTEST", AWS_SECRET_ACCESS_KEY = SECRET,
      AWS_REGION = "eu-west-1", HOME = ca.dir,
    }
    for k, v in pairs(extra or {}) do e[k] = v or nil end
    return e
  end

  -- Runs aws_app.<fn> with event (base added) under lua-lambda invoke;
  -- returns the decoded result, and the whole output.
  local function invoke(fn, event, extra_env, timeout)
    event.base = event.base or fake.base
    return aws_fake.invoke_with_env(own.root, "aws_app." .. fn, event, env(extra_env),
      timeout)
  end

  local function stats(name)
    local r = invoke("fetch", { path = "/__stats?name=" .. name })
    return cjson.decode(r.body).count
  end

  describe("lambda.fetch", function()
    it("sends method, headers and body, and reads status, headers and body", function()
      local r = invoke("fetch", { path = "/fetch/echo?q=1",
        opts = { method = "PUT", body = "payload", headers = { ["X-One"] = "1" } } })
      assert.equal(200, r.status)
      assert.equal("application/json", r.headers["content-type"])
      local echo = cjson.decode(r.body)
      assert.equal("PUT", echo.method)
      assert.equal("/fetch/echo?q=1", echo.path)
      assert.equal("payload", echo.body)
      local seen = {}
      for _, pair in ipairs(echo.headers) do seen[pair[1]] = pair[2] end
      assert.equal("1", seen["x-one"])
      assert.is_nil(seen["content-type"])  -- nothing curl would make up
      assert.is_nil(seen["expect"])
    end)

    it("keeps its connection warm from one invocation to the next (bootstrap)", function()
      local server = helper.serve({ "--task-root", own.root, "aws_app.fetch" },
        { env = env() })
      local ok, err = pcall(function()
        local event = cjson.encode { base = fake.base, path = "/fetch/echo" }
        local first = server:invoke(event).json
        local second = server:invoke(event).json
        assert.equal(200, first.status)
        assert.equal(1, first.connections)
        assert.equal(0, second.connections)  -- the same TLS connection
      end)
      server:stop()
      assert(ok, err)
    end)

    it("keeps repeated response headers", function()
      local r = invoke("fetch", { path = "/fetch/cookies" })
      assert.equal("a=1,b=2", r.headers["set-cookie"])  -- joined as lambda.http joins
      local cookies = {}
      for _, pair in ipairs(r.header_list) do
        if pair[1] == "set-cookie" then cookies[#cookies + 1] = pair[2] end
      end
      assert.same({ "a=1", "b=2" }, cookies)
    end)

    it("answers an HTTP error status as a response, not an error", function()
      local r = invoke("fetch", { path = "/fetch/status/503" })
      assert.equal(503, r.status)
      assert.equal("status 503", r.body)
    end)

    it("streams a body given as a function, chunked", function()
      local r = invoke("fetch", { path = "/fetch/echo", chunks = { "ab", "", "cd", "e" },
        opts = { method = "POST" } })
      local echo = cjson.decode(r.body)
      assert.equal("abcde", echo.body)
      assert.is_true(echo.chunked)
    end)

    it("refuses a response over max_body with kind too_large", function()
      local r = invoke("fetch", { path = "/fetch/big?n=5000", opts = { max_body = 4096 } })
      assert.equal("too_large", r.err.kind)
      local ok = invoke("fetch", { path = "/fetch/big?n=4096", opts = { max_body = 4096 } })
      assert.equal(4096, #ok.body)
    end)

    it("refuses a certificate its CAs did not sign (kind tls)", function()
      local r = invoke("fetch", { base = bad.base, path = "/fetch/echo" })
      assert.equal("tls", r.err.kind)
      -- the same server is fine once its certificate is trusted
      local trusted = invoke("fetch", { base = bad.base, path = "/fetch/echo" },
        { SSL_CERT_FILE = ca.bad_cert })
      assert.equal(200, trusted.status)
    end)

    it("says connect when nothing listens, and refuses header injection", function()
      local r = invoke("fetch", { base = "https://127.0.0.1:1", path = "/" })
      assert.equal("connect", r.err.kind)
      local inj = invoke("fetch", { path = "/fetch/echo",
        opts = { headers = { ["X-A"] = "x\r\nX-Injected: yes" } } })
      assert.equal("invalid", inj.err.kind)
    end)

    it("times out at its timeout, and never past the invocation's deadline", function()
      local r = invoke("fetch", { path = "/fetch/slow?ms=3000", opts = { timeout = 200 } })
      assert.equal("timeout", r.err.kind)
      -- no timeout given: what is left of a 1 s invocation, less the margin;
      -- the handler still answers (no Task timed out)
      local d = invoke("fetch", { path = "/fetch/slow?ms=3000" }, nil, 1)
      assert.equal("timeout", d.err.kind)
    end)

    it("sends an idempotent request again when its reused connection is dead", function()
      -- closed without a word: libcurl itself tries a new connection
      local r = invoke("fetch_twice", { path = "/fetch/drop-reused" })
      assert.equal("fresh", r.first)
      assert.equal("fresh", r.second)
      assert.is_nil(r.err)
      -- dead halfway through the answer: lambda.fetch sends it once more
      local half = invoke("fetch_twice", { path = "/fetch/half-reused" })
      assert.equal("fresh", half.second)
      assert.is_nil(half.err)
    end)

    it("goes through HTTPS_PROXY, and around it for NO_PROXY", function()
      local r = invoke("fetch", { path = "/fetch/echo" },
        { HTTPS_PROXY = "http://127.0.0.1:1" })
      assert.equal("connect", r.err.kind)  -- the proxy's port, not the fake's
      assert.truthy(r.err.message:find("port 1 ", 1, true), r.err.message)
      local around = invoke("fetch", { path = "/fetch/echo" },
        { HTTPS_PROXY = "http://127.0.0.1:1", NO_PROXY = "127.0.0.1" })
      assert.equal(200, around.status)
    end)
  end)

  describe("lambda.aws", function()
    it("puts and gets a DynamoDB item, numbers exact both ways", function()
      local r = invoke("dynamodb_roundtrip", { table = "users", id = "u1" })
      assert.is_nil(r.err)
      assert.equal("u1", r.id)
      assert.is_true(r.count_exact)
      assert.equal(1.5, r.price)
      assert.equal("123456789012345678901234567890", r.big)
      assert.same({ "a", "b" }, r.tags)
    end)

    it("takes a service's own endpoint variable over AWS_ENDPOINT_URL", function()
      local r = invoke("dynamodb_get", { table = "t" }, {
        AWS_ENDPOINT_URL = "https://127.0.0.1:1",
        AWS_ENDPOINT_URL_DYNAMODB = fake.base })
      assert.is_nil(r.err)
      local other = invoke("sqs_send", { queue = "q", body = "b" }, {
        AWS_ENDPOINT_URL = "https://127.0.0.1:1",
        AWS_ENDPOINT_URL_DYNAMODB = fake.base })
      assert.equal("Transport.connect", other.err.code)
    end)

    it("warms a service's connection, so the first call makes none", function()
      local cold = invoke("warm_then_fetch", {})
      assert.equal(1, cold.connections)
      local warm = invoke("warm_then_fetch", { warm = true })
      assert.is_true(warm.warmed, warm.err)
      assert.equal(0, warm.connections)
    end)

    it("sends an SQS message", function()
      local r = invoke("sqs_send", { queue = "https://sqs/q", body = "hello" })
      assert.is_nil(r.err)
      assert.equal("5d41402abc4b2a76b9719d911017c592", r.res.MD5OfMessageBody)
      local missing = invoke("sqs_send", { queue = "", body = "x" })
      assert.equal("MissingParameter", missing.err.code)
      assert.equal(400, missing.err.status)
      assert.is_false(missing.err.retryable)
    end)

    it("puts, gets, heads, presigns and deletes S3 objects; errors from XML", function()
      local r = invoke("s3_objects", { key = "dir/a b+ሴ.txt", body = "object body",
        chunks = { "stre", "amed" } })
      assert.is_nil(r.put_err)
      assert.equal("object body", r.get)
      assert.equal("text/plain", r.head_type)
      assert.is_nil(r.stream_err)
      assert.equal("streamed", r.streamed)
      assert.equal(200, r.presigned_status)
      assert.equal("object body", r.presigned_body)
      assert.is_nil(r.delete_err)
      assert.is_nil(r.after_delete)
      assert.equal("NoSuchKey", r.missing.code)
      assert.equal(404, r.missing.status)
      assert.truthy(r.missing.request_id)
    end)

    it("invokes a Lambda function, with its qualifier and its function error", function()
      local r = invoke("lambda_invoke", { name = "fn", payload = { a = 1 }, qualifier = "live" })
      assert.same({ a = 1 }, r.res.payload.echo)
      assert.equal("live", r.res.payload.qualifier)
      assert.equal("live", r.res.executed_version)
      local f = invoke("lambda_invoke", { name = "fails", payload = {} })
      assert.equal("Unhandled", f.res.function_error)
      assert.equal("boom", f.res.payload.errorMessage)
    end)

    it("retries throttling with backoff, and gives up after 3 attempts", function()
      local ok = invoke("dynamodb_get", { table = "throttle-2-a" })
      assert.is_true(ok.ok)
      assert.equal(3, stats("dynamodb:throttle-2-a"))
      local r = invoke("dynamodb_get", { table = "throttle-9-b" })
      assert.is_false(r.ok)
      assert.equal("ThrottlingException", r.err.code)
      assert.is_true(r.err.retryable)
      assert.equal(3, r.err.attempts)
      assert.equal(3, stats("dynamodb:throttle-9-b"))
      local u = invoke("dynamodb_get", { table = "status-503-c" })
      assert.equal(503, u.err.status)
      assert.equal(3, u.err.attempts)
    end)

    it("stops retrying before the invocation's deadline, and answers", function()
      -- 1 s: each attempt takes 400 ms, so the third cannot finish in time
      local r, out = invoke("dynamodb_get", { table = "slow-503-d" }, nil, 1)
      assert.is_false(r.ok)
      assert.is_true(r.err.attempts <= 3, tostring(r.err.attempts))
      assert.is_nil(out:find("Task timed out", 1, true))
      assert.is_true(stats("dynamodb:slow-503-d") <= 2)
    end)

    it("refreshes container credentials that expire within 5 minutes", function()
      local no_keys = { AWS_ACCESS_KEY_ID = false, AWS_SECRET_ACCESS_KEY = false,
        AWS_CONTAINER_CREDENTIALS_FULL_URI = fake.base .. "/creds?ttl=200",
        AWS_CONTAINER_AUTHORIZATION_TOKEN = "test-container-token" }
      local r = invoke("credentials_twice", { table = "t" }, no_keys)
      assert.is_nil(r.call_err)
      assert.equal("container", r.source)
      assert.is_true(r.has_token)
      assert.are_not.equal(r.first, r.second)  -- each refreshed
      no_keys.AWS_CONTAINER_CREDENTIALS_FULL_URI = fake.base .. "/creds?ttl=3600"
      local cached = invoke("credentials_twice", { table = "t" }, no_keys)
      assert.equal(cached.first, cached.second)
    end)

    it("reads the container token from its file, and hides every secret", function()
      local token_file = ca.dir .. "/token"
      local f = assert(io.open(token_file, "w"))
      f:write("test-container-token\n")
      f:close()
      local r, out = invoke("credentials", {}, { AWS_ACCESS_KEY_ID = false,
        AWS_SECRET_ACCESS_KEY = false,
        AWS_CONTAINER_CREDENTIALS_FULL_URI = fake.base .. "/creds",
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = token_file })
      assert.equal("container", r.source)
      assert.truthy(r.text:find("secret hidden", 1, true))
      assert.is_nil(out:find("container-secret", 1, true))
      local wrong = invoke("credentials", {}, { AWS_ACCESS_KEY_ID = false,
        AWS_SECRET_ACCESS_KEY = false,
        AWS_CONTAINER_CREDENTIALS_FULL_URI = fake.base .. "/creds",
        AWS_CONTAINER_AUTHORIZATION_TOKEN = "wrong" })
      assert.equal("credentials", wrong.err.kind)
      assert.truthy(wrong.err.message:find("401", 1, true))
    end)

    it("reads a profile from the shared files", function()
      local f = assert(io.open(ca.dir .. "/shared-credentials", "w"))
      f:write("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n",
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n",
        "aws_session_token = tok\n")
      f:close()
      local r = invoke("credentials", {}, { AWS_ACCESS_KEY_ID = false,
        AWS_SECRET_ACCESS_KEY = false, AWS_PROFILE = "dev",
        AWS_SHARED_CREDENTIALS_FILE = ca.dir .. "/shared-credentials" })
      assert.equal("AKIDDEV", r.id)
      assert.equal("tok", r.token)
      local none = invoke("credentials", {}, { AWS_ACCESS_KEY_ID = false,
        AWS_SECRET_ACCESS_KEY = false })
      assert.equal("credentials", none.err.kind)
    end)

    it("is refused by the endpoint with a wrong secret, which no output shows", function()
      local r, out = invoke("dynamodb_get", { table = "t" },
        { AWS_SECRET_ACCESS_KEY = "not-the-secret" })
      assert.equal("SignatureDoesNotMatch", r.err.code)
      assert.equal(403, r.err.status)
      assert.is_nil(out:find("not-the-secret", 1, true))
    end)
  end)
end)
