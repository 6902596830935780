-- Web identity credentials end to end: handlers run by `lua-lambda invoke`
-- resolve AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN through a fake STS
-- (spec/support/fakes/fake_sts.py); botocore, pointed at the same fake,
-- is the oracle of what goes on the wire (an unsigned form POST) and of
-- what the answer means.
local aws_fake = require "aws_fake"
local cjson = require "cjson"
local helper = require "helper"
local Process = require "process"
local fetch = require "lambda.fetch"
local python = require("oracle_python").python()

local own = helper.own()  -- spec/integration/aws_web_identity/: wi_app.lua

describe("web identity credentials", function()
  local fake, base, home

  lazy_setup(function()
    fake = Process.start { argv = { "/usr/bin/python3", "spec/support/fakes/fake_sts.py" },
      env = { PYTHONPATH = "spec/support/fakes", PYTHONDONTWRITEBYTECODE = "1" } }
    local port = tonumber(helper.wait_for(function()
      assert(not fake:exited(), "fake_sts.py exited: " .. fake:stderr())
      return fake:stdout():match("port (%d+)")
    end, "fake_sts.py did not start", 20))
    base = "http://127.0.0.1:" .. port
    home = helper.tmpdir()
  end)

  lazy_teardown(function()
    if fake then fake:kill() fake:cleanup() end
  end)

  -- The requests the fake has read since the count given.
  local function requests(since)
    local res = assert(fetch.request(base .. "/__requests"))
    local all, out = cjson.decode(res.body), {}
    for i = (since or 0) + 1, #all do out[#out + 1] = all[i] end
    return out, #all
  end

  local function token_file(text)
    return helper.tmpfile(text, "token")
  end

  -- The environment of a function that has no keys of its own.
  local function env(extra)
    local e = { HOME = home, AWS_REGION = "eu-west-1", AWS_ENDPOINT_URL_STS = base,
      AWS_ROLE_ARN = "arn:aws:iam::123456789012:role/web role",
      AWS_ROLE_SESSION_NAME = "spec-session" }
    for k, v in pairs(extra or {}) do e[k] = v or nil end
    return e
  end

  local function invoke(fn, event, vars)
    return (aws_fake.invoke_with_env(own.root, "wi_app." .. fn, event, vars))
  end

  -- botocore's credential chain in the same environment (and so against
  -- the same fake): its credentials, as JSON.
  local function botocore(vars)
    local parts = { "env -i PATH=" .. helper.quote(os.getenv("PATH")) }
    for k, v in pairs(vars) do
      if k == "AWS_REGION" then k = "AWS_DEFAULT_REGION" end
      parts[#parts + 1] = k .. "=" .. helper.quote(v)
    end
    local code = [[import json, botocore.session
c = botocore.session.get_session().get_credentials().get_frozen_credentials()
print(json.dumps({"access_key": c.access_key, "secret_key": c.secret_key,
                  "token": c.token, "account_id": c.account_id}))]]
    parts[#parts + 1] = python .. " -c " .. helper.quote(code)
    local ok, out = helper.sh(table.concat(parts, " "))
    assert(ok, out)
    return cjson.decode(out)
  end

  it("sends what botocore sends: an unsigned form POST to STS", function()
    local vars = env { AWS_WEB_IDENTITY_TOKEN_FILE = token_file("eyJ.tok+en/é &=") }
    local _, before = requests()
    local theirs = botocore(vars)
    local r = invoke("credentials_twice", {}, vars)
    local seen = requests(before)
    assert.equal(2, #seen)
    local b, l = seen[1], seen[2]
    assert.equal(b.method, l.method)
    assert.equal("POST", l.method)
    assert.equal(b.path, l.path)
    assert.equal(b.body, l.body)
    assert.equal(b.headers["content-type"], l.headers["content-type"])
    assert.equal(#b.body, tonumber(l.headers["content-length"]))
    for _, name in ipairs { "authorization", "x-amz-date", "x-amz-security-token",
        "x-amz-content-sha256" } do
      assert.is_nil(b.headers[name], name)
      assert.is_nil(l.headers[name], name)
    end
    assert.truthy(l.body:find("WebIdentityToken=eyJ.tok%2Ben%2F%C3%A9+%26%3D", 1, true), l.body)
    assert.truthy(l.body:find("RoleSessionName=spec-session", 1, true))
    -- and reads the answer as botocore does (entities decoded, account id)
    assert.equal("web identity", r.source)
    assert.equal((theirs.access_key:gsub("%d+$", "")), (r.first:gsub("%d+$", "")))
    assert.equal((theirs.secret_key:gsub("%d+$", "")), (r.secret:gsub("%d+$", "")))
    assert.equal("wi/secret&", (r.secret:gsub("%d+$", "")))
    assert.equal((theirs.token:gsub("%d+$", "")), (r.token:gsub("%d+$", "")))
    assert.equal(theirs.account_id, r.account_id)
    assert.is_nil(r.text:find(r.secret, 1, true))
    -- an hour's credentials: cached, one request for both reads
    assert.equal(r.first, r.second)
    assert.is_true(r.expires_in > 3500 and r.expires_in <= 3600, tostring(r.expires_in))
  end)

  it("names the session as botocore does when AWS_ROLE_SESSION_NAME is unset", function()
    local vars = env { AWS_WEB_IDENTITY_TOKEN_FILE = token_file("expiring-t"),
      AWS_ROLE_SESSION_NAME = false }
    local _, before = requests()
    local t0 = os.time()
    invoke("credentials_twice", {}, vars)  -- refreshed: two requests
    botocore(vars)
    local t1 = os.time()
    local seen = requests(before)
    assert.equal(3, #seen)
    for _, req in ipairs(seen) do
      local t = tonumber(req.body:match("&RoleSessionName=botocore%-session%-(%d+)&"))
      assert.is_true(t ~= nil and t >= t0 and t <= t1, req.body)
      -- the default name goes after the role, as botocore's
      assert.truthy(req.body:find("&RoleArn=.*&RoleSessionName=.*&WebIdentityToken="), req.body)
    end
    -- one name for every refresh of a process
    assert.equal(seen[1].body, seen[2].body)
  end)

  it("refreshes credentials that expire within 5 minutes, reading the token file again", function()
    local path = token_file("expiring-1")
    local vars = env { AWS_WEB_IDENTITY_TOKEN_FILE = path }
    local _, before = requests()
    local r = invoke("credentials_twice", { rewrite_token = { path = path, text = "expiring-2" } }, vars)
    assert.are_not.equal(r.first, r.second)
    local seen = requests(before)
    assert.equal(2, #seen)
    assert.truthy(seen[1].body:find("WebIdentityToken=expiring-1", 1, true))
    assert.truthy(seen[2].body:find("WebIdentityToken=expiring-2", 1, true))
  end)

  it("comes after the environment's keys and before the container's", function()
    local vars = env { AWS_WEB_IDENTITY_TOKEN_FILE = token_file("t"),
      AWS_CONTAINER_CREDENTIALS_FULL_URI = base .. "/container",
      AWS_ACCESS_KEY_ID = "ENVKEY", AWS_SECRET_ACCESS_KEY = "s" }
    local _, before = requests()
    assert.equal("environment", invoke("credentials_twice", {}, vars).source)
    assert.equal(0, #requests(before))
    vars.AWS_ACCESS_KEY_ID, vars.AWS_SECRET_ACCESS_KEY = nil, nil
    assert.equal("web identity", invoke("credentials_twice", {}, vars).source)
    vars.AWS_WEB_IDENTITY_TOKEN_FILE = nil
    local c = invoke("credentials_twice", {}, vars)
    assert.equal("container", c.source)
    assert.equal("CONTAINERKEY", c.first)
  end)

  it("retries STS's IDPCommunicationError as botocore does", function()
    local vars = env { AWS_WEB_IDENTITY_TOKEN_FILE = token_file("flaky-" .. os.time()) }
    local _, before = requests()
    local r = invoke("credentials_twice", {}, vars)
    assert.equal("web identity", r.source)
    assert.equal(2, #requests(before))
  end)

  it("fails with STS's code and message, kind credentials, and the call too", function()
    local vars = env { AWS_WEB_IDENTITY_TOKEN_FILE = token_file("invalid") }
    local r = invoke("credentials_twice", {}, vars)
    assert.equal("credentials", r.err.kind)
    assert.equal("InvalidIdentityToken", r.err.code)
    assert.equal(400, r.err.status)
    assert.truthy(r.err.request_id:match("^err%-%d+$"))
    assert.truthy(r.err.message:find("Couldn't retrieve verification key", 1, true), r.err.message)
    assert.equal(1, r.err.attempts)
    local call = invoke("call", { base = base }, vars)
    assert.equal("credentials", call.err.kind)
    assert.equal("InvalidIdentityToken", call.err.code)
    local missing = invoke("credentials_twice", {}, env {
      AWS_WEB_IDENTITY_TOKEN_FILE = home .. "/no-such-token" })
    assert.equal("credentials", missing.err.kind)
    assert.truthy(missing.err.message:find("cannot read AWS_WEB_IDENTITY_TOKEN_FILE", 1, true))
    local no_role = invoke("credentials_twice", {}, env {
      AWS_WEB_IDENTITY_TOKEN_FILE = token_file("t"), AWS_ROLE_ARN = false })
    assert.truthy(no_role.err.message:find("AWS_ROLE_ARN", 1, true))
  end)

  it("goes to the region's STS endpoint as botocore's rules make it", function()
    local ok, out = helper.sh(python .. " -c " .. helper.quote([[
import json, botocore.session
s = botocore.session.get_session()
regions = ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "eusc-de-east-1",
           "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1",
           "aws-global", "xx-new-1"]
print(json.dumps({r: s.create_client("sts", region_name=r, aws_access_key_id="a",
                  aws_secret_access_key="b").meta.endpoint_url for r in regions}))]]))
    assert(ok, out)
    local web_identity = require "lambda.aws.web_identity"
    for region, url in pairs(cjson.decode(out)) do
      assert.equal(url, web_identity.endpoint(region), region)
    end
  end)

  it("decodes the XML's entities, named and numeric", function()
    local wi = require "lambda.aws.web_identity"
    assert.equal([[a&b<c>d"e'f é é ☃]],
      wi.unescape("a&amp;b&lt;c&gt;d&quot;e&apos;f &#233; &#xE9; &#x2603;"))
    local c = wi.parse([[<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>
      <AssumedRoleUser><Arn>arn:aws-cn:sts::210987654321:assumed-role/r/s</Arn></AssumedRoleUser>
      <Credentials><AccessKeyId>K</AccessKeyId><SecretAccessKey>a&#43;b</SecretAccessKey>
      <SessionToken>T&amp;</SessionToken><Expiration>2030-01-01T00:00:00.123Z</Expiration>
      </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>]])
    assert.same({ access_key_id = "K", secret_access_key = "a+b", session_token = "T&",
      expiration = "2030-01-01T00:00:00.123Z", account_id = "210987654321" }, c)
    assert.is_nil(wi.parse("<ErrorResponse/>"))
  end)
end)
