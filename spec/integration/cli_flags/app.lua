-- What the function was given by invoke's repeated flags.
local M = {}

function M.given()
  return {
    layers = os.getenv("LUA_LAMBDA_LAYER_DIRS"),
    first = os.getenv("FIRST"),
    second = os.getenv("SECOND"),
  }
end

return M
