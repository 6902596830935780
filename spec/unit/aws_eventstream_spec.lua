-- lambda.aws.eventstream against botocore (spec/support/lib/eventstream_oracle.py):
-- messages made by the oracle's own encoder (zlib's CRC-32), decoded here
-- and by botocore's EventStreamBuffer, fed whole, byte by byte and split
-- at every offset; damaged CRCs; and the events of real models (Bedrock
-- Runtime's ConverseStream, Lambda's InvokeWithResponseStream) and of a
-- synthetic one with header members, as botocore's EventStream gives them.
local eventstream = require "lambda.aws.eventstream"
local common = require "lambda.aws.protocol.common"
local errors = require "lambda.errors"
local json = require "lambda.json"
local helper = require "helper"
local tagged = require "tagged"
local python = require("oracle_python").python()

local model = require "lambda.aws.model"

local ORACLE = "spec/support/lib/eventstream_oracle.py"
local function oracle(request)
  return tagged.run(python, ORACLE, request)
end
local unhex = tagged.unhex

-- A stand-in for rest-json's P.parse_body (the real one is
-- lambda.aws.protocol.rest_json's): JSON read by the shape, as botocore's
-- BaseJSONParser reads it.
local function walk(svc, name, v)
  if v == nil or v == json.null then return nil end
  local shape = svc:shape(name)
  local t = shape.type
  if t == "structure" then
    if shape.document then return v end
    local out = {}
    for m, ref in pairs(shape.members or {}) do
      local x = walk(svc, ref.shape, v[ref.locationName or m])
      if x ~= nil then out[m] = x end
    end
    return out
  elseif t == "list" then
    local out = {}
    for i, x in ipairs(v) do out[i] = walk(svc, shape.member.shape, x) or json.null end
    return json.array(out)
  elseif t == "map" then
    local out = {}
    for k, x in pairs(v) do out[k] = walk(svc, shape.value.shape, x) end
    return out
  elseif t == "blob" then
    return (common.base64_decode(v))
  elseif t == "timestamp" then
    return common.parse_timestamp(v)
  elseif t == "float" or t == "double" then
    return v + 0.0
  end
  return v
end

local JSONP = {}
function JSONP.parse_body(svc, name, bytes)
  if bytes == "" then return {} end
  local v, err = json.decode(bytes)
  if err then return nil, err end
  return walk(svc, name, v)
end

local function reader(bytes, size)
  local at = 1
  return function()
    if at > #bytes then return nil end
    local chunk = bytes:sub(at, at + size - 1)
    at = at + size
    return chunk
  end
end

