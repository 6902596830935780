--- The HTTP binding rest-json and rest-xml share (botocore's
--- BaseRestSerializer / BaseRestParser); the body format is a codec:
---   codec.encode(svc, shape_name, value, root_name, xml_namespace) -> text
---   codec.decode(svc, shape_name, text) -> value | nil, err
---   codec.empty_payload   the body when the payload member is absent
---   codec.requires_empty(svc, shape) -> whether an input without body
---                         members still sends codec.empty_payload
---   codec.content_type    set on a structured body (nil: none)
---   codec.header_boolean(text) -> boolean
--- Request: the requestUri's {Label} and greedy {Key+} labels
--- (percent-encoded, "/" kept in a greedy one), its own ?query, the
--- querystring members (scalars, lists, a map of strings or of lists),
--- header and headers (prefix) members, a payload member (a blob or
--- string raw, a structure through the codec), the other members as the
--- body. Response: statusCode, header and prefix headers members, the
--- payload member (raw, through the codec, or an event stream), or the
--- whole body through the codec.
local json = require "lambda.json"
local common = require "lambda.aws.protocol.common"
local json_body = require "lambda.aws.protocol.json_body"
local errors = require "lambda.errors"

local M = {}

local null = json.null
local plan_of = json_body.plan
local format_timestamp, timestamp_in = common.format_timestamp, common.timestamp_in
local precision_of = json_body.precision
local floor, mtype = math.floor, math.type

M.float_text = json_body.float_text
local float_text = M.float_text

local function number_text(v)
  if mtype(v) == "float" then return float_text(v) end
  return tostring(v)
end

local function escape_byte(c)
  return ("%%%02X"):format(c:byte())
end

--- Percent-encoding as botocore's percent_encode (RFC 3986 unreserved
--- kept; "/" too when greedy).
function M.uri_encode(text, greedy)
  if greedy then return (text:gsub("[^%w%-%._~/]", escape_byte)) end
  return (text:gsub("[^%w%-%._~]", escape_byte))
end

local function bad(svc, where, want, value)
  errors.raise(("lambda.aws.%s: %s must be %s, got %s"):format(
    svc.name, where, want, type(value)))
end

-- A uri or querystring value as text (botocore's
-- _get_uri_and_query_string_value).
local function uri_value(svc, info_or_shape, value, where, format)
  local t = info_or_shape.type
  if t == "boolean" then
    if type(value) ~= "boolean" then bad(svc, where, "a boolean", value) end
    return value and "true" or "false"
  elseif t == "timestamp" then
    local text = format_timestamp(timestamp_in(value, where),
      format or info_or_shape.timestampFormat or "iso8601", precision_of(svc))
    return type(text) == "number" and number_text(text) or text
  elseif t == "float" or t == "double" then
    if type(value) ~= "number" then bad(svc, where, "a number", value) end
    return float_text(value + 0.0)
  elseif type(value) == "number" then
    return number_text(value)
  elseif type(value) ~= "string" then
    bad(svc, where, "a string", value)
  end
  return value
end

local function escape_list_item(v)
  if v:find('[",]') then return '"' .. v:gsub('"', '\\"') .. '"' end
  return v
end

