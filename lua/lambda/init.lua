--- The runtime's Lua module: `local lambda = require "lambda"`.
local lambda = {}

--- Raises an error that the runtime reports with the given type, for
--- example `lambda.error("NotFound", "no user 42")`. The invocation's
--- `/error` then carries `"errorType": "NotFound"` and the header
--- `Lambda-Runtime-Function-Error-Type: Function.NotFound`.
---@param error_type string
---@param message string
function lambda.error(error_type, message)
  if type(error_type) ~= "string" or error_type == "" then
    error("bad argument #1 to 'error' (non-empty string expected, got "
      .. type(error_type) .. ")", 2)
  end
  if message ~= nil and type(message) ~= "string" then
    error("bad argument #2 to 'error' (string expected, got "
      .. type(message) .. ")", 2)
  end
  error({ errorType = error_type, errorMessage = message or error_type }, 2)
end

return lambda
