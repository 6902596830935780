-- {{name}}: a streamed HTTP response from a function URL (InvokeMode
-- RESPONSE_STREAM): the status and headers go first, then each write as
-- it is made.
local lambda = require "lambda"
local http = require "lambda.http"

local M = {}

---@param event lambda.events.FunctionUrlRequest
M.handler = lambda.streaming(function(event, stream)
  local n = tonumber((event.queryStringParameters or {}).n) or 3
  http.stream(stream, { statusCode = 200,
    headers = { ["content-type"] = "text/plain; charset=utf-8" } })
  for i = 1, n do
    stream:write(("line %d of %d\n"):format(i, n))
  end
end)

return M
