-- {{name}}: a job EventBridge Scheduler runs on a schedule.
local log = require "lambda.log"

local M = {}

---@param event lambda.events.SchedulerEvent
---@param context lambda.context
function M.handler(event, context)
  log.info("scheduled run", { scheduled_for = event.time, request_id = context.aws_request_id })
  -- the work goes here
  return { ok = true, ran_for = event.time }
end

return M
