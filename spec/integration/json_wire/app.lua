-- json_wire_spec's handler: lambda.json inside a handler. (echo, kinds,
-- return_nan and return_cycle, which other specs use too:
-- spec/fixtures/handlers.)
local M = {}

function M.use_json(event)
  local json = require "lambda.json"
  return json.object({ parsed = json.decode(event.text), missing = json.null })
end

return M
