-- A function with LuaRocks dependencies, built by `sam build` through
-- its Makefile (BuildMethod: makefile), which calls `lua-lambda build`.
-- Handler: app.handler
local inspect = require "inspect"   -- pure Lua, from LuaRocks
local lpeg = require "lpeg"         -- a C rock, built for Lambda

-- key=value pairs separated by commas: "a=1,b=2"
local pair = lpeg.C((1 - lpeg.S"=,")^1) * "=" * lpeg.C((1 - lpeg.P",")^0)
local pairs_ = lpeg.Cf(lpeg.Ct"" * lpeg.Cg(pair) * ("," * lpeg.Cg(pair))^0,
  rawset)

local M = {}

function M.handler(event)
  local parsed = pairs_:match(event.query or "") or {}
  return { parsed = parsed, shown = inspect(parsed) }
end

return M
