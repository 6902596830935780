-- streaming_spec's handlers: big, late-typed and NUL-headed streams, and
-- work after the response. (stream_hello and the others several specs
-- use: spec/fixtures/handlers.)
local lambda = require "lambda"

local function append(path, text)
  local f = assert(io.open(path, "a"))
  f:write(text, "\n")
  f:close()
end

local M = {}

M.stream_big = lambda.streaming(function(event, stream)
  local chunk = string.rep("x", 1024 * 1024)
  for _ = 1, event.mb do stream:write(chunk) end
end)

M.stream_late_type = lambda.streaming(function(_, stream)
  stream:write("x")
  stream:set_content_type("text/plain")
end)

M.stream_http_nul = lambda.streaming(function(_, stream)
  lambda.http.stream(stream, { headers = { x = "a\0b" } })
end)

-- Background work after the response.
function M.after(event, context)
  append(event.file, "handler")
  context:after_response(function() append(event.file, "after 1") end)
  context:after_response(function() error("background boom") end)
  context.after_response(function() append(event.file, "after 3") end)
  return "done"
end

return M