-- A header member's value as text (botocore's _convert_header_value).
local function header_value(svc, shape, ref, value, where)
  local t = shape.type
  if t == "timestamp" then
    local whole = floor(timestamp_in(value, where))
    local text = format_timestamp(whole, ref.timestampFormat
      or shape.timestampFormat or "rfc822", precision_of(svc))
    return type(text) == "number" and number_text(text) or text
  elseif t == "list" then
    if type(value) ~= "table" then bad(svc, where, "a list", value) end
    local member = svc:shape(shape.member.shape)
    local parts = {}
    for i = 1, #value do
      local v = value[i]
      if member.type == "string" then
        if type(v) ~= "string" then bad(svc, where, "a list of strings", v) end
        parts[#parts + 1] = escape_list_item(v)
      else
        parts[#parts + 1] = header_value(svc, member, shape.member, v, where)
      end
    end
    return table.concat(parts, ",")
  elseif ref.jsonvalue or shape.jsonvalue then
    return common.base64_encode(json.encode(value))
  elseif t == "boolean" then
    if type(value) ~= "boolean" then bad(svc, where, "a boolean", value) end
    return value and "true" or "false"
  elseif t == "float" or t == "double" then
    if type(value) ~= "number" then bad(svc, where, "a number", value) end
    return float_text(value + 0.0)
  elseif type(value) == "number" then
    return number_text(value)
  elseif type(value) ~= "string" then
    bad(svc, where, "a string", value)
  end
  return value
end

-- requestUri -> its path template and its own query pairs.
local templates = {}
local function template_of(uri)
  local t = templates[uri]
  if t then return t end
  local path, query = uri:match("^([^?]*)%??(.*)$")
  local pairs_ = {}
  for part in query:gmatch("[^&]+") do
    local k, v = part:match("^([^=]*)=(.*)$")
    pairs_[#pairs_ + 1] = { k or part, v or "" }
  end
  t = { path = path, query = pairs_ }
  templates[uri] = t
  return t
end

local function render_path(svc, op, path, labels)
  return (path:gsub("{([^}]+)}", function(label)
    local greedy = label:sub(-1) == "+"
    local name = greedy and label:sub(1, -2) or label
    local value = labels[name]
    if value == nil or value == "" then
      errors.raise(("lambda.aws.%s:%s: %s is required (it is part of the "
        .. "request's path)"):format(svc.name, op.name, name))
    end
    return M.uri_encode(value, greedy)
  end))
end

local function add_query(svc, query, info, value)
  local target = info.target
  if target.type == "map" then
    if type(value) ~= "table" then bad(svc, info.name, "a table", value) end
    for k, v in pairs(value) do
      if type(v) == "table" then
        for i = 1, #v do query[#query + 1] = { k, v[i] } end
      elseif v ~= null then
        query[#query + 1] = { k, v }
      end
    end
  elseif target.type == "list" then
    if type(value) ~= "table" then bad(svc, info.name, "a list", value) end
    local member = svc:shape(target.member.shape)
    local fmt = target.member.timestampFormat
    for i = 1, #value do
      query[#query + 1] = { info.wire, uri_value(svc, member, value[i], info.name, fmt) }
    end
  else
    query[#query + 1] = { info.wire, uri_value(svc, target, value, info.name, info.format) }
  end
end

local function add_header(svc, headers, info, value)
  local target = info.target
  if target.type == "list" and next(value) == nil then return end
  headers[info.wire:lower()] = header_value(svc, target, info.ref, value, info.name)
end

local function add_prefix_headers(svc, headers, info, value)
  if type(value) ~= "table" then bad(svc, info.name, "a table", value) end
  local prefix = info.wire
  for k, v in pairs(value) do
    if v ~= null then headers[(prefix .. k):lower()] = v end
  end
end

-- The body: the payload member or the members left for it.
local function build_body(svc, op, shape, params, rest, codec)
  local payload = shape.payload
  if payload then
    local info = plan_of(svc, shape).by_name[payload]
    local value = params[payload]
    local t = info.target.type
    if t == "blob" or t == "string" then
      if value == nil or value == null then return "", true end
      if type(value) ~= "string" then bad(svc, payload, "a string", value) end
      return value, true
    end
    if value == nil or value == null then return codec.empty_payload, false end
    return codec.encode(svc, info.shape, value,
      info.ref.locationName or info.target.locationName,
      info.ref.xmlNamespace or info.target.xmlNamespace), false
  elseif next(rest) ~= nil then
    local ref = op.input
    return codec.encode(svc, ref.shape, rest, ref.locationName or shape.locationName,
      ref.xmlNamespace or shape.xmlNamespace), false
  elseif codec.requires_empty(svc, shape) then
    return codec.empty_payload, false
  end
  return "", false
end

--- (svc, op, params, codec) -> req.
function M.build(svc, op, params, codec)
  local http = op.http or {}
  local template = template_of(http.requestUri or "/")
  local query = {}
  for i, p in ipairs(template.query) do query[i] = { p[1], p[2] } end
  local headers = {}
  local req = { method = http.method or "POST", query = query,
    headers = headers, host_prefix = common.host_prefix(svc, op, params) }
  if not op.input then
    req.path = template.path
    return req
  end
  params = params or {}
  local shape = svc:shape(op.input.shape)
  local by_name = plan_of(svc, shape).by_name
  local labels, rest = {}, {}
  for k, v in pairs(params) do
    if v ~= null then
      local info = by_name[k]
      if not info then
        errors.raise(("lambda.aws.%s:%s: no parameter %s"):format(
          svc.name, op.name, tostring(k)))
      end
      local location = info.location
      if location == "uri" then
        labels[info.wire] = uri_value(svc, info.target, v, k, info.format)
      elseif location == "querystring" then
        add_query(svc, query, info, v)
      elseif location == "header" then
        add_header(svc, headers, info, v)
      elseif location == "headers" then
        add_prefix_headers(svc, headers, info, v)
      else
        rest[k] = v
      end
    end
  end
  req.path = render_path(svc, op, template.path, labels)
  local body, streaming = build_body(svc, op, shape, params, rest, codec)
  req.body = body
  if codec.content_type and not streaming and body ~= ""
      and headers["content-type"] == nil then
    headers["content-type"] = codec.content_type
  end
  return req
end

-- A header's text -> the member's value (botocore's header handlers).
local function header_parse(svc, shape, ref, text, codec)
  local t = shape.type
  if t == "string" then
    if ref.jsonvalue or shape.jsonvalue then
      return json.decode(common.base64_decode(text) or "")
    end
    return text
  elseif t == "list" then
    local member = svc:shape(shape.member.shape)
    local out = {}
    for item in (text .. ","):gmatch("([^,]*),") do
      out[#out + 1] = header_parse(svc, member, shape.member,
        item:match("^%s*(.-)%s*$"), codec)
    end
    return out
  elseif t == "boolean" then
    return codec.header_boolean(text)
  elseif t == "integer" or t == "long" then
    return math.tointeger(tonumber(text))
  elseif t == "float" or t == "double" then
    local n = tonumber(text)
    return n and n + 0.0
  elseif t == "timestamp" then
    return common.parse_timestamp(text)
  elseif t == "blob" then
    return common.base64_decode(text)
  end
  return text
end

local function prefix_headers(headers, prefix)
  prefix = prefix:lower()
  local out, n = {}, #prefix
  for name, value in pairs(headers) do
    if name:sub(1, n) == prefix then out[name:sub(n + 1)] = value end
  end
  return out
end

local function parse_payload(svc, op, shape, res, out, codec, P)
  local payload = shape.payload
  local text = res.body or ""
  if payload then
    local info = plan_of(svc, shape).by_name[payload]
    local target = info.target
    if target.eventstream then
      out[payload] = require("lambda.aws.eventstream").stream(
        res.read, svc, info.shape, P)
    elseif target.type == "blob" or target.type == "string" then
      out[payload] = text
    else
      local value, err = codec.decode(svc, info.shape, text)
      if err then return nil, err end
      out[payload] = value
    end
    return out
  end
  if text == "" then return out end
  local value, err = codec.decode(svc, op.output.shape, text)
  if err then return nil, err end
  for k, v in pairs(value) do out[k] = v end
  return out
end

--- (svc, op, res, codec, P) -> the output value | nil, err.
function M.parse(svc, op, res, codec, P)
  local out = {}
  if not op.output then return out end
  local shape = svc:shape(op.output.shape)
  local headers = res.headers or {}
  for _, info in ipairs(plan_of(svc, shape).list) do
    local location = info.location
    if location == "statusCode" then
      out[info.name] = res.status
    elseif location == "headers" then
      out[info.name] = prefix_headers(headers,
        info.ref.locationName or info.target.locationName or "")
    elseif location == "header" then
      local text = headers[info.wire:lower()]
      if text ~= nil then
        out[info.name] = header_parse(svc, info.target, info.ref, text, codec)
      end
    end
  end
  return parse_payload(svc, op, shape, res, out, codec, P)
end

--- A REST protocol's module over a body codec (rest_json, rest_xml):
--- build, parse and parse_body; the protocol adds its parse_error.
function M.protocol(codec)
  local P = {}
  --- (svc, op, params) -> req.
  function P.build(svc, op, params) return M.build(svc, op, params, codec) end
  --- (svc, op, res) -> the output value | nil, err.
  function P.parse(svc, op, res) return M.parse(svc, op, res, codec, P) end
  --- (svc, shape or its name, bytes) -> the structure's value.
  function P.parse_body(svc, shape, bytes) return codec.decode(svc, shape, bytes) end
  return P
end

return M
