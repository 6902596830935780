-- lambda.aws's Signature Version 4 against AWS's 38 reference cases
-- (spec/fixtures/sigv4, from aws-c-auth): the canonical request, the
-- string to sign and the signature, for header and for query signing.
local cjson = require "cjson"
local helper = require "helper"
local sign = require "lambda.aws.sign"
local epoch = require("lambda.aws.credentials").parse_time

local ROOT = helper.fixtures .. "/sigv4/v4"

local function cases()
  local names = {}
  local p = assert(io.popen("ls " .. ROOT))
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  return names
end

-- request.txt: the request line, headers (a line that starts with white
-- space continues the one before), a blank line, the body.
local function parse_request(text)
  local head, body = text:match("^(.-)\n\n(.*)$")
  head = head or text
  local lines = {}
  for line in (head .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
  local method, target = lines[1]:match("^(%S+) (.*) HTTP/1%.1$")
  local headers = {}
  for i = 2, #lines do
    local line = lines[i]
    if line:match("^%s") and #headers > 0 then
      headers[#headers][2] = headers[#headers][2] .. "\n" .. line
    elseif line ~= "" then
      local name, value = line:match("^([^:]+):(.*)$")
      headers[#headers + 1] = { name, value }
    end
  end
  return { method = method, target = target, headers = headers, body = body or "" }
end

local function read(case, file)
  return (helper.read(ROOT .. "/" .. case .. "/" .. file):gsub("\n$", ""))
end

local function request_of(case)
  local ctx = cjson.decode(read(case, "context.json"))
  local r = parse_request(helper.read(ROOT .. "/" .. case .. "/request.txt"))
  return {
    method = r.method, url = "https://example.amazonaws.com" .. r.target,
    headers = r.headers, body = r.body, service = ctx.service,
    region = ctx.region, time = epoch(ctx.timestamp),
    credentials = {
      access_key_id = ctx.credentials.access_key_id,
      secret_access_key = ctx.credentials.secret_access_key,
      session_token = ctx.credentials.token,
    },
    normalize_path = ctx.normalize, encode_path = true,
    sign_payload = ctx.sign_body, omit_session_token = ctx.omit_session_token,
    expires = ctx.expiration_in_seconds,
  }
end

describe("SigV4 reference cases #unit", function()
  local names = cases()

  it("are all there", function()
    assert.equal(38, #names)
  end)

  for _, case in ipairs(names) do
    it("signs " .. case .. " in headers", function()
      local add, d = sign.sign(request_of(case))
      assert.equal(read(case, "header-canonical-request.txt"), d.canonical_request)
      assert.equal(read(case, "header-string-to-sign.txt"), d.string_to_sign)
      assert.equal(read(case, "header-signature.txt"), d.signature)
      assert.truthy(add.authorization:find("Signature=" .. d.signature, 1, true))
      local expected_auth = read(case, "header-signed-request.txt")
        :match("\nAuthorization:([^\n]+)")
      assert.equal(expected_auth, add.authorization)
    end)

    it("signs " .. case .. " in the query", function()
      local url, d = sign.presign(request_of(case))
      assert.equal(read(case, "query-canonical-request.txt"), d.canonical_request)
      assert.equal(read(case, "query-string-to-sign.txt"), d.string_to_sign)
      assert.equal(read(case, "query-signature.txt"), d.signature)
      local suffix = "&X-Amz-Signature=" .. d.signature
      assert.equal(suffix, url:sub(-#suffix))
    end)
  end
end)

-- lambda.sigv4.sign (aws.sign's C) on what the reference cases leave out.
describe("aws.sign's C #unit", function()
  local sigv4 = require "lambda.sigv4"
  local json = require "lambda.json"

  local function hex(bytes)
    return (bytes:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
  end

  local function base(t)
    local req = {
      method = "POST", url = "https://dynamodb.eu-west-1.amazonaws.com/",
      headers = { ["x-amz-target"] = "DynamoDB_20120810.GetItem" },
      body = "{}", service = "dynamodb", region = "eu-west-1",
      time = 1764680000,
      credentials = { access_key_id = "AKID", secret_access_key = "secret" },
    }
    for k, v in pairs(t or {}) do req[k] = v end
    return req
  end

  it("signs with the key of each secret, date, region and service, kept or not", function()
    -- each combination differs from the first in one part (the secret by
    -- its last byte), taken 2 to 6 at a time, round after round: keys kept
    -- are found again (the C keeps 4), and none is taken for another's
    local day = 1764680000
    local combos = {
      { "secret-one", "us-east-1", "dynamodb", day },
      { "secret-one", "us-east-1", "dynamodb", day + 86400 },
      { "secret-onf", "us-east-1", "dynamodb", day },
      { "secret-one", "us-east-2", "dynamodb", day },
      { "secret-one", "us-east-1", "dynamodbx", day },
      { "secret-one", "us-east-", "1dynamodb", day },
    }
    local checked = 0
    for size = 2, #combos do
      for _ = 1, 3 do
        for i = 1, size do
          local secret, region, service, time = table.unpack(combos[i])
          local _, d = sign.sign(base { region = region, service = service,
            time = time, credentials = { access_key_id = "AKID",
              secret_access_key = secret } })
          local k = sigv4.hmac_sha256("AWS4" .. secret, os.date("!%Y%m%d", time))
          k = sigv4.hmac_sha256(k, region)
          k = sigv4.hmac_sha256(k, service)
          k = sigv4.hmac_sha256(k, "aws4_request")
          assert.equal(hex(sigv4.hmac_sha256(k, d.string_to_sign)), d.signature,
            table.concat(combos[i], " ", 1, 3))
          checked = checked + 1
        end
      end
    end
    assert.equal(60, checked)
  end)

  it("dates as os.date does, in the C's range and out of it", function()
    math.randomseed(28)
    local times = { 0, 0.999, 59, 86399.5, 951782400, 253402300799,
      -86400, -0.5, 253402300800, 4102444800.25 }
    for _ = 1, 2000 do
      times[#times + 1] = math.random(0, 253402300799)
      times[#times + 1] = math.random() * 4e9
    end
    for _, t in ipairs(times) do
      local add = sign.sign(base { time = t })
      assert.equal(os.date("!%Y%m%dT%H%M%SZ", math.floor(t)), add["x-amz-date"],
        tostring(t))
    end
  end)

  it("takes the host from the URL as split_url does", function()
    local _, want = sign.sign(base())
    for _, url in ipairs { "https://DynamoDB.eu-west-1.amazonaws.com/",
        "https://dynamodb.eu-west-1.amazonaws.com:443/",
        "https://user:pw@dynamodb.eu-west-1.amazonaws.com",
        "HTTPS://dynamodb.eu-west-1.amazonaws.com/#part",
        "https://dynamodb.eu-west-1.amazonaws.com?" } do
      local _, d = sign.sign(base { url = url })
      assert.equal(want.canonical_request, d.canonical_request, url)
    end
    local _, d = sign.sign(base { url = "http://dynamodb.eu-west-1.amazonaws.com:443/" })
    assert.truthy(d.canonical_request:find("\nhost:dynamodb.eu-west-1.amazonaws.com:443\n",
      1, true))
  end)

  it("says false for what sign.lua reads first, nil for no credentials", function()
    assert.is_false(sigv4.sign(base { url = "no-host" }))
    assert.is_false(sigv4.sign(base { headers = { ["x-a"] = { "1", "2" } } }))
    assert.is_false(sigv4.sign(base { headers = setmetatable({}, {}) }))
    assert.is_false(sigv4.sign(base { headers = { { "x-a", true } } }))
    assert.is_false(sigv4.sign(base { time = 0 / 0 }))
    assert.is_false(sigv4.sign(base { time = -1 }))
    assert.is_false(sigv4.sign(base { expires = "60" }))
    assert.is_false(sigv4.sign(base { credentials = { access_key_id = "",
      secret_access_key = "s" } }))
    assert.is_nil(sigv4.sign(base { credentials = json.null }))
    assert.is_false(sigv4.sign(base { credentials = json.null, url = "https://" }))
    local add, d = sigv4.sign(base { headers = { { "x-a", json.null }, { "x-b", 7 } } })
    assert.truthy(d.canonical_request:find("\nx-b:7\n", 1, true))
    assert.is_nil(d.canonical_request:find("\nx-a:", 1, true))
    assert.same(add, (sign.sign(base { headers = { ["x-b"] = "7" } })))
  end)

  it("joins a map's names spelt two ways in the order of the names", function()
    local _, d = sign.sign(base { headers = { ["x-a"] = "2", ["X-A"] = "1", ["X-a"] = 3 } })
    local _, want = sign.sign(base { headers = setmetatable(
      { { "X-A", "1" }, { "X-a", "3" }, { "x-a", "2" } }, {}) })
    assert.truthy(d.canonical_request:find("\nx-a:1,3,2\n", 1, true))
    assert.equal(want.canonical_request, d.canonical_request)
  end)

  it("hashes the payload by S3's rules and the options", function()
    local body_hash = sigv4.sha256_hex("{}")
    local function hash(t)
      local add, d = sign.sign(base(t))
      return d.canonical_request:match("\n([^\n]*)$"), add["x-amz-content-sha256"]
    end
    assert.same({ body_hash }, { hash {} })
    assert.same({ "UNSIGNED-PAYLOAD" }, { hash { body = function() end } })
    assert.same({ body_hash }, { hash { unsigned_payload = true } })
    assert.same({ body_hash, body_hash }, { hash { sign_payload = true } })
    assert.same({ "UNSIGNED-PAYLOAD", "UNSIGNED-PAYLOAD" },
      { hash { service = "s3", unsigned_payload = true } })
    assert.same({ "UNSIGNED-PAYLOAD", "UNSIGNED-PAYLOAD" },
      { hash { service = "s3", body = function() end } })
    assert.same({ sigv4.sha256_hex(""), sigv4.sha256_hex("") },
      { hash { service = "s3", body = "" } })
    assert.same({ "abc", "abc" }, { hash { service = "s3", payload_hash = "abc" } })
    assert.same({ "" }, { hash { payload_hash = "" } })
  end)

  it("sends the token, and signs it unless told not to", function()
    local creds = { access_key_id = "AKID", secret_access_key = "secret",
      session_token = "tok" }
    local add, d = sign.sign(base { credentials = creds })
    assert.equal("tok", add["x-amz-security-token"])
    assert.truthy(d.canonical_request:find("\nx-amz-security-token:tok\n", 1, true))
    add, d = sign.sign(base { credentials = creds, omit_session_token = true })
    assert.equal("tok", add["x-amz-security-token"])
    assert.is_nil(d.canonical_request:find("security", 1, true))
    creds.session_token = ""
    add = sign.sign(base { credentials = creds })
    assert.is_nil(add["x-amz-security-token"])
  end)

  it("never signs what the HTTP stack may change", function()
    local _, want = sign.sign(base())
    local _, d = sign.sign(base { headers = { ["x-amz-target"] = "DynamoDB_20120810.GetItem",
      ["User-Agent"] = "lua", Expect = "100-continue", ["transfer-encoding"] = "chunked",
      ["X-Amzn-Trace-Id"] = "Root=1" } })
    assert.equal(want.canonical_request, d.canonical_request)
  end)

  it("signs from a finalizer the collector runs while it signs", function()
    -- 100 headers given as numbers: each made a string in the C, each an
    -- allocation at which the collector may run a finalizer that signs
    local many = {}
    for i = 1, 100 do many[i] = { "x-h" .. i, i == 1 and "text" or i + 0.5 } end
    local want, want_d = sign.sign(base { headers = many })
    local runs, wrong = 0, 0
    local mt = { __gc = function()
      local add = sign.sign(base { region = "us-west-2", headers = { ["x-n"] = 1.5 } })
      runs = runs + 1
      if not add.authorization:find("/us-west-2/", 1, true) then wrong = wrong + 1 end
    end }
    collectgarbage("incremental", 1, 400)  -- a cycle at every allocation
    local ok, err = pcall(function()
      for _ = 1, 100 do
        for _ = 1, 5 do setmetatable({}, mt) end
        local add, d = sign.sign(base { headers = many })
        assert.same(want, add)
        assert.same(want_d, d)
      end
    end)
    collectgarbage("incremental", 200, 100)  -- Lua's defaults
    collectgarbage()
    assert(ok, err)
    assert.is_true(runs > 100, tostring(runs))
    assert.equal(0, wrong)
  end)
end)
