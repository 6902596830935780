-- Handlers of fetch_stream_spec.lua, run by the real bootstrap: a
-- streamed body read past the invocation's deadline (less the margin),
-- then the next invocation on the same state.
local lambda = require "lambda"

local M = {}

-- event: { url = "...", action = "past_deadline" | "read_all" }
function M.handler(event, context)
  local res, err = lambda.fetch(event.url, { stream = true })
  if not res then return { fetch_error = err.kind, message = err.message } end
  if event.action == "read_all" then
    local parts = {}
    for chunk in res.chunks() do parts[#parts + 1] = chunk end
    return { status = res.status, length = #table.concat(parts) }
  end
  local first = res.read()
  local chunk, rerr = res.read()     -- the server sends no more: the deadline
  return { first = first, chunk = chunk, kind = rerr and rerr.kind,
    message = rerr and rerr.message,
    left_ms = context:get_remaining_time_in_millis() }
end

return M
