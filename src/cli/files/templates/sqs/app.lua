-- {{name}}: an SQS consumer with partial batch failures: only the
-- messages that fail go back to the queue (ReportBatchItemFailures).
local batch = require "lambda.batch"
local json = require "lambda.json"
local log = require "lambda.log"

local M = {}

-- The work on one message; raise an error to fail it.
local function process(message)
  if type(message) ~= "table" or message.id == nil then
    error("message without an id")
  end
  log.info("processed order", { id = message.id })
end

---@param event lambda.events.SQSEvent
---@param context lambda.context
---@return lambda.events.SQSBatchResponse
function M.handler(event, context)
  return batch.process(event, function(record)
    process(json.decode(record.body))
  end, context)
end

return M
