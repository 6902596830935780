-- A property test of lambda.aws.sign against botocore (Debian's
-- python3-botocore), an independent SigV4 signer: 1,000 random requests
-- (methods, paths with spaces, unicode, '%', '.' and '..', repeated and
-- empty query keys, header white space, S3 and other services, with and
-- without a session token) must get the same Authorization header.
local cjson = require "cjson"
local helper = require "helper"
local sign = require "lambda.aws.sign"
local sigv4 = require "lambda.sigv4"

local PYTHON = "/usr/bin/python3"
local ORACLE = "spec/support/lib/botocore_sign.py"

local function pick(list) return list[math.random(#list)] end

local SEGMENTS = { "a", "b c", "ሴ", "100%", "..", ".", "", "~user", "x+y",
  "é", "a!b", "k=v", "(1)", "sp ace", "dots...", "-_.~" }
local WORDS = { "a", "B", "x y", "ሴ", "%", "", "=", "&", "+", "é", "v-1",
  "Z_~.", "/" }
local SERVICES = { "s3", "dynamodb", "sqs", "execute-api", "lambda", "ssm" }
local REGIONS = { "us-east-1", "eu-west-3", "ap-southeast-2" }
local METHODS = { "GET", "PUT", "POST", "DELETE", "HEAD", "PATCH" }
local NAMES = { "X-Custom", "x-amz-meta-Tag", "Content-Type", "Accept",
  "X-Trace-Me", "My-Header1" }
local VALUES = { "plain", "  padded  ", "in  side", "tab\there", "a,b",
  "UPPER lower", "", "x  y   z" }

-- A path as it goes on the wire: segments percent-encoded (the way
-- lambda.aws sends them), dot segments and empty ones kept.
local function random_path()
  local parts = {}
  for i = 1, math.random(0, 4) do
    local seg = pick(SEGMENTS)
    parts[i] = (seg == ".." or seg == ".") and seg or sigv4.uri_encode(seg)
  end
  local path = "/" .. table.concat(parts, "/")
  if math.random() < 0.3 then path = path .. "/" end
  return path
end

local function random_query()
  local pairs_ = {}
  for i = 1, math.random(0, 4) do
    local key = sigv4.uri_encode(pick(WORDS))
    if key == "" then key = "k" end
    local r = math.random()
    if r < 0.15 then
      pairs_[i] = key  -- no '=' at all
    else
      pairs_[i] = key .. "=" .. sigv4.uri_encode(pick(WORDS))
    end
  end
  if #pairs_ > 1 and math.random() < 0.3 then
    pairs_[#pairs_ + 1] = pairs_[1]  -- a repeated key (and value)
  end
  return table.concat(pairs_, "&")
end

local function random_request(i)
  local query = random_query()
  local headers = {}
  for j = 1, math.random(0, 3) do
    headers[j] = { pick(NAMES), pick(VALUES) }
  end
  local host = pick { "example.amazonaws.com", "localhost:4566",
    "bucket.s3.eu-west-3.amazonaws.com" }
  local body = ({ "", "{}", "hello world", '{"TableName":"t"}', "ሴ" })[math.random(5)]
  return {
    method = pick(METHODS),
    url = "https://" .. host .. random_path() .. (query ~= "" and "?" .. query or ""),
    headers = headers, body = body, service = pick(SERVICES),
    region = pick(REGIONS), time = 1400000000 + i * 7919,
    access_key = "AKID" .. i, secret_key = "secret/" .. i .. "+key",
    token = math.random() < 0.5 and ("token" .. i .. "/+=") or nil,
  }
end

describe("aws.sign against botocore", function()
  it("gives the same Authorization header for 1,000 random requests", function()
    math.randomseed(20261202)
    local requests, ours = {}, {}
    local input = helper.tmpfile(nil, "requests.json")
    local f = assert(io.open(input, "w"))
    for i = 1, 1000 do
      local r = random_request(i)
      requests[i] = r
      local add = sign.sign {
        method = r.method, url = r.url, headers = r.headers, body = r.body,
        service = r.service, region = r.region, time = r.time,
        credentials = { access_key_id = r.access_key,
          secret_access_key = r.secret_key, session_token = r.token },
      }
      ours[i] = add.authorization
      f:write(cjson.encode(r), "\n")
    end
    f:close()
    local p = assert(io.popen(PYTHON .. " " .. ORACLE .. " < " .. input))
    local theirs = {}
    for line in p:lines() do theirs[#theirs + 1] = line end
    p:close()
    os.remove(input)
    assert.equal(1000, #theirs, "botocore did not sign them all (is "
      .. "python3-botocore installed?)")
    local agree, first_miss = 0, nil
    for i = 1, 1000 do
      if ours[i] == theirs[i] then
        agree = agree + 1
      elseif not first_miss then
        first_miss = i
      end
    end
    assert.equal(1000, agree, first_miss and cjson.encode(requests[first_miss])
      .. "\nours:   " .. ours[first_miss] .. "\ntheirs: " .. theirs[first_miss])
  end)
end)
