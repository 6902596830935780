--- One request shape for API Gateway REST (v1), HTTP API (v2), ALB and
--- function URL events, and responses in the shape each one expects.
---
--- local http = require "lambda.http"
--- function M.handler(event)
---   local req = http.request(event)
---   return http.json(req, 200, { hello = req.query.name or "world" })
--- end
---@class lambda.http
local http = {}

local json = require "lambda.json"
local base64 = require "lambda.base64"
local errors = require "lambda.errors"

-- Repeated headers come as one value, joined by "," as AWS joins them in
-- an HTTP API's (payload 2.0) and a function URL's events: "Duplicate
-- headers are combined with commas" (API Gateway Developer Guide,
-- http-api-develop-integrations-lambda). lambda.fetch joins a response's
-- the same way.
local HEADER_JOIN = ","

---@class lambda.http.request
---@field kind string "rest" (API Gateway v1), "http" (v2), "alb" or "url"
---@field method string
---@field path string
---@field headers table<string, string> lower-cased names; repeated values joined with "," (as AWS does)
---@field multi_headers table<string, string[]> lower-cased names
---@field query table<string, string> the last value of each parameter
---@field multi_query table<string, string[]>
---@field cookies string[] "name=value" each
---@field body string decoded from base64 when it came so
---@field is_base64 boolean whether the body arrived base64-encoded
---@field event table the event as it came

