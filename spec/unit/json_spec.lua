-- lambda.json, the runtime's codec, loaded into lua5.4 as a module
-- (build/lua/lambda/json.so), next to lua-cjson.
local helper = require "helper"
local json = require "lambda.json"
local cjson = require "cjson"

local function decode_ok(text)
  local value, err = json.decode(text)
  assert(err == nil, err)
  return value
end

local same = helper.same_json

describe("lambda.json decode #unit", function()
  it("keeps 64-bit integers exact and other numbers as floats", function()
    local v = decode_ok("[9007199254740993, -9223372036854775808, "
      .. "9223372036854775807, 9223372036854775808, 0, -0, 1.0, 1e2, 2.5, -1.5e-3]")
    assert.equal(9007199254740993, v[1])
    assert.equal("integer", math.type(v[1]))
    assert.equal(math.mininteger, v[2])
    assert.equal("integer", math.type(v[2]))  -- -2^63 == the float too
    assert.equal(math.maxinteger, v[3])
    assert.equal("integer", math.type(v[3]))
    assert.equal("float", math.type(v[4]))  -- beyond 64 bits
    assert.equal(2^63, v[4])
    assert.equal("integer", math.type(v[5]))
    assert.equal("float", math.type(v[6]))  -- -0 keeps its sign
    assert.equal(-math.huge, 1 / v[6])
    assert.equal("float", math.type(v[7]))
    assert.equal("float", math.type(v[8]))
    assert.equal(100.0, v[8])
    assert.equal(2.5, v[9])
    assert.equal(-1.5e-3, v[10])
    assert.equal("id 123", "id " .. decode_ok('{"id":123}').id)
  end)

  it("marks arrays, so an empty one encodes as [] again", function()
    local v = decode_ok('{"list":[],"obj":{},"nested":[[]]}')
    assert.equal('[]', json.encode(v.list))
    assert.equal('{}', json.encode(v.obj))
    assert.equal('[[]]', json.encode(v.nested))
    assert.equal(getmetatable(json.array()), getmetatable(v.list))
  end)

  -- Members are gathered on the stack and set 32 at a time: long
  -- containers cross that boundary, in order, the last of a repeated key
  -- standing (as lua-cjson has it).
  it("decodes long arrays and objects whole and in order, the last repeated key winning", function()
    local items, members = {}, {}
    for i = 1, 100 do
      items[i] = i % 3 == 0 and ('{"n":%d,"inner":[%d,{"k":"v%d"}]}'):format(i, i, i)
        or tostring(i)
      members[i] = ('"k%d":%d'):format(i, i)
    end
    local list = decode_ok("[" .. table.concat(items, ",") .. "]")
    assert.equal(100, #list)
    for i = 1, 100 do
      if i % 3 == 0 then
        assert.equal(i, list[i].n)
        assert.equal(i, list[i].inner[1])
        assert.equal("v" .. i, list[i].inner[2].k)
      else
        assert.equal(i, list[i])
      end
    end
    members[40] = '"k1":"again"'   -- k1 repeated past the first 32
    members[41] = '"k2":"first"'
    members[42] = '"k2":"second"'  -- and twice within one 32
    local object = decode_ok("{" .. table.concat(members, ",") .. "}")
    local count = 0
    for _ in pairs(object) do count = count + 1 end
    assert.equal(97, count)  -- k40, k41, k42 replaced
    assert.equal("again", object.k1)
    assert.equal("second", object.k2)
    assert.equal(100, object.k100)
    assert.same({ a = 2 }, decode_ok('{"a":1,"a":2}'))
    assert.same({}, decode_ok("{}"))
    assert.equal("[]", json.encode(decode_ok("[]")))
  end)

  -- Plain bytes are skipped eight at a time (json_scan.h): every byte
  -- that needs a look must be seen at any offset into the string.
  it("sees escapes, control bytes and UTF-8 at every offset of a string", function()
    for k = 0, 24 do
      local run = ("a"):rep(k)
      assert.equal(run .. '"\\b', decode_ok('"' .. run .. '\\"\\\\b"'))
      assert.equal(run .. "\u{e9}\u{10348}b", decode_ok('"' .. run .. "\u{e9}\u{10348}b\""))
      for _, bad in ipairs { "\0", "\x1f", "\n", "\x7f\xff", "\xc0\xaf", "\xed\xa0\x80" } do
        local value, err = json.decode('"' .. run .. bad .. 'b"')
        if bad == "\x7f\xff" then bad = "\xff" end
        assert(value == nil and err, ("%q accepted at offset %d"):format(bad, k))
      end
      for byte = 0, 0x1f do
        local want = ({ [8] = "\\b", [9] = "\\t", [10] = "\\n", [12] = "\\f",
                        [13] = "\\r" })[byte] or ("\\u%04x"):format(byte)
        assert.equal('"' .. run .. want .. 'b"', json.encode(run .. string.char(byte) .. "b"))
      end
      assert.equal('"' .. run .. '\\"\\\\\x7f b"', json.encode(run .. '"\\\x7f b'))
      assert.equal('"' .. run .. '\u{e9}b"', json.encode(run .. "\u{e9}b"))
      assert.is_false((pcall(json.encode, run .. "\xffb")))
    end
  end)

  it("decodes null as a sentinel that keeps arrays whole", function()
    local v = decode_ok("[1,null,3,null]")
    assert.equal(4, #v)
    assert.equal(json.null, v[2])
    assert.equal(cjson.null, json.null)
    assert.equal(json.null, decode_ok('{"a":null}').a)
    assert.equal("[1,null,3,null]", json.encode(v))
  end)

  it("decodes strings, escapes and surrogate pairs", function()
    local v = decode_ok([==["a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00\u0000é"]==])
    assert.equal('a"b\\c/d\b\f\n\r\tAé€😀\0é', v)
  end)

  it("rejects what RFC 8259 does not allow, naming the byte", function()
    local cases = {
      { "", 0, "unexpected end" }, { "   ", 3, "unexpected end" },
      { "NaN", 0, "unexpected character" }, { "Infinity", 0, "unexpected" },
      { "0x10", 1, "after the JSON value" }, { "01", 1, "leading zero" },
      { "-", 1, "expected a digit" }, { "+1", 0, "unexpected" },
      { "1.", 2, "after '.'" }, { ".5", 0, "unexpected" },
      { "1e", 2, "exponent" }, { "[1,]", 3, "unexpected" },
      { '{"a":1,}', 7, "string key" }, { '{"a" 1}', 5, "':'" },
      { "[1 2]", 3, "',' or ']'" }, { '{"a":1 "b":2}', 7, "',' or '}'" },
      { "[", 1, "unexpected end" }, { '{"a":', 5, "unexpected end" },
      { '"abc', 4, "unterminated" }, { '"a\tb"', 2, "control character" },
      { '"\\x"', 2, "invalid escape" }, { '"\\u12G4"', 5, "hex digit" },
      { '"\\ud800"', 7, "low surrogate" }, { '"\\udc00"', 1, "lone low" },
      { "'a'", 0, "unexpected" }, { "[1] x", 4, "after the JSON value" },
      { "tru", 0, "unexpected" }, { "nul", 0, "unexpected" },
      { '"\255"', 1, "UTF-8" }, { '"\192\175"', 1, "UTF-8" },      -- overlong
      { '"\237\160\128"', 1, "UTF-8" },                          -- surrogate
      { '"\244\144\128\128"', 1, "UTF-8" },                      -- > U+10FFFF
      { '"\226\130"', 1, "UTF-8" },                              -- truncated
      { '"\245\128\128\128"', 1, "UTF-8" },                      -- F5: no lead
      { '"\247\191\191\191"', 1, "UTF-8" },                      -- F7
      { '"\248\136\128\128\128"', 1, "UTF-8" },                 -- F8, 5 bytes
      { '"\252\132\128\128\128\128"', 1, "UTF-8" },            -- FC, 6 bytes
      { '"\254"', 1, "UTF-8" },
      { "1e400", 0, "out of range" },
    }
    for _, c in ipairs(cases) do
      local v, err = json.decode(c[1])
      assert.is_nil(v, c[1])
      assert.equal("json", err.kind)
      local message = err.message
      assert.truthy(message:find("at byte " .. c[2] .. ":", 1, true),
        ("%q: %s"):format(c[1], message))
      assert.truthy(message:find(c[3], 1, true), ("%q: %s"):format(c[1], message))
    end
  end)

  it("limits nesting, by default at 1000 and as configured, without a C stack overflow", function()
    assert.truthy(json.decode(("["):rep(1000) .. ("]"):rep(1000)))
    local v, err = json.decode(("["):rep(1001) .. ("]"):rep(1001))
    assert.is_nil(v)
    assert.truthy(err.message:find("nesting deeper than 1000", 1, true))
    v, err = json.decode(("["):rep(1000000))
    assert.is_nil(v)
    assert.truthy(err.message:find("nesting", 1, true))
    assert.is_nil((json.decode('[[[1]]]', { max_depth = 2 })))
    assert.truthy(json.decode('[[1]]', { max_depth = 2 }))
    assert.has_error(function() json.decode("[]", { max_depth = 0 }) end)
  end)
end)

describe("lambda.json encode #unit", function()
  it("writes integers exactly and floats as the shortest text that reads back", function()
    assert.equal("9007199254740993", json.encode(9007199254740993))
    assert.equal("-9223372036854775808", json.encode(math.mininteger))
    assert.equal("0.1", json.encode(0.1))
    assert.equal("0.30000000000000004", json.encode(0.1 + 0.2))
    assert.equal("0.3333333333333333", json.encode(1 / 3))
    assert.equal("1.0", json.encode(1.0))
    assert.equal("-0.0", json.encode(-0.0))
    assert.equal("1e+300", json.encode(1e300))
    assert.equal("5e-324", json.encode(5e-324))
    assert.equal("9007199254740992.0", json.encode(2.0^53))
  end)

  it("round-trips any double exactly", function()
    local seed = 20261122
    local function next_byte()
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed >> 16 & 0xff
    end
    for _ = 1, 20000 do
      local bytes = {}
      for i = 1, 8 do bytes[i] = string.char(next_byte()) end
      local x = string.unpack("<d", table.concat(bytes))
      if x == x and x ~= math.huge and x ~= -math.huge then
        local back = decode_ok(json.encode(x))
        assert(back == x and math.type(back) == "float", json.encode(x))
      end
    end
  end)

  -- The codec's own float paths (json_float.c) against the C library's:
  -- snprintf writes, strtod (Lua's tonumber) reads.
  it("writes and reads short decimals as the C library does, bit for bit", function()
    local function libc_text(x)
      local s
      -- subnormals carry fewer digits: searched from 1
      local first = (x ~= 0 and math.abs(x) < 2.2250738585072014e-308) and 1 or 15
      for precision = first, 17 do
        s = string.format("%." .. precision .. "g", x)
        if tonumber(s) == x then break end
      end
      if not s:find("[.e]") then s = s .. ".0" end
      return s
    end
    local seed = 20261202
    local function random(n)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return (seed >> 8) % n
    end
    local texts = { "1.50", "0.000123e5", "123e-22", "-0.0", "1E2", "0.001",
                    "0.00099999999999999", "999999999999999.0", "1e15",
                    "123456789012345e-22", "1234567890123456e-22",
                    "0.1e23", "9e22", "-7.25", "5e-324", "1.7976931348623157e308" }
    for _ = 1, 20000 do
      local digits = tostring(1 + random(9))
      for _ = 1, random(17) do digits = digits .. random(10) end
      local scale = random(45) - 22
      texts[#texts + 1] = (random(2) == 0 and "-" or "") ..
        (random(2) == 0 and digits .. "e" .. scale
         or (scale < 0 and #digits > -scale and
             digits:sub(1, #digits + scale) .. "." .. digits:sub(#digits + scale + 1)
             or digits .. ".0"))
    end
    for i = 1, 4000 do
      texts[#texts + 1] = tostring(i / 4)
      texts[#texts + 1] = string.format("%.3f", i / 1000)
      texts[#texts + 1] = tostring(i * 0.01)
    end
    for _, text in ipairs(texts) do
      local want = tonumber(text)
      local got = decode_ok(text)
      assert(math.type(got) == "float" and (got == want and 1 / got == 1 / want),
        text .. " read as " .. string.format("%.17g", got))
      assert.equal(libc_text(want), json.encode(want))
    end
  end)

  it("refuses NaN and infinities", function()
    assert.has_error(function() json.encode(0 / 0) end, "cannot encode NaN")
    assert.has_error(function() json.encode({ x = { math.huge } }) end,
      "cannot encode inf at $.x[1]")
    assert.has_error(function() json.encode(-math.huge) end, "cannot encode -inf")
  end)

  it("makes sequences arrays and other tables objects", function()
    assert.equal("[1,2,3]", json.encode({ 1, 2, 3 }))
    assert.equal('{"a":1}', json.encode({ a = 1 }))
    assert.equal("{}", json.encode({}))
    assert.equal("[]", json.encode(json.array({})))
    assert.equal("[]", json.encode(json.array()))
    assert.equal("{}", json.encode(json.object()))
    assert.equal('[1,"x"]', json.encode(json.array({ 1, "x" })))
    assert.same({ a = { 1, 2 } }, decode_ok(json.encode({ a = { 1, 2 } })))
  end)

  it("names a key that is not a string", function()
    assert.has_error(function() json.encode({ [1.5] = true }) end,
      "object key 1.5 (a number) is not a string (use json.array for arrays, string keys for objects)")
    assert.has_error(function() json.encode({ 1, 2, x = 3 }) end)
    assert.has_error(function() json.encode({ [1] = 1, [3] = 3 }) end)
    assert.has_error(function() json.encode({ a = { [true] = 1 } }) end,
      "object key boolean is not a string (use json.array for arrays, "
      .. "string keys for objects) at $.a")
    assert.has_error(function() json.encode(json.object({ 1 })) end)
  end)

  it("names where an unencodable value is", function()
    assert.has_error(function()
      json.encode({ body = { items = { 1, 2, print } } })
    end, "cannot encode a function value at $.body.items[3]")
    assert.has_error(function() json.encode(coroutine.create(print)) end,
      "cannot encode a thread value")
    assert.has_error(function() json.encode(io.stdout) end,
      "cannot encode a userdata value")
  end)

  it("detects cycles", function()
    local t = { name = "loop" }
    t.self = t
    assert.has_error(function() json.encode(t) end,
      "cannot encode a table that contains itself at $.self")
    local shared = { 1 }
    assert.equal("[[1],[1]]", json.encode({ shared, shared }))  -- not a cycle
    -- n tables, each inside the last: n levels of nesting
    local function nest(n)
      local t = json.array({})
      for _ = 2, n do t = { t } end
      return t
    end
    assert.equal(("["):rep(1000) .. ("]"):rep(1000), json.encode(nest(1000)))
    assert.equal("[[[]]]", json.encode(nest(3), { max_depth = 3 }))
    assert.has_error(function() json.encode(nest(4), { max_depth = 3 }) end)
    assert.equal(2000, #json.encode(nest(1000), { max_depth = 1000 }))
    local deep = nest(1001)
    local ok, err = pcall(json.encode, deep)
    assert.is_false(ok)
    assert.truthy(err:find("^nesting deeper than 1000 levels at %$%.%.%.%[1%]"), err)
    assert.truthy(#err < 300)
  end)

  it("escapes what JSON strings need and nothing more", function()
    local want = '"a\\"b\\\\c/d\\n\\r\\t\\b\\f\\u0001\\u001f\\u0000'
      .. '\u{e9}\u{20ac}\u{2028}"'
    assert.equal(want, json.encode('a"b\\c/d\n\r\t\b\f\1\31\0\u{e9}\u{20ac}\u{2028}'))
    assert.has_error(function() json.encode("\255") end,
      "string is not valid UTF-8 (at byte 0)")
    assert.has_error(function() json.encode({ k = "ok\192\175" }) end,
      "string is not valid UTF-8 (at byte 2) at $.k")
  end)

  it("encodes json.null and cjson.null as null, nil as null", function()
    assert.equal("null", json.encode(json.null))
    assert.equal("null", json.encode(cjson.null))
    assert.equal("null", json.encode(nil))
    assert.equal('[null,1]', json.encode(json.array({ json.null, 1 })))
  end)
end)

describe("lambda.json on AWS's sample events #unit", function()
  it("round-trips every valid event: decode -> encode -> decode gives an equal value", function()
    local count, malformed = 0, 0
    for _, name in ipairs(helper.event_names()) do
      local text = helper.read(helper.events .. "/" .. name)
      local v, err = json.decode(text)
      if name:find("malformed", 1, true) then
        assert.is_nil(v, name)
        assert.truthy(err.message:find("at byte", 1, true))
        malformed = malformed + 1
      else
        assert(v, name .. ": " .. tostring(err))
        local again = decode_ok(json.encode(v))
        assert(same(v, again))
        -- and cjson's decode of our text agrees with cjson's of theirs
        assert.same(cjson.decode(text), cjson.decode(json.encode(v)))
        count = count + 1
      end
    end
    -- every file was looked at: the valid ones and the one malformed sample
    local files = #helper.event_names()
    assert.is_true(files > 1, "no sample events in " .. helper.events)
    assert.equal(files - 1, count)
    assert.equal(1, malformed)
  end)
end)
