--- The json protocol (awsJson 1.0 / 1.1: DynamoDB, KMS, SQS, CloudWatch
--- Logs, ...), as botocore's JSONSerializer and JSONParser speak it:
---   POST / with X-Amz-Target: <targetPrefix>.<Operation>, Content-Type:
---   application/x-amz-json-<jsonVersion>, the input structure as the JSON
---   body ("{}" for none); the answer's body is the output structure.
---   Errors: __type ("ns#Code" or "Code:url" trimmed to Code), message
---   or Message, x-amzn-requestid; awsQueryCompatible services also send
---   x-amzn-query-mode: true and answer x-amzn-query-error: Code;Type.
local json = require "lambda.json"
local body = require "lambda.aws.protocol.json_body"
local common = require "lambda.aws.protocol.common"
local http_status = require "lambda.aws.protocol.http_status"

local P = {}

--- (svc, op, params) -> req (protocol/common.lua's contract).
function P.build(svc, op, params)
  local meta = svc.metadata
  local headers = {
    ["x-amz-target"] = meta.targetPrefix .. "." .. op.name,
    ["content-type"] = "application/x-amz-json-" .. (meta.jsonVersion or "1.0"),
  }
  if meta.awsQueryCompatible then headers["x-amzn-query-mode"] = "true" end
  local text = "{}"
  if op.input and params ~= nil then
    text = body.encode(svc, op.input.shape, params)
  end
  return {
    method = op.http and op.http.method or "POST", path = "/", query = {},
    headers = headers, body = text,
    host_prefix = common.host_prefix(svc, op, params),
  }
end

-- The first member of an output shape that is an event stream, if any.
local function event_stream_member(svc, shape)
  for _, info in ipairs(body.plan(svc, shape).list) do
    if info.target.eventstream then return info end
  end
  return nil
end

--- (svc, op, res) -> the output value | nil, err.
function P.parse(svc, op, res)
  if not op.output then return {} end
  local shape = svc:shape(op.output.shape)
  local stream = event_stream_member(svc, shape)
  if stream then
    local out = {}
    out[stream.name] = require("lambda.aws.eventstream").stream(
      res.read, svc, stream.shape, P)
    return out
  end
  return body.decode(svc, shape, res.body)
end

--- (svc, shape or its name, bytes) -> the structure's value.
function P.parse_body(svc, shape, bytes)
  return body.decode(svc, shape, bytes)
end

-- The error body decoded: a table, or { message = text } for text that
-- is not a JSON object (botocore's _parse_body_as_json).
function P.error_body(text)
  if text == nil or text == "" then return {} end
  local value = json.decode(text)
  if type(value) ~= "table" then return { message = text } end
  return value
end

-- "aws.protocoltests#Code:http://..." -> "Code"
function P.trim_code(code)
  if type(code) ~= "string" then return code end
  code = code:match("^([^:]*)") or code
  return code:match("#([^#]*)$") or code
end

-- botocore's _do_query_compatible_error_parse: the query protocol's code.
function P.query_compatible(err, headers)
  local header = headers["x-amzn-query-error"]
  if not header then return end
  local code, kind = header:match("^([^;]*);([^;]*)$")
  if code and code ~= "" then
    err.fields = err.fields or {}
    err.fields.QueryErrorCode = err.code
    err.fields.Type = kind
    err.code = code
  end
end

local function text_or_nil(v)
  if v == nil or v == json.null or v == "" then return nil end
  return type(v) == "string" and v or tostring(v)
end

--- The error of a json / rest-json answer; code_of(body, res) may give
--- the code first (rest-json's x-amzn-errortype and code).
function P.error_of(svc, res, code_of)
  local headers = res.headers or {}
  local generic = http_status.generic(res)
  if generic then return generic end
  local decoded = P.error_body(res.body)
  local message = decoded.message
  if message == nil then message = decoded.Message end
  local code = decoded.__type
  if code == nil or code == json.null then code = tostring(res.status) end
  local err = { code = P.trim_code(code), message = text_or_nil(message),
    request_id = headers["x-amzn-requestid"] }
  P.query_compatible(err, headers)
  if code_of then
    local other = code_of(decoded, headers)
    if other ~= nil then err.code = P.trim_code(other) end
  end
  local shape = type(err.code) == "string" and P.error_shape(svc, err.code)
  if shape then
    local ok, fields = pcall(body.decode_value, svc, shape, decoded)
    if ok and type(fields) == "table" then
      err.fields = err.fields or {}
      for k, v in pairs(fields) do err.fields[k] = v end
    end
  end
  return err
end

--- The exception shape of an error code (botocore's shape_for_error_code),
--- or nil.
function P.error_shape(svc, code)
  return (svc:error_shape(code))
end

--- (svc, op, res) -> { code, message, request_id, fields }.
function P.parse_error(svc, op, res)
  return P.error_of(svc, res, nil)
end

return P
