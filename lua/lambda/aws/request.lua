--- aws.request: one AWS API call, signed, sent with lambda.fetch, retried
--- as the SDKs do (lambda.aws.retry: "standard" mode by default, up to 3
--- attempts, exponential backoff with full jitter, on throttling,
--- 500/502/503/504 and broken connections, a retry quota per service),
--- and never past the invocation's deadline.
---
--- Endpoints: https://{prefix}.{region}.amazonaws.com, or AWS_ENDPOINT_URL
--- and AWS_ENDPOINT_URL_<SERVICE> as the SDKs read them (LocalStack).
local fetch = require "lambda.fetch"
local json = require "lambda.json"
local errors = require "lambda.errors"
local options = require "lambda.aws.options"
local sign = require "lambda.aws.sign"
local sigv4 = require "lambda.sigv4"

local M = {}

local retry = require "lambda.aws.retry"

-- What aws.request reads of its table (options.lua).
local FIELDS = {
  service = "string!", region = "string", endpoint_prefix = "string",
  signing_name = "string", endpoint = "string", service_id = "string",
  method = "string", path = "string", query = "table|string",
  headers = "table", body = "string|function|table", target = "string",
  json_version = "string", timeout = "number", raw = "boolean",
  max_body = "number", max_attempts = "number",
}

