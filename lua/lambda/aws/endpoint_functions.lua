--- The standard library of AWS's endpoint rules language (the `fn`s of
--- an endpoint-rule-set-1.json): isSet, not, booleanEquals, stringEquals,
--- getAttr, substring, uriEncode, parseURL, isValidHostLabel,
--- aws.partition, aws.parseArn, aws.isVirtualHostableS3Bucket. Each
--- behaves as botocore's RuleSetStandardLibrary (botocore.endpoint_provider)
--- does, the oracle of spec/unit/aws_endpoints_spec.lua, down to its
--- error texts: nil is Python's None, a Lua array a tuple/list.
---
--- A rule set's own error (a type mismatch botocore reports as an
--- EndpointResolutionError) is raised as { resolution = message }; what
--- would be another Python exception in botocore (a KeyError on a bad
--- rule set) as { python = "KeyError", message = ... }. endpoints.lua
--- turns both into error values.
local partitions = require "lambda.aws.partitions"

local M = {}

local function fail(message)
  error({ resolution = message }, 0)
end
M.fail = fail

local function python_error(class, message)
  error({ python = class, message = message }, 0)
end
M.python_error = python_error

--- Python's name of a value's type, as botocore's messages print it.
function M.pytype(v)
  local t = type(v)
  if v == nil then return "<class 'NoneType'>" end
  if t == "string" then return "<class 'str'>" end
  if t == "boolean" then return "<class 'bool'>" end
  if math.type(v) == "integer" then return "<class 'int'>" end
  if t == "number" then return "<class 'float'>" end
  if t == "table" and (v[1] ~= nil or next(v) == nil) then return "<class 'tuple'>" end
  return "<class 'dict'>"
end

