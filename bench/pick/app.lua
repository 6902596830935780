-- Reads one field of a large event: `eager` as any handler (the runtime
-- decodes the whole event first), `raw` with lambda.raw_event (nothing
-- decoded; the field found in the text). bench/per_invoke.sh counts both.
local lambda = require "lambda"

return {
  eager = function(event)
    return { first_id = event.records[1].id }
  end,
  raw = lambda.raw_event(function(text)
    return { first_id = tonumber(text:match('"id":(%d+)')) }
  end),
}
