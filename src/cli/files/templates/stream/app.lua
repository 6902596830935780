-- {{name}}: a streamed HTTP response from a function URL (InvokeMode
-- RESPONSE_STREAM): the status and headers go first, then each write as
-- it is made.
local lambda = require "lambda"
local http = require "lambda.http"
local log = require "lambda.log"

local M = {}

-- The response, written to stream; kept apart from M.handler so a spec
-- can call it with a stream of its own.
---@param event lambda.events.FunctionUrlRequest
---@param stream lambda.stream
function M.lines(event, stream)
  local n = tonumber((event.queryStringParameters or {}).n) or 3
  log.info("streaming lines", { n = n })
  http.stream(stream, { statusCode = 200,
    headers = { ["content-type"] = "text/plain; charset=utf-8" } })
  for i = 1, n do
    stream:write(("line %d of %d\n"):format(i, n))
  end
end

M.handler = lambda.streaming(M.lines)

return M
