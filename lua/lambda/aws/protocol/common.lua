--- What every protocol of lambda.aws shares (docs/fetch-and-aws.md, the
--- value rules): absent values, timestamps, blobs, host prefixes.
---
--- Values a caller gives and gets, whatever the protocol:
---   structure -> table by member name   list -> array   map -> table
---   string, enum -> string              boolean -> boolean
---   integer, long -> integer            float, double -> float
---   blob -> string of bytes (base64 only on the wire)
---   timestamp -> epoch seconds: given as a number or a string (ISO 8601,
---     RFC 822, digits), got as an integer when whole, else a float
---   document -> the Lua value lambda.json decodes
--- nil and lambda.json.null are both absent.
local json = require "lambda.json"
local base64 = require "lambda.base64"
local errors = require "lambda.errors"

local M = {}

local null = json.null

--- Whether v counts as absent (nil or json.null).
function M.absent(v)
  return v == nil or v == null
end

M.base64_encode = base64.encode

--- base64 text -> bytes; nil and a message when it is not base64.
function M.base64_decode(text)
  return base64.decode(text)
end

-- Days from 1970-01-01 to y-m-d (proleptic Gregorian), as Howard Hinnant's
-- days_from_civil: os.time would read the machine's time zone.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- A whole number of seconds as an integer, else the float.
local function seconds(value)
  if math.type(value) == "float" and value == math.floor(value)
      and value >= -2^62 and value <= 2^62 then
    return math.tointeger(value)
  end
  return value
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
  Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }
local MONTH_NAMES = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
  "Sep", "Oct", "Nov", "Dec" }
local DAY_NAMES = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" }

local function iso8601(text)
  local y, mo, d, h, mi, s, rest = text:match(
    "^%s*(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.-)%s*$")
  if not y then
    y, mo, d = text:match("^%s*(%d%d%d%d)%-(%d%d)%-(%d%d)%s*$")
    if not y then return nil end
    h, mi, s, rest = 0, 0, 0, "Z"
  end
  local frac, zone = rest:match("^%.(%d+)(.*)$")
  if not frac then zone = rest end
  local offset = 0
  if zone == "" or zone == "Z" or zone == "z" then
    offset = 0
  else
    local sign, oh, om = zone:match("^([+-])(%d%d):?(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "+" and 1 or -1)
  end
  local t = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400
    + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s) - offset
  if frac then
    return seconds(t + tonumber("0." .. frac))
  end
  return t
end

local function rfc822(text)
  -- "Tue, 29 Apr 2014 18:30:38 GMT" (the day name is optional)
  local d, mon, y, h, mi, s, zone = text:match(
    "^%s*%a*,?%s*(%d%d?)%s+(%a%a%a)%s+(%d%d%d%d)%s+(%d%d):(%d%d):(%d%d)%s*(%S*)%s*$")
  if not d or not MONTHS[mon] then return nil end
  if zone ~= "" and zone ~= "GMT" and zone ~= "UTC" and zone ~= "Z"
      and zone ~= "+0000" then
    return nil
  end
  return days_from_civil(tonumber(y), MONTHS[mon], tonumber(d)) * 86400
    + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
end

--- A timestamp on the wire or given by a caller (a number of epoch
--- seconds, digits, ISO 8601 / RFC 3339, RFC 822) -> epoch seconds, an
--- integer when whole; or nil when value is none of these.
---@param value any
---@return number|nil
function M.parse_timestamp(value)
  if type(value) == "number" then return seconds(value) end
  if type(value) ~= "string" then return nil end
  local n = tonumber(value)
  if n and value:match("^%s*[%d.+-]") then return seconds(n) end
  return iso8601(value) or rfc822(value)
end

--- A caller's timestamp, checked: raises (a programming error, at the
--- caller's line) naming where when it is not one.
function M.timestamp_in(value, where)
  local t = M.parse_timestamp(value)
  if t == nil then
    errors.raise(("%s: a timestamp must be epoch seconds or an ISO 8601 "
      .. "string, got %s"):format(where, type(value) == "string"
        and ("%q"):format(value) or type(value)))
  end
  return t
end

local function split(t)
  local whole = math.floor(t)
  local micro = math.floor((t - whole) * 1e6 + 0.5)
  if micro >= 1000000 then whole, micro = whole + 1, micro - 1000000 end
  whole = math.tointeger(whole) or whole
  local days = whole // 86400
  local rem = whole - days * 86400
  local y, m, d = civil_from_days(days)
  return y, m, d, rem // 3600, rem % 3600 // 60, rem % 60, micro, days
end

--- epoch seconds -> text in a model's timestampFormat:
---   "iso8601"       2024-01-02T03:04:05Z, or .ffffffZ with a fraction
---                   (with precision "millisecond": always .fffZ)
---   "rfc822"        Tue, 02 Jan 2024 03:04:05 GMT (whole seconds)
---   "unixTimestamp" a number: whole seconds (with precision
---                   "millisecond": seconds with 3 decimals)
--- as botocore's serializers write them.
---@param t number
---@param format string
---@param precision? string
---@return string|number
function M.format_timestamp(t, format, precision)
  if format == "unixTimestamp" then
    if precision == "millisecond" then
      local whole = math.floor(t)
      local ms = math.floor((t - whole) * 1000 + 0.5)
      return seconds(whole + ms / 1000)
    end
    return math.tointeger(math.floor(t)) or math.floor(t)
  end
  local y, m, d, h, mi, s, micro, days = split(t)
  if format == "rfc822" then
    return ("%s, %02d %s %04d %02d:%02d:%02d GMT"):format(
      DAY_NAMES[days % 7 + 1], d, MONTH_NAMES[m], y, h, mi, s)
  end
  local base = ("%04d-%02d-%02dT%02d:%02d:%02d"):format(y, m, d, h, mi, s)
  if precision == "millisecond" then
    return ("%s.%03dZ"):format(base, micro // 1000)
  end
  if micro > 0 then return ("%s.%06dZ"):format(base, micro) end
  return base .. "Z"
end

--- A version 4 UUID, as botocore fills an absent idempotency token.
function M.uuid4()
  local b = {}
  for i = 1, 16 do b[i] = math.random(0, 255) end
  b[7] = (b[7] & 0x0f) | 0x40
  b[9] = (b[9] & 0x3f) | 0x80
  return ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x")
    :format(table.unpack(b))
end

--- The operation's endpoint hostPrefix with its {labels} filled in from
--- the input members marked hostLabel (botocore's _expand_host_prefix),
--- or nil when the operation has none. A label's value must be a
--- non-empty string; raised otherwise.
function M.host_prefix(svc, op, params)
  local prefix = op.endpoint and op.endpoint.hostPrefix
  if not prefix then return nil end
  return (prefix:gsub("{([^}]+)}", function(name)
    local value = params and params[name]
    if type(value) ~= "string" or value == "" then
      errors.raise(("lambda.aws.%s:%s: %s is required (it is part of the "
        .. "host name)"):format(svc.name, op.name, name))
    end
    return value
  end))
end

--- The input shape of an operation (a table), or nil when it takes none.
function M.input_shape(svc, op)
  return op.input and svc:shape(op.input.shape)
end

--- The output shape of an operation, or nil.
function M.output_shape(svc, op)
  return op.output and svc:shape(op.output.shape)
end

return M
