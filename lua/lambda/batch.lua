--- Partial batch responses for SQS, Kinesis and DynamoDB streams.
---
--- local batch = require "lambda.batch"
--- function M.handler(event, context)
---   return batch.process(event, function(record) ... end, context)
--- end
---
--- The record handler raises to fail a record; the result is
--- `{batchItemFailures = [{itemIdentifier = ...}, ...]}` (`[]` when all
--- succeed). Enable ReportBatchItemFailures on the event source mapping.
---@class lambda.batch
local batch = {}

local json = require "lambda.json"
local errors = require "lambda.errors"

local function logger()
  local ok, log = pcall(require, "lambda.log")
  return ok and log or nil
end

--- The id Lambda expects back for a record, by its source.
---@param record table
---@return string
function batch.item_identifier(record)
  if record.messageId ~= nil then return record.messageId end  -- SQS
  if type(record.kinesis) == "table" then
    return record.kinesis.sequenceNumber
  end
  if type(record.dynamodb) == "table" then
    return record.dynamodb.SequenceNumber
  end
  errors.raise("a record from an unknown source (not SQS, Kinesis or DynamoDB)")
end

local function describe(err)
  if type(err) == "table" and err.errorMessage ~= nil then
    return tostring(err.errorMessage), err.errorType
  end
  return tostring(err), nil
end

--- Runs handler(record, context) for every record of event. A record
--- whose handler raises is reported as failed (and logged). On a FIFO
--- queue the first failure stops processing: it and every record after it
--- are reported, to keep the group's order.
---@param event table
---@param handler fun(record: table, context: table|nil)
---@param context table|nil
---@return table response {batchItemFailures = ...}
function batch.process(event, handler, context)
  errors.check(handler, "function", 2, "process")
  local failures = json.array()
  local records = type(event) == "table" and event.Records or {}
  local first = records[1]
  local fifo = first ~= nil and type(first.eventSourceARN) == "string"
    and first.eventSourceARN:sub(-5) == ".fifo"
  local stopped = false
  local log = logger()
  for _, record in ipairs(records) do
    local id = batch.item_identifier(record)
    if stopped then
      failures[#failures + 1] = { itemIdentifier = id }
    else
      local ok, err = xpcall(handler, debug.traceback, record, context)
      if not ok then
        local message, error_type = describe(err)
        if log then
          log.error("record failed", { itemIdentifier = id,
            errorType = error_type, errorMessage = message })
        end
        failures[#failures + 1] = { itemIdentifier = id }
        stopped = fifo
      end
    end
  end
  return { batchItemFailures = failures }
end

return batch
