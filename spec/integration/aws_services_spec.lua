-- Real calls of services lambda.aws reaches only through their models, one
-- per protocol, made by a function under `lua-lambda invoke` against the
-- signature-checking HTTPS fake (spec/support/fakes/fake_aws.py and
-- aws_shapes.py), which answers each in its protocol's real shape: SNS
-- (query), SES v2 (rest-json), EC2 (ec2), KMS (json 1.1), STS (query),
-- S3 ListObjectsV2 and multipart uploads (rest-xml), Bedrock Runtime
-- ConverseStream (an event stream).
local cjson = require "cjson"
local helper = require "helper"
local aws_fake = require "aws_fake"

local own = helper.own()  -- spec/integration/aws_services/: services_app.lua

describe("lambda.aws through the models", function()
  local fake

  lazy_setup(function() fake = aws_fake.start() end)
  lazy_teardown(function() aws_fake.stop(fake) end)

  local function call(fn, event, env, timeout)
    local result, output = aws_fake.invoke(fake, own.root, "services_app." .. fn,
      event or {}, env, timeout)
    return result, output
  end

  it("publishes to SNS (query): the form the fake checks, the XML answer parsed", function()
    local r = call("sns_publish", { topic = "arn:aws:sns:eu-west-1:123456789012:news",
      message = "hello" })
    assert.is_nil(r.err, r.err and r.err.text)
    assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", r.value.MessageId)
    local missing = call("sns_publish", { topic = "arn:aws:sns:eu-west-1:123456789012:missing",
      message = "hello" })
    assert.equal("NotFound", missing.err.code)
    assert.equal("Topic does not exist", missing.err.message)
    assert.equal(404, missing.err.status)
    assert.is_string(missing.err.request_id)
  end)

  it("sends mail with SES v2 (rest-json), and reads X-Amzn-ErrorType", function()
    local r = call("sesv2_send", { from = "me@example.com" })
    assert.is_nil(r.err, r.err and r.err.text)
    assert.matches("^0100%-%x+$", r.value.MessageId)
    local bad = call("sesv2_send", { from = "nobody" })
    assert.equal("BadRequestException", bad.err.code)  -- the ":http://..." tail trimmed
    assert.equal("Missing final '@domain'", bad.err.message)
    assert.equal(400, bad.err.status)
  end)

  it("describes EC2 instances (ec2): filters as Filter.N, items, numbers typed", function()
    local all = call("ec2_describe", {})
    assert.is_nil(all.err, all.err and all.err.text)
    assert.equal(2, #all.value.instances)
    local i = all.value.instances[1]
    assert.same({ id = "i-0a1b2c3d4e5f00001", type = "t3.micro", state = "running",
      code = 16, code_type = "integer", launched = 1767323045, launched_type = "integer",
      ebs = false, tag = "web" }, i)
    local stopped = call("ec2_describe", { state = "stopped" })
    assert.equal(1, #stopped.value.instances)
    assert.equal("m7g.large", stopped.value.instances[1].type)
  end)

  it("encrypts and decrypts with KMS (json 1.1): blobs are bytes both ways", function()
    local bytes = "\0\1\2\255\254 binary\r\n" .. ("\128"):rep(10)
    local r = call("kms_round_trip", { plain64 = require("lambda.base64").encode(bytes) })
    assert.is_nil(r.err, r.err and r.err.text)
    assert.is_true(r.value.same)
    assert.equal("arn:aws:kms:eu-west-1:123456789012:key/alias/test", r.value.key)
    -- the fake's ciphertext: "KMS1" .. key id .. "\0" .. reversed bytes
    assert.equal(4 + #"alias/test" + 1 + #bytes, r.value.cipher_len)
  end)

  it("asks STS who it is (query)", function()
    local r = call("sts_identity")
    assert.is_nil(r.err, r.err and r.err.text)
    assert.same({ Account = "123456789012", Arn = "arn:aws:iam::123456789012:user/tester",
      UserId = "AIDATESTUSER" }, r.value)
  end)

  it("lists an S3 bucket (rest-xml) page by page, and item by item", function()
    local r = call("s3_list", { bucket = "listing", prefix = "logs/", count = 7, page_size = 3 })
    assert.is_nil(r.err, r.err and r.err.text)
    assert.equal(3, r.value.pages)  -- 3 + 3 + 1, continuation tokens followed
    assert.equal(7, #r.value.keys)
    assert.equal("logs/001.txt", r.value.keys[1])
    assert.equal("logs/007.txt", r.value.keys[7])
    assert.equal(7, #r.value.listed)
    assert.same({ key = "logs/002.txt", size = 2 }, r.value.listed[2])
  end)

  it("uploads 11 MiB in parts and reads it back into a file and a callback", function()
    local r = call("s3_multipart", { bucket = "big", key = "blob.bin", mib = 11, part_mib = 5 },
      nil, 60)
    assert.is_nil(r.err, r.err and r.err.text)
    assert.equal(3, r.value.parts)          -- 5 + 5 + 1 MiB
    assert.matches('^"%x+%-3"$', r.value.etag)
    assert.is_true(r.value.same)
    assert.equal(11 * 1024 * 1024, r.value.length)
    assert.equal(11 * 1024 * 1024, r.value.streamed)
  end)

  it("gets S3's EntityTooSmall for parts under 5 MiB, from its XML error", function()
    local r = call("s3_small_part", { bucket = "big" })
    assert.equal("EntityTooSmall", r.err.code)
    assert.equal(400, r.err.status)
    assert.equal(0, r.open_uploads)  -- aborted: no parts left behind
  end)

  it("streams a Bedrock ConverseStream answer as events, CRCs checked", function()
    local r = call("bedrock_stream", { text = "hi there" })
    assert.is_nil(r.err, r.err and r.err.text)
    assert.equal("echo: hi there", r.value.text)
    assert.same({ "messageStart", "contentBlockDelta", "contentBlockDelta",
      "contentBlockDelta", "contentBlockStop", "messageStop", "metadata" }, r.value.kinds)
    assert.equal(5, r.value.tokens)
    assert.equal(cjson.null, r.value.err)
  end)

  it("ends a stream at an exception event and keeps its error", function()
    local r = call("bedrock_stream", { text = "fail mid-stream" })
    assert.is_nil(r.err, r.err and r.err.text)
    assert.same({ "messageStart", "contentBlockDelta" }, r.value.kinds)  -- then the exception
    assert.equal("throttlingException", r.value.err.code)
    assert.equal("Too many tokens", r.value.err.message)
  end)

  it("refuses an operation or a service the models do not have, naming it", function()
    local op = call("misuse", { service = "sts", operation = "GetCallerIdentityy" })
    assert.matches("sts has no operation GetCallerIdentityy", op.raised)
    local svc = call("misuse", { service = "no-such-service", operation = "X" })
    assert.matches("no model of AWS service 'no%-such%-service'", svc.raised)
  end)
end)
