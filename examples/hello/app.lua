-- The smallest lua-lambda function. Deployed with handler "app.handler".
local M = {}

function M.handler(event, context)
  print("request " .. context.aws_request_id .. " for " .. context.function_name)
  return { statusCode = 200, body = "hello " .. (event.name or "world") }
end

return M
