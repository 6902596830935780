-- runtime_spec's handlers: results of every shape, lambda.raw_event, the
-- context seen in other ways, C modules, cjson and where modules come
-- from. (Its init_mod and pkg beside; echo, hello, count,
-- context and the others several specs use: spec/fixtures/handlers.)
local lambda = require "lambda"

local M = {}

function M.return_nothing()
end

function M.return_string()
  return "plain"
end

function M.lambda_misuse()
  require("lambda").error(nil)
end

function M.cmodule(event)
  return require("hello_c").greet(event.name)
end

-- The trace id as a child process and as C code read it (the process
-- environment), and as Lua does (os.getenv). event.c: load the C module.
function M.trace_readers(event)
  local c = event.c and require("hello_c").getenv("_X_AMZN_TRACE_ID") or nil
  local p = assert(io.popen('printf %s "${_X_AMZN_TRACE_ID-unset}"'))
  local child = p:read("a")
  p:close()
  return { c = c, child = child, lua = os.getenv("_X_AMZN_TRACE_ID") or "unset" }
end

function M.runtime_module_source()
  local info = debug.getinfo(require("lambda").error, "S")
  return { source = info.source, path = package.path, cpath = package.cpath }
end

-- User code may use cjson, and even reconfigure it, without touching
-- the runtime's own codec.
function M.user_cjson()
  local cjson = require "cjson"
  local safe = require "cjson.safe"
  cjson.encode_number_precision(3)
  return {
    encoded = cjson.encode({ pi = 3.14159265 }),
    safe_bad = safe.decode("{oops") == nil,
    pi = 3.14159265,
  }
end

-- lambda.raw_event: the event's text as it came; the result encoded as usual.
M.raw_echo = lambda.raw_event(function(text, context)
  return { type = type(text), text = text,
           request_id = context.aws_request_id }
end)

M.raw_stream = lambda.raw_event(lambda.streaming(function(text, stream)
  stream:write(type(text) .. ":" .. text)
end))

M.raw_direct = function()
  -- callable outside the runtime too, as a plain function
  local h = lambda.raw_event(function(t) return "got " .. t end)
  return h("{}")
end

M.raw_bad = function()
  local ok, err = pcall(lambda.raw_event, 42)
  return { ok = ok, err = tostring(err) }
end

-- Handlers that can see a context in other ways than a second parameter.
M.ctx_vararg = function(...)
  local ctx = select(2, ...)
  return { n = select("#", ...), id = ctx and ctx.aws_request_id }
end

M.ctx_callable = setmetatable({}, {
  __call = function(_, _, ctx) return ctx and ctx.aws_request_id end,
})

M.ctx_stream = lambda.streaming(function(_, stream, ctx)
  stream:write(ctx and ctx.aws_request_id or "no context")
end)

M.ctx_raw = lambda.raw_event(function(_, ctx)
  return ctx and ctx.aws_request_id
end)

M.callable_table = setmetatable({}, {
  __call = function(_, event) return { called = true, event = event } end,
})

return M
