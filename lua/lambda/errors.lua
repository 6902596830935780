--- One way to fail for every lambda.* module (docs/errors.md):
---
---   * An expected failure (a timeout, invalid JSON, an AWS error) is
---     returned as `nil, err`, err an error value: a table with `kind` (the
---     cause: "timeout", "json", "aws", ...), `message`, `code` where the
---     source has one (AWS's error code), and the module's own fields.
---     tostring(err) is "code: message" (or "kind: message"), so
---     `error(err)`, `print(err)` and `"x: " .. err` read well.
---   * A programming error (a bad argument or option) is raised, at the
---     first caller outside the runtime's own modules, as stock Lua's
---     "bad argument #1 to 'f' (string expected, got nil)".
---
--- The values' metatable is one per Lua state, the registry's
--- "lambda.error": made here or by the C modules (src/error/lambda_error.c,
--- the same __tostring in C), whichever comes first.
---@class lambda.errors
local errors = {}

local debug = require "debug"

local META = "lambda.error"

local registry = debug.getregistry()
local meta = registry[META]
if meta == nil then
  meta = { __name = META }
  function meta.__tostring(e)
    local text = tostring(e.code or e.kind or "error") .. ": "
      .. tostring(e.message or "")
    if type(e.request_id) == "string" then
      text = text .. " (request id " .. e.request_id .. ")"
    end
    return text
  end
  function meta.__concat(a, b)
    return tostring(a) .. tostring(b)
  end
  registry[META] = meta
end

-- The runtime's own modules are the files beside this one: their chunk
-- names start as this file's does ("@lambda/" embedded in bootstrap,
-- "@./lua/lambda/" or an installed path under a stock lua5.4).
local OWN = debug.getinfo(1, "S").source:match("^(.*lambda/)errors%.lua$")

-- raise, argerror and check: the frames blame looks past.
local reporting = {}

-- Whether the function at level (counted from own's caller) is one of
-- the runtime's modules' (false past the stack's end).
local function own(level)
  local info = debug.getinfo(level + 1, "S")
  return info ~= nil and OWN ~= nil and info.source:sub(1, #OWN) == OWN
end

-- Where a misuse is reported. The caller of the reporting functions is
-- the function that asked (the one whose argument is wrong, or which
-- called raise); the report goes to the first of its callers, and
-- theirs, that is outside the runtime's modules. Returns that one's level
-- and the level of the function it called (the runtime's function whose
-- name a "bad argument" gives), both counted from the function calling
-- blame.
local function blame()
  local level = 2
  while reporting[debug.getinfo(level, "f").func] do level = level + 1 end
  repeat level = level + 1 until not own(level)
  return level - 1, level - 2
end

--- Raises message (a string) as error(message, 2) would in the function
--- calling raise, but at the first caller outside the runtime's modules,
--- however deep in their helpers that function sits: no level to count.
---@param message string
function errors.raise(message)
  local level = blame()
  error(message, level)
end
reporting[errors.raise] = true

-- The type a message names for v, as lauxlib's luaL_typeerror does.
local function typename(v)
  local mt = getmetatable(v)
  if type(mt) == "table" and type(mt.__name) == "string" then
    return mt.__name
  end
  return type(v)
end

--- Raises "bad argument #n to 'fname' (expected expected, got type)" as
--- lauxlib's luaL_typeerror does, at the first caller outside the
--- runtime's modules. n counts as lauxlib counts (self is 1 in a method,
--- and a method call says one less); fname defaults to the name the
--- caller called the function by.
---@param n integer
---@param fname string|nil
---@param expected string
---@param value any
function errors.argerror(n, fname, expected, value)
  local level, called = blame()
  local info = debug.getinfo(called, "n") or {}
  local name = fname or info.name or "?"
  local got = typename(value)
  if info.namewhat == "method" then
    n = n - 1
    if n == 0 then
      error(("calling '%s' on bad self (%s expected, got %s)"):format(name,
        expected, got), level)
    end
  end
  error(("bad argument #%d to '%s' (%s expected, got %s)"):format(n, name,
    expected, got), level)
end
reporting[errors.argerror] = true

-- "string|nil" -> { allowed = { string = true, ["nil"] = true },
-- text = "string" }: what a message says leaves nil out, as lauxlib's.
local parsed = {}
local function parse(expected)
  local p = parsed[expected]
  if p == nil then
    p = { allowed = {}, text = (expected:gsub("|nil$", ""):gsub("|", " or ")) }
    for name in expected:gmatch("[^|]+") do p.allowed[name] = true end
    parsed[expected] = p
  end
  return p
end

--- Checks argument n of the function calling check: its type must be one
--- of expected's names ("string", "table|nil", "function|table"), else
--- errors.argerror. Returns value.
---@param value any
---@param expected string
---@param n integer
---@param fname? string
---@return any value
function errors.check(value, expected, n, fname)
  local p = parse(expected)
  if not p.allowed[type(value)] then
    errors.argerror(n, fname, p.text, value)
  end
  return value
end
reporting[errors.check] = true

--- A new error value: kind (the cause, a short word), message (a
--- sentence), and fields copied in (code, status, retryable, ...).
---@param kind string
---@param message string
---@param fields? table
---@return lambda.Error
function errors.new(kind, message, fields)
  errors.check(kind, "string", 1, "new")
  errors.check(message, "string", 2, "new")
  errors.check(fields, "table|nil", 3, "new")
  local e = {}
  for k, v in pairs(fields or {}) do e[k] = v end
  e.kind, e.message = kind, message
  return setmetatable(e, meta)
end

--- Whether v is an error value of the lambda.* modules.
---@param v any
---@return boolean
function errors.is(v)
  return getmetatable(v) == meta
end

return errors
