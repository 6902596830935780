-- lambda.aws.cbor (RFC 8949) and the smithy-rpc-v2-cbor protocol against
-- botocore (spec/support/lib/cbor_oracle.py): CBOR botocore's serializer
-- writes and CBOR of our own encoder decoded as botocore's decoder reads
-- them, our encoding read back by botocore, RFC 8949's appendix A, and
-- the requests and answers of every operation of every service whose
-- model speaks smithy-rpc-v2-cbor, on our model files.
local cbor = require "lambda.aws.cbor"
local json = require "lambda.json"
local tagged = require "tagged"
local python = require("oracle_python").python()

local helper = require "helper"

-- ctest and busted run from the project root

local ORACLE = "spec/support/lib/cbor_oracle.py"

local function oracle(request)
  return tagged.run(python, ORACLE, request)
end

local hex, unhex = tagged.hex, tagged.unhex
local P = require "lambda.aws.protocol.cbor"
local model = require "lambda.aws.model"

describe("lambda.aws.cbor #unit", function()
  describe("RFC 8949 appendix A", function()
    -- { hex, value } : decoded to value; and, where the encoder picks the
    -- same (shortest) form, encoded back to hex.
    local both = {
      { "00", 0 }, { "01", 1 }, { "0a", 10 }, { "17", 23 }, { "1818", 24 },
      { "1819", 25 }, { "1864", 100 }, { "1903e8", 1000 },
      { "1a000f4240", 1000000 }, { "1b000000e8d4a51000", 1000000000000 },
      { "20", -1 }, { "29", -10 }, { "3863", -100 }, { "3903e7", -1000 },
      { "f4", false }, { "f5", true }, { "60", "" }, { "6161", "a" },
      { "6449455446", "IETF" }, { "62225c", "\"\\" }, { "62c3bc", "\u{fc}" },
      { "63e6b0b4", "\u{6c34}" }, { "64f0908591", "\u{10151}" },
      { "83010203", json.array { 1, 2, 3 } },
      { "8301820203820405", json.array { 1, json.array { 2, 3 }, json.array { 4, 5 } } },
      { "a201020304", { [1] = 2, [3] = 4 } },
      { "a26161016162820203", { a = 1, b = json.array { 2, 3 } } },
      { "826161a161626163", json.array { "a", { b = "c" } } },
      { "a56161614161626142616361436164614461656145",
        { a = "A", b = "B", c = "C", d = "D", e = "E" } },
      { "fb3ff199999999999a", 1.1 }, { "fb7e37e43c8800759c", 1.0e+300 },
      { "fbc010666666666666", -4.1 },
    }
    local decode_only = {
      { "3bffffffffffffffff", nil }, -- -18446744073709551616: beyond 64 bits
      { "f90000", 0.0 }, { "f98000", -0.0 }, { "f93c00", 1.0 },
      { "f93e00", 1.5 }, { "f97bff", 65504.0 }, { "fa47c35000", 100000.0 },
      { "fa7f7fffff", 3.4028234663852886e+38 }, { "f90001", 5.960464477539063e-08 },
      { "f90400", 0.00006103515625 }, { "f9c400", -4.0 },
      { "f97c00", math.huge }, { "f9fc00", -math.huge },
      { "fa7f800000", math.huge }, { "faff800000", -math.huge },
      { "fb7ff0000000000000", math.huge }, { "fbfff0000000000000", -math.huge },
      { "f6", json.null }, { "f7", json.null },
      { "c11a514b67b0", 1363896240 }, { "c1fb41d452d9ec200000", 1363896240.5 },
      { "40", "" }, { "4401020304", "\1\2\3\4" }, { "80", json.array {} },
      { "a0", {} },
      { "5f42010243030405ff", "\1\2\3\4\5" },
      { "7f657374726561646d696e67ff", "streaming" },
      { "9fff", json.array {} },
      { "9f018202039f0405ffff", json.array { 1, json.array { 2, 3 }, json.array { 4, 5 } } },
      { "9f01820203820405ff", json.array { 1, json.array { 2, 3 }, json.array { 4, 5 } } },
      { "83018202039f0405ff", json.array { 1, json.array { 2, 3 }, json.array { 4, 5 } } },
      { "83019f0203ff820405", json.array { 1, json.array { 2, 3 }, json.array { 4, 5 } } },
      { "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
        json.array { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
          18, 19, 20, 21, 22, 23, 24, 25 } },
      { "bf61610161629f0203ffff", { a = 1, b = json.array { 2, 3 } } },
      { "826161bf61626163ff", json.array { "a", { b = "c" } } },
      { "bf6346756ef563416d7421ff", { Fun = true, Amt = -2 } },
    }

    for _, case in ipairs(both) do
      it("decodes and encodes " .. case[1], function()
        local v, err = cbor.decode(unhex(case[1]))
        assert.is_nil(err)
        assert.same(tagged.of(case[2]), tagged.of(v))
        assert.equal(case[1], hex(cbor.encode(case[2])))
      end)
    end
    for _, case in ipairs(decode_only) do
      it("decodes " .. case[1], function()
        local v, err = cbor.decode(unhex(case[1]))
        if case[2] == nil then
          assert.is_nil(v)
          assert.equal("cbor", err.kind)
        else
          assert.is_nil(err)
          assert.same(tagged.of(case[2]), tagged.of(v))
        end
      end)
    end

    it("decodes NaN in every width", function()
      for _, h in ipairs { "f97e00", "fa7fc00000", "fb7ff8000000000000" } do
        local v = cbor.decode(unhex(h))
        assert.is_true(v ~= v, h)
      end
    end)
  end)

  describe("against botocore's decoder", function()
    it("reads what botocore's serializer writes, as botocore reads it (300 values)", function()
      local items = oracle { ["do"] = "random_items", seed = 7, count = 300 }
      assert.equal(300, #items)
      for i, item in ipairs(items) do
        local v, err = cbor.decode(unhex(item.hex))
        assert.is_nil(err, item.hex)
        assert.same(tagged.normal(item.value), tagged.of(v), "item " .. i)
      end
    end)

    it("reads indefinite lengths, half and single floats, tags, as botocore (500 items)", function()
      local items = oracle { ["do"] = "generic_items", seed = 11, count = 500 }
      for i, item in ipairs(items) do
        local v, err = cbor.decode(unhex(item.hex))
        assert.is_nil(err, item.hex)
        assert.same(tagged.normal(item.value), tagged.of(v), "item " .. i .. ": " .. item.hex)
      end
    end)

    local function random_value(depth)
      local k = math.random(depth > 0 and 9 or 6)
      if k == 1 then return math.random(-2 ^ 40, 2 ^ 40)
      elseif k == 2 then
        local edges = { 0, 23, 24, 255, 256, 65535, 65536, 4294967295, 4294967296,
          math.maxinteger, math.mininteger, -24, -25, -257 }
        return edges[math.random(#edges)]
      elseif k == 3 then return (math.random() - 0.5) * 10 ^ math.random(-300, 300)
      elseif k == 4 then
        local t = {}
        for i = 1, math.random(0, 30) do t[i] = utf8.char(math.random(0, 0x2000)) end
        return table.concat(t)
      elseif k == 5 then
        local t = {}
        for i = 1, math.random(0, 300) do t[i] = string.char(math.random(0, 255)) end
        return cbor.blob(table.concat(t))
      elseif k == 6 then return math.random() < 0.5
      elseif k == 7 then
        local t = {}
        for i = 1, math.random(0, 5) do t[i] = random_value(depth - 1) end
        return json.array(t)
      elseif k == 8 then
        local t = {}
        for _ = 1, math.random(0, 5) do t["k" .. math.random(100)] = random_value(depth - 1) end
        return t
      end
      return json.array { json.null, 1 }
    end

    -- the value cbor.encode was given, as botocore should read it back
    local function plain(v)
      local mt = getmetatable(v)
      if mt and mt.__name == "lambda.aws.cbor.blob" then return v[1] end
      if type(v) ~= "table" then return v end
      local out = {}
      for k, x in pairs(v) do out[k] = plain(x) end
      if mt and mt.__jsontype == "array" then return json.array(out) end
      return out
    end

    it("reads back what cbor.encode writes (300 random values)", function()
      math.randomseed(5)
      local values, items = {}, {}
      for i = 1, 300 do
        values[i] = random_value(4)
        items[i] = hex(cbor.encode(values[i]))
      end
      local answers = oracle { ["do"] = "decode", items = items }
      for i, a in ipairs(answers) do
        assert.is_nil(a.error, items[i])
        assert.same(tagged.of(plain(values[i])), tagged.normal(a.value), items[i])
        -- and our own decoder reads it back the same
        assert.same(tagged.of(plain(values[i])), tagged.of((cbor.decode(unhex(items[i])))))
      end
    end)

    it("refuses what botocore refuses, with an error value", function()
      local bad = {
        "c249010000000000000000", -- bignum
        "c349010000000000000000", -- negative bignum
        "c074323031332d30332d32315432303a30343a30305a", -- tag 0
        "d82076687474703a2f2f7777772e6578616d706c652e636f6d", -- tag 32
        "f0", "f818", "f8ff", -- simple values
        "1c", "3d", "5e", "7c", "98", -- reserved additional information
        "ff", "", "18", "1901", "62c3", "8301", "a161", "5f4101",
        "c1", "c16161", -- a timestamp that is no number
      }
      local answers = oracle { ["do"] = "decode", items = bad }
      for i, h in ipairs(bad) do
        assert.truthy(answers[i].error, "botocore read " .. h)
        local v, err = cbor.decode(unhex(h))
        assert.is_nil(v, h)
        assert.equal("cbor", err.kind, h)
        assert.equal("number", type(err.offset), h)
      end
    end)

    it("says what it refuses", function()
      local _, err = cbor.decode(unhex("c249010000000000000000"))
      assert.matches("bignums", err.message)
      _, err = cbor.decode(unhex("c074323031332d30332d32315432303a30343a30305a"))
      assert.matches("tag 0 is not supported", err.message)
      _, err = cbor.decode(unhex("6261ff"))
      assert.matches("not UTF%-8", err.message)
      _, err = cbor.decode(unhex("0000"))
      assert.matches("1 bytes after the data item", err.message)
      _, err = cbor.decode(unhex("1bffffffffffffffff"))
      assert.matches("beyond 64%-bit", err.message)
      _, err = cbor.decode(unhex("5f6161ff"))
      assert.matches("chunk", err.message)
    end)

    it("refuses every cut of a valid item", function()
      local whole = unhex("a36161fb3ff199999999999a6162825f420102ff1a000f424063637878c11903e8")
      assert.is_nil(select(2, cbor.decode(whole)))
      for cut = 0, #whole - 1 do
        local v, err = cbor.decode(whole:sub(1, cut))
        assert.is_nil(v, cut)
        assert.equal("cbor", err.kind)
      end
    end)

    it("keeps to a depth limit", function()
      local deep = string.rep("\x81", 300) .. "\x00"
      local v, err = cbor.decode(deep)
      assert.is_nil(v)
      assert.matches("depth", err.message)
      assert.truthy(cbor.decode(string.rep("\x81", 200) .. "\x00"))
      assert.is_nil(cbor.decode(string.rep("\x9f", 20) .. "\x00" .. string.rep("\xff", 20),
        { max_depth = 10 }))
      assert.truthy(cbor.decode(string.rep("\xa1\x00", 10) .. "\x00", { max_depth = 10 }))
      assert.is_nil(cbor.decode(string.rep("\xa1\x00", 11) .. "\x00", { max_depth = 10 }))
      assert.is_nil(cbor.decode(string.rep("\xc1", 11) .. "\x00", { max_depth = 10 }))
    end)
  end)
end)

describe("smithy-rpc-v2-cbor #unit", function()
  local SERVICES = {}
  for name, info in pairs(json.decode(helper.read("models/services.json"))) do
    if info.protocol == "smithy-rpc-v2-cbor" then SERVICES[#SERVICES + 1] = name end
  end
  table.sort(SERVICES)

  it("covers every service whose model speaks it first", function()
    assert.same({ "arc-region-switch", "cloudwatch", "comprehendmedical", "compute-optimizer",
      "compute-optimizer-automation", "gamelift", "interconnect",
      "marketplace-entitlement", "snowball" }, SERVICES)
  end)

  local function op_names(svc)
    local names = {}
    for name in pairs(svc.operations) do names[#names + 1] = name end
    table.sort(names)
    return names
  end

  for _, service in ipairs(SERVICES) do
    it("builds every " .. service .. " request as botocore does (3 random inputs each)", function()
      local svc = assert(model.load(service))
      local cases = {}
      for _, name in ipairs(op_names(svc)) do
        for seed = 1, 3 do cases[#cases + 1] = { op = name, seed = seed } end
      end
      local answers = oracle { ["do"] = "build", service = service, cases = cases }
      for i, a in ipairs(answers) do
        local op = svc:operation(cases[i].op)
        local req = P.build(svc, op, tagged.value(a.params))
        local what = service .. " " .. cases[i].op .. " seed " .. cases[i].seed
        assert.equal(a.method, req.method, what)
        assert.equal(a.url_path, req.path, what)
        assert.same(a.headers, req.headers, what)
        assert.equal(a.body, hex(req.body or ""), what)
        assert.equal(a.host_prefix ~= json.null and a.host_prefix or nil, req.host_prefix, what)
        assert.same({}, req.query)
      end
    end)

    it("parses every " .. service .. " answer as botocore does (3 random outputs each)", function()
      local svc = assert(model.load(service))
      local cases = {}
      for _, name in ipairs(op_names(svc)) do
        for seed = 1, 3 do cases[#cases + 1] = { op = name, seed = seed } end
      end
      local answers = oracle { ["do"] = "parse", service = service, cases = cases }
      for i, a in ipairs(answers) do
        local op = svc:operation(cases[i].op)
        local v, err = P.parse(svc, op, { status = 200, headers = {}, body = unhex(a.body) })
        local what = service .. " " .. cases[i].op .. " seed " .. cases[i].seed
        assert.is_nil(err, what)
        assert.same(tagged.normal(a.value), tagged.of(v), what)
      end
    end)
  end
end)

describe("smithy-rpc-v2-cbor errors and misuse #unit", function()
  local function body(t) return t and hex(cbor.encode(t)) or "" end
  local Q = "x-amzn-query-error"
  local CASES = {
    { "cloudwatch", 404, { [Q] = "ResourceNotFound;Sender" },
      { __type = "com.amazonaws.cloudwatch#ResourceNotFound", message = "no such" } },
    { "cloudwatch", 400, { [Q] = "InvalidParameterValue;Sender" },
      { __type = "com.amazonaws.cloudwatch#InvalidParameterValueException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
        Message = "bad value" } },
    { "cloudwatch", 409, {}, { __type = "ConflictException", Message = "in the way" } },
    { "cloudwatch", 400, { [Q] = "InvalidParameterInput;Sender" },
      { __type = "DashboardInvalidInputError", message = "bad dashboard",
        dashboardValidationMessages = json.array { { DataPath = "/w", Message = "no" } } } },
    { "cloudwatch", 400, { [Q] = "nosemicolon" }, { __type = "LimitExceededFault" } },
    { "cloudwatch", 400, { [Q] = ";Sender" }, { __type = "LimitExceededFault" } },
    { "cloudwatch", 429, {}, { __type = "ConcurrentModificationException" } },
    { "cloudwatch", 400, {}, {} },
    { "cloudwatch", 500, {}, nil },
    { "cloudwatch", 503, {}, "<html><body>Service Unavailable</body></html>" },
    { "cloudwatch", 502, {}, { __type = "InternalServiceError", Message = "oops" } },
    { "arc-region-switch", 404, {},
      { __type = "com.amazonaws.arcregionswitch#ResourceNotFoundException", message = "gone" } },
    { "gamelift", 400, {}, { __type = "InvalidRequestException", Message = "no" } },
    { "snowball", 400, {}, { __type = "UnknownToTheModel", message = "?" } },
  }

  local function request(i)
    local case = CASES[i]
    local headers = { ["x-amzn-requestid"] = "req-" .. i }
    for k, v in pairs(case[3]) do headers[k] = v end
    local raw = type(case[4]) == "string" and case[4] or unhex(body(case[4]))
    return headers, raw
  end

  local answers
  setup(function()
    local cases = {}
    for i, case in ipairs(CASES) do
      local headers, raw = request(i)
      cases[i] = { service = case[1], status = case[2], headers = headers, hex = hex(raw) }
    end
    answers = oracle { ["do"] = "parse_error", cases = cases }
  end)

  for i, case in ipairs(CASES) do
    it(("reads error %d (%s %d) as botocore does"):format(i, case[1], case[2]), function()
      local headers, raw = request(i)
      local a = answers[i]
      local svc = assert(model.load(case[1]))
      local e = P.parse_error(svc, nil, { status = case[2], headers = headers, body = raw })
      local function opt(v) if v ~= json.null then return v end end
      assert.equal(a.code, e.code)
      assert.equal(a.message, e.message)
      if case[2] >= 500 and (raw == "" or raw:sub(1, 6) == "<html>") then
        -- botocore leaves RequestId out of a generic error; we keep it
        assert.is_nil(opt(a.request_id))
        assert.equal("req-" .. i, e.request_id)
      else
        assert.equal(opt(a.request_id), e.request_id)
      end
      assert.equal(opt(a.query_error_code), e.query_error_code)
      assert.equal(opt(a.type), e.type)
      if opt(a.fields) then
        assert.same(tagged.normal(a.fields), tagged.of(e.fields))
      else
        assert.is_nil(e.fields)
      end
    end)
  end

  it("refuses a union answer with other than one member set", function()
    local svc = assert(model.load("arc-region-switch"))
    local v, err = P.parse_body(svc, "ReportOutput", cbor.encode {
      failedReportOutput = { errorCode = "x" }, s3ReportOutput = { s3ObjectKey = "k" } })
    assert.is_nil(v)
    assert.equal("cbor", err.kind)
    assert.matches("ReportOutput must have one and only one member set", err.message)
    v = assert(P.parse_body(svc, "ReportOutput", cbor.encode { s3ReportOutput = { s3ObjectKey = "k" },
      __type = "x" }))
    assert.same({ s3ReportOutput = { s3ObjectKey = "k" } }, v)
  end)

  it("leaves out what the output shape does not name, as botocore does", function()
    local svc = assert(model.load("cloudwatch"))
    local body = cbor.encode {
      __type = "x", Unknown = 1, NextToken = "t",
      MetricDataResults = json.array { { Id = "a", Extra = true, Values = json.array { 1.5 },
        Timestamps = json.array { cbor.blob("not a time") } } },
      Messages = json.array { { Code = "c", Value = "v", More = json.array {} } },
    }
    local a = oracle { ["do"] = "parse", service = "cloudwatch",
      cases = { { op = "GetMetricData", hex = hex(body) } } }[1]
    local v = assert(P.parse(svc, svc:operation("GetMetricData"), { status = 200,
      headers = {}, body = body }))
    assert.same(tagged.normal(a.value), tagged.of(v))
    assert.is_nil(v.Unknown)
    assert.is_nil(v.MetricDataResults[1].Extra)
  end)

  it("reads an integer on the wire for a double member as a float (the value rules)", function()
    local svc = assert(model.load("cloudwatch"))
    local v = assert(P.parse(svc, svc:operation("GetMetricData"), { status = 200, headers = {},
      body = cbor.encode { MetricDataResults = json.array { { Values = json.array { 2, 2.5 } } } } }))
    assert.equal("float", math.type(v.MetricDataResults[1].Values[1]))
    assert.equal(2.0, v.MetricDataResults[1].Values[1])
  end)

  it("answers an undecodable body with an error value", function()
    local svc = assert(model.load("cloudwatch"))
    local op = svc:operation("ListDashboards")
    local v, err = P.parse(svc, op, { status = 200, headers = {}, body = "{\"json\": 1}" })
    assert.is_nil(v)
    assert.equal("cbor", err.kind)
    assert.same({}, assert(P.parse(svc, op, { status = 200, headers = {}, body = "" })))
  end)

  it("raises a caller's wrong value where the caller called", function()
    local svc = assert(model.load("cloudwatch"))
    local op = svc:operation("PutMetricData")
    local function build(params) return P.build(svc, op, params) end
    local cases = {
      { { Namespace = 1 }, "PutMetricDataInput.Namespace must be a string, got number" },
      { { Namespace = "n", MetricData = { { MetricName = "m", Value = "1" } } },
        "MetricData%[1%]%.Value must be a number, got \"1\"" },
      { { Namespace = "n", MetricData = { { MetricName = "m", StorageResolution = 1.5 } } },
        "StorageResolution must be an integer, got number" },
      { { Namespace = "n", Nope = 1 }, "PutMetricDataInput has no member Nope" },
      { { Namespace = "n", MetricData = "x" }, "MetricData must be a list" },
      { { Namespace = "n", StrictEntityValidation = "yes" }, "must be a boolean" },
      { { Namespace = "n", MetricData = { { MetricName = "m", Timestamp = "yesterday" } } },
        "a timestamp must be" },
    }
    for _, case in ipairs(cases) do
      local ok, err = pcall(build, case[1])
      assert.is_false(ok)
      assert.matches(case[2], err)
      assert.matches("^lambda%.aws%.cloudwatch:PutMetricData: ", (err:gsub("^[^:]+:%d+: ", "")))
    end
    -- a float member beyond single precision's range
    local gamelift = assert(model.load("gamelift"))
    local start = gamelift:operation("StartGameSessionPlacement")
    local function place(ms)
      return P.build(gamelift, start, { PlacementId = "p", GameSessionQueueName = "q",
        MaximumPlayerSessionCount = 1, PlayerLatencies = { { LatencyInMilliseconds = ms } } })
    end
    local ok, err = pcall(place, 1e39)
    assert.is_false(ok)
    assert.matches("LatencyInMilliseconds must be a number in single precision's range", err)
    assert.truthy(place(3.4028234663852886e38).body:find("\xfa\x7f\x7f\xff\xff", 1, true))
    assert.truthy(place(0.1).body:find("\xfa" .. string.pack(">f", 0.1), 1, true))
  end)

  it("writes float members in single precision, doubles in double, specials in half", function()
    local svc = assert(model.load("cloudwatch"))
    local op = svc:operation("PutMetricData")
    local req = P.build(svc, op, { Namespace = "n", MetricData = {
      { MetricName = "m", Value = 0 / 0, Values = { math.huge, -math.huge, 2 } } } })
    assert.truthy(req.body:find("\xf9\x7e\x00", 1, true))
    assert.truthy(req.body:find("\xf9\x7c\x00\xf9\xfc\x00\xfb\x40\x00\0\0\0\0\0\0", 1, true))
  end)
end)
