-- A function shipped as a container image. Handler: app.handler (the
-- image's CMD).
local M = {}

function M.handler(event, context)
  return {
    message = "hello from a container",
    function_name = context.function_name,
    echo = event,
  }
end

return M
