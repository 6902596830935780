-- Handlers of fetch_stream_spec.lua, run by the real bootstrap: a
-- streamed body read past the invocation's deadline (less the margin),
-- then the next invocation on the same state.
local lambda = require "lambda"

local M = {}

-- event: { url = "...", action = "past_deadline" | "read_all" }
function M.handler(event, context)
  local res, err = lambda.fetch(event.url, { stream = true })
  if not res then return { fetch_error = err.kind, message = err.message } end
  if event.action == "read_all" then
    local parts = {}
    for chunk in res.chunks() do parts[#parts + 1] = chunk end
    return { status = res.status, length = #table.concat(parts) }
  end
  local first = res.read()
  local chunk, rerr = res.read()     -- the server sends no more: the deadline
  return { first = first, chunk = chunk, kind = rerr and rerr.kind,
    message = rerr and rerr.message,
    left_ms = context:get_remaining_time_in_millis() }
end

-- Every path of a streamed body once, in the runtime (so that the
-- sanitizer builds' bootstrap runs them): event { a = origin, b = origin,
-- sink = a file name }; returns what each gave, for the spec to check.
function M.scenarios(event)
  local a, b, out = event.a, event.b, {}
  local function drain(res)
    local parts = {}
    while true do
      local chunk, err = res.read()
      if not chunk then return table.concat(parts), err and err.kind end
      parts[#parts + 1] = chunk
    end
  end
  -- incremental: the rest comes once told
  local res = assert(lambda.fetch(a .. "/parts?id=rt", { stream = true, timeout = 5000 }))
  out.first = res.read()
  assert(lambda.fetch(b .. "/signal?id=rt"))
  out.rest, out.rest_err = drain(res)
  -- close mid-body, a to-be-closed variable with an error, a dropped one
  res = assert(lambda.fetch(a .. "/hold?id=rt_close", { stream = true }))
  res.read()
  res:close()
  out.after_close = select(2, res.read()).kind
  out.tbc = select(2, pcall(function()
    local r <close> = assert(lambda.fetch(a .. "/hold?id=rt_tbc", { stream = true }))
    r.read()
    error("midway", 0)
  end))
  do
    local r = assert(lambda.fetch(a .. "/hold?id=rt_gc", { stream = true }))
    r.read()
  end
  collectgarbage()
  collectgarbage()
  -- cut, max_body, an unread stream beside other requests
  out.cut, out.cut_err = drain(assert(lambda.fetch(a .. "/cut?id=rt&chunked=1", { stream = true })))
  out.big = #drain(assert(lambda.fetch(a .. "/chunked?n=300000&chunk=1000", { stream = true })))
  out.too_large = select(2, drain(assert(lambda.fetch(a .. "/chunked?n=4097&chunk=1000",
    { stream = true, max_body = 4096 }))))
  res = assert(lambda.fetch(a .. "/chunked?n=1000000&chunk=16384", { stream = true }))
  local first = res.read()
  for _ = 1, 3 do assert(lambda.fetch(a .. "/echo")) end
  out.beside = #first + #drain(res)
  -- on_body: abort, an error, a nested call; sink
  local _, err = lambda.fetch(a .. "/chunked?n=10000&chunk=1000",
    { on_body = function() return false end })
  out.aborted = err.kind
  out.on_body_error = select(2, pcall(lambda.fetch, a .. "/length?n=10",
    { on_body = function() error("boom", 0) end }))
  local nested
  assert(lambda.fetch(a .. "/length?n=10", { on_body = function()
    nested = select(2, lambda.fetch(a .. "/echo")).kind
  end }))
  out.nested = nested
  out.sink_bytes = assert(lambda.fetch(a .. "/length?n=100000", { sink = event.sink })).bytes
  out.echo = assert(lambda.fetch(a .. "/echo")).status
  return out
end

return M
