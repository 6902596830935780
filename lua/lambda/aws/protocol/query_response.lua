--- The answers of the query protocols (awsQuery and ec2), as botocore's
--- QueryParser and EC2QueryParser read them.
---
--- awsQuery:  <OpResponse><OpResult>...</OpResult>
---              <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata>
---            </OpResponse>   (the output's resultWrapper names OpResult)
---   errors:  <ErrorResponse><Error><Type/><Code/><Message/></Error>
---              <RequestId>id</RequestId></ErrorResponse>
--- ec2:       <OpResponse><requestId>id</requestId>...</OpResponse>
---   errors:  <Response><Errors><Error><Code/><Message/></Error></Errors>
---              <RequestID>id</RequestID></Response>
local xml = require "lambda.aws.xml"
local decode = require "lambda.aws.protocol.xml_decode"
local errors = require "lambda.errors"

local M = {}

local function decode_error(err)
  return errors.new("xml", "the answer is not XML: " .. err.message,
    { code = "DecodeError", line = err.line, column = err.column })
end

--- P.parse: the output's value (ResponseMetadata left out).
function M.parse(svc, op, res, flavor)
  local ref = op.output
  if not ref then return {} end
  local shape = svc:shape(ref.shape)
  local root, err = xml.parse(res.body or "")
  if not root then return nil, decode_error(err) end
  local start = root
  local wrapper = ref.resultWrapper or shape.resultWrapper
  if wrapper then
    start = decode.by_name(root)[wrapper]
    -- botocore fails on an answer without it; it is read as empty here
    if start == nil then return {} end
  end
  return decode.decode(svc, shape, ref, start, flavor)
end

--- P.parse_body: a structure of shape from an XML body.
function M.parse_body(svc, shape, bytes, flavor)
  local shape_table = type(shape) == "string" and svc:shape(shape) or shape
  return decode.decode(svc, shape_table, nil, bytes, flavor)
end

-- botocore's _replace_nodes: children by name -> their text, or the
-- same for their children (a repeated name: the first).
local function text_dict(el)
  local out = {}
  for name, node in pairs((decode.by_name(el))) do
    local first = node.name and node or node[1]
    if #first > 0 then
      out[name] = text_dict(first)
    else
      out[name] = first.text
    end
  end
  return out
end

local REASONS = {
  [500] = "Internal Server Error", [501] = "Not Implemented",
  [502] = "Bad Gateway", [503] = "Service Unavailable",
  [504] = "Gateway Timeout", [505] = "HTTP Version Not Supported",
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden",
  [404] = "Not Found", [405] = "Method Not Allowed", [408] = "Request Timeout",
  [409] = "Conflict", [413] = "Request Entity Too Large",
  [429] = "Too Many Requests",
}

-- The exception shape botocore's shape_for_error_code finds for code (its
-- error.code, else its name): lambda.aws.model's error_shape.
local function error_shape(svc, code)
  return (svc:error_shape(code))
end

local function generic(status)
  return { code = tostring(status), message = REASONS[status] or "" }
end

--- P.parse_error: { code, message, request_id, fields } (fields: the
--- modeled error's members, when the code names one).
function M.parse_error(svc, op, res, flavor)
  local status, body = res.status, res.body or ""
  local trimmed = body:match("^%s*(.-)%s*$")
  if status >= 500 and (trimmed == "" or trimmed:sub(1, 6) == "<html>") then
    return generic(status)
  end
  local root = xml.parse(body)
  if not root then return generic(status) end
  local dict = text_dict(root)
  local e = dict.Error
  if type(dict.Errors) == "table" and dict.Errors.Error ~= nil then e = dict.Errors.Error end
  e = type(e) == "table" and e or {}
  local request_id = dict.RequestId
  if flavor == "ec2" and dict.RequestID ~= nil then request_id = dict.RequestID end
  local code = type(e.Code) == "string" and e.Code or tostring(status)
  local out = { code = code, message = type(e.Message) == "string" and e.Message or nil,
    request_id = type(request_id) == "string" and request_id or nil }
  local eshape = error_shape(svc, code)
  if eshape then
    out.fields = decode.decode(svc, eshape, nil, root, flavor)
  end
  return out
end

return M
