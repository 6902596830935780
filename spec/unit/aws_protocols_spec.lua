-- lambda.aws's protocols against botocore (the oracle), on our own model
-- files: spec/support/lib/aws_oracle.py picks random operations of services
-- of every protocol for a fixed seed, makes random inputs and outputs from
-- their shapes, and writes what botocore's serializer makes of each input,
-- what its parser reads from each answer and from an error answer. Here
-- each case runs through lambda.aws.protocol.<p>'s build / parse /
-- parse_error and is compared; agreement is printed as counts per protocol.
-- Every protocol's module must be here and agree on every case.
local json = require "lambda.json"
local base64 = require "lambda.base64"
local helper = require "helper"
local wire = require "aws_wire"
local oracle = require "oracle_python"

local ROOT = "."
local SEED = tonumber(os.getenv("AWS_ORACLE_SEED") or "") or 20261204

local MODULES = {
  json = "json", ["rest-json"] = "rest_json", ["rest-xml"] = "rest_xml",
  query = "query", ec2 = "ec2", ["smithy-rpc-v2-cbor"] = "cbor",
}
local ORDER = { "json", "rest-json", "rest-xml", "query", "ec2", "smithy-rpc-v2-cbor" }

local function generate()
  local out = helper.tmpfile(nil, "aws-oracle.json")
  local cmd = ("%s %s/spec/support/lib/aws_oracle.py %d %s 2>&1"):format(
    oracle.python(), ROOT, SEED, out)
  local p = assert(io.popen(cmd))
  local said = p:read("a")
  local ok = p:close()
  assert(ok, "aws_oracle.py failed: " .. said)
  local f = assert(io.open(out, "rb"))
  local text = f:read("a")
  f:close()
  return assert(json.decode(text))
end

local function sorted_query(pairs_)
  -- names as a set; each name's values in order
  local by = {}
  for _, p in ipairs(pairs_ or {}) do
    local name = p[1]
    by[name] = by[name] or {}
    table.insert(by[name], p[2])
  end
  return by
end

local function body_check(kind, expect, body)
  body = body or ""
  if kind == "empty" then
    if body ~= "" then return false, "body: " .. ("%q"):format(body) .. " ~= expected none" end
    return true
  elseif kind == "raw" then
    return wire.same(body, assert(base64.decode(expect.raw)), "body")
  elseif kind == "json" then
    local value, err = json.decode(body)
    if err then return false, "body is not JSON: " .. tostring(err) end
    return wire.same(value, expect.value, "body", true)
  elseif kind == "form" then
    return wire.same(wire.form(body), expect.value, "body")
  elseif kind == "xml" then
    local ok, tree = pcall(wire.xml, body)
    if not ok then return false, "body is not XML: " .. tostring(tree) end
    return wire.same(tree, expect.value, "body")
  elseif kind == "cbor" then
    local ok, value = pcall(wire.cbor, body)
    if not ok then return false, "body is not CBOR: " .. tostring(value) end
    return wire.same(value, expect.value, "body", true)
  end
  return false, "unknown body kind " .. tostring(kind)
end

local function check_request(P, svc, op, case)
  local e = case.expect
  local ok, req = pcall(P.build, svc, op, wire.unmark(case.input))
  if not ok then return false, "build raised: " .. tostring(req) end
  local good, why = wire.same(req.method, e.method, "method")
  if good then good, why = wire.same(req.path, e.path, "path") end
  if good then good, why = wire.same(sorted_query(req.query), sorted_query(e.query), "query") end
  if good then good, why = wire.same(req.headers, e.headers, "headers") end
  if good then good, why = wire.same(req.host_prefix, e.host_prefix, "host_prefix") end
  if good then good, why = body_check(e.body.kind, e.body, req.body) end
  return good, why
end

local function response_of(case)
  local r = case.response
  return { status = r.status, headers = r.headers, body = assert(base64.decode(r.body)) }
end

