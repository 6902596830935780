--- XML elements (lambda.aws.xml's) -> values of a model shape, as
--- botocore's BaseXMLResponseParser reads them (xml_body.lua says what
--- comes out). Shared by rest-xml (through xml_body), query and ec2.
---
---   decode(svc, shape, ref, text_or_element [, flavor]) -> value | nil, err
---
--- ref is the member ref the shape was reached by (its traits over the
--- shape's), or nil; flavor "ec2" finds a modeled error's fields under
--- <Response><Errors><Error> instead of <ErrorResponse><Error>.
local xml = require "lambda.aws.xml"
local common = require "lambda.aws.protocol.common"
local errors = require "lambda.errors"

local M = {}

local match, find, gsub = string.match, string.find, string.gsub
local tointeger = math.tointeger

local Failure = {}

local function fail(message)
  error(setmetatable({ message = message }, Failure), 0)
end

local function trait(ref, shape, name)
  local v = ref and ref[name]
  if v == nil then v = shape[name] end
  return v
end

local SKIP = { header = true, headers = true, statusCode = true }

-- How a structure's members are found: { name, ref, shape, key, attr }.
local plans = setmetatable({}, { __mode = "k" })

local function plan_of(svc, shape)
  local plan = plans[shape]
  if plan then return plan end
  plan = {}
  for name, mref in pairs(shape.members or {}) do
    local mshape = svc:shape(mref.shape)
    if not SKIP[trait(mref, mshape, "location")]
        and not trait(mref, mshape, "eventheader") then
      local key = trait(mref, mshape, "locationName") or name
      if mshape.type == "list" and trait(mref, mshape, "flattened") then
        local lref = mshape.member
        key = trait(lref, svc:shape(lref.shape), "locationName") or key
      end
      plan[#plan + 1] = { name = name, ref = mref, shape = mshape, key = key,
        attr = trait(mref, mshape, "xmlAttribute")
          and trait(mref, mshape, "locationName") or nil }
    end
  end
  plans[shape] = plan
  return plan
end

local parse

-- Children by local name: an element, or a group {el, el, ...} (no .name)
-- when the name repeats.
local function by_name(el)
  local dict, first = {}, nil
  for i = 1, #el do
    local c = el[i]
    local k = c.name
    local have = dict[k]
    if have == nil then
      dict[k] = c
      first = first or k
    elseif have.name then
      dict[k] = { have, c }
    else
      have[#have + 1] = c
    end
  end
  return dict, first
end

local function error_root(el, flavor)
  for i = 1, #el do
    local c = el[i]
    if flavor == "ec2" and c.name == "Errors" then
      for j = 1, #c do
        if c[j].name == "Error" then return c[j] end
      end
    elseif flavor ~= "ec2" and el.name == "ErrorResponse" and c.name == "Error" then
      return c
    end
  end
  return el
end

-- An xmlAttribute member's value: attribute names compared as botocore
-- does, a prefix standing for the one in the member's locationName.
local function attribute(el, name)
  local attrs = el.attrs
  if not attrs then return nil end
  local own = match(name, "^[^:]*")
  for k, v in pairs(attrs) do
    if k ~= "xmlns" and not find(k, "^xmlns:") then
      local loc = match(k, "^[^:]+:(.+)$")
      if (loc and own .. ":" .. loc or k) == name then return v end
    end
  end
  return nil
end

local function union_unknown(svc, shape, dict, first)
  local count = 0
  for k in pairs(dict) do
    if k ~= "__type" then count = count + 1 end
  end
  if count ~= 1 then
    fail(("%s must have one and only one member set"):format(tostring(shape.name or "a union")))
  end
  for name, mref in pairs(shape.members or {}) do
    if (trait(mref, svc:shape(mref.shape), "locationName") or name) == first then
      return nil
    end
  end
  return { SDK_UNKNOWN_MEMBER = { name = first } }
end

local function structure(svc, shape, ref, node, flavor)
  if shape.exception then node = error_root(node.name and node or node[1], flavor) end
  local el = node.name and node or node[1]
  local dict, first = by_name(el)
  if shape.union then
    local unknown = union_unknown(svc, shape, dict, first)
    if unknown then return unknown end
  end
  local out = {}
  local plan = plan_of(svc, shape)
  for i = 1, #plan do
    local m = plan[i]
    local n = dict[m.key]
    if n ~= nil then
      out[m.name] = parse(svc, m.shape, m.ref, n, flavor)
    elseif m.attr then
      out[m.name] = attribute(el, m.attr)
    end
  end
  return out
end

local function list(svc, shape, ref, node, flavor)
  if node.name and trait(ref, shape, "flattened") then node = { node } end
  local mref = shape.member
  local mshape = svc:shape(mref.shape)
  local out = {}
  for i = 1, #node do out[i] = parse(svc, mshape, mref, node[i], flavor) end
  return out
end

local function map(svc, shape, ref, node, flavor)
  if node.name and trait(ref, shape, "flattened") then node = { node } end
  local kref, vref = shape.key, shape.value
  local kshape, vshape = svc:shape(kref.shape), svc:shape(vref.shape)
  local kname = trait(kref, kshape, "locationName") or "key"
  local vname = trait(vref, vshape, "locationName") or "value"
  local out = {}
  for i = 1, #node do
    local entry, k, v = node[i], nil, nil
    for j = 1, #entry do
      local c = entry[j]
      if c.name == kname then
        k = parse(svc, kshape, kref, c, flavor)
      elseif c.name == vname then
        v = parse(svc, vshape, vref, c, flavor)
      else
        fail("unknown tag <" .. c.name .. "> in a map entry")
      end
    end
    if k ~= nil then out[k] = v end
  end
  return out
end

local function integer(text)
  local digits = match(text, "^%s*([+-]?%d+)%s*$")
  local n = digits and tonumber(digits)
  if not n then fail(("%q is not an integer"):format(text)) end
  return tointeger(n) or n
end

local SPECIAL = { nan = 0 / 0, inf = math.huge, infinity = math.huge }

local function float(text)
  local t = match(text, "^%s*(.-)%s*$")
  local sign, word = match(t:lower(), "^([+-]?)(%a+)$")
  if word and SPECIAL[word] then
    return sign == "-" and -SPECIAL[word] or SPECIAL[word]
  end
  if match(t, "^[+-]?%d+%.?%d*[eE][+-]?%d+$") or match(t, "^[+-]?%d+%.?%d*$")
      or match(t, "^[+-]?%.%d+[eE][+-]?%d+$") or match(t, "^[+-]?%.%d+$") then
    return tonumber(t) + 0.0
  end
  fail(("%q is not a number"):format(text))
end

local function blob(text)
  local bytes = common.base64_decode(text)
  if bytes then return bytes end
  bytes = common.base64_decode((gsub(text, "[^%w+/=]", "")))
  if not bytes then fail("invalid base64") end
  return bytes
end

local SCALARS = {
  string = function(text) return text end,
  boolean = function(text) return text == "true" end,
  integer = integer, long = integer, float = float, double = float,
  timestamp = function(text)
    local t = common.parse_timestamp(text)
    if t == nil then fail(("%q is not a timestamp"):format(text)) end
    return t
  end,
  blob = blob,
}
SCALARS.character = SCALARS.string

function parse(svc, shape, ref, node, flavor)
  local t = shape.type
  if t == "structure" then return structure(svc, shape, ref, node, flavor) end
  if t == "list" then return list(svc, shape, ref, node, flavor) end
  if t == "map" then return map(svc, shape, ref, node, flavor) end
  local el = node.name and node or node[1]
  local f = SCALARS[t] or SCALARS.string
  return f(el.text or "")
end

--- The element's (or document's) value of shape; nil and an error value
--- (kind "xml", code "DecodeError") when it is not XML or not the shape.
function M.decode(svc, shape, ref, text_or_element, flavor)
  local root = text_or_element
  if type(root) == "string" then
    if root == "" then
      root = { name = "" }
    else
      local err
      root, err = xml.parse(root)
      if not root then
        return nil, errors.new("xml", "the answer is not XML: " .. err.message,
          { code = "DecodeError", line = err.line, column = err.column })
      end
    end
  end
  local ok, value = pcall(parse, svc, shape, ref, root, flavor)
  if ok then return value end
  if getmetatable(value) ~= Failure then error(value, 0) end
  return nil, errors.new("xml", "the answer does not fit the model: "
    .. value.message, { code = "DecodeError" })
end

M.by_name = by_name

return M
