-- errors_spec's handlers: errors of every Lua type. (fail_string,
-- fail_table and return_function, which other specs use too, are in
-- spec/fixtures/handlers/app.lua.)
local M = {}

local function inner()
  local t = nil
  return t.field  -- attempt to index a nil value
end

function M.fail_runtime()
  inner()
end

function M.fail_odd_type()
  error({ errorType = "not-found!", errorMessage = "odd type" })
end

function M.fail_plain_table()
  error({ code = 7 })
end

function M.fail_nil()
  error(nil)
end

function M.fail_number()
  error(42)
end

function M.fail_boolean()
  error(false)
end

function M.fail_userdata()
  error(io.stdout)  -- a userdata whose metatable has __tostring
end

function M.fail_tostring_table()
  error(setmetatable({}, { __tostring = function() return "custom error" end }))
end

function M.fail_bad_tostring()
  error(setmetatable({}, { __tostring = function() error("nested") end }))
end

function M.lambda_error()
  require("lambda").error("Teapot", "short and stout")
end

return M
