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
      format = ref.timestampFormat or target.timestampFormat, kind = target.type,
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

--- A float as Python's str() writes it (botocore's headers and query
--- strings): the shortest digits that read back, "1.0", "1e+16", "1e-05".
function M.float_text(x)
  if x ~= x then return "NaN" end
  if x == huge then return "Infinity" end
  if x == -huge then return "-Infinity" end
  if x == 0 then return (1 / x < 0) and "-0.0" or "0.0" end
  local s
  for p = 0, 16 do
    s = ("%." .. p .. "e"):format(x)
    if tonumber(s) == x then break end
  end
  local sign, d1, rest, exp = s:match("^(-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits = (d1 .. rest):gsub("0+$", "")
  if digits == "" then digits = "0" end
  exp = tonumber(exp)
  if exp >= -4 and exp < 16 then
    if exp >= 0 then
      local int = digits:sub(1, exp + 1)
      int = int .. ("0"):rep(exp + 1 - #int)
      local frac = digits:sub(exp + 2)
      return sign .. int .. "." .. (frac == "" and "0" or frac)
    end
    return sign .. "0." .. ("0"):rep(-exp - 1) .. digits
  end
  local mant = digits:sub(1, 1)
  if #digits > 1 then mant = mant .. "." .. digits:sub(2) end
  return ("%s%se%s%02d"):format(sign, mant, exp < 0 and "-" or "+", math.abs(exp))
end
local float_text = M.float_text

local encode

-- Copy on write: a table whose members all encode to themselves under
-- their own names (a DynamoDB {S = "x"}, a list of strings) is given to
-- lambda.json as it is; one is copied from the first member that differs.
local function copy_until(value, stop)
  local out = {}
  for k, v in pairs(value) do
    if k == stop then return out end
    out[k] = v
  end
  return out
end

local function encode_structure(svc, shape, value, where)
  if shape.document then return value end
  if type(value) ~= "table" then bad(svc, where, "a table", value) end
  local by_name = (plans[shape] or plan_of(svc, shape)).by_name
  local out
  for k, v in pairs(value) do
    if v == null then
      out = out or copy_until(value, k)
    else
      local info = by_name[k]
      if not info then
        errors.raise(("lambda.aws.%s: %s has no member %s"):format(
          svc.name, where, tostring(k)))
      end
      local e = encode(svc, info.target, v, k, info.format)
      local wire = info.wire
      if out then
        out[wire] = e
      elseif e ~= v or wire ~= k then
        out = copy_until(value, k)
        out[wire] = e
      end
    end
  end
  return out or value
end

local function encode_list(svc, shape, value, where)
  if type(value) ~= "table" then bad(svc, where, "a list", value) end
  local n = #value
  if n == 0 then return setmetatable({}, ARRAY) end
  local member = shape.member
  local target = svc:shape(member.shape)
  local fmt = member.timestampFormat or target.timestampFormat
  local out
  for i = 1, n do
    local v = value[i]
    local e = encode(svc, target, v, where, fmt)
    if out then
      out[i] = e
    elseif e ~= v then
      out = setmetatable(table.move(value, 1, i - 1, 1, {}), ARRAY)
      out[i] = e
    end
  end
  if out == nil and next(value, n) == nil and getmetatable(value) == nil then
    return value  -- 1..n only: lambda.json writes it as an array
  end
  return out or setmetatable(table.move(value, 1, n, 1, {}), ARRAY)
end

local function encode_map(svc, shape, value, where)
  if type(value) ~= "table" then bad(svc, where, "a table", value) end
  local vref = shape.value
  local target = svc:shape(vref.shape)
  local fmt = vref.timestampFormat or target.timestampFormat
  local out
  for k, v in pairs(value) do
    if type(k) ~= "string" then bad(svc, where, "a table of string keys", k) end
    if v == null then
      out = out or copy_until(value, k)
    else
      local e = encode(svc, target, v, where, fmt)
      if out then
        out[k] = e
      elseif e ~= v then
        out = copy_until(value, k)
        out[k] = e
      end
    end
  end
  if out == nil and getmetatable(value) ~= nil then out = copy_until(value, nil) end
  return out or value
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
    return encode_list(svc, shape, value, where)
  elseif t == "map" then
    return encode_map(svc, shape, value, where)
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

--- A structure value (of a shape given by name or as the table) -> JSON
--- text ("{}" for nil).
function M.encode(svc, shape, value)
  if value == nil or value == null then return "{}" end
  if type(shape) == "string" then shape = svc:shape(shape) end
  return json.encode(encode_structure(svc, shape, value, "the input"))
end

local decode

local SPECIAL = { Infinity = huge, ["-Infinity"] = -huge, NaN = 0 / 0 }

-- Decoding works in place: the tables lambda.json made become the
-- value's (keys renamed from wire names, members the shape does not have
-- and nulls dropped), so that an answer costs one set of tables.
local function decode_structure(svc, shape, value)
  if shape.document then return value end
  if type(value) ~= "table" then return nil end
  local by_wire = (plans[shape] or plan_of(svc, shape)).by_wire
  local renamed, found, unknown
  for k, v in pairs(value) do
    local info = by_wire[k]
    if info == nil or v == null then
      if unknown == nil and v ~= null and k ~= "__type" then unknown = k end
      value[k] = nil
    else
      found = true
      local d = v
      if info.kind ~= "string" then d = decode(svc, info.target, v) end
      local name = info.name
      if name == k then
        if d ~= v then value[k] = d end
      else
        value[k] = nil
        renamed = renamed or {}
        renamed[name] = d
      end
    end
  end
  if renamed then
    for k, v in pairs(renamed) do value[k] = v end
  end
  if not found and unknown ~= nil and shape.union then
    return { SDK_UNKNOWN_MEMBER = { name = unknown } }  -- as botocore
  end
  return value  -- lambda.json marks arrays only
end

local function decode_list(svc, shape, value)
  if type(value) ~= "table" then return {} end
  local target = svc:shape(shape.member.shape)
  local n, holes = #value, false
  if target.type ~= "string" then
    for i = 1, n do
      local v = value[i]
      if v == null then holes = true else value[i] = decode(svc, target, v) end
    end
  else
    for i = 1, n do
      if value[i] == null then holes = true end
    end
  end
  if holes then
    local out = {}
    for i = 1, n do
      if value[i] ~= null then out[#out + 1] = value[i] end
    end
    return out
  end
  return setmetatable(value, nil)
end

local function decode_map(svc, shape, value)
  if type(value) ~= "table" then return {} end
  local target = svc:shape(shape.value.shape)
  local plain = target.type == "string"
  for k, v in pairs(value) do
    if v == null then
      value[k] = nil
    elseif not plain then
      value[k] = decode(svc, target, v)
    end
  end
  return value
end

--- A decoded JSON value -> the value of shape (lambda.aws's rules).
function decode(svc, shape, value)
  local t = shape.type
  if t == "string" then
    return value
  elseif t == "structure" then
    return decode_structure(svc, shape, value)
  elseif t == "list" then
    return decode_list(svc, shape, value)
  elseif t == "map" then
    return decode_map(svc, shape, value)
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
  if err then
    err.code = "DecodeError"  -- an answer that does not read, as xml and cbor say
    return nil, err
  end
  if shape == nil then return {} end
  return decode(svc, shape, value)
end

return M
