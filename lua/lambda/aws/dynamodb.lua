--- DynamoDB's attribute values to and from plain Lua values, keeping
--- numbers exact: `N` travels as a string both ways. A Lua integer is
--- written as its digits; a float as the shortest text that reads back
--- as the same double. Read back, an `N` that is a 64-bit integer is a
--- Lua integer, one whose text a double keeps exactly is a float, and any
--- other (38 digits, 0.1 + more precision) stays a `dynamodb.number` (a
--- table { N = "..." } that marshal writes back untouched).
---   marshal(item)    {name = value}         -> {name = {S = ...}, ...}
---   unmarshal(item)  {name = {S = ...}, ...} -> {name = value}
---   number("12345678901234567890123")         an exact N
---   binary(bytes)                             a B value
--- Binary values (B, BS) are bytes, as every blob of lambda.aws is: the
--- client base64-encodes them on the wire and decodes them in answers.
--- The images of a DynamoDB Streams event are JSON with B in base64:
--- unmarshal(image, { base64 = true }) reads those.
---   set("SS" | "NS" | "BS", list)             a set
local json = require "lambda.json"
local base64 = require "lambda.base64"
local errors = require "lambda.errors"

local M = {}

local Number = { __name = "dynamodb.number" }
Number.__index = Number
Number.__tostring = function(n) return n.N end
local Binary = { __name = "dynamodb.binary" }
local Set = { __name = "dynamodb.set" }

function M.number(text)
  text = tostring(text)
  assert(text:match("^%-?%d+%.?%d*[eE]?[%-+]?%d*$"), "not a number: " .. text)
  return setmetatable({ N = text }, Number)
end

function M.binary(bytes)
  return setmetatable({ bytes = bytes }, Binary)
end

function M.set(kind, list)
  assert(kind == "SS" or kind == "NS" or kind == "BS", "set kind: SS, NS or BS")
  return setmetatable({ kind = kind, list = list }, Set)
end

-- The shortest text that reads back as the same double.
local function float_text(x)
  if x ~= x or x == math.huge or x == -math.huge then
    errors.raise("DynamoDB numbers cannot be NaN or infinite")
  end
  for digits = 15, 17 do
    local s = ("%." .. digits .. "g"):format(x)
    if tonumber(s) == x then return s end
  end
end

local function number_text(n)
  if math.type(n) == "integer" then return tostring(n) end
  return float_text(n)
end

-- lambda.json's mark on arrays (decoded, or made with json.array)
local ARRAY = getmetatable(json.array())

local function is_list(t)
  if getmetatable(t) == ARRAY then return true end
  local n = #t
  if n == 0 then return false end
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

local marshal_value

local function marshal_map(t)
  local m = {}
  for k, v in pairs(t) do
    if type(k) ~= "string" then errors.raise("map keys must be strings") end
    m[k] = marshal_value(v)
  end
  return m
end

function marshal_value(v)
  local t = type(v)
  local mt = getmetatable(v)
  if v == nil or v == json.null then return { NULL = true } end
  if t == "string" then return { S = v } end
  if t == "boolean" then return { BOOL = v } end
  if t == "number" then return { N = number_text(v) } end
  if mt == Number then return { N = v.N } end
  if mt == Binary then return { B = v.bytes } end
  if mt == Set then
    local out = json.array()
    for i, item in ipairs(v.list) do
      if v.kind == "NS" then
        out[i] = getmetatable(item) == Number and item.N or number_text(item)
      elseif v.kind == "BS" then
        out[i] = tostring(item)
      else
        out[i] = tostring(item)
      end
    end
    return { [v.kind] = out }
  end
  if t == "table" then
    if is_list(v) then
      local out = json.array()
      for i = 1, #v do out[i] = marshal_value(v[i]) end
      return { L = out }
    end
    return { M = marshal_map(v) }
  end
  errors.raise("cannot store a " .. t .. " in DynamoDB")
end

--- {name = value} -> {name = AttributeValue}
function M.marshal(item)
  return marshal_map(item)
end

M.marshal_value = marshal_value

local function number_value(text)
  local i = math.tointeger(tonumber(text))
  if i and tostring(i) == text then return i end
  local f = tonumber(text)
  if f and math.type(f) == "float" and f == f and f ~= math.huge
      and f ~= -math.huge and float_text(f) == text then
    return f
  end
  return M.number(text)
end

local unmarshal_value

local function unmarshal_map(m, encoded)
  local out = {}
  for k, v in pairs(m) do out[k] = unmarshal_value(v, encoded) end
  return out
end

local function bytes_of(v, encoded)
  if not encoded then return v end
  local bytes = base64.decode(v)
  if bytes == nil then errors.raise("a B value is not base64: " .. tostring(v)) end
  return bytes
end

function unmarshal_value(av, encoded)
  if type(encoded) == "table" then encoded = encoded.base64 end
  local k, v = next(av)
  if k == "S" then return v end
  if k == "N" then return number_value(v) end
  if k == "BOOL" then return v end
  if k == "NULL" then return json.null end
  if k == "B" then return bytes_of(v, encoded) end
  if k == "M" then return unmarshal_map(v, encoded) end
  if k == "L" then
    local out = json.array()
    for i, item in ipairs(v) do out[i] = unmarshal_value(item, encoded) end
    return out
  end
  if k == "SS" then return M.set("SS", v) end
  if k == "NS" then
    local list = {}
    for i, n in ipairs(v) do list[i] = number_value(n) end
    return M.set("NS", list)
  end
  if k == "BS" then
    local list = {}
    for i, b in ipairs(v) do list[i] = bytes_of(b, encoded) end
    return M.set("BS", list)
  end
  errors.raise("unknown attribute value type: " .. tostring(k))
end

--- {name = AttributeValue} -> {name = value}; opts.base64: B and BS
--- values are base64 text (a DynamoDB Streams event's images).
function M.unmarshal(item, opts)
  return unmarshal_map(item, type(opts) == "table" and opts.base64 or false)
end

M.unmarshal_value = unmarshal_value

return M