local function check_response(P, svc, op, case)
  local ok, value, err = pcall(P.parse, svc, op, response_of(case))
  if not ok then return false, "parse raised: " .. tostring(value) end
  if value == nil then return false, "parse failed: " .. tostring(err) end
  return wire.same(value, wire.unmark(case.expect), "output")
end

local function blank(v)
  if v == "" or v == json.null then return nil end
  return v
end

-- One difference kept on purpose: botocore's smithy-rpc-v2-cbor parser
-- gives a generic error (a 5xx with no body it can read) no request id,
-- though the answer's x-amzn-requestid header has one; lambda.aws keeps
-- it, as botocore does for every other protocol. Only that header's value
-- is let through.
local function request_id_expected(case, x, res)
  if x.request_id ~= nil and x.request_id ~= json.null then return x.request_id end
  if case.protocol == "smithy-rpc-v2-cbor" then
    return res.headers["x-amzn-requestid"]
  end
  return nil
end

local function check_error(P, svc, op, case)
  local res = response_of(case)
  local ok, e = pcall(P.parse_error, svc, op, res)
  if not ok then return false, "parse_error raised: " .. tostring(e) end
  local x = case.expect
  return wire.same({ code = blank(e.code), message = blank(e.message),
    request_id = blank(e.request_id) }, { code = blank(x.code),
    message = blank(x.message), request_id = blank(request_id_expected(case, x, res)) },
    "error")
end

local CHECKS = { request = check_request, response = check_response, error = check_error }

