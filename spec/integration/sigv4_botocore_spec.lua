-- A property test of lambda.aws.sign against botocore (Debian's
-- python3-botocore), an independent SigV4 signer: 1,000 random requests
-- (methods, paths with spaces, unicode, '%', '.' and '..', repeated and
-- empty query keys, header white space, S3 and other services, with and
-- without a session token) must get the same Authorization header.
-- Each is given to aws.sign in one of the forms it takes (headers as a
-- list of pairs, a map, a map with a list for a repeated name, with
-- json.null fields and pairs, a header table with a metatable, a float
-- time, numbers for values): the forms lambda.sigv4.sign signs as they
-- are and those sign.lua reads first in Lua must sign alike.
local cjson = require "cjson"
local helper = require "helper"
local sign = require "lambda.aws.sign"
local sigv4 = require "lambda.sigv4"
local json = require "lambda.json"

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
  "X-Trace-Me", "My-Header1", "User-Agent", "X-Amzn-Trace-Id", "expect" }
local VALUES = { "plain", "  padded  ", "in  side", "tab\there", "a,b",
  "UPPER lower", "", "x  y   z", "42", "1.5" }
-- a value botocore gets as the string, aws.sign as a number
local NUMBERS = { ["42"] = 42, ["1.5"] = 1.5 }

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

-- Whether each lower-cased name is spelt one way (so that a map of the
-- headers, a list for a repeated name, keeps the order of their values),
-- and whether no name repeats.
local function spellings(headers)
  local seen, one_way, unique = {}, true, true
  for _, pair in ipairs(headers) do
    local lower = pair[1]:lower()
    if seen[lower] then
      unique = false
      if seen[lower] ~= pair[1] then one_way = false end
    end
    seen[lower] = pair[1]
  end
  return one_way, unique
end

local function value_of(v)
  if NUMBERS[v] and math.random() < 0.7 then return NUMBERS[v] end
  return v
end

-- The request r as aws.sign is given it, in one of its forms; the form's
-- name.
local function our_request(r)
  local req = {
    method = r.method, url = r.url, body = r.body, service = r.service,
    region = r.region, time = r.time,
    credentials = { access_key_id = r.access_key,
      secret_access_key = r.secret_key, session_token = r.token },
  }
  local one_way, unique = spellings(r.headers)
  local pick_form = math.random()
  local list = {}
  for i, pair in ipairs(r.headers) do list[i] = { pair[1], value_of(pair[2]) } end
  if pick_form < 0.25 and unique then
    req.headers = {}
    for _, pair in ipairs(list) do req.headers[pair[1]] = pair[2] end
    return req, "map"
  elseif pick_form < 0.45 and one_way and not unique then
    req.headers = {}
    for _, pair in ipairs(list) do
      local name = pair[1]
      if req.headers[name] then
        if type(req.headers[name]) ~= "table" then
          req.headers[name] = { req.headers[name] }
        end
        table.insert(req.headers[name], pair[2])
      else
        req.headers[name] = pair[2]
      end
    end
    for name, v in pairs(req.headers) do
      if type(v) ~= "table" then req.headers[name] = { v } end
    end
    return req, "map of lists"
  elseif pick_form < 0.6 then
    req.headers = list
    table.insert(list, math.random(#list + 1), { "X-Absent", json.null })
    for _, field in ipairs { "payload_hash", "unsigned_payload", "sign_payload",
        "omit_session_token", "normalize_path", "encode_path", "expires" } do
      req[field] = json.null
    end
    if not r.token then req.credentials.session_token = json.null end
    req.time = r.time + 0.75
    return req, "nulls"
  elseif pick_form < 0.7 then
    req.headers = setmetatable(list, {})
    return req, "metatable"
  end
  req.headers = list
  return req, "list"
end

describe("aws.sign against botocore", function()
  it("gives the same Authorization header for 1,000 random requests", function()
    math.randomseed(20261202)
    local requests, ours, forms, used = {}, {}, {}, {}
    local input = helper.tmpfile(nil, "requests.json")
    local f = assert(io.open(input, "w"))
    for i = 1, 1000 do
      local r = random_request(i)
      requests[i] = r
      local req, form = our_request(r)
      forms[i] = form
      used[form] = (used[form] or 0) + 1
      local add = sign.sign(req)
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
    for _, form in ipairs { "list", "map", "map of lists", "nulls", "metatable" } do
      assert.is_true((used[form] or 0) >= 25, form .. ": " .. tostring(used[form]))
    end
    local agree, first_miss = 0, nil
    for i = 1, 1000 do
      if ours[i] == theirs[i] then
        agree = agree + 1
      elseif not first_miss then
        first_miss = i
      end
    end
    assert.equal(1000, agree, first_miss and forms[first_miss] .. ": "
      .. cjson.encode(requests[first_miss])
      .. "\nours:   " .. ours[first_miss] .. "\ntheirs: " .. theirs[first_miss])
  end)
end)
