-- What this function's specs share: its folder, its sample event, and its
-- handler run the way Lambda runs it (lambda.testing: lua-lambda invoke,
-- a process of its own). busted runs no spec here (not a *_spec.lua);
-- lua-lambda build leaves spec/ out of the zip.
local testing = require "lambda.testing"

local support = {}

-- the folder above spec/: where app.lua and events/ are
support.root = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$") or "."

--- events/event.json, decoded: the sample event to start from.
function support.event()
  return testing.event(support.root .. "/events/event.json")
end

--- app.handler's result on event (the sample one when nil), run as on
--- Lambda; when it fails, the spec fails with its error document.
function support.invoke(event)
  local result, err = testing.invoke("app.handler", event or support.event(),
    { task_root = support.root })
  if err ~= nil then
    error(("%s: %s"):format(err.errorType, err.errorMessage), 2)  -- the spec's line
  end
  return result
end

return support
