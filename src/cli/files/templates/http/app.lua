-- {{name}}: an HTTP API behind a function URL. lambda.http reads the
-- request the same way behind API Gateway (REST or HTTP API) and an ALB.
local http = require "lambda.http"
local log = require "lambda.log"

local M = {}

---@param event lambda.events.FunctionUrlRequest
---@param context lambda.context
---@return lambda.events.FunctionUrlResponse
function M.handler(event, context)
  local req = assert(http.request(event))
  if req.method == "GET" and req.path == "/hello" then
    local name = req.query.name or "world"
    log.info("hello", { name = name })
    return http.json(req, 200, { message = "hello " .. name,
      request_id = context.aws_request_id })
  end
  return http.json(req, 404, { error = "no route for " .. req.method .. " " .. req.path })
end

return M
