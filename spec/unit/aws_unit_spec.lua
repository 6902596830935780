-- lambda.aws's pure parts, in process: DynamoDB attribute values (exact
-- numbers both ways), URL splitting, query encoding, time parsing.
local json = require "lambda.json"
local dynamodb = require "lambda.aws.dynamodb"
local credentials = require "lambda.aws.credentials"
local request = require "lambda.aws.request"
local sign = require "lambda.aws.sign"

describe("lambda.aws #unit", function()
  describe("dynamodb.marshal / unmarshal", function()
    it("writes numbers as exact text", function()
      local m = dynamodb.marshal { i = 9007199254740993, f = 0.1, neg = -2.5e-300,
        max = math.maxinteger }
      assert.same({ N = "9007199254740993" }, m.i)
      assert.same({ N = "0.1" }, m.f)          -- the shortest that reads back
      assert.same({ N = "-2.5e-300" }, m.neg)
      assert.same({ N = tostring(math.maxinteger) }, m.max)
    end)

    it("reads back integers as integers, and leaves what a double cannot hold", function()
      local u = dynamodb.unmarshal {
        i = { N = "9007199254740993" }, f = { N = "0.1" },
        long = { N = "0.10000000000000000001" }, huge = { N = "1e400" },
        big = { N = "123456789012345678901234567890" },
      }
      assert.equal("integer", math.type(u.i))
      assert.equal(9007199254740993, u.i)
      assert.equal(0.1, u.f)
      assert.equal("0.10000000000000000001", tostring(u.long))
      assert.equal("1e400", tostring(u.huge))
      -- and marshal writes them back untouched
      assert.same({ N = "0.10000000000000000001" }, dynamodb.marshal_value(u.long))
      assert.same({ N = "123456789012345678901234567890" }, dynamodb.marshal_value(u.big))
    end)

    it("maps every kind both ways", function()
      local item = { s = "x", t = true, n = json.null, list = json.array { 1, "a" },
        empty_list = json.array(), map = { k = "v" }, bin = dynamodb.binary("\0\1\2"),
        ss = dynamodb.set("SS", { "a", "b" }), ns = dynamodb.set("NS", { 1, 2.5 }) }
      local m = dynamodb.marshal(item)
      assert.same({ NULL = true }, m.n)
      assert.same({ BOOL = true }, m.t)
      assert.same({ B = "\0\1\2" }, m.bin)  -- bytes: the client base64s them on the wire
      assert.same({ "1", "2.5" }, m.ns.NS)
      assert.same({}, m.empty_list.L)
      local back = dynamodb.unmarshal(json.decode(json.encode(m)))
      assert.equal("x", back.s)
      assert.equal(json.null, back.n)
      assert.same({ 1, "a" }, back.list)
      assert.equal(0, #back.empty_list)
      assert.equal("v", back.map.k)
      assert.equal("\0\1\2", back.bin)
      -- a DynamoDB Streams image: B in base64
      assert.equal("\0\1\2", dynamodb.unmarshal({ b = { B = "AAEC" } }, { base64 = true }).b)
      assert.same({ "\0\255" }, dynamodb.unmarshal({ b = { BS = { "AP8=" } } },
        { base64 = true }).b.list)
      assert.same({ "a", "b" }, back.ss.list)
      assert.same({ 1, 2.5 }, back.ns.list)
    end)

    it("refuses what DynamoDB cannot hold", function()
      assert.has_error(function() dynamodb.marshal { x = 0 / 0 } end)
      assert.has_error(function() dynamodb.marshal { x = print } end)
      assert.has_error(function() dynamodb.marshal { [1.5] = "key" } end)
    end)
  end)

  it("splits URLs for signing: default ports dropped, no userinfo", function()
    assert.same({ "https", "example.com", "/a%20b", "x=1" },
      { sign.split_url("https://Example.com:443/a%20b?x=1") })
    assert.same({ "http", "127.0.0.1:8080", "/", "" },
      { sign.split_url("http://u:p@127.0.0.1:8080") })
    assert.is_nil((sign.split_url("not a url")))
  end)

  it("encodes a query table sorted, every value and repeat kept", function()
    assert.equal("a=1&b=x%20y&b=z&k%2B=%E1%88%B4",
      request.encode_query { b = { "x y", "z" }, a = 1, ["k+"] = "ሴ" })
  end)

  it("parses the credential endpoints' expiration times", function()
    assert.equal(1440938160, credentials.parse_time("2015-08-30T12:36:00Z"))
    assert.equal(951782400, credentials.parse_time("2000-02-29T00:00:00.123Z"))
    assert.is_nil(credentials.parse_time("tomorrow"))
  end)
end)
