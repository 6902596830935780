--- XML bodies from and to model shapes, as botocore's RestXMLSerializer
--- writes them and its XML parsers (BaseXMLResponseParser: rest-xml,
--- query, ec2) read them.
---
---   xml_body.encode(svc, shape_name, value, root_name, xml_namespace)
---     -> the XML text of value under <root_name>; xml_namespace is the
---        payload member's xmlNamespace ("uri" or {uri=, prefix=}), or
---        nil for the shape's own
---   xml_body.decode(svc, shape_name, text_or_element) -> value | nil, err
---
--- Encoding: member locationName, xmlAttribute, xmlNamespace (with a
--- prefix), flattened and named lists, maps (entry/key/value or their
--- locationNames, flattened), timestamps ISO 8601 unless the member's
--- timestampFormat says otherwise, blobs base64, booleans true/false,
--- floats as Python's repr writes them; the text escaped as ElementTree
--- escapes it and an empty element written "<Name />". Members bound to
--- the URI, query string or headers are left out (they are not the
--- body's); the others are written in the model's member order as the
--- model file keeps it (sorted by name), a map's entries by sorted key.
---
--- Decoding: namespaces ignored (local names), flattened lists, lists
--- whatever their members' names, maps, timestamps -> epoch seconds,
--- blobs decoded, integer/long -> integer, float/double -> float,
--- booleans ("true" is true, anything else false), xmlAttribute members
--- (as strings), an empty element as botocore gives it ("" for a
--- string, {} for a list, map or structure). Text that is no number for
--- a number shape, or no timestamp for a timestamp, is an error (kind
--- "xml", code "DecodeError"), as it is for botocore.
local xml = require "lambda.aws.xml"
local common = require "lambda.aws.protocol.common"
local errors = require "lambda.errors"

local M = {}

local concat, sort = table.concat, table.sort
local find, match, gsub, format = string.find, string.match, string.gsub,
  string.format
local absent = common.absent

-- A member ref's trait, else its shape's (botocore merges the ref's
-- traits over the shape's).
local function trait(ref, shape, name)
  local v = ref and ref[name]
  if v == nil then v = shape[name] end
  return v
end
M.trait = trait

--- The member names of a structure shape in the order they are written.
local orders = setmetatable({}, { __mode = "k" })
function M.member_order(shape)
  local order = orders[shape]
  if order then return order end
  if shape.memberOrder then
    -- the model's order (the generator writes it for rest-xml models)
    order = shape.memberOrder
  else
    order = {}
    for name in pairs(shape.members or {}) do order[#order + 1] = name end
    sort(order)
  end
  orders[shape] = order
  return order
end

--- A float as Python's repr writes it (botocore's str(float)):
--- the shortest digits that read back, "1e-05", "1e+16", "1.0".
function M.float_text(v)
  if math.type(v) == "integer" then return tostring(v) end
  if v ~= v then return "NaN" end
  if v == math.huge then return "Infinity" end
  if v == -math.huge then return "-Infinity" end
  local sign = (v < 0 or 1 / v < 0) and "-" or ""
  local a = math.abs(v)
  if a == 0 then return sign .. "0.0" end
  local text
  for p = 1, 17 do
    text = format("%." .. (p - 1) .. "e", a)
    if tonumber(text) == a then break end
  end
  local d1, rest, exp = match(text, "^(%d)%.?(%d*)e([-+]%d+)$")
  local digits = gsub(d1 .. rest, "0+$", "")
  if digits == "" then digits = "0" end
  local decpt = tonumber(exp) + 1
  local n = #digits
  if decpt <= -4 or decpt > 16 then
    local mant = n > 1 and digits:sub(1, 1) .. "." .. digits:sub(2) or digits
    local e = decpt - 1
    return format("%s%se%s%02d", sign, mant, e < 0 and "-" or "+", math.abs(e))
  elseif decpt <= 0 then
    return sign .. "0." .. ("0"):rep(-decpt) .. digits
  elseif decpt >= n then
    return sign .. digits .. ("0"):rep(decpt - n) .. ".0"
  end
  return sign .. digits:sub(1, decpt) .. "." .. digits:sub(decpt + 1)
end

local function wrong(where, expected, v)
  errors.raise(("%s: %s expected, got %s"):format(where, expected,
    type(v) == "string" and format("%q", v) or math.type(v) or type(v)))
end

--- A scalar input value as botocore writes it in XML or a query string
--- (timestamps in format, default iso8601); raises on a wrong type.
function M.scalar_text(shape, ref, v, where, default_format)
  local t = shape.type
  if t == "string" or t == "character" then
    if type(v) ~= "string" then wrong(where, "a string", v) end
    return v
  elseif t == "boolean" then
    if type(v) ~= "boolean" then wrong(where, "a boolean", v) end
    return v and "true" or "false"
  elseif t == "integer" or t == "long" then
    local i = math.tointeger(v)
    if not i then wrong(where, "an integer", v) end
    return tostring(i)
  elseif t == "float" or t == "double" then
    if type(v) ~= "number" then wrong(where, "a number", v) end
    return M.float_text(v)
  elseif t == "blob" then
    if type(v) ~= "string" then wrong(where, "a string of bytes", v) end
    return common.base64_encode(v)
  elseif t == "timestamp" then
    local fmt = trait(ref, shape, "timestampFormat") or default_format or "iso8601"
    return tostring(common.format_timestamp(common.timestamp_in(v, where), fmt))
  end
  errors.raise(("%s: cannot write a %s in XML"):format(where, tostring(t)))
end

-- Attributes in ElementTree's order (insertion; a name set twice keeps
-- its first place).
local function attr_set(attrs, name, value)
  if attrs[name] == nil then attrs[#attrs + 1] = name end
  attrs[name] = value
end

local function add_namespace(attrs, ns)
  if type(ns) == "string" then
    attr_set(attrs, "xmlns", ns)
  elseif type(ns) == "table" and ns.uri then
    attr_set(attrs, ns.prefix and ns.prefix ~= "" and "xmlns:" .. ns.prefix
      or "xmlns", ns.uri)
  end
end

local function open_tag(out, name, attrs)
  local n = #out
  out[n + 1] = "<" .. name
  for i = 1, #attrs do
    local a = attrs[i]
    n = #out
    out[n + 1] = ' ' .. a .. '="' .. xml.escape_attr(attrs[a]) .. '"'
  end
end

-- One element: <name attrs>text children</name>, or <name attrs />.
-- (ElementTree's short form whenever nothing went inside, as when a
-- structure's only member is an empty flattened list.)
local function element(out, name, attrs, text, children)
  open_tag(out, name, attrs)
  local at = #out + 1
  out[at] = ">"
  if text and text ~= "" then out[at + 1] = xml.escape(text) end
  if children then children() end
  if #out == at then
    out[at] = " />"
  else
    out[#out + 1] = "</" .. name .. ">"
  end
end

local encode

local function encode_structure(svc, shape, ref, v, out, name, where)
  if type(v) ~= "table" then wrong(where, "a table", v) end
  local members = shape.members or {}
  for k in pairs(v) do
    if members[k] == nil then
      errors.raise(("%s: %s is not a member of %s"):format(where, tostring(k),
        ref and ref.shape or "the structure"))
    end
  end
  local attrs = {}
  add_namespace(attrs, trait(ref, shape, "xmlNamespace"))
  local body = {}
  for _, mname in ipairs(M.member_order(shape)) do
    local mv, mref = v[mname], members[mname]
    -- (members bound to the URI, query string or headers are not the body's)
    if not absent(mv) and mref.location == nil then
      local mshape = svc:shape(mref.shape)
      local xname = mref.locationName or mshape.locationName or mname
      if trait(mref, mshape, "xmlAttribute") then
        attr_set(attrs, xname, M.scalar_text(mshape, mref, mv, where .. "." .. mname))
      else
        if mshape.type == "list" and trait(mref, mshape, "flattened") then
          add_namespace(attrs, trait(mref, mshape, "xmlNamespace"))
        end
        body[#body + 1] = { mref, mshape, mv, xname, where .. "." .. mname }
      end
    end
  end
  element(out, name, attrs, nil, function()
    for _, b in ipairs(body) do encode(svc, b[2], b[1], b[3], out, b[4], b[5]) end
  end)
end

local function check_list(v, where)
  if type(v) ~= "table" then wrong(where, "a list (table)", v) end
  local n = #v
  for k in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > n then
      wrong(where, "a list (a sequence)", v)
    end
  end
  return n
end

local function encode_list(svc, shape, ref, v, out, name, where)
  local n = check_list(v, where)
  local mref = shape.member
  local mshape = svc:shape(mref.shape)
  local function items(item_name)
    for i = 1, n do
      encode(svc, mshape, mref, v[i], out, item_name, where .. "[" .. i .. "]")
    end
  end
  if trait(ref, shape, "flattened") then
    items(name)
    return
  end
  local attrs = {}
  add_namespace(attrs, trait(ref, shape, "xmlNamespace"))
  local item_name = mref.locationName or mshape.locationName or "member"
  element(out, name, attrs, nil, function() items(item_name) end)
end

local function sorted_keys(v, where)
  if type(v) ~= "table" then wrong(where, "a map (table)", v) end
  local keys = {}
  for k in pairs(v) do
    if type(k) ~= "string" then wrong(where .. " key", "a string", k) end
    keys[#keys + 1] = k
  end
  sort(keys)
  return keys
end

local function encode_map(svc, shape, ref, v, out, name, where)
  local keys = sorted_keys(v, where)
  local kref, vref = shape.key, shape.value
  local kshape, vshape = svc:shape(kref.shape), svc:shape(vref.shape)
  local kname = kref.locationName or kshape.locationName or "key"
  local vname = vref.locationName or vshape.locationName or "value"
  local flat = trait(ref, shape, "flattened")
  local function entries()
    for _, k in ipairs(keys) do
      element(out, flat and name or "entry", {}, nil, function()
        encode(svc, kshape, kref, k, out, kname, where .. " key")
        encode(svc, vshape, vref, v[k], out, vname, where .. "." .. k)
      end)
    end
  end
  if flat then return entries() end
  local attrs = {}
  add_namespace(attrs, trait(ref, shape, "xmlNamespace"))
  element(out, name, attrs, nil, entries)
end

function encode(svc, shape, ref, v, out, name, where)
  local t = shape.type
  if t == "structure" then
    return encode_structure(svc, shape, ref, v, out, name, where)
  elseif t == "list" then
    return encode_list(svc, shape, ref, v, out, name, where)
  elseif t == "map" then
    return encode_map(svc, shape, ref, v, out, name, where)
  end
  local attrs = {}
  add_namespace(attrs, trait(ref, shape, "xmlNamespace"))
  element(out, name, attrs, M.scalar_text(shape, ref, v, where))
end

--- The XML body botocore's RestXMLSerializer writes for value (a
--- structure payload, or an input shape's body members) under
--- <root_name>, with xml_namespace (or the shape's own) on the root.
---@param svc table
---@param shape_name string
---@param value any
---@param root_name? string
---@param xml_namespace? string|table
---@return string
function M.encode(svc, shape_name, value, root_name, xml_namespace)
  local shape = svc:shape(shape_name)
  local ref = { shape = shape_name, xmlNamespace = xml_namespace }
  local out = {}
  encode(svc, shape, ref, value, out, root_name or shape.locationName or shape_name,
    ("lambda.aws.%s: %s"):format(svc.name, shape_name))
  return concat(out)
end

M.decoder = require "lambda.aws.protocol.xml_decode"

--- The value botocore's RestXMLParser reads from text (an XML document,
--- "" for none) or an element of lambda.aws.xml for shape_name.
---@param svc table
---@param shape_name string
---@param text_or_element string|table
---@return any value
---@return lambda.Error|nil err
function M.decode(svc, shape_name, text_or_element)
  return M.decoder.decode(svc, svc:shape(shape_name), nil, text_or_element)
end

return M