--- The endpoint (scheme://host[:port], no trailing slash) for a service:
--- AWS_ENDPOINT_URL_<ID> (the service id upper-cased, '-' and ' ' as
--- '_'), then AWS_ENDPOINT_URL, then AWS's own; and whether it is custom.
function M.endpoint(service_id, prefix, region)
  local env = "AWS_ENDPOINT_URL_" .. service_id:upper():gsub("[%- ]", "_")
  local custom = os.getenv(env)
  if not custom or custom == "" then custom = os.getenv("AWS_ENDPOINT_URL") end
  if custom and custom ~= "" then
    return (custom:gsub("/+$", "")), true
  end
  local suffix = region:match("^cn%-") and "amazonaws.com.cn" or "amazonaws.com"
  return ("https://%s.%s.%s"):format(prefix, region, suffix), false
end

--- Encodes a query table ({name = value or {values}}) as SigV4 wants
--- it on the wire, sorted; or passes a string through.
function M.encode_query(query)
  if query == nil then return "" end
  if type(query) == "string" then return query end
  local parts = {}
  for name, value in pairs(query) do
    if value == json.null then value = {} end  -- absent
    local values = type(value) == "table" and value or { value }
    for _, v in ipairs(values) do
      parts[#parts + 1] = sigv4.uri_encode(tostring(name)) .. "="
        .. sigv4.uri_encode(tostring(v))
    end
  end
  table.sort(parts)
  return table.concat(parts, "&")
end

local function header_of(res, name)
  return res.headers and res.headers[name]
end

-- The error code, message and request id of a failed response: JSON
-- (__type / code / message), the x-amzn-ErrorType header, or XML (S3).
local function parse_error(res)
  local code = header_of(res, "x-amzn-errortype")
  local message
  local body = res.body or ""
  local doc = body:match("^%s*{") and json.decode(body)
  if type(doc) == "table" then
    code = doc.__type or doc.code or doc.Code or code
    message = doc.message or doc.Message or doc.errorMessage
  elseif body:match("^%s*<") then
    code = body:match("<Code>(.-)</Code>") or code
    message = body:match("<Message>(.-)</Message>")
  end
  if type(code) == "string" then
    code = code:gsub(":.*$", ""):gsub("^.*#", "")  -- "ns#Code:http://..."
  end
  if not code or code == "" then code = "HTTP" .. tostring(res.status) end
  local request_id = header_of(res, "x-amzn-requestid")
    or header_of(res, "x-amz-request-id")
    or body:match("<RequestId>(.-)</RequestId>")
  return code, message and tostring(message) or ("HTTP " .. res.status), request_id
end

-- An error from lambda.fetch (no response): its kind ("timeout",
-- "connect", ...), and code Transport.<kind>. (tostring: a spec's stand-in
-- for fetch may answer a plain table.)
local function transport_error(err)
  local kind = tostring(err.kind)
  return errors.new(kind, tostring(err.message), {
    code = "Transport." .. kind, curl_code = err.curl_code,
  })
end

-- AWS's answer of an error: kind "aws", code AWS's error code.
local function response_error(res)
  local code, message, request_id = parse_error(res)
  return errors.new("aws", message, {
    code = code, status = res.status,
    request_id = request_id, body = res.body, headers = res.headers,
  })
end

-- One retry policy (its quota) per service, as each SDK client has
-- one; made again when AWS_RETRY_MODE or AWS_MAX_ATTEMPTS change.
local policies = {}

local function policy_for(prefix)
  local key = table.concat({ prefix, os.getenv("AWS_RETRY_MODE") or "",
    os.getenv("AWS_MAX_ATTEMPTS") or "" }, "\0")
  local p = policies[key]
  if not p then
    p = retry.policy { service = prefix }
    policies[key] = p
  end
  return p
end

-- A 2xx answer: the decoded JSON, the text, or with raw the response.
local function decoded(req, res)
  if req.raw then return res end
  local text = res.body
  local ctype = header_of(res, "content-type") or ""
  if text ~= "" and (ctype:find("json", 1, true) or req.target) then
    local value, derr = json.decode(text)
    if derr then
      return nil, errors.new("json", derr.message, { code = "DecodeError",
        status = res.status })
    end
    return value
  end
  return text
end

-- One attempt: credentials, signature, fetch; the value or nil, err.
local function attempt(req, call)
  local creds, cerr = require("lambda.aws.credentials").get()
  if not creds then
    return nil, errors.new("credentials", tostring(cerr.message),
      { code = cerr.code or "CredentialsError" })
  end
  local all = {}
  for name, value in pairs(call.headers) do all[name] = value end
  local added = sign.sign {
    method = call.method, url = call.url, headers = all, body = call.body,
    service = call.signing_name, region = call.region, credentials = creds,
  }
  for name, value in pairs(added) do all[name] = value end
  local res, err = fetch.request(call.url, { method = call.method, headers = all,
    body = call.body, timeout = req.timeout, redirect = false,
    max_body = req.max_body })
  if res and res.status < 300 then return decoded(req, res) end
  return nil, res and response_error(res) or transport_error(err)
end

--- aws.request{ service, region, method, path, query, headers, body,
--- target, json_version, signing_name, endpoint_prefix, timeout, raw }
--- -> the decoded response (the body's text when it is not JSON), or with
--- raw the fetch response; or nil and an error value (docs/errors.md):
--- kind "aws" (code, status, request_id, throttling), a lambda.fetch kind
--- (code Transport.<kind>), "credentials" or "json"; with retryable and
--- attempts. One value on success, so `local _, err = aws.request{...}`
--- tells success from failure.
--- body: a string, a function (streamed, S3 only), or a table (JSON).
--- target sets X-Amz-Target (JSON protocol services).
function M.request(given)
  local req = options.read("lambda.aws.request", given, FIELDS)
  local service = req.service
  local region = options.region(req.region)
  local prefix = req.endpoint_prefix or service
  local signing_name = req.signing_name or service
  local base = req.endpoint or M.endpoint(req.service_id or service, prefix, region)
  local path = req.path or "/"
  local query = M.encode_query(req.query)
  local url = base .. path .. (query ~= "" and ("?" .. query) or "")
  local method = (req.method or "POST"):upper()
  local body = req.body
  local headers = {}
  for name, value in pairs(req.headers or {}) do
    if value ~= json.null then headers[tostring(name):lower()] = value end
  end
  if type(body) == "table" then
    body = json.encode(body)
  end
  if req.target then
    headers["x-amz-target"] = req.target
    headers["content-type"] = headers["content-type"]
      or ("application/x-amz-json-" .. (req.json_version or "1.0"))
    body = body or "{}"
  end
  local call = { method = method, url = url, headers = headers, body = body,
    signing_name = signing_name, region = region }
  local value, err = retry.send(policy_for(prefix),
    function() return attempt(req, call) end,
    { max_attempts = req.max_attempts })
  if value ~= nil then return value end
  return nil, err
end

return M
