--- The rest-xml protocol (S3, Route 53, CloudFront, S3 Control): rest.lua's
--- HTTP binding with XML bodies (lambda.aws.protocol.xml_body), as
--- botocore's RestXMLSerializer and RestXMLParser speak it. No
--- Content-Type is set. Errors: S3's <Error><Code/><Message/></Error>
--- (request id from x-amz-request-id), the others'
--- <ErrorResponse><Error>...</Error><RequestId/></ErrorResponse>, and a
--- body that has neither: the status and its reason phrase.
local rest = require "lambda.aws.protocol.rest"
local xml_body = require "lambda.aws.protocol.xml_body"
local http_status = require "lambda.aws.protocol.http_status"

local codec = {
  encode = function(svc, shape_name, value, root_name, xml_namespace)
    return xml_body.encode(svc, shape_name, value, root_name, xml_namespace)
  end,
  decode = function(svc, shape_name, text)
    if text == nil or text == "" then return {} end
    return xml_body.decode(svc, shape_name, text)
  end,
  empty_payload = "",
  requires_empty = function() return false end,
  content_type = nil,
  header_boolean = function(text) return text == "true" end,
}

local P = rest.protocol(codec)

local ENTITIES = { lt = "<", gt = ">", amp = "&", quot = '"', apos = "'" }

local function unescape(text)
  return (text:gsub("&(#?x?)(%w+);", function(kind, name)
    if kind == "" then return ENTITIES[name] end
    local code = tonumber(name, kind == "#x" and 16 or 10)
    return code and utf8.char(code)
  end))
end

-- The text of the first <name> element in xml (leaf elements: Code,
-- Message, RequestId), "" for <name/>, nil when there is none.
local function leaf(xml, name)
  local text = xml:match("<" .. name .. "%s*>(.-)</" .. name .. "%s*>")
  if text then return unescape(text) end
  if xml:find("<" .. name .. "%s*/>") then return "" end
  return nil
end

local function nonempty(v)
  if v == "" then return nil end
  return v
end

--- (svc, op, res) -> { code, message, request_id, fields }.
function P.parse_error(svc, op, res)
  local generic = http_status.generic(res)
  if generic then return generic end
  local headers = res.headers or {}
  local body = res.body or ""
  local root = body:match("^%s*<%?.-%?>%s*<([%w_:%-]+)") or body:match("^%s*<([%w_:%-]+)")
  if not root then
    return { code = tostring(res.status), message = http_status.reason(res.status),
      request_id = nonempty(headers["x-amz-request-id"]) }
  end
  if root == "Error" then
    return { code = leaf(body, "Code") or "", message = nonempty(leaf(body, "Message")),
      request_id = headers["x-amzn-requestid"] or headers["x-amz-request-id"] }
  end
  local inner = body:match("<Error%s*>(.-)</Error%s*>") or ""
  -- the RequestId beside <Error>, not one inside it
  local outside = body:gsub("<Error%s*>.-</Error%s*>", "", 1)
  return { code = leaf(inner, "Code") or "", message = nonempty(leaf(inner, "Message")),
    request_id = nonempty(leaf(outside, "RequestId")) }
end

return P