local function percent_decode(s)
  return (s:gsub("%+", " "):gsub("%%(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end))
end

-- Parses "a=1&b=2&a=3" into last-value and all-values maps.
local function parse_query(raw, decode)
  local single, multi = {}, {}
  for pair in (raw or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    if decode then k, v = percent_decode(k), percent_decode(v) end
    single[k] = v
    multi[k] = multi[k] or {}
    table.insert(multi[k], v)
  end
  return single, multi
end

local function lower_keys(t)
  local out = {}
  for k, v in pairs(type(t) == "table" and t or {}) do
    out[k:lower()] = v
  end
  return out
end

local function kind_of(event)
  local rc = type(event.requestContext) == "table" and event.requestContext
    or {}
  if rc.elb ~= nil then return "alb" end
  if event.version == "2.0" then
    local domain = rc.domainName
    if type(domain) == "string" and domain:find("%.lambda%-url%.") then
      return "url"
    end
    return "http"
  end
  if event.httpMethod ~= nil then return "rest" end
  return nil
end

--- The request in one shape; or nil and an error value (kind "invalid"
--- if event is not an HTTP event, "base64" if its body does not decode).
---@param event table
---@return lambda.http.request|nil
---@return lambda.Error|nil err
function http.request(event)
  local kind = type(event) == "table" and kind_of(event) or nil
  if kind == nil then return nil, errors.new("invalid", "not an HTTP event") end
  local req = { kind = kind, event = event, cookies = {} }
  if kind == "http" or kind == "url" then
    local h = event.requestContext.http or {}
    req.method, req.path = h.method, event.rawPath or h.path
    req.headers = lower_keys(event.headers)
    req.multi_headers = {}
    for k, v in pairs(req.headers) do req.multi_headers[k] = { v } end
    req.query, req.multi_query = parse_query(event.rawQueryString, true)
    for _, c in ipairs(type(event.cookies) == "table" and event.cookies or {}) do
      req.cookies[#req.cookies + 1] = c
    end
  else
    req.method, req.path = event.httpMethod, event.path
    req.multi_headers = {}
    for k, v in pairs(lower_keys(event.multiValueHeaders)) do
      req.multi_headers[k] = v
    end
    req.headers = {}
    for k, v in pairs(lower_keys(event.headers)) do
      req.headers[k] = v
      req.multi_headers[k] = req.multi_headers[k] or { v }
    end
    for k, values in pairs(req.multi_headers) do
      if req.headers[k] == nil then
        req.headers[k] = table.concat(values, HEADER_JOIN)
      end
    end
    -- ALB passes the query as it came (percent-encoded); API Gateway decodes.
    local decode = kind == "alb"
    req.query, req.multi_query = {}, {}
    local multi = event.multiValueQueryStringParameters
    if type(multi) == "table" then
      for k, values in pairs(multi) do
        local key = decode and percent_decode(k) or k
        req.multi_query[key] = {}
        for i, v in ipairs(values) do
          req.multi_query[key][i] = decode and percent_decode(v) or v
        end
        req.query[key] = req.multi_query[key][#values]
      end
    end
    local single = event.queryStringParameters
    if type(single) == "table" then
      for k, v in pairs(single) do
        local key = decode and percent_decode(k) or k
        req.query[key] = decode and percent_decode(v) or v
        req.multi_query[key] = req.multi_query[key] or { req.query[key] }
      end
    end
    for _, header in ipairs(req.multi_headers.cookie or {}) do
      for c in header:gmatch("[^;]+") do
        req.cookies[#req.cookies + 1] = c:match("^%s*(.-)%s*$")
      end
    end
  end
  req.method = req.method and req.method:upper() or "GET"
  req.path = req.path or "/"
  local body = event.body
  if body == nil or body == json.null then body = "" end
  req.is_base64 = event.isBase64Encoded == true
  if req.is_base64 then
    local decoded, err = base64.decode(body)
    if decoded == nil then
      return nil, errors.new(err.kind, "body: " .. err.message)
    end
    body = decoded
  end
  req.body = body
  return req
end

-- The i-th spelling of "set-cookie": i - 1 in binary upper-cases letters.
local function cookie_header_name(i)
  local bits, n = i - 1, 0
  local name = ("set-cookie"):gsub("%a", function(c)
    n = n + 1
    return (bits >> (n - 1)) & 1 == 1 and c:upper() or c
  end)
  if bits >> n ~= 0 then
    errors.raise("an ALB response in single-header mode holds at most 512 cookies")
  end
  return name
end

local REASONS = {
  [200] = "OK", [201] = "Created", [202] = "Accepted", [204] = "No Content",
  [301] = "Moved Permanently", [302] = "Found", [304] = "Not Modified",
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden",
  [404] = "Not Found", [405] = "Method Not Allowed", [409] = "Conflict",
  [415] = "Unsupported Media Type", [422] = "Unprocessable Entity",
  [429] = "Too Many Requests", [500] = "Internal Server Error",
  [502] = "Bad Gateway", [503] = "Service Unavailable",
}

--- A response in the shape req's source expects.
--- res: status (default 200), headers, cookies ({"name=value; Path=/"}),
--- and one of body (a string), json (any value, sent as JSON), with
--- binary = true to send body base64-encoded.
---@param req lambda.http.request|string the request, or its kind
---@param res table
---@return table
function http.response(req, res)
  local kind = type(req) == "table" and req.kind or req
  res = res or {}
  local headers = {}
  for k, v in pairs(res.headers or {}) do headers[k:lower()] = v end
  local body = res.body
  if res.json ~= nil then
    body = json.encode(res.json)
    headers["content-type"] = headers["content-type"] or "application/json"
  end
  body = body or ""
  local out = { statusCode = res.status or 200 }
  if res.binary then
    out.body = base64.encode(body)
    out.isBase64Encoded = true
  else
    out.body = body
    out.isBase64Encoded = false
  end
  local cookies = res.cookies or {}
  if kind == "http" or kind == "url" then
    out.headers = headers
    if #cookies > 0 then out.cookies = cookies end
  elseif kind == "alb" then
    out.statusDescription = ("%d %s"):format(out.statusCode,
      REASONS[out.statusCode] or "Unknown")
    local multi = type(req) == "table" and req.event.multiValueHeaders ~= nil
    if multi then
      -- the target group has multi-value headers on: answer in kind
      out.multiValueHeaders = {}
      for k, v in pairs(headers) do out.multiValueHeaders[k] = { v } end
      if #cookies > 0 then out.multiValueHeaders["set-cookie"] = cookies end
    else
      -- One value per name in this mode: each cookie goes under its own
      -- spelling of Set-Cookie (names are case-insensitive; ALB passes
      -- every spelling through as a header of its own).
      out.headers = headers
      for i, cookie in ipairs(cookies) do
        out.headers[cookie_header_name(i)] = cookie
      end
    end
  else  -- rest
    out.headers = headers
    if #cookies > 0 then
      out.multiValueHeaders = { ["set-cookie"] = cookies }
    end
  end
  return out
end

--- Shorthand: a JSON response with status.
---@param req lambda.http.request|string
---@param status integer
---@param value any
---@param headers table|nil
function http.json(req, status, value, headers)
  return http.response(req, { status = status, json = value,
    headers = headers })
end

local PRELUDE_TYPE = "application/vnd.awslambda.http-integration-response"

local function refuse_nul(what, value)
  if type(value) == "string" and value:find("\0", 1, true) then
    errors.raise("the HTTP response prelude may not hold NUL bytes (in "
      .. what .. ")")
  end
end

--- Starts a function URL's streamed HTTP response (in a handler made with
--- lambda.streaming): writes the prelude
--- (status, headers, cookies as JSON, then 8 NUL bytes) with the content
--- type Lambda expects; write the body to stream after it.
---@param stream table the handler's stream
---@param response table|nil {statusCode = 200, headers = {}, cookies = {}}
---@return table stream
function http.stream(stream, response)
  response = response or {}
  local headers, cookies = {}, json.array()
  for k, v in pairs(response.headers or {}) do
    refuse_nul("header " .. tostring(k), k)
    refuse_nul("header " .. tostring(k), v)
    headers[k] = v
  end
  for i, c in ipairs(response.cookies or {}) do
    refuse_nul("cookie " .. i, c)
    cookies[i] = c
  end
  local prelude = json.encode({
    statusCode = response.statusCode or 200,
    headers = json.object(headers),
    cookies = cookies,
  })
  stream:set_content_type(PRELUDE_TYPE)
  stream:write(prelude .. string.rep("\0", 8))
  return stream
end

return http
