--- The smithy-rpc-v2-cbor protocol (CloudWatch, GameLift, ARC Region
--- switch...), as botocore's RpcV2CBORSerializer and RpcV2CBORParser
--- speak it: every call a POST to /service/<targetPrefix>/operation/<Op>
--- with "smithy-protocol: rpc-v2-cbor", the input structure as one CBOR
--- map (lambda.aws.cbor), the answer one CBOR map read by the output
--- shape, an error's code from __type (and x-amzn-query-error for a
--- query-compatible service).
---
--- The module contract (P.build, P.parse, P.parse_error, P.parse_body) is
--- the one every lambda.aws protocol keeps (lambda.aws.protocol.common).
local cbor = require "lambda.aws.cbor"
local common = require "lambda.aws.protocol.common"
local errors = require "lambda.errors"
local json = require "lambda.json"

local P = {}

local absent = common.absent
local mtype = math.type
local null = json.null

-- Building ---------------------------------------------------------------

local encode

local function wrong(ctx, where, expected, value)
  errors.raise(("lambda.aws.%s:%s: %s must be %s, got %s"):format(
    ctx.svc.name, ctx.op, where, expected,
    type(value) == "string" and ("%q"):format(value) or type(value)))
end

local function member_list(ctx, shape, value, where)
  local members = shape.members or {}
  local list = {}
  for name, v in pairs(value) do
    if not absent(v) then
      local ref = members[name]
      if ref == nil then
        errors.raise(("lambda.aws.%s:%s: %s has no member %s"):format(
          ctx.svc.name, ctx.op, where, tostring(name)))
      end
      list[#list + 1] = { ref.locationName or name, name, ref }
    end
  end
  table.sort(list, function(a, b) return a[1] < b[1] end)
  return list
end

-- A structure: its members that are not absent, in the order of their
-- names on the wire (botocore keeps the caller's dict order; a Lua table
-- has none, so the bytes are made deterministic this way).
local function encode_structure(ctx, w, shape, value, where)
  if type(value) ~= "table" then wrong(ctx, where, "a table", value) end
  local list = member_list(ctx, shape, value, where)
  w:head(5, #list)
  for _, m in ipairs(list) do
    w:text(m[1])
    encode(ctx, w, m[3], value[m[2]], where .. "." .. m[2])
  end
end

local function encode_list(ctx, w, shape, value, where)
  if type(value) ~= "table" then wrong(ctx, where, "a list (table)", value) end
  local n = #value
  w:head(4, n)
  for i = 1, n do
    local v = value[i]
    if absent(v) then w:null() else
      encode(ctx, w, shape.member, v, ("%s[%d]"):format(where, i))
    end
  end
end

local function encode_map(ctx, w, shape, value, where)
  if type(value) ~= "table" then wrong(ctx, where, "a map (table)", value) end
  local keys = {}
  for k in pairs(value) do
    if type(k) ~= "string" then wrong(ctx, where .. " key", "a string", k) end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  w:head(5, #keys)
  for _, k in ipairs(keys) do
    w:text(k)
    local v = value[k]
    if absent(v) then w:null() else
      encode(ctx, w, shape.value, v, ("%s[%q]"):format(where, k))
    end
  end
end

local function encode_integer(ctx, w, value, where)
  local n = math.tointeger(value)
  if n == nil then wrong(ctx, where, "an integer", value) end
  w:integer(n)
end

local function encode_number(ctx, w, shape, value, where)
  if type(value) ~= "number" then wrong(ctx, where, "a number", value) end
  if shape.type == "double" then
    w:float64(value + 0.0)
  elseif not w:float32(value + 0.0) then
    wrong(ctx, where, "a number in single precision's range", value)
  end
end

-- One value by its member ref (or shape ref) ref.
function encode(ctx, w, ref, value, where)
  local shape = ctx.svc:shape(ref.shape)
  local t = shape.type
  if t == "structure" then
    encode_structure(ctx, w, shape, value, where)
  elseif t == "list" then
    encode_list(ctx, w, shape, value, where)
  elseif t == "map" then
    encode_map(ctx, w, shape, value, where)
  elseif t == "string" then
    if type(value) ~= "string" then wrong(ctx, where, "a string", value) end
    w:text(value)
  elseif t == "blob" then
    if type(value) ~= "string" then wrong(ctx, where, "a string of bytes", value) end
    w:bytes(value)
  elseif t == "boolean" then
    if type(value) ~= "boolean" then wrong(ctx, where, "a boolean", value) end
    w:boolean(value)
  elseif t == "integer" or t == "long" then
    encode_integer(ctx, w, value, where)
  elseif t == "float" or t == "double" then
    encode_number(ctx, w, shape, value, where)
  elseif t == "timestamp" then
    w:timestamp(common.timestamp_in(value, ("lambda.aws.%s:%s: %s"):format(
      ctx.svc.name, ctx.op, where)))
  else
    w:raw(cbor.encode(value))  -- a document: the Lua value as it is
  end
end

--- The request botocore's RpcV2CBORSerializer makes for op with params.
function P.build(svc, op, params)
  local headers = { ["smithy-protocol"] = "rpc-v2-cbor" }
  local body
  if op.input then
    local w = cbor.writer()
    encode({ svc = svc, op = op.name }, w, op.input, params or {}, op.input.shape)
    body = w:result()
  end
  local output = op.output and svc:shape(op.output.shape)
  local accept = "application/cbor"
  if output and P.event_stream_member(svc, output) then
    accept = "application/vnd.amazon.eventstream"
  end
  headers.accept = accept
  if body and body ~= "" then headers["content-type"] = accept end
  if svc.metadata.awsQueryCompatible then headers["x-amzn-query-mode"] = "true" end
  return {
    method = "POST",
    path = "/service/" .. svc.metadata.targetPrefix .. "/operation/" .. op.name,
    query = {},
    headers = headers,
    body = body,
    host_prefix = common.host_prefix(svc, op, params),
  }
end

-- Parsing ----------------------------------------------------------------

local function parse_error_value(message)
  return errors.new("cbor", message, { code = "DecodeError" })
end

local convert

local function convert_structure(svc, shape, node, name)
  local members = shape.members or {}
  if shape.union then
    local n = 0
    for k in pairs(node) do if k ~= "__type" then n = n + 1 end end
    if n ~= 1 then
      error(parse_error_value(("Invalid service response: %s must have one and "
        .. "only one member set."):format(name)), 0)
    end
  end
  local out = {}
  for name, ref in pairs(members) do
    local v = node[name]
    if v ~= nil then out[name] = convert(svc, ref, v) end
  end
  return out
end

local function convert_list(svc, shape, node)
  local out = {}
  for i = 1, #node do
    local v = node[i]
    out[i] = v == null and null or convert(svc, shape.member, v)
  end
  return json.array(out)
end

-- A decoded node by the shape ref ref, as botocore's RpcV2CBORParser
-- walks it: structures by member name, lists item by item; a map and
-- every scalar as decoded (botocore has no map handler here), but
-- float/double as floats and a timestamp given as text read as one.
function convert(svc, ref, node)
  local shape = svc:shape(ref.shape)
  local t = shape.type
  if t == "structure" then
    if type(node) == "table" then return convert_structure(svc, shape, node, ref.shape) end
  elseif t == "list" then
    if type(node) == "table" then return convert_list(svc, shape, node) end
  elseif t == "float" or t == "double" then
    if mtype(node) == "integer" then return node + 0.0 end
  elseif t == "timestamp" then
    if type(node) == "string" then return common.parse_timestamp(node) or node end
  end
  return node
end

local function shape_ref(shape)
  if type(shape) == "string" then return { shape = shape } end
  return shape
end

-- bytes -> the value of the structure ref names; raises an error value.
local function decode_as(svc, ref, bytes)
  if bytes == nil or bytes == "" then return {} end
  local node, err = cbor.decode(bytes)
  if err then error(err, 0) end
  return convert(svc, ref, node)
end

local function protect(f, ...)
  local ok, value = pcall(f, ...)
  if ok then return value end
  if errors.is(value) then return nil, value end
  error(value, 0)
end

--- The event stream member of a structure shape (its name and ref), or
--- nil when it has none.
function P.event_stream_member(svc, shape)
  for name, ref in pairs(shape.members or {}) do
    if svc:shape(ref.shape).eventstream then return name, ref end
  end
end

--- A structure shape (its name, or a shape ref {shape = name}) decoded
--- from CBOR bytes: the value, or nil and an error value (kind "cbor").
function P.parse_body(svc, shape, bytes)
  return protect(decode_as, svc, shape_ref(shape), bytes)
end

--- A 2xx answer read by op's output shape, as botocore's parser reads it
--- (less ResponseMetadata). An output with an event stream member is
--- refused: no smithy-rpc-v2-cbor service has one.
function P.parse(svc, op, res)
  if not op.output then return {} end
  local output = svc:shape(op.output.shape)
  if P.event_stream_member(svc, output) then
    return nil, errors.new("cbor", ("lambda.aws.%s:%s: event streams over "
      .. "smithy-rpc-v2-cbor are not supported"):format(svc.name, op.name))
  end
  return protect(decode_as, svc, op.output, res.body)
end

-- http.client.responses' phrases for the 5xx codes botocore names when
-- an error has no body.
local REASONS = {
  [500] = "Internal Server Error", [501] = "Not Implemented",
  [502] = "Bad Gateway", [503] = "Service Unavailable",
  [504] = "Gateway Timeout", [505] = "HTTP Version Not Supported",
  [506] = "Variant Also Negotiates", [507] = "Insufficient Storage",
  [508] = "Loop Detected", [510] = "Not Extended",
  [511] = "Network Authentication Required",
}

-- The exception shape's name for an error code (botocore's
-- shape_for_error_code: lambda.aws.model's error_shape), or nil.
local function shape_for_error_code(svc, code)
  local _, name = svc:error_shape(code)
  return name
end

local function error_code(body, status, headers, out)
  local code = body.__type
  if type(code) ~= "string" then code = tostring(status) end
  code = code:match("^([^:]*)") or code
  code = code:match("#([^#]*)$") or code
  local query = headers["x-amzn-query-error"]
  if query then
    local qcode, qtype = query:match("^([^;]+);([^;]*)$")
    if qcode then
      out.query_error_code, out.type = code, qtype
      code = qcode
    end
  end
  return code
end

--- A non-2xx answer: { code, message, request_id, fields } as botocore
--- reads Error.Code / Error.Message / RequestId (fields: the body read
--- by the modeled exception shape of that code, when the model has it;
--- query_error_code and type from x-amzn-query-error).
function P.parse_error(svc, op, res)
  local headers, body = res.headers or {}, res.body or ""
  local out = { request_id = headers["x-amzn-requestid"] }
  local status = res.status
  local trimmed = body:match("^%s*(.-)%s*$")
  if status >= 500 and (trimmed == "" or trimmed:sub(1, 6) == "<html>") then
    out.code, out.message = tostring(status), REASONS[status] or ""
    return out
  end
  local node = body ~= "" and cbor.decode(body) or nil
  if type(node) ~= "table" then node = {} end
  local message = node.message
  if message == nil then message = node.Message end
  out.message = message == nil and "" or message
  out.code = error_code(node, status, headers, out)
  local shape = shape_for_error_code(svc, out.code)
  if shape then
    out.fields = P.parse_body(svc, shape, body)
  end
  return out
end

return P
