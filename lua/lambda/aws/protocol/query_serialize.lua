--- The request of the query protocols (awsQuery and ec2), as botocore's
--- QuerySerializer and EC2Serializer make it: a POST of a form,
--- Action=<operation>&Version=<apiVersion>&<members>, each member under
--- its name (query: locationName; ec2: queryName, else locationName
--- capitalised), a list as Name.member.N (query; the member's
--- locationName for "member"; flattened: Name.N or the member's
--- locationName for Name) or Name.N (ec2, always), an empty list as
--- "Name=" (query) or nothing (ec2), a map as Name.entry.N.key /
--- Name.entry.N.value (flattened: Name.N.key; the key's and value's
--- locationNames), booleans true/false, timestamps ISO 8601 (unless the
--- member's timestampFormat says otherwise), blobs base64, floats as
--- Python writes them. Members go in the order of xml_body.member_order
--- (the model file's), a map's entries by sorted key.
local common = require "lambda.aws.protocol.common"
local xml_body = require "lambda.aws.protocol.xml_body"
local errors = require "lambda.errors"

local M = {}

local trait, absent = xml_body.trait, common.absent
local concat, sort = table.concat, table.sort
local format = string.format

-- An ordered form: { names..., [name] = value }; a name set again keeps
-- its place (a Python dict).
local function put(form, name, value)
  if form[name] == nil then form[#form + 1] = name end
  form[name] = value
end

local function serialized_name(mref, mshape, default, ec2)
  if ec2 then
    local q = trait(mref, mshape, "queryName")
    if q then return q end
    local name = trait(mref, mshape, "locationName")
    if name then return name:sub(1, 1):upper() .. name:sub(2) end
    return default
  end
  return trait(mref, mshape, "locationName") or default
end

local function join(prefix, name)
  return prefix == "" and name or prefix .. "." .. name
end

local serialize

local function structure(svc, shape, v, prefix, form, ec2, where)
  if type(v) ~= "table" then
    errors.raise(format("%s: a table expected, got %s", where, type(v)))
  end
  local members = shape.members or {}
  for k in pairs(v) do
    if members[k] == nil then
      errors.raise(format("%s: %s is not a member", where, tostring(k)))
    end
  end
  for _, name in ipairs(xml_body.member_order(shape)) do
    local mv = v[name]
    if not absent(mv) then
      local mref = members[name]
      local mshape = svc:shape(mref.shape)
      serialize(svc, mshape, mref, mv, join(prefix, serialized_name(mref, mshape, name, ec2)),
        form, ec2, where .. "." .. name)
    end
  end
end

local function check_list(v, where)
  if type(v) ~= "table" then
    errors.raise(format("%s: a list (table) expected, got %s", where, type(v)))
  end
  local n = #v
  for k in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > n then
      errors.raise(format("%s: a list (a sequence) expected", where))
    end
  end
  return n
end

local function list(svc, shape, ref, v, prefix, form, ec2, where)
  local n = check_list(v, where)
  local mref = shape.member
  local mshape = svc:shape(mref.shape)
  local list_prefix = prefix
  if not ec2 then
    if n == 0 then return put(form, prefix, "") end
    local name = trait(mref, mshape, "locationName")
    if trait(ref, shape, "flattened") then
      if name then list_prefix = (prefix:match("^(.*)%.[^.]*$") or "") end
      if name then list_prefix = join(list_prefix, name) end
    else
      list_prefix = prefix .. "." .. (name or "member")
    end
  end
  for i = 1, n do
    serialize(svc, mshape, mref, v[i], list_prefix .. "." .. i, form, ec2,
      where .. "[" .. i .. "]")
  end
end

local function map(svc, shape, ref, v, prefix, form, ec2, where)
  if type(v) ~= "table" then
    errors.raise(format("%s: a map (table) expected, got %s", where, type(v)))
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local full = trait(ref, shape, "flattened") and prefix or prefix .. ".entry"
  local kref, vref = shape.key, shape.value
  local kshape, vshape = svc:shape(kref.shape), svc:shape(vref.shape)
  local ksuffix = serialized_name(kref, kshape, "key", ec2)
  local vsuffix = serialized_name(vref, vshape, "value", ec2)
  for i, k in ipairs(keys) do
    local at = full .. "." .. i .. "."
    serialize(svc, kshape, kref, k, at .. ksuffix, form, ec2, where .. " key")
    serialize(svc, vshape, vref, v[k], at .. vsuffix, form, ec2, where .. "." .. tostring(k))
  end
end

function serialize(svc, shape, ref, v, prefix, form, ec2, where)
  local t = shape.type
  if t == "structure" then return structure(svc, shape, v, prefix, form, ec2, where) end
  if t == "list" then return list(svc, shape, ref, v, prefix, form, ec2, where) end
  if t == "map" then return map(svc, shape, ref, v, prefix, form, ec2, where) end
  put(form, prefix, xml_body.scalar_text(shape, ref, v, where, "iso8601"))
end

--- The form's fields in order: { {name, value}, ... }.
function M.fields(svc, op, params, ec2)
  local form = {}
  put(form, "Action", op.name)
  put(form, "Version", svc.metadata.apiVersion)
  local shape = common.input_shape(svc, op)
  if shape and params ~= nil then
    serialize(svc, shape, op.input, params, "", form, ec2,
      ("lambda.aws.%s:%s"):format(svc.name, op.name))
  end
  local out = {}
  for i, name in ipairs(form) do out[i] = { name, form[name] } end
  return out
end

local function plus_encode(s)
  return (s:gsub("[^%w_.~-]", function(c)
    if c == " " then return "+" end
    return format("%%%02X", c:byte())
  end))
end

--- name=value&... as Python's urlencode writes a form (botocore's body).
function M.form_encode(fields)
  local parts = {}
  for i, f in ipairs(fields) do
    parts[i] = plus_encode(f[1]) .. "=" .. plus_encode(f[2])
  end
  return concat(parts, "&")
end

M.CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"

--- P.build for query (ec2 false) and ec2 (true).
function M.build(svc, op, params, ec2)
  return {
    method = op.http and op.http.method or "POST",
    path = "/",
    query = {},
    headers = { ["content-type"] = M.CONTENT_TYPE },
    body = M.form_encode(M.fields(svc, op, params, ec2)),
    host_prefix = common.host_prefix(svc, op, params),
  }
end

return M
