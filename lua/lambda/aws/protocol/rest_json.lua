--- The rest-json protocol (Lambda, API Gateway, SES v2, Bedrock, ...):
--- rest.lua's HTTP binding with JSON bodies (json_body.lua), as
--- botocore's RestJSONSerializer and RestJSONParser speak it. A body
--- member, or an input with members meant for the body, sends a JSON
--- object ("{}" at least) with Content-Type: application/json; errors
--- take their code from x-amzn-errortype, else the body's code / Code,
--- else __type (trimmed of "ns#" and ":url"), else the status.
local json = require "lambda.json"
local rest = require "lambda.aws.protocol.rest"
local json_body = require "lambda.aws.protocol.json_body"
local json_protocol = require "lambda.aws.protocol.json"

local codec = {
  encode = function(svc, shape, value) return json_body.encode(svc, shape, value) end,
  decode = json_body.decode,
  empty_payload = "{}",
  content_type = "application/json",
  header_boolean = function(text) return text:lower() == "true" end,
}

-- botocore's RestJSONSerializer._requires_empty_body: a member that has
-- no location goes in the body, so the body is "{}" at least.
function codec.requires_empty(svc, shape)
  for _, info in ipairs(json_body.plan(svc, shape).list) do
    if not info.location then return true end
  end
  return false
end

local P = rest.protocol(codec)

local function code_of(decoded, headers)
  local code = headers["x-amzn-errortype"]
  if code ~= nil then return code end
  code = decoded.code
  if code == nil then code = decoded.Code end
  if code == json.null then return nil end
  return code
end

--- (svc, op, res) -> { code, message, request_id, fields }.
function P.parse_error(svc, op, res)
  return json_protocol.error_of(svc, res, code_of)
end

return P
