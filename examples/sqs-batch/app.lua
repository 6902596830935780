-- SQS with partial batch failures: only the messages that failed go back
-- to the queue. Needs ReportBatchItemFailures on the event source mapping.
-- Handler: app.handler
local json = require "lambda.json"

local M = {}

-- Your work on one message; raise to fail it.
local function process(message)
  if type(message) ~= "table" or message.id == nil then
    error("message without an id")
  end
  if message.fail then
    error("could not process order " .. tostring(message.id))
  end
  print(("processed order %s"):format(message.id))
end

function M.handler(event)
  local failures = json.array()
  for _, record in ipairs(event.Records or {}) do
    local message = json.decode(record.body)
    local ok, err = pcall(process, message)
    if not ok then
      print(("message %s failed: %s"):format(record.messageId, err))
      failures[#failures + 1] = { itemIdentifier = record.messageId }
    end
  end
  return { batchItemFailures = failures }
end

return M