-- every message a decoder gives for the chunks, as tagged trees
local function decode_chunks(chunks)
  local d = eventstream.decoder()
  local out = {}
  for _, chunk in ipairs(chunks) do
    d:feed(chunk)
    while true do
      local m, err = d:next_message()
      if err then return out, err end
      if not m then break end
      local headers = {}
      for k, v in pairs(m.headers) do headers[k] = tagged.of(v) end
      out[#out + 1] = { headers = headers, payload = tagged.hex(m.payload) }
    end
  end
  return out, nil, d
end

local function normal_messages(list)
  local out = {}
  for i, m in ipairs(list) do
    local headers = {}
    for k, v in pairs(m.headers) do headers[k] = tagged.normal(v) end
    out[i] = { headers = headers, payload = m.payload }
  end
  return out
end

local function split(bytes, size)
  local chunks = {}
  for i = 1, #bytes, size do chunks[#chunks + 1] = bytes:sub(i, i + size - 1) end
  return chunks
end

describe("lambda.aws.eventstream #unit", function()
  describe("CRC-32", function()
    it("is IEEE's (zlib's)", function()
      assert.equal(0xCBF43926, eventstream.crc32("123456789"))
      assert.equal(0, eventstream.crc32(""))
      assert.equal(0x414FA339, eventstream.crc32("The quick brown fox jumps over the lazy dog"))
      -- continued, and over a range
      local a = eventstream.crc32("12345")
      assert.equal(0xCBF43926, eventstream.crc32("6789", a))
      assert.equal(0xCBF43926, eventstream.crc32("xx123456789yy", 0, 3, 11))
    end)
  end)

  describe("messages", function()
    local made
    setup(function()
      made = oracle { ["do"] = "messages", seed = 3, count = 40 }
    end)

    it("reads 40 random messages as botocore does, fed whole and byte by byte", function()
      local bytes = unhex(made.hex)
      local expected = normal_messages(made.messages)
      assert.equal(40, #expected)
      local got, err, d = decode_chunks { bytes }
      assert.is_nil(err)
      assert.same(expected, got)
      assert.equal(0, d:pending())
      got, err = decode_chunks(split(bytes, 1))
      assert.is_nil(err)
      assert.same(expected, got)
      for _, size in ipairs { 2, 3, 11, 12, 13, 16, 100, 1000 } do
        assert.same(expected, (decode_chunks(split(bytes, size))), "chunks of " .. size)
      end
    end)

    it("reads three messages split at every byte offset, and in three pieces", function()
      local small = oracle { ["do"] = "messages", seed = 4, count = 3 }
      local bytes = unhex(small.hex)
      local expected = normal_messages(small.messages)
      for cut = 0, #bytes do
        assert.same(expected, (decode_chunks { bytes:sub(1, cut), bytes:sub(cut + 1) }), "cut " .. cut)
      end
      for a = 0, #bytes, 7 do
        for b = a, #bytes, 5 do
          assert.same(expected, (decode_chunks { bytes:sub(1, a), bytes:sub(a + 1, b),
            bytes:sub(b + 1) }))
        end
      end
    end)

    it("gives nothing until a message is whole", function()
      local bytes = unhex(made.hex)
      local first = string.unpack(">I4", bytes)
      local d = eventstream.decoder()
      d:feed(bytes:sub(1, first - 1))
      assert.is_nil(d:next_message())
      assert.equal(first - 1, d:pending())
      d:feed(bytes:sub(first, first))
      assert.truthy(d:next_message())
      assert.equal(0, d:pending())
    end)

    local function damaged(bytes, at)
      return bytes:sub(1, at - 1) .. string.char(bytes:byte(at) ~ 0x01) .. bytes:sub(at + 1)
    end

    it("refuses a damaged prelude or message, as botocore does", function()
      local bytes = unhex(made.hex)
      local first = string.unpack(">I4", bytes)
      local cases = {
        { 4, "prelude CRC" },          -- the headers' length
        { 10, "prelude CRC" },         -- the prelude CRC itself
        { first - 2, "message CRC" },  -- the message CRC
        { first - 5, "message CRC" },  -- the payload's last byte
        { 14, "message CRC" },         -- a header
      }
      local items = {}
      for i, case in ipairs(cases) do items[i] = tagged.hex(damaged(bytes, case[1]):sub(1, first)) end
      local answers = oracle { ["do"] = "decode", items = items }
      for i, case in ipairs(cases) do
        local bad = damaged(bytes, case[1])
        assert.truthy(answers[i].error, "botocore read it")
        assert.matches("Checksum", answers[i].error)
        local got, err = decode_chunks(split(bad, 9))
        assert.same({}, got)
        assert.equal("eventstream", err.kind)
        assert.matches(case[2], err.message)
      end
      -- a second message damaged: the first still read
      local bad = damaged(bytes, first + 13)
      local got, err = decode_chunks { bad }
      assert.equal(1, #got)
      assert.matches("message CRC", err.message)
    end)

    it("refuses lengths out of bounds and headers it cannot read", function()
      local function msg(total, hlen, rest)
        local prelude = string.pack(">I4I4", total, hlen)
        local body = prelude .. string.pack(">I4", eventstream.crc32(prelude)) .. rest
        return body .. string.pack(">I4", eventstream.crc32(body))
      end
      local cases = {
        { msg(16, 200 * 1024, ""), "headers of" },
        { msg(15, 0, ""), "a message of 15 bytes" },
        { msg(16 + 5, 5, "\3abc\10"), "unknown type 10" },
        { msg(16 + 4, 4, "\3abc"), "cut short" },
        { msg(16 + 6, 6, "\3abc\4\0"), "cut short" },
        { msg(16 + 10, 10, "\1a\0\1c\1\1b\7\0"), "cut short" },
        { msg(16 + 6, 6, "\1a\0\1a\1"), "repeated" },
      }
      local items = {}
      for i, case in ipairs(cases) do items[i] = tagged.hex(case[1]) end
      local answers = oracle { ["do"] = "decode", items = items }
      for i, case in ipairs(cases) do
        assert.truthy(answers[i].error, "botocore read " .. case[2])
        local _, err = decode_chunks { case[1] }
        assert.equal("eventstream", err and err.kind, case[2])
        assert.matches(case[2], err.message)
      end
    end)
  end)

  describe("events", function()
    local function events_of(svc, shape, bytes, size, P)
      local s = eventstream.stream(reader(bytes, size), svc, shape, P or JSONP)
      local out = {}
      for event in s:events() do out[#out + 1] = tagged.of(event) end
      return out, s.error
    end

    local function normal_events(list)
      local out = {}
      for i, e in ipairs(list) do out[i] = tagged.normal(e) end
      return out
    end

    it("reads Bedrock Runtime ConverseStream's events and exception as botocore does", function()
      local svc = assert(model.load("bedrock-runtime"))
      local a = oracle { ["do"] = "events", service = "bedrock-runtime",
        shape = "ConverseStreamOutput", seed = 9, count = 80, exception = "throttlingException" }
      local bytes = unhex(a.hex)
      assert.equal(80, #a.events)
      for _, size in ipairs { 1, 5, 4096, #bytes } do
        local got, err = events_of(svc, "ConverseStreamOutput", bytes, size)
        assert.same(normal_events(a.events), got, "chunks of " .. size)
        assert.equal("aws", err.kind)
        assert.equal(a.error.code, err.code)
        assert.equal(a.error.message, err.message)
        assert.same({ message = "it broke" }, err.fields)
      end
    end)

    it("reads Lambda InvokeWithResponseStream's payload chunks as botocore does", function()
      local svc = assert(model.load("lambda"))
      local a = oracle { ["do"] = "events", service = "lambda",
        shape = "InvokeWithResponseStreamResponseEvent", seed = 2, count = 40 }
      local got, err = events_of(svc, "InvokeWithResponseStreamResponseEvent", unhex(a.hex), 3)
      assert.is_nil(err)
      assert.equal(40, #got)
      assert.same(normal_events(a.events), got)
      assert.is_nil(a.error ~= json.null and a.error or nil)
    end)

    it("reads header members (eventheader) and string payloads as botocore does", function()
      local a = oracle { ["do"] = "synthetic" }
      local shapes = a.model.shapes
      local svc = { name = "s", shape = function(_, name) return assert(shapes[name], name) end }
      local got, err = events_of(svc, "Stream", unhex(a.hex), 2)
      assert.same(normal_events(a.events), got)
      assert.equal(4, #got)
      -- a shape without "event": true takes nothing from the payload
      assert.same(tagged.of { Plain = { Name = "p" } }, got[4])
      assert.equal("Boom", err.code)
      assert.equal("boom", err.message)
      assert.same({ Message = "boom", Extra = 3 }, err.fields)
    end)

    it("reads an error message (:error-code) as botocore does", function()
      local svc = assert(model.load("lambda"))
      local a = oracle { ["do"] = "error_message", service = "lambda",
        shape = "InvokeWithResponseStreamResponseEvent" }
      local s = eventstream.stream(reader(unhex(a.hex), 10), svc,
        "InvokeWithResponseStreamResponseEvent", JSONP)
      local event, err = s:next()
      assert.is_nil(event)
      assert.equal("aws", err.kind)
      assert.equal(a.error.code, err.code)
      assert.equal(a.error.message, err.message)
      -- and it stays failed
      assert.equal(err, select(2, s:next()))
    end)

    it("ends with an error on a damaged message, a cut body, a failed read", function()
      local svc = assert(model.load("lambda"))
      local a = oracle { ["do"] = "events", service = "lambda",
        shape = "InvokeWithResponseStreamResponseEvent", seed = 5, count = 3 }
      local bytes = unhex(a.hex)
      local first = string.unpack(">I4", bytes)
      local bad = bytes:sub(1, first + 20) .. "\0" .. bytes:sub(first + 22)
      local got, err = events_of(svc, "InvokeWithResponseStreamResponseEvent", bad, 7)
      assert.equal(1, #got)
      assert.equal("eventstream", err.kind)
      got, err = events_of(svc, "InvokeWithResponseStreamResponseEvent", bytes:sub(1, first + 30), 7)
      assert.equal(1, #got)
      assert.equal("eventstream", err.kind)
      assert.matches("ends inside a message", err.message)
      local calls = 0
      local s = eventstream.stream(function()
        calls = calls + 1
        if calls == 1 then return bytes:sub(1, first) end
        return nil, errors.new("timeout", "the body stalled")
      end, svc, "InvokeWithResponseStreamResponseEvent", JSONP)
      assert.truthy(s:next())
      local ev, rerr = s:next()
      assert.is_nil(ev)
      assert.equal("timeout", rerr.kind)
    end)

    it("passes on a payload the protocol cannot read", function()
      local svc = assert(model.load("bedrock-runtime"))
      local a = oracle { ["do"] = "events", service = "bedrock-runtime",
        shape = "ConverseStreamOutput", seed = 1, count = 1 }
      local P = { parse_body = function() return nil, errors.new("json", "not JSON") end }
      local got, err = events_of(svc, "ConverseStreamOutput", unhex(a.hex), 100, P)
      assert.same({}, got)
      assert.equal("json", err.kind)
      -- and where a structure member is the payload (eventpayload)
      local syn = oracle { ["do"] = "synthetic" }
      local shapes = syn.model.shapes
      local ssvc = { name = "s", shape = function(_, name) return assert(shapes[name], name) end }
      got, err = events_of(ssvc, "Stream", unhex(syn.hex), 100, P)
      assert.same({}, got)
      assert.equal("json", err.kind)
    end)

    it("stops at close", function()
      local svc = assert(model.load("lambda"))
      local a = oracle { ["do"] = "events", service = "lambda",
        shape = "InvokeWithResponseStreamResponseEvent", seed = 6, count = 5 }
      local closed = 0
      local s = eventstream.stream(reader(unhex(a.hex), 64), svc,
        "InvokeWithResponseStreamResponseEvent", JSONP, function() closed = closed + 1 end)
      assert.truthy(s:next())
      s:close()
      assert.is_nil(s:next())
      assert.is_nil(s.error)
      s:close()
      assert.equal(1, closed)
    end)
  end)

  describe("cost", function()
    it("is linear in the number of chunks", function()
      local path = os.tmpname()
      oracle { ["do"] = "bench", path = path, count = 4, size = 512 * 1024 }
      local bytes = helper.read(path)
      os.remove(path)
      local function run(size)
        local d = eventstream.decoder()
        local t0 = os.clock()
        local n = 0
        for i = 1, #bytes, size do
          d:feed(bytes:sub(i, i + size - 1))
          while d:next_message() do n = n + 1 end
        end
        assert.equal(4, n)
        return os.clock() - t0
      end
      local whole = run(#bytes)
      local small = run(16)  -- 131072 chunks: a buffer grown by concatenation copies ~35 GB
      assert.is_true(small < whole * 4 + 0.5,
        ("16-byte chunks took %.3fs, one chunk %.3fs"):format(small, whole))
    end)
  end)
end)
