-- lambda.aws.endpoints against botocore (spec/support/lib/endpoint_oracle.py):
-- the rules engine on every service's rule set with random parameters
-- (botocore's EndpointProvider on our model files), the parameters of a
-- call as a botocore client builds them (its EndpointRulesetResolver),
-- the SDKs' environment, and the endpoints everyone knows.
local cjson = require "cjson"
local helper = require "helper"
local tmp = require "tmp"
local oracle_python = require "oracle_python"

-- The source tree (where busted and ctest run the specs), absolute: PWD
-- is the shell's, not always the working folder.
local ROOT = (io.popen("pwd"):read("l"))
local MODELS = ROOT .. "/models"
local ORACLE = ROOT .. "/spec/support/lib/endpoint_oracle.py"

-- The environment lambda.aws reads, faked: os.getenv answers from ENV
-- (and LUA_LAMBDA_AWS_MODELS from MODELS_DIR) while this file runs.
local ENV, MODELS_DIR = {}, MODELS
local real_getenv = os.getenv
local function fake_getenv(name)
  if name == "LUA_LAMBDA_AWS_MODELS" then return MODELS_DIR end
  if name:match("^AWS_") then return ENV[name] end
  return real_getenv(name)
end

local model = require "lambda.aws.model"
local endpoints = require "lambda.aws.endpoints"
local partitions = require "lambda.aws.partitions"
local json = require "lambda.json"

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Runs the oracle on JSON lines; returns its JSON lines decoded.
local function oracle(mode, cases, folder)
  local dir = tmp.dir()
  local lines = {}
  for i, c in ipairs(cases) do lines[i] = json.encode(c) end
  helper.write(dir .. "/in", table.concat(lines, "\n") .. "\n")
  local cmd = ("%s %s %s %s < %s > %s 2> %s"):format(oracle_python.python(), shell_quote(ORACLE),
    mode, shell_quote(folder or MODELS), dir .. "/in", dir .. "/out", dir .. "/err")
  local ok = os.execute(cmd)
  assert(ok, "oracle failed: " .. helper.read(dir .. "/err"))
  local out = {}
  for line in io.lines(dir .. "/out") do out[#out + 1] = assert(json.decode(line)) end
  assert(#out == #cases, "oracle gave " .. #out .. " answers to " .. #cases)
  return out
end

-- Canonical JSON of a value (sorted keys), so that Lua's and Python's
-- answers compare as text: an empty table is [] only when lambda.json
-- marks it an array.
local ARRAY_MT = assert(getmetatable(json.array()))
local function canon(v)
  local t = type(v)
  if v == nil or v == json.null then return "null" end
  if t == "boolean" or t == "number" then return tostring(v) end
  if t == "string" then return cjson.encode(v) end
  assert(t == "table", t)
  local is_array = getmetatable(v) == ARRAY_MT or (v[1] ~= nil)
  if is_array then
    local items = {}
    for i, x in ipairs(v) do items[i] = canon(x) end
    return "[" .. table.concat(items, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  local items = {}
  for i, k in ipairs(keys) do items[i] = cjson.encode(k) .. ":" .. canon(v[k]) end
  return "{" .. table.concat(items, ",") .. "}"
end

-- A Python exception other than botocore's EndpointResolutionError (a
-- TypeError on a value of the wrong type) is compared as "an exception",
-- whatever its class: which one Python raises is incidental.
local function exceptions_alike(answer_)
  if answer_.exception then answer_.exception = "Exception" end
  answer_.text = nil
  return answer_
end

-- Our answer in the oracle's shape.
local function answer(ep, err)
  if ep then return { url = ep.url, headers = ep.headers, properties = ep.properties } end
  if err.python then return { exception = err.python } end
  return { error = err.message }
end

local function load(name)
  return assert(model.load(name))
end

-- --- random parameters -----------------------------------------------------

local REGIONS = {}
for _, p in ipairs(partitions.partitions) do
  for r in pairs(p.regions) do REGIONS[#REGIONS + 1] = r end
end
table.sort(REGIONS)
for _, r in ipairs({ "mars-east-1", "us-west-99", "eu-isoe-north-7", "cn-south-9",
  "eusc-de-west-2", "us-isob-south-3", "us-iso-north-2", "us-isof-west-4", "us-gov-central-5",
  "ap-southeast-99", "local", "", "US-EAST-1", "us-east-1-fips", "fips-us-gov-west-1",
  "us-east_1", "a.b.c", "-us-east-1", "us-east-1\n", "eu-west-1.", "me-x-1", "il-1-1" }) do
  REGIONS[#REGIONS + 1] = r
end

local ENDPOINT_URLS = { "https://example.com", "http://localhost:4566", "https://1.2.3.4:8443",
  "http://[::1]:9000/path", "https://example.com/a/b/", "https://example.com/a/./b/../c",
  "https://example.com?x=1", "ftp://example.com", "not a url", "https://user@host:99999",
  "https://host:port", "http://127.0.0.1", "https://[fe80::1%25eth0]:443",
  "https://EXAMPLE.com:443/Path%20x;p", "https://example.com#frag", "HTTPS://example.com",
  "https://s3-accelerate.amazonaws.com", "http://my-bucket.example.com/p/" }

local BUCKETS = { "mybucket", "my.bucket", "MyBucket", "ab", ("a"):rep(63), ("a"):rep(64),
  "bucket-1", "-bucket", "bucket-", "192.168.0.1", "my--bucket", "a..b",
  "mybucket--usw2-az1--x-s3", "mybucket--use1-az4--x-s3", "mybucket--usw2-az1--xa-s3",
  "mybucket--use1-lz1--x-s3", "my.bucket--usw2-az1--x-s3",
  "arn:aws:s3:us-west-2:123456789012:accesspoint/myap",
  "arn:aws:s3:us-west-2:123456789012:accesspoint:myap",
  "arn:aws:s3:us-east-1:123456789012:accesspoint/my.ap",
  "arn:aws:s3:us-west-2::accesspoint/myap",
  "arn:aws:s3:us-west-2:123456789012:accesspoint",
  "arn:aws:s3:us-west-2:123456789012:bucket_name:mybucket",
  "arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/myap",
  "arn:aws-us-gov:s3:us-gov-west-1:123456789012:accesspoint/myap",
  "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap",
  "arn:aws:s3::123456789012:accesspoint:mfzwi23gnjvgw.mrap",
  "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456/accesspoint/ap",
  "arn:aws:s3-outposts:us-west-2:123456789012:outpost:op-01234567890123456:accesspoint:ap",
  "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456/bucket/b",
  "arn:aws:s3-outposts:us-west-2:123456789012:outpost:op-01234567890123456:bucket:mybucket",
  "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456",
  "arn:aws:s3-object-lambda:us-west-2:123456789012:accesspoint/olap",
  "arn:aws:s3-object-lambda:us-east-1:123456789012:accesspoint:olap",
  "arn:aws:s3-object-lambda:us-west-2::accesspoint/olap",
  "arn:aws:sqs:us-west-2:123456789012:queue", "arn:aws:s3:us-west-2:123456789012:",
  "arn:aws:s3:us-we$t-2:123456789012:accesspoint/myap", "arn:", "arn:aws:s3",
  "arn:aws:s3express:us-west-2:123456789012:bucket/mybucket--usw2-az1--x-s3" }

local ARNS = { "arn:aws:dynamodb:us-east-1:123456789012:table/T",
  "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2020",
  "arn:aws:dynamodb:us-west-2::table/T", "arn:aws-cn:dynamodb:cn-north-1:111122223333:table/T",
  "arn:aws:kinesis:us-east-1:123456789012:stream/s",
  "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1",
  "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s",
  "arn:aws:iam::123456789012:role/r", "arn:aws:sqs:us-west-2:123456789012:q",
  "arn:aws:s3:::bucket/key", "arn:aws::us-east-1:1:x", "arn:aws:dynamodb:us-east-1:12:table/T",
  "not-an-arn", "", "T", "arn:aws:dynamodb:us-east-1:abc:table/T",
  "arn:aws:cloudfront::123456789012:key-value-store/kvs",
  "arn:aws:cloudfront::123456789012:key-value-store/", "arn:aws:events:us-east-1:1:endpoint/x.y",
  "arn:aws:ses:us-east-1:123456789012:identity/x", "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-1",
  "arn:aws:s3-outposts:us-west-2:123456789012:outpost:op-01234567890123456:bucket:b" }

local STRINGS = { "foo", "", "123456789012", "my-name", "a.b", "UPPER", "op-01234567890123456",
  "preferred", "disabled", "required", "123", "x y", "ec2", "data", "control" }

local function pick(rng, list) return list[rng(#list)] end

-- Literals a rule set compares each parameter with (stringEquals).
local function literals(ruleset)
  local pools = {}
  local function walk(x)
    if type(x) ~= "table" then return end
    if x.fn == "stringEquals" then
      local a, b = x.argv[1], x.argv[2]
      if type(a) == "table" and a.ref and type(b) == "string" then
        pools[a.ref] = pools[a.ref] or {}
        table.insert(pools[a.ref], b)
      end
    end
    for _, v in pairs(x) do walk(v) end
  end
  walk(ruleset.rules)
  return pools
end

local function random_string(rng, name, pool)
  if name == "Region" then return pick(rng, REGIONS) end
  if name == "Endpoint" then return pick(rng, ENDPOINT_URLS) end
  if name == "Bucket" then return pick(rng, BUCKETS) end
  local r = rng(10)
  if pool and r <= 4 then return pick(rng, pool) end
  if name:match("[Aa][Rr][Nn]") or r <= 6 then return pick(rng, ARNS) end
  if r == 7 then return pick(rng, BUCKETS) end
  return pick(rng, STRINGS)
end

local function random_value(rng, name, spec, pool)
  local kind = spec.type:lower()
  local none = (name == "Region" or name == "UseFIPS") and 10 or 4
  if rng(none) == 1 then return nil end
  if rng(60) == 1 then  -- the wrong type
    return kind == "boolean" and "true" or true
  end
  if kind == "boolean" then return rng(2) == 1 end
  if kind == "stringarray" then
    local list = {}
    for i = 1, rng(4) - 1 do list[i] = pick(rng, ARNS) end
    return list
  end
  return random_string(rng, name, pool)
end

local function random_params(rng, ruleset, pools)
  local p, order = {}, {}
  for name in pairs(ruleset.parameters) do order[#order + 1] = name end
  table.sort(order)  -- the same cases for the same seed
  for _, name in ipairs(order) do
    p[name] = random_value(rng, name, ruleset.parameters[name], pools[name])
  end
  -- a custom endpoint now and then, FIPS and dual-stack often
  if ruleset.parameters.Endpoint and rng(5) > 1 then p.Endpoint = nil end
  return p
end

local function names()
  local out = {}
  local p = assert(io.popen("ls " .. MODELS))
  for line in p:lines() do
    local name = line:match("^(.*)%.model$")
    if name then out[#out + 1] = name end
  end
  p:close()
  return out
end

-- How many random cases a service gets: the S3 family's rules are large.
local BIG = { s3 = 3000, s3control = 1500, dynamodb = 400, kinesis = 300, sts = 300,
  iam = 150, ["cloudfront-keyvaluestore"] = 200, events = 200, sesv2 = 200 }
local PER_SERVICE = tonumber(real_getenv("ENDPOINTS_CASES") or "") or 40

-- Random parameters for each service's rule set (models from folder),
-- our answers and botocore's EndpointProvider's compared: the counts.
local function random_run(seed, services, folder, per)
  math.randomseed(seed)
  local rng = math.random
  MODELS_DIR = folder
  model.reset()
  local cases, ours, n = {}, {}, 0
  for _, name in ipairs(services) do
    local svc = load(name)
    local ruleset = svc:rules()
    if ruleset then
      n = n + 1
      local pools = literals(ruleset)
      for _ = 1, per or BIG[name] or PER_SERVICE do
        local p = random_params(rng, ruleset, pools)
        local ep, err = endpoints.evaluate(svc, p)
        local given = {}
        for k, v in pairs(p) do given[k] = (type(v) == "table" and json.array(v)) or v end
        cases[#cases + 1] = { service = name, params = given }
        ours[#ours + 1] = answer(ep, err)
      end
    end
  end
  local theirs = oracle("provider", cases, folder)
  local counts = { endpoint = 0, error = 0, exception = 0, mismatch = 0, cases = #cases, services = n }
  for i = 1, #cases do
    local a, b = canon(exceptions_alike(theirs[i])), canon(exceptions_alike(ours[i]))
    if a ~= b then
      counts.mismatch = counts.mismatch + 1
      counts.first = counts.first or ("%s %s\n botocore: %s\n ours:     %s"):format(
        cases[i].service, canon(cases[i].params), a, b)
    elseif theirs[i].url then counts.endpoint = counts.endpoint + 1
    elseif theirs[i].error then counts.error = counts.error + 1
    else counts.exception = counts.exception + 1 end
  end
  return counts
end

describe("lambda.aws.endpoints", function()
  local saved_env
  setup(function() os.getenv = fake_getenv end)
  teardown(function() os.getenv = real_getenv; model.reset() end)
  before_each(function() saved_env = ENV; ENV = {}; MODELS_DIR = MODELS; model.reset() end)
  after_each(function() ENV = saved_env end)

  describe("the endpoints everyone knows", function()
    local function url(name, region, config)
      config = config or {}
      config.region = region
      local svc = load(name)
      local ep, err = endpoints.resolve(svc, nil, {}, config)
      assert(ep, err and err.message)
      return ep.url, ep
    end

    it("DynamoDB: regional, FIPS, dual-stack, China, GovCloud", function()
      assert.equal("https://dynamodb.us-east-1.amazonaws.com", url("dynamodb", "us-east-1"))
      assert.equal("https://dynamodb-fips.us-east-1.amazonaws.com",
        url("dynamodb", "us-east-1", { use_fips = true }))
      assert.equal("https://dynamodb.us-east-1.api.aws",
        url("dynamodb", "us-east-1", { use_dualstack = true }))
      assert.equal("https://dynamodb-fips.us-east-1.api.aws",
        url("dynamodb", "us-east-1", { use_dualstack = true, use_fips = true }))
      assert.equal("https://dynamodb.cn-north-1.amazonaws.com.cn", url("dynamodb", "cn-north-1"))
      assert.equal("https://dynamodb.us-gov-west-1.amazonaws.com", url("dynamodb", "us-gov-west-1"))
      assert.equal("https://dynamodb.us-gov-west-1.amazonaws.com",
        url("dynamodb", "us-gov-west-1", { use_fips = true }))
      assert.equal("https://dynamodb.eusc-de-east-1.amazonaws.eu", url("dynamodb", "eusc-de-east-1"))
      assert.equal("https://dynamodb.us-iso-east-1.c2s.ic.gov", url("dynamodb", "us-iso-east-1"))
      assert.equal("http://localhost:8000",
        url("dynamodb", "us-east-1", { endpoint_url = "http://localhost:8000" }))
    end)

    it("IAM and STS: global where AWS keeps them global", function()
      local u, ep = url("iam", "us-east-1")
      assert.equal("https://iam.amazonaws.com", u)
      assert.equal("us-east-1", ep.properties.authSchemes[1].signingRegion)
      assert.equal("https://iam.amazonaws.com", url("iam", "eu-west-1"))
      assert.equal("https://iam.cn-north-1.amazonaws.com.cn", url("iam", "cn-north-1"))
      assert.equal("https://iam.us-gov.amazonaws.com", url("iam", "us-gov-west-1"))
      assert.equal("https://iam-fips.amazonaws.com", url("iam", "us-east-1", { use_fips = true }))
      assert.equal("https://sts.us-east-1.amazonaws.com", url("sts", "us-east-1"))
      assert.equal("https://sts.amazonaws.com", url("sts", "aws-global"))
      assert.equal("https://sts.amazonaws.com",
        url("sts", "eu-west-1", { sts_regional_endpoints = "legacy" }))
      assert.equal("https://sts.ap-east-1.amazonaws.com",
        url("sts", "ap-east-1", { sts_regional_endpoints = "legacy" }))
    end)

    it("an unknown region and a missing one", function()
      assert.equal("https://dynamodb.mars-east-1.amazonaws.com", url("dynamodb", "mars-east-1"))
      local ep, err = endpoints.resolve(load("dynamodb"), nil, {}, {})
      assert.is_nil(ep)
      assert.equal("aws", err.kind)
      assert.equal("EndpointResolutionError", err.code)
      assert.equal("Invalid Configuration: Missing Region", err.message)
      ep, err = endpoints.resolve(load("dynamodb"), nil, {},
        { region = "us-east-1", use_fips = true, endpoint_url = "http://x" })
      assert.truthy(ep, err and err.message)  -- botocore: a custom endpoint turns FIPS off
      ep, err = endpoints.evaluate(load("dynamodb"),
        { Region = "us-east-1", UseFIPS = true, Endpoint = "http://x" })
      assert.equal("Invalid Configuration: FIPS and custom endpoint are not supported", err.message)
    end)
  end)

  describe("S3 (the models' contextParam names put back: see the report)", function()
    local patched
    setup(function()
      patched = tmp.dir()
      assert(os.execute(("%s %s patch %s s3 dynamodb sts s3control kinesis"):format(
        oracle_python.python(), shell_quote(ORACLE), shell_quote(patched))))
    end)
    local function s3(op, input, config)
      MODELS_DIR = patched
      model.reset()
      local svc = load("s3")
      local ep, err = endpoints.resolve(svc, svc:operation(op), input, config)
      assert(ep, err and err.message)
      return ep.url, ep
    end

    it("virtual-hosted on AWS, path-style where a name cannot be a host", function()
      local u, ep = s3("GetObject", { Bucket = "mybucket", Key = "k" }, { region = "us-west-2" })
      assert.equal("https://mybucket.s3.us-west-2.amazonaws.com", u)
      assert.equal("sigv4", ep.properties.authSchemes[1].name)
      assert.equal("https://mybucket.s3.amazonaws.com",
        s3("GetObject", { Bucket = "mybucket", Key = "k" }, { region = "us-east-1" }))
      assert.equal("https://mybucket.s3.us-east-1.amazonaws.com",
        s3("GetObject", { Bucket = "mybucket", Key = "k" },
          { region = "us-east-1", s3_us_east_1_regional_endpoint = "regional" }))
      assert.equal("https://s3.us-west-2.amazonaws.com/My_Bucket",
        s3("GetObject", { Bucket = "My_Bucket", Key = "k" }, { region = "us-west-2" }))
      assert.equal("https://s3.us-west-2.amazonaws.com/mybucket",
        s3("GetObject", { Bucket = "mybucket", Key = "k" },
          { region = "us-west-2", force_path_style = true }))
      assert.equal("https://s3.us-west-2.amazonaws.com/mybucket",
        s3("GetBucketLocation", { Bucket = "mybucket" }, { region = "us-west-2" }))
      assert.equal("https://mybucket.s3.dualstack.us-west-2.amazonaws.com",
        s3("GetObject", { Bucket = "mybucket", Key = "k" }, { region = "us-west-2", use_dualstack = true }))
      assert.equal("https://myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com",
        s3("GetObject", { Bucket = "arn:aws:s3:us-west-2:123456789012:accesspoint/myap", Key = "k" },
          { region = "us-west-2", force_path_style = true }))
    end)

    it("path-style on a custom endpoint (AWS_ENDPOINT_URL*), as lambda.aws always did", function()
      ENV = { AWS_ENDPOINT_URL = "http://localhost:4566" }
      local svc = load("s3")
      assert.equal("http://localhost:4566/mybucket",
        s3("GetObject", { Bucket = "mybucket", Key = "k" }, endpoints.config(svc, "us-east-1")))
      ENV = { AWS_ENDPOINT_URL_S3 = "https://s3.example.com" }
      assert.equal("https://s3.example.com/mybucket",
        s3("PutObject", { Bucket = "mybucket", Key = "k" }, endpoints.config(svc, "us-east-1")))
      assert.equal("https://mybucket.s3.example.com",
        s3("PutObject", { Bucket = "mybucket", Key = "k" },
          { region = "us-east-1", endpoint_url = "https://s3.example.com", force_path_style = false }))
    end)

    it("botocore's own rule sets (authSchemes named) agree on random parameters too", function()
      local counts = random_run(7, { "s3", "s3control", "dynamodb", "sts", "kinesis" }, patched, 500)
      print(("\nbotocore's rule sets: %d cases: %d endpoints, %d rule errors agree; %d differ")
        :format(counts.cases, counts.endpoint, counts.error, counts.mismatch))
      assert.equal(0, counts.mismatch, counts.first)
      assert.is_true(counts.endpoint > counts.cases / 3)
    end)

    it("a call's parameters and endpoint are a botocore client's", function()
      local cases = {
        { "s3", "GetObject", { Bucket = "mybucket", Key = "k" }, "us-west-2", {} },
        { "s3", "GetObject", { Bucket = "mybucket", Key = "k" }, "us-east-1", {} },
        { "s3", "GetObject", { Bucket = "my.bucket", Key = "k" }, "eu-west-1", {} },
        { "s3", "ListObjectsV2", { Bucket = "mybucket", Prefix = "p/" }, "us-east-1",
          { AWS_S3_US_EAST_1_REGIONAL_ENDPOINT = "regional" } },
        { "s3", "GetBucketLocation", { Bucket = "mybucket" }, "ap-south-1", {} },
        { "s3", "CreateBucket", { Bucket = "mybucket" }, "eu-central-1", {} },
        { "s3", "ListBuckets", {}, "us-west-2", {} },
        { "s3", "GetObject", { Bucket = "mybucket", Key = "k" }, "us-west-2",
          { AWS_ENDPOINT_URL = "http://localhost:4566" } },
        { "s3", "GetObject", { Bucket = "mybucket", Key = "k" }, "us-west-2",
          { AWS_ENDPOINT_URL_S3 = "https://s3-accelerate.amazonaws.com" } },
        { "s3", "GetObject", { Bucket = "mybucket", Key = "k" }, "us-west-2",
          { AWS_ENDPOINT_URL_S3 = "http://localhost:4566", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true" } },
        { "s3", "GetObject", { Bucket = "mybucket", Key = "k" }, "us-west-2",
          { AWS_USE_FIPS_ENDPOINT = "true", AWS_USE_DUALSTACK_ENDPOINT = "TRUE" } },
        { "s3", "GetObject", { Bucket = "arn:aws:s3:us-east-1:123456789012:accesspoint/ap", Key = "k" },
          "us-west-2", {} },
        { "s3", "GetObject", { Bucket = "arn:aws:s3:us-east-1:123456789012:accesspoint/ap", Key = "k" },
          "us-west-2", { AWS_S3_USE_ARN_REGION = "false" } },
        { "s3", "GetObject", { Bucket = "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap",
          Key = "k" }, "us-west-2", { AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS = "true" } },
        { "s3", "GetObject", { Bucket = "mybucket--usw2-az1--x-s3", Key = "k" }, "us-west-2", {} },
        { "s3", "CopyObject", { Bucket = "mybucket--usw2-az1--x-s3", Key = "k", CopySource = "a/b" },
          "us-west-2", {} },
        { "s3", "GetObject", { Bucket = "mybucket--usw2-az1--x-s3", Key = "k" }, "us-west-2",
          { AWS_S3_DISABLE_EXPRESS_SESSION_AUTH = "true" } },
        { "s3", "CreateBucket", { Bucket = "mybucket--usw2-az1--x-s3" }, "us-west-2", {} },
        { "s3control", "ListAccessPoints", { AccountId = "123456789012" }, "us-west-2", {} },
        { "s3control", "GetAccessPoint", { AccountId = "123456789012",
          Name = "arn:aws:s3-outposts:us-west-2:123456789012:outpost:op-01234567890123456:accesspoint:ap" },
          "us-west-2", {} },
        { "dynamodb", "GetItem", { TableName = "T", Key = {} }, "us-east-1", {} },
        { "dynamodb", "GetItem", { TableName = "arn:aws:dynamodb:us-east-1:111122223333:table/T", Key = {} },
          "us-east-1", {} },
        { "dynamodb", "GetItem", { TableName = "arn:aws:dynamodb:us-east-1:111122223333:table/T", Key = {} },
          "us-east-1", { AWS_ACCOUNT_ID_ENDPOINT_MODE = "disabled" } },
        { "dynamodb", "BatchGetItem", { RequestItems = {
          ["arn:aws:dynamodb:us-east-1:111122223333:table/T"] = { Keys = { {} } } } }, "us-east-1", {} },
        { "dynamodb", "TransactGetItems", { TransactItems = {
          { Get = { TableName = "arn:aws:dynamodb:us-east-1:444455556666:table/T", Key = {} } } } },
          "us-east-1", {} },
        { "dynamodb", "TransactWriteItems", { TransactItems = {
          { Put = { TableName = "arn:aws:dynamodb:us-east-1:444455556666:table/T", Item = {} } },
          { Delete = { TableName = "arn:aws:dynamodb:us-east-1:777788889999:table/U", Key = {} } } } },
          "us-east-1", {} },
        { "dynamodb", "ListTables", {}, "cn-north-1", { AWS_ENDPOINT_URL_DYNAMODB = "http://localhost:8000" } },
        { "dynamodb", "ListTables", {}, "us-east-1", { AWS_ENDPOINT_URL = "http://localhost:8000",
          AWS_USE_FIPS_ENDPOINT = "true" } },
        { "sts", "GetCallerIdentity", {}, "us-east-1", {} },
        { "sts", "GetCallerIdentity", {}, "eu-west-1", { AWS_STS_REGIONAL_ENDPOINTS = "legacy" } },
        { "sts", "GetCallerIdentity", {}, "us-gov-west-1", { AWS_USE_FIPS_ENDPOINT = "true" } },
        { "kinesis", "PutRecord", { StreamARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s",
          Data = "x", PartitionKey = "p" }, "us-east-1", {} },
        { "kinesis", "ListStreams", {}, "us-east-1", {} },
      }
      local asks, ours = {}, {}
      for i, c in ipairs(cases) do
        local name, op, input, region, env = table.unpack(c)
        asks[i] = { service = name, operation = op, input = input, region = region, env = env }
        ENV = env
        MODELS_DIR = patched
        model.reset()
        local svc = load(name)
        local config = endpoints.config(svc, region)
        local operation = svc:operation(op)
        local ep, err = endpoints.resolve(svc, operation, input, config)
        local o = answer(ep, err)
        o.params = endpoints.parameters(svc, operation, input, config)
        ours[i] = o
      end
      local theirs = oracle("client", asks, patched)
      for i = 1, #cases do
        assert.equal(canon(exceptions_alike(theirs[i])), canon(exceptions_alike(ours[i])),
          ("case %d (%s %s)"):format(i, cases[i][1], cases[i][2]))
      end
    end)
  end)

  it("partitions.lua is what scripts/aws-partitions.py makes of models/partitions.json", function()
    local out = tmp.dir() .. "/partitions.lua"
    assert(os.execute(("%s scripts/aws-partitions.py models/partitions.json %s")
      :format(oracle_python.python(), out)))
    assert.equal(helper.read("lua/lambda/aws/partitions.lua"), helper.read(out))
    assert.equal("aws", require("lambda.aws.endpoint_functions")["aws.partition"]("x").name)
  end)

  describe("endpoints.config: the SDKs' environment", function()
    it("names each service's variable by its serviceId", function()
      assert.equal("AWS_ENDPOINT_URL_DYNAMODB", endpoints.endpoint_variable(load("dynamodb")))
      assert.equal("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoints.endpoint_variable(load("secretsmanager")))
      assert.equal("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", endpoints.endpoint_variable(load("bedrock-runtime")))
      assert.equal("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", endpoints.endpoint_variable(load("logs")))
      -- no serviceId has a "-" today; botocore's rule turns one into "_"
      assert.equal("AWS_ENDPOINT_URL_FOO_BAR_BAZ",
        endpoints.endpoint_variable({ name = "x", metadata = { serviceId = "Foo-Bar baz" } }))
    end)

    it("reads the region, FIPS, dual-stack and custom endpoints", function()
      ENV = { AWS_REGION = "eu-west-3", AWS_USE_FIPS_ENDPOINT = "True",
        AWS_USE_DUALSTACK_ENDPOINT = "false", AWS_ENDPOINT_URL = "http://global:1",
        AWS_ENDPOINT_URL_SECRETS_MANAGER = "http://sm:2" }
      local c = endpoints.config(load("secretsmanager"))
      assert.equal("eu-west-3", c.region)
      assert.is_true(c.use_fips)
      assert.is_false(c.use_dualstack)
      assert.equal("http://sm:2", c.endpoint_url)
      assert.equal("http://global:1", endpoints.config(load("dynamodb")).endpoint_url)
      assert.equal("ap-south-2", endpoints.config(load("dynamodb"), "ap-south-2").region)
      ENV.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true"
      assert.is_nil(endpoints.config(load("secretsmanager")).endpoint_url)
      ENV = { AWS_DEFAULT_REGION = "sa-east-1", AWS_ENDPOINT_URL = "" }
      c = endpoints.config(load("dynamodb"))
      assert.equal("sa-east-1", c.region)
      assert.is_nil(c.endpoint_url)
      assert.is_nil(c.use_fips)
    end)
  end)

  describe("the rules engine on every service's rule set", function()
    it("agrees with botocore's EndpointProvider on random parameters", function()
      local seed = tonumber(real_getenv("ENDPOINTS_SEED") or "") or 28
      local counts = random_run(seed, names(), MODELS)
      print(("\nendpoint rules: %d services, %d cases (seed %d): %d endpoints, %d rule errors, "
        .. "%d other exceptions agree; %d differ"):format(counts.services, counts.cases, seed,
        counts.endpoint, counts.error, counts.exception, counts.mismatch))
      assert.equal(0, counts.mismatch, counts.first)
      assert.is_true(counts.endpoint > counts.cases / 3)
      assert.is_true(counts.error > counts.cases / 20)
    end)
  end)

  describe("the rules' functions", function()
    local fns = require "lambda.aws.endpoint_functions"
    local CHARS = { "a", "b", "z", "A", "Z", "0", "9", "-", ".", "_", ":", "/", "%", "~", " ",
      "\n", "é", "@", "[", "]", "#", "?", ";", "!", "+", "*" }
    local function junk(rng, n)
      local out = {}
      for i = 1, rng(n + 1) - 1 do out[i] = CHARS[rng(#CHARS)] end
      return table.concat(out)
    end
    local function pick_or(rng, list, f) if rng(3) == 1 then return f() end return pick(rng, list) end
    local function url(rng)
      local scheme = pick(rng, { "https", "http", "HTTP", "ftp", "", "h-t.tp+s", "1http" })
      local sep = pick(rng, { "://", "://", "://", ":", "" })
      local user = pick(rng, { "", "", "", "user@", "u:p@", "a@b@" })
      local host = pick_or(rng, { "example.com", "EXAMPLE.com", "1.2.3.4", "999.1.1.1", "[::1]",
        "[fe80::1%25eth0]", "[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7]", "[::ffff:1.2.3.4]",
        "[1::2::3]", "[v1.x]", "", "localhost", "a_b", "s3-accelerate.amazonaws.com",
        "s3-accelerate.dualstack.amazonaws.com", "[::1" }, function() return junk(rng, 6) end)
      local port = pick(rng, { "", "", "", ":80", ":", ":abc", ":99999", ":0", ":65535", ":1:2" })
      local path = pick_or(rng, { "", "/", "/a/b", "/a/../b", "//x//y/", "/%41", "/a b", "/;p",
        "/a;b/c;d", "/./", "/..", "/a/b/.." }, function() return "/" .. junk(rng, 6) end)
      local query = pick(rng, { "", "", "", "?", "?a=1" })
      local frag = pick(rng, { "", "", "", "#", "#f" })
      return scheme .. sep .. user .. host .. port .. path .. query .. frag
    end
    local function arn(rng)
      local parts = { pick(rng, { "arn", "arn", "arn", "ARN", "" }) }
      for i = 2, rng(8) do
        parts[i] = pick_or(rng, { "", "aws", "s3", "us-east-1", "123456789012", "accesspoint/a",
          "a:b/c", "outpost/op-1/accesspoint/x" }, function() return junk(rng, 5) end)
      end
      return table.concat(parts, ":")
    end
    local function label(rng)
      return pick_or(rng, { "abc", "a.b", ("a"):rep(63), ("a"):rep(64), "-a", "a-", "a--b", "1.2.3.4",
        "1.2.3.4\n", "ab\n", "ab", "Abc", "a_b", "" , ".", "a..b", "xn--abc" },
        function() return junk(rng, 10) end)
    end
    local function case(rng)
      local r = rng(9)
      if r == 1 then return "parseURL", { url(rng) } end
      if r == 2 then return "aws.parseArn", { rng(30) == 1 and json.null or arn(rng) } end
      -- None where a string goes (what a rule set can pass: an unset
      -- parameter; other types never reach these functions)
      local odd = rng(30) == 1 and json.null or nil
      if r == 3 then return "isValidHostLabel", { odd or label(rng), rng(2) == 1 } end
      if r == 4 then return "aws.isVirtualHostableS3Bucket", { odd or label(rng), rng(2) == 1 } end
      if r == 5 then
        local s = rng(8) == 1 and json.null or junk(rng, 8)
        local a = rng(8) - 1
        return "substring", { s, a, a + rng(6) - 2, rng(2) == 1 }
      end
      if r == 6 then
        return "uriEncode", { pick_or(rng, { true, false, json.null }, function() return junk(rng, 10) end) }
      end
      if r == 7 then return "aws.partition", { pick_or(rng, REGIONS, function() return junk(rng, 12) end) } end
      if r == 8 then return "getAttr", { { a = { b = json.array({ "x", "y" }) }, c = "s" },
        pick(rng, { "a.b[0]", "a.b[1]", "a.b[2]", "c", "a", "a.b" }) } end
      return pick(rng, { "stringEquals", "booleanEquals" }),
        { pick(rng, { "a", "b", true, false, json.null }), pick(rng, { "a", true, json.null }) }
    end

    it("agree with botocore's RuleSetStandardLibrary on random values", function()
      math.randomseed(tonumber(real_getenv("ENDPOINTS_SEED") or "") or 28)
      local rng = math.random
      local cases, ours = {}, {}
      for i = 1, 20000 do
        local fn, argv = case(rng)
        cases[i] = { fn = fn, argv = json.array(argv) }
        local args = {}
        for j, v in ipairs(argv) do if v ~= json.null then args[j] = v end end
        local ok, v = pcall(fns[fn], table.unpack(args, 1, #argv))
        if ok then ours[i] = { value = v == nil and json.null or v }
        elseif type(v) == "table" and v.resolution then ours[i] = { error = v.resolution }
        elseif type(v) == "table" and v.python then ours[i] = { exception = v.python }
        else error(v) end
      end
      local theirs = oracle("functions", cases)
      local differ, first, by = 0, nil, {}
      for i = 1, #cases do
        local a, b = canon(exceptions_alike(theirs[i])), canon(exceptions_alike(ours[i]))
        by[cases[i].fn] = (by[cases[i].fn] or 0) + 1
        if a ~= b then
          differ = differ + 1
          first = first or ("%s\n botocore: %s\n ours:     %s"):format(canon(cases[i]), a, b)
        end
      end
      local counts = {}
      for fn, n in pairs(by) do counts[#counts + 1] = fn .. " " .. n end
      table.sort(counts)
      print(("\nrules' functions: %d cases (%s); %d differ"):format(#cases,
        table.concat(counts, ", "), differ))
      assert.equal(0, differ, first)
    end)
  end)

  describe("compiled once", function()
    it("keeps what it derives on the model, and a DynamoDB endpoint is cheap after the first", function()
      local svc = load("dynamodb")
      local config = { region = "us-east-1" }
      local op = svc:operation("GetItem")
      local clock = os.clock
      local t0 = clock()
      assert(endpoints.resolve(svc, op, { TableName = "T" }, config))
      local first = (clock() - t0) * 1e6
      local cache = svc.endpoint_cache
      assert.is_table(cache)
      assert(endpoints.resolve(svc, op, { TableName = "T" }, config))
      assert.equal(cache, svc.endpoint_cache)
      local n = 20000
      t0 = clock()
      for _ = 1, n do endpoints.resolve(svc, op, { TableName = "T" }, config) end
      local each = (clock() - t0) * 1e6 / n
      print(("\nDynamoDB endpoint: first resolve %.0f us (compiling the rule set), then %.1f us each")
        :format(first, each))
      -- compiling again each time would cost the first's; tens of us is
      -- a loaded machine's figure for what takes a few
      assert.is_true(each < 50 and each < first / 10, each .. " us")
    end)
  end)
end)