--- str(v) in Python, for the values a template can hold.
function M.pystr(v)
  if v == nil then return "None" end
  if v == true then return "True" end
  if v == false then return "False" end
  if type(v) == "table" and (v[1] ~= nil or next(v) == nil) then
    local items = {}
    for i, x in ipairs(v) do items[i] = type(x) == "string" and ("'" .. x .. "'") or M.pystr(x) end
    return "(" .. table.concat(items, ", ") .. (#items == 1 and ",)" or ")")
  end
  return tostring(v)
end

-- Python's truth of a value: None, False, "", 0 and empty containers
-- are false.
local function truthy(v)
  if v == nil or v == false or v == "" or v == 0 then return false end
  if type(v) == "table" and next(v) == nil then return false end
  return true
end

M["isSet"] = function(v) return v ~= nil end
M["not"] = function(v) return not truthy(v) end

M["booleanEquals"] = function(a, b)
  if type(a) ~= "boolean" or type(b) ~= "boolean" then
    fail(("Both arguments must be bools, not %s and %s."):format(M.pytype(a), M.pytype(b)))
  end
  return a == b
end

M["stringEquals"] = function(a, b)
  if type(a) ~= "string" or type(b) ~= "string" then
    fail(("Both values must be strings, not %s and %s."):format(M.pytype(a), M.pytype(b)))
  end
  return a == b
end

-- Python's str.split(sep) (keeps empty fields).
local function split(s, sep)
  local out, from = {}, 1
  while true do
    local at = s:find(sep, from, true)
    if not at then
      out[#out + 1] = s:sub(from)
      return out
    end
    out[#out + 1] = s:sub(from, at - 1)
    from = at + #sep
  end
end
M.split = split

--- getAttr(value, "a.b", "a[2]", "[0]"): botocore's get_attr; an index
--- (0-based, as the rules write it) ends the path.
M["getAttr"] = function(value, path)
  for _, part in ipairs(split(path, ".")) do
    local name, index = part:match("([%w_]*)%[(%d+)%]")
    if index then
      if name ~= "" then
        if type(value) ~= "table" then python_error("AttributeError", "get of " .. M.pytype(value)) end
        value = value[name]
      end
      index = tonumber(index)
      if value == nil then return nil end
      local len = type(value) == "string" and #value or #value
      if index >= len then return nil end
      if type(value) == "string" then return value:sub(index + 1, index + 1) end
      return value[index + 1]
    end
    if type(value) ~= "table" then python_error("TypeError", "subscript of " .. M.pytype(value)) end
    if value[part] == nil then python_error("KeyError", part) end
    value = value[part]
  end
  return value
end

-- A function of the rules given what botocore's would fail on with
-- AttributeError or TypeError (a rule set that passes a list where a
-- string goes): raised as that Python error, as botocore does.
local function want_string(v, what)
  if type(v) ~= "string" then
    python_error("AttributeError", ("%s of %s"):format(what, M.pytype(v)))
  end
end

local function is_ascii(s)
  return not s:find("[\128-\255]")
end

M["substring"] = function(value, start, stop, reverse)
  if type(value) ~= "string" then
    fail(("Input must be a string, not %s."):format(M.pytype(value)))
  end
  if start >= stop or #value < stop or not is_ascii(value) then return nil end
  if reverse == true then
    return value:sub(#value - stop + 1, #value - start)
  end
  return value:sub(start + 1, stop)
end

--- Percent-encoding of every byte but A-Z a-z 0-9 - . _ ~ (botocore's
--- percent_encode; a non-string is str()'d first).
function M.percent_encode(s, safe)
  safe = safe or ""
  return (s:gsub("[^%w%-%._~" .. safe .. "]", function(c)
    return ("%%%02X"):format(c:byte())
  end))
end

M["uriEncode"] = function(value)
  if value == nil then return nil end
  if type(value) ~= "string" then value = M.pystr(value) end
  return M.percent_encode(value)
end

-- One label of a host name: botocore's ^(?!-)[a-zA-Z\d-]{1,63}(?<!-)$,
-- where Python's $ also matches before a final newline.
local function host_label(s)
  if s:sub(-1) == "\n" then s = s:sub(1, -2) end
  local n = #s
  return n >= 1 and n <= 63 and not s:find("[^%w%-]")
    and s:sub(1, 1) ~= "-" and s:sub(-1) ~= "-"
end

M["isValidHostLabel"] = function(value, allow_subdomains)
  if value == nil then return false end
  want_string(value, "isValidHostLabel")
  if allow_subdomains == false and value:find(".", 1, true) then return false end
  if allow_subdomains == true then
    for _, label in ipairs(split(value, ".")) do
      if not host_label(label) then return false end
    end
    return true
  end
  return host_label(value)
end

-- botocore's IPV4_RE: ^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$ (and $ before a
-- final newline).
local function ipv4(s)
  if s:sub(-1) == "\n" then s = s:sub(1, -2) end
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  return a ~= nil and #a <= 3 and #b <= 3 and #c <= 3 and #d <= 3
end
M.ipv4 = ipv4

M["aws.isVirtualHostableS3Bucket"] = function(value, allow_subdomains)
  if value ~= nil then want_string(value, "aws.isVirtualHostableS3Bucket") end
  if value == nil or utf8.len(value) == nil or utf8.len(value) < 3
    or value:find("%u") or ipv4(value) then
    return false
  end
  return M["isValidHostLabel"](value, allow_subdomains)
end

local function region_in(p, region)
  if p.regions[region] then return true end
  for _, pattern in ipairs(p.patterns) do
    if region:find(pattern) then return true end
  end
  return false
end

--- aws.partition(region): the outputs of the first partition that names
--- the region or whose regionRegex matches it; else the first (aws).
--- The tables returned are shared: read them, do not change them.
M["aws.partition"] = function(region)
  local list = partitions.partitions
  if region ~= nil then
    if type(region) ~= "string" then python_error("TypeError", "aws.partition of " .. M.pytype(region)) end
    for _, p in ipairs(list) do
      if region_in(p, region) then return p.outputs end
    end
  end
  return list[1].outputs
end

M["aws.parseArn"] = function(value)
  if value == nil then return nil end
  want_string(value, "aws.parseArn")
  if value:sub(1, 4) ~= "arn:" then return nil end
  local parts, from = {}, 1
  for _ = 1, 5 do
    local at = value:find(":", from, true)
    if not at then return nil end
    parts[#parts + 1] = value:sub(from, at - 1)
    from = at + 1
  end
  local resource = value:sub(from)
  if parts[2] == "" or parts[3] == "" or resource == "" then return nil end
  return { partition = parts[2], service = parts[3], region = parts[4],
    accountId = parts[5], resourceId = split((resource:gsub(":", "/")), "/") }
end

M["parseURL"] = require("lambda.aws.endpoint_url").parse

return M
