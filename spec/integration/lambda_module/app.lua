-- lambda_module_spec's handlers: lambda.log, lambda.metrics and
-- lambda.error's extra fields. (print_bad_utf8 and fail_table, which other
-- specs use too: spec/fixtures/handlers.)
local M = {}

-- Logs records between two readings of the clock, for their timestamps.
function M.log_clock()
  -- the runtime's wall clock (a function gets no luasocket on Lambda)
  local clock = require "lambda.clock"
  local log = require("lambda").log
  local windows = {}
  for i = 1, 20 do
    local t0 = clock.now_ms() / 1000
    log.info("tick " .. i)
    windows[i] = { t0, clock.now_ms() / 1000 }
    os.execute("sleep 0.003")  -- let the milliseconds move on
  end
  return windows
end

-- lambda.log at every level, with fields and a multi-line message.
function M.logs()
  local log = require("lambda").log
  log.trace("trace line")
  log.debug("debug line", { step = 1 })
  log.info("info line", { user = "ada", count = 3 })
  log.warn("first\nsecond")
  log.error("error line")
  print("printed", 42, nil)
  return log.level()
end

function M.lambda_error_extra()
  require("lambda").error("Conflict", "order exists", { orderId = 7, retry = false })
end

-- Metrics added, then the handler fails: they are flushed all the same.
function M.metrics(event)
  local metrics = require("lambda").metrics
  metrics.set_namespace("Shop")
  metrics.set_default_dimensions({ service = "orders" })
  metrics.add("Placed", 1, "Count")
  metrics.add("Placed", 2, "Count")
  metrics.add("Latency", 12.5, "Milliseconds")
  metrics.set_property("orderId", "o-1")
  for i = 1, event.many or 0 do metrics.add("M" .. i, i, "Count") end
  if event.fail then error("after metrics") end
  return "ok"
end

return M