describe("lambda.aws protocols against botocore #unit", function()
  local data = generate()
  local model = require "lambda.aws.model"
  if not os.getenv("LUA_LAMBDA_AWS_MODELS") then
    -- the tree's models/ (ctest sets no LUA_LAMBDA_AWS_MODELS)
    local find = model.find
    model.find = function(name)
      local path = ROOT .. "/models/" .. name .. ".model"
      local f = io.open(path, "rb")
      if f then f:close() return path, { path } end
      return find(name)
    end
  end
  local counts, failures, pending, why_pending = {}, {}, {}, {}
  local services = {}

  setup(function()
    for _, case in ipairs(data.cases) do
      local p = case.protocol
      counts[p] = counts[p] or { request = { 0, 0 }, response = { 0, 0 }, error = { 0, 0 } }
      local loaded, P = pcall(require, "lambda.aws.protocol." .. MODULES[p])
      if not loaded then
        pending[p] = (pending[p] or 0) + 1
        why_pending[p] = why_pending[p] or tostring(P):match("module '([^']+)' not found")
      else
        local svc = assert(model.load(case.service))
        services[case.service] = true
        local op = assert(svc:operation(case.operation))
        local good, why = CHECKS[case.kind](P, svc, op, case)
        local c = counts[p][case.kind]
        c[2] = c[2] + 1
        if good then
          c[1] = c[1] + 1
        else
          failures[#failures + 1] = ("%s %s %s:%s: %s"):format(p, case.kind,
            case.service, case.operation, why)
        end
      end
    end
    local ops = {}
    for _, case in ipairs(data.cases) do ops[case.service .. ":" .. case.operation] = true end
    local n_ops = 0
    for _ in pairs(ops) do n_ops = n_ops + 1 end
    print(("seed %d, botocore %s: %d cases, %d operations of %d services"
      .. " (%d left out: event streams, inputs botocore refused, shapes our model lacks)"):format(
      data.seed, data.botocore, #data.cases, n_ops, #data.services, #data.skipped))
    for _, p in ipairs(ORDER) do
      local c = counts[p]
      if pending[p] then
        print(("  %-19s pending (no %s here): %d cases"):format(
          p, why_pending[p] or ("lambda.aws.protocol." .. MODULES[p]), pending[p]))
      elseif c then
        print(("  %-19s requests %d/%d, responses %d/%d, errors %d/%d"):format(p,
          c.request[1], c.request[2], c.response[1], c.response[2], c.error[1], c.error[2]))
      end
    end
    for i = 1, math.min(#failures, 30) do print("  DISAGREE " .. failures[i]) end
  end)

  it("covers at least 50 services and 1,000 operations of every protocol", function()
    local ops, by_protocol = {}, {}
    for _, case in ipairs(data.cases) do
      ops[case.service .. ":" .. case.operation] = true
      by_protocol[case.protocol] = true
    end
    local n = 0
    for _ in pairs(ops) do n = n + 1 end
    assert.is_true(#data.services >= 50, #data.services .. " services")
    assert.is_true(n >= 1000, n .. " operations")
    for _, p in ipairs(ORDER) do assert.is_true(by_protocol[p], p) end
  end)

  it("reads botocore's own bodies as the oracle does (the spec's decoders)", function()
    local n = 0
    for _, case in ipairs(data.cases) do
      local body = case.kind == "request" and case.expect.body
      if body and body.raw and body.value ~= nil then
        local ok, why = body_check(body.kind, body, assert(base64.decode(body.raw)))
        assert(ok, ("%s %s: %s"):format(case.service, case.operation, tostring(why)))
        n = n + 1
      end
    end
    assert.is_true(n > 500, n .. " bodies")
  end)

  it("agrees with botocore on every case of every protocol", function()
    assert.same({}, pending)  -- a protocol lambda.aws cannot load
    assert.same({}, failures)
    local ran = 0
    for _, c in pairs(counts) do ran = ran + c.request[2] + c.response[2] + c.error[2] end
    assert.is_true(ran > 0)
  end)
end)

describe("lambda.aws protocols: a caller's mistakes #unit", function()
  local model = require "lambda.aws.model"
  local find = model.find
  setup(function()
    model.find = function(name)
      local path = ROOT .. "/models/" .. name .. ".model"
      return path, { path }
    end
  end)
  teardown(function() model.find = find end)

  local function raised(f)
    local ok, err = pcall(f)
    assert.is_false(ok)
    return tostring(err)
  end

  it("raises a missing URI label, an unknown member and a value of the wrong type", function()
    local P = require "lambda.aws.protocol.rest_json"
    local svc = assert(model.load("lambda"))
    local op = svc:operation("Invoke")
    assert.matches("FunctionName is required", raised(function() P.build(svc, op, {}) end))
    assert.matches("FunctionName is required", raised(function()
      P.build(svc, op, { FunctionName = "" }) end))
    assert.matches("no parameter Nope", raised(function()
      P.build(svc, op, { FunctionName = "f", Nope = 1 }) end))
    local J = require "lambda.aws.protocol.json"
    local ddb = assert(model.load("dynamodb"))
    local put = ddb:operation("PutItem")
    assert.matches("TableName must be a string, got number", raised(function()
      J.build(ddb, put, { TableName = 7, Item = {} }) end))
    assert.matches("has no member X", raised(function()
      J.build(ddb, put, { TableName = "t", Item = { a = { X = "1" } } }) end))
    assert.matches("not valid UTF%-8", raised(function()
      J.build(ddb, put, { TableName = "t\255", Item = {} }) end))
  end)

  it("writes floats in headers and query strings as Python's str() (botocore)", function()
    local rest = require "lambda.aws.protocol.rest"
    local values = { 0.1, 1.0, -2.5, 1e16, 1e15, 1.5e-7, 0.0001, 2 ^ 70, 1 / 3, -0.0,
      123456789012345678.0, 5e-324, 1.7976931348623157e308 }
    local r = math.random
    math.randomseed(SEED)
    for _ = 1, 300 do values[#values + 1] = (r() - 0.5) * 10 ^ r(-30, 30) end
    local text = {}
    for i, v in ipairs(values) do text[i] = ("%.17g"):format(v) end
    local p = assert(io.popen(oracle.python() .. " -c 'import sys\nfor l in sys.stdin: "
      .. "print(str(float(l)))' < " .. helper.tmpfile(table.concat(text, "\n") .. "\n")))
    local i = 0
    for line in p:lines() do
      i = i + 1
      assert.equal(line, rest.float_text(values[i]))
    end
    p:close()
    assert.equal(#values, i)
  end)
end)
