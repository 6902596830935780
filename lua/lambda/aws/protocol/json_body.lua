--- The JSON body of the json (awsJson 1.0/1.1) and rest-json protocols,
--- both ways, driven by a service model's shapes (botocore's
--- JSONSerializer and BaseJSONParser / RestJSONParser):
---   encode: structures by the members' wire names (locationName), lists
---     as arrays, maps as objects, blobs base64, timestamps in the
---     member's timestampFormat (unixTimestamp by default), floats with
---     "Infinity" / "-Infinity" / "NaN" for the non-finite ones,
---     documents as given;
---   decode: the same back, into lambda.aws's value rules (common.lua).
--- Each structure's member table is worked out once per shape and kept.
local json = require "lambda.json"
local common = require "lambda.aws.protocol.common"
local errors = require "lambda.errors"

local M = {}

local null = json.null
local ARRAY = getmetatable(json.array())
local b64encode, b64decode = common.base64_encode, common.base64_decode
local format_timestamp, timestamp_in = common.format_timestamp, common.timestamp_in
local parse_timestamp = common.parse_timestamp
local mtype, huge = math.type, math.huge
local type, pairs, setmetatable, tostring = type, pairs, setmetatable, tostring

-- shape table -> { by_name = {member -> info}, by_wire = {wire -> info} },
-- info = { name, wire, shape (target's name), ref (the member ref) }.
local plans = setmetatable({}, { __mode = "k" })

--- The member plan of a structure shape (shared with rest.lua).
function M.plan(svc, shape)
  local plan = plans[shape]
  if plan then return plan end
  local by_name, by_wire, list = {}, {}, {}
  for name, ref in pairs(shape.members or {}) do
    local target = svc:shape(ref.shape)
    local info = { name = name, ref = ref, shape = ref.shape, target = target,
      wire = ref.locationName or target.locationName or name,
      format = ref.timestampFormat or target.timestampFormat,
      location = ref.location }
    by_name[name] = info
    by_wire[info.wire] = info
    list[#list + 1] = info
  end
  table.sort(list, function(a, b) return a.name < b.name end)
  plan = { by_name = by_name, by_wire = by_wire, list = list }
  plans[shape] = plan
  return plan
end
local plan_of = M.plan

-- The millisecond precision botocore's serializer uses for one service.
function M.precision(svc)
  return svc.name == "bedrock-agentcore" and "millisecond" or nil
end

local function bad(svc, where, want, value)
  errors.raise(("lambda.aws.%s: %s must be %s, got %s"):format(
    svc.name, where, want, type(value)))
end

local encode

local function encode_structure(svc, shape, value, where)
  if shape.document then return value end
  if type(value) ~= "table" then bad(svc, where, "a table", value) end
  local by_name = plan_of(svc, shape).by_name
  local out = {}
  for k, v in pairs(value) do
    if v ~= null then
      local info = by_name[k]
      if not info then
        errors.raise(("lambda.aws.%s: %s has no member %s"):format(
          svc.name, where, tostring(k)))
      end
      out[info.wire] = encode(svc, info.target, v, k, info.format)
    end
  end
  return out
end

local function encode_float(svc, value, where)
  if type(value) ~= "number" then bad(svc, where, "a number", value) end
  if value ~= value then return "NaN" end
  if value == huge then return "Infinity" end
  if value == -huge then return "-Infinity" end
  return value
end

--- value (lambda.aws's rules) -> a Lua value lambda.json encodes as the
--- wire JSON; where names the member (messages), format overrides the
--- timestampFormat.
function encode(svc, shape, value, where, format)
  local t = shape.type
  if t == "string" then
    if type(value) ~= "string" then bad(svc, where, "a string", value) end
    return value
  elseif t == "structure" then
    return encode_structure(svc, shape, value, where)
  elseif t == "list" then
    if type(value) ~= "table" then bad(svc, where, "a list", value) end
    local member = shape.member
    local target = svc:shape(member.shape)
    local fmt = member.timestampFormat or target.timestampFormat
    local out = setmetatable({}, ARRAY)
    for i = 1, #value do out[i] = encode(svc, target, value[i], where, fmt) end
    return out
  elseif t == "map" then
    if type(value) ~= "table" then bad(svc, where, "a table", value) end
    local vref = shape.value
    local target = svc:shape(vref.shape)
    local fmt = vref.timestampFormat or target.timestampFormat
    local out = {}
    for k, v in pairs(value) do
      if v ~= null then out[k] = encode(svc, target, v, where, fmt) end
    end
    return out
  elseif t == "integer" or t == "long" then
    if mtype(value) ~= "integer" then
      value = type(value) == "number" and math.tointeger(value)
      if not value then bad(svc, where, "an integer", value) end
    end
    return value
  elseif t == "boolean" then
    if type(value) ~= "boolean" then bad(svc, where, "a boolean", value) end
    return value
  elseif t == "blob" then
    if type(value) ~= "string" then bad(svc, where, "a string", value) end
    return b64encode(value)
  elseif t == "timestamp" then
    return format_timestamp(timestamp_in(value, where),
      format or shape.timestampFormat or "unixTimestamp", M.precision(svc))
  elseif t == "float" or t == "double" then
    return encode_float(svc, value, where)
  end
  return value
end
M.encode_value = encode

--- A structure value (of a shape given by name or as the table) -> JSON
--- text ("{}" for nil).
function M.encode(svc, shape, value)
  if value == nil or value == null then return "{}" end
  if type(shape) == "string" then shape = svc:shape(shape) end
  return json.encode(encode_structure(svc, shape, value, "the input"))
end

local decode

local SPECIAL = { Infinity = huge, ["-Infinity"] = -huge, NaN = 0 / 0 }

local function decode_structure(svc, shape, value)
  if shape.document then return value end
  if type(value) ~= "table" then return nil end
  local plan = plan_of(svc, shape)
  local by_wire = plan.by_wire
  local out = {}
  local found = false
  for k, v in pairs(value) do
    local info = by_wire[k]
    if info and v ~= null then
      out[info.name] = decode(svc, info.target, v)
      found = true
    end
  end
  if shape.union and not found then
    for k, v in pairs(value) do
      if k ~= "__type" and v ~= null then
        return { SDK_UNKNOWN_MEMBER = { name = k } }
      end
    end
  end
  return out
end

--- A decoded JSON value -> the value of shape (lambda.aws's rules).
function decode(svc, shape, value)
  local t = shape.type
  if t == "string" then
    return value
  elseif t == "structure" then
    return decode_structure(svc, shape, value)
  elseif t == "list" then
    local target = svc:shape(shape.member.shape)
    local out = {}
    if type(value) == "table" then
      for i = 1, #value do
        local v = value[i]
        if v ~= null then out[#out + 1] = decode(svc, target, v) end
      end
    end
    return out
  elseif t == "map" then
    local target = svc:shape(shape.value.shape)
    local out = {}
    if type(value) == "table" then
      for k, v in pairs(value) do
        if v ~= null then out[k] = decode(svc, target, v) end
      end
    end
    return out
  elseif t == "integer" or t == "long" then
    if mtype(value) == "float" then return math.tointeger(value) or value end
    if type(value) == "string" then return math.tointeger(tonumber(value)) end
    return value
  elseif t == "boolean" then
    if type(value) == "string" then return value:lower() == "true" end
    return value
  elseif t == "blob" then
    if type(value) ~= "string" then return value end
    return b64decode(value) or value
  elseif t == "timestamp" then
    return parse_timestamp(value)
  elseif t == "float" or t == "double" then
    if type(value) == "number" then return value + 0.0 end
    return SPECIAL[value] or tonumber(value)
  end
  return value
end
M.decode_value = decode

--- JSON text -> the value of a structure shape (by name or the shape);
--- an empty body is {}; nil and an error value when it is not JSON.
function M.decode(svc, shape, text)
  if type(shape) == "string" then shape = svc:shape(shape) end
  if text == nil or text == "" then return {} end
  local value, err = json.decode(text)
  if err then return nil, err end
  if shape == nil then return {} end
  return decode(svc, shape, value)
end

return M
