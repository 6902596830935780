-- A function shipped as a container image, with a C rock (lpeg) from its
-- rockspec. Handler: app.handler (the image's CMD).
local lpeg = require "lpeg"

-- "a=1,b=2" -> { a = "1", b = "2" }
local pair = lpeg.Cg(lpeg.C((1 - lpeg.S"=,")^1) * "=" * lpeg.C((1 - lpeg.P",")^0))
local list = lpeg.Cf(lpeg.Ct"" * pair * ("," * pair)^0, rawset)

local M = {}

function M.handler(event, context)
  return {
    message = "hello from a container",
    function_name = context.function_name,
    fields = list:match(event.text or "") or {},
  }
end

return M
