-- lambda.batch over SQS, Kinesis and DynamoDB stream events.
local helper = require "helper"
local batch = require "lambda.batch"
local json = require "lambda.json"

local event = helper.event

describe("lambda.batch.process #unit", function()
  -- lambda.log loads in this Lua too (log.so): the records of the
  -- failures these specs make would only clutter the TAP output.
  local log, level = require "lambda.log", nil
  setup(function()
    level = log.level()
    log.set_level("FATAL")
  end)
  teardown(function() log.set_level(level) end)

  it("reports the SQS records whose handler raised", function()
    local e = event("sqs-event.json")
    local second = json.decode(json.encode(e.Records[1]))
    second.messageId = "second-message"
    e.Records[#e.Records + 1] = second
    local seen = {}
    local res = batch.process(e, function(record, ctx)
      seen[#seen + 1] = record.messageId
      assert.equal("ctx", ctx)
      if #seen == 2 then error("bad record") end
    end, "ctx")
    assert.equal(#e.Records, #seen)
    assert.same({ { itemIdentifier = e.Records[2].messageId } }, res.batchItemFailures)
  end)

  it("answers [] when every record succeeds", function()
    local res = batch.process(event("sqs-event.json"), function() end)
    assert.equal('{"batchItemFailures":[]}', json.encode(res))
  end)

  it("uses sequence numbers for Kinesis and DynamoDB", function()
    local k = event("kinesis-event.json")
    local res = batch.process(k, function() error({ errorType = "X", errorMessage = "no" }) end)
    assert.equal(#k.Records, #res.batchItemFailures)
    assert.equal(k.Records[1].kinesis.sequenceNumber, res.batchItemFailures[1].itemIdentifier)
    local d = event("dynamodb-event.json")
    res = batch.process(d, function(record)
      if record.eventName == "INSERT" then error("insert failed") end
    end)
    local inserts = {}
    for _, r in ipairs(d.Records) do
      if r.eventName == "INSERT" then inserts[#inserts + 1] = { itemIdentifier = r.dynamodb.SequenceNumber } end
    end
    assert.is_true(#inserts > 0)
    assert.same(inserts, res.batchItemFailures)
  end)

  it("stops at the first failure on a FIFO queue and reports the rest", function()
    local e = event("sqs-event.json")
    e.Records[2] = json.decode(json.encode(e.Records[1]))
    e.Records[2].messageId = "later"
    for _, r in ipairs(e.Records) do
      r.eventSourceARN = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"
    end
    local calls = 0
    local res = batch.process(e, function()
      calls = calls + 1
      error("first fails")
    end)
    assert.equal(1, calls)
    assert.equal(#e.Records, #res.batchItemFailures)
  end)

  it("refuses records from an unknown source and a missing handler", function()
    assert.has_error(function() batch.process({ Records = { {} } }, function() end) end)
    assert.has_error(function() batch.process(event("sqs-event.json")) end)
    assert.same({}, batch.process({}, function() end).batchItemFailures)
  end)
end)
