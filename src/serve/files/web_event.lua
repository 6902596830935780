-- serve --http: plain HTTP requests into the event a function URL, API
-- Gateway (REST or HTTP API) or an ALB sends, and the function's result
-- back into HTTP the way each of them does it. Embedded in lua-lambda;
-- web_front.c calls it (one state, behind a lock).
local json = require "lambda.json"
local base64 = require "lambda.base64"

local M = {}

local FORMATS = { url = true, ["apigw-v1"] = true, ["apigw-v2"] = true,
  alb = true }

function M.known(format) return FORMATS[format] == true end

-- An event is JSON, so its text is UTF-8; a request's bytes need not be
-- (a %ff, a raw \xff in a header). Each byte that begins no well-formed
-- UTF-8 sequence becomes what fix(byte) says.
local function each_bad_byte(s, fix)
  if utf8.len(s) ~= nil then return s end
  local out, i = {}, 1
  while i <= #s do
    local n, bad = utf8.len(s, i)
    if n ~= nil then
      out[#out + 1] = s:sub(i)
      break
    end
    out[#out + 1] = s:sub(i, bad - 1)
    out[#out + 1] = fix(s:byte(bad))
    i = bad + 1
  end
  return table.concat(out)
end

-- Decoded text (a path, a query value, a header): U+FFFD for such a byte,
-- as a UTF-8 decoder that does not fail gives.
local function as_text(s)
  return each_bad_byte(s, function() return "\u{FFFD}" end)
end

-- What goes as sent (rawPath, rawQueryString, an ALB's path and query):
-- such a byte percent-encoded, which is how a client should have sent it.
local function as_sent(s)
  return each_bad_byte(s, function(b) return ("%%%02X"):format(b) end)
end

local function percent_decode(s, plus)
  if plus then s = s:gsub("%+", " ") end
  return as_text((s:gsub("%%(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end)))
end

-- Bodies these sources pass as text; anything else comes base64-encoded.
local function is_text(content_type, body)
  if body == "" then return true end
  if content_type == nil then return utf8.len(body) ~= nil end
  local t = content_type:lower():match("^%s*([^;%s]+)") or ""
  return t:find("^text/") ~= nil or t:find("[/+]json$") ~= nil
    or t:find("[/+]xml$") ~= nil or t == "application/javascript"
    or t == "application/x-www-form-urlencoded" or t == "application/graphql"
end

-- "12/Mar/2020:19:03:58 +0000", as requestContext.time.
local function clf_time(ms)
  return os.date("!%d/%b/%Y:%H:%M:%S +0000", ms // 1000)
end

-- The query's pairs, in order, decoded or as sent.
local function query_pairs(raw, decode)
  local out = {}
  for pair in raw:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    if decode then k, v = percent_decode(k, true), percent_decode(v, true) end
    out[#out + 1] = { k, v }
  end
  return out
end

-- name -> values, in the order they came, with names lower-cased or not.
local function grouped(pairs_list, lower)
  local values, order = {}, {}
  for _, p in ipairs(pairs_list) do
    local k = lower and p[1]:lower() or p[1]
    if values[k] == nil then
      values[k] = {}
      order[#order + 1] = k
    end
    table.insert(values[k], p[2])
  end
  return values, order
end

local function joined(values, sep)
  local out = {}
  for k, list in pairs(values) do out[k] = table.concat(list, sep) end
  return out
end

local function last_values(values)
  local out = {}
  for k, list in pairs(values) do out[k] = list[#list] end
  return out
end

local function body_of(req, content_type)
  if req.body == "" then return nil, false end
  -- text that is not UTF-8 cannot go as JSON text: base64, losing nothing
  if is_text(content_type, req.body) and utf8.len(req.body) ~= nil then
    return req.body, false
  end
  return base64.encode(req.body), true
end

-- Payload format 2.0: function URLs and HTTP APIs.
local function event_v2(req, url)
  local headers = grouped(req.headers, true)
  local cookies = json.array()
  for _, header in ipairs(headers.cookie or {}) do
    for c in header:gmatch("[^;]+") do
      cookies[#cookies + 1] = c:match("^%s*(.-)%s*$")
    end
  end
  headers.cookie = nil  -- moved to "cookies", as 2.0 does
  local flat = joined(headers, ",")
  local body, b64 = body_of(req, flat["content-type"])
  local domain = url and req.id_prefix .. ".lambda-url.us-east-1.on.aws"
    or req.id_prefix .. ".execute-api.us-east-1.amazonaws.com"
  local event = {
    version = "2.0",
    routeKey = "$default",
    rawPath = req.path,
    rawQueryString = req.query,
    headers = json.object(flat),
    requestContext = {
      accountId = url and "anonymous" or "000000000000",
      apiId = req.id_prefix,
      domainName = domain,
      domainPrefix = req.id_prefix,
      http = {
        method = req.method,
        path = percent_decode(req.path),
        protocol = req.protocol,
        sourceIp = req.source_ip,
        userAgent = flat["user-agent"] or "",
      },
      requestId = req.request_id,
      routeKey = "$default",
      stage = "$default",
      time = clf_time(req.time_ms),
      timeEpoch = req.time_ms,
    },
    isBase64Encoded = b64,
  }
  if #cookies > 0 then event.cookies = cookies end
  local query = grouped(query_pairs(req.query, true), false)
  if next(query) ~= nil then event.queryStringParameters = joined(query, ",") end
  if body ~= nil then event.body = body end
  return event
end

-- API Gateway REST APIs (payload format 1.0), behind a {proxy+} resource.
local function event_v1(req)
  local headers = grouped(req.headers, false)
  local lower = joined(grouped(req.headers, true), ",")
  local query = grouped(query_pairs(req.query, true), false)
  local body, b64 = body_of(req, lower["content-type"])
  local path = percent_decode(req.path)
  local has_query = next(query) ~= nil
  return {
    resource = "/{proxy+}",
    path = path,
    httpMethod = req.method,
    headers = last_values(headers),
    multiValueHeaders = headers,
    queryStringParameters = has_query and last_values(query) or json.null,
    multiValueQueryStringParameters = has_query and query or json.null,
    pathParameters = { proxy = path:sub(2) },
    stageVariables = json.null,
    requestContext = {
      accountId = "000000000000",
      apiId = req.id_prefix,
      domainName = req.id_prefix .. ".execute-api.us-east-1.amazonaws.com",
      domainPrefix = req.id_prefix,
      extendedRequestId = req.request_id,
      httpMethod = req.method,
      identity = { sourceIp = req.source_ip,
        userAgent = lower["user-agent"] or json.null },
      path = "/local" .. path,
      protocol = req.protocol,
      requestId = req.request_id,
      requestTime = clf_time(req.time_ms),
      requestTimeEpoch = req.time_ms,
      resourceId = "proxy",
      resourcePath = "/{proxy+}",
      stage = "local",
    },
    body = body or json.null,
    isBase64Encoded = b64,
  }
end

-- An ALB target group (multi-value headers off): names lower-cased, the
-- last value of each, the query as it came (ALB does not decode it).
local function event_alb(req)
  local headers = last_values(grouped(req.headers, true))
  local body, b64 = body_of(req, headers["content-type"])
  return {
    requestContext = { elb = { targetGroupArn =
      "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/local/0" } },
    httpMethod = req.method,
    path = req.path,
    queryStringParameters = json.object(last_values(
      grouped(query_pairs(req.query, false), false))),
    headers = headers,
    body = body or "",
    isBase64Encoded = b64,
  }
end

-- req with what it carries made fit for JSON text (the body aside).
local function fit(req)
  local headers = {}
  for i, h in ipairs(req.headers) do headers[i] = { as_text(h[1]), as_text(h[2]) } end
  local out = {}
  for k, v in pairs(req) do out[k] = v end
  out.path, out.query, out.headers = as_sent(req.path), as_sent(req.query), headers
  return out
end

--- The event for req (from web_front.c), as JSON text.
function M.event(format, req)
  local event
  req = fit(req)
  if format == "apigw-v1" then event = event_v1(req)
  elseif format == "alb" then event = event_alb(req)
  else event = event_v2(req, format == "url") end
  return json.encode(event)
end

-- --- responses ---------------------------------------------------------------

local FAILED = {
  url = { 502, "application/json", "Internal Server Error" },
  ["apigw-v2"] = { 500, "application/json", '{"message":"Internal Server Error"}' },
  ["apigw-v1"] = { 502, "application/json", '{"message": "Internal server error"}' },
  alb = { 502, "text/html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
    .. "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n" },
}

--- What the source answers when the function failed, or answered in a
--- shape it cannot read: status, headers ({{name, value}}), body.
function M.failed(format)
  local f = FAILED[format]
  return f[1], { { "Content-Type", f[2] } }, f[3]
end

local function scalar(v)
  local t = type(v)
  return t == "string" or t == "number" or t == "boolean"
end

-- v as the reason shows it: a string quoted, anything else its type.
local function shown(v)
  if type(v) == "string" then return ("%q"):format(v) end
  return type(v) == "table" and "a table" or tostring(v)
end

-- headers and multiValueHeaders into {{name, value}}; nil and why if
-- malformed.
local function header_list(out, headers, multi)
  if headers ~= nil and headers ~= json.null then
    if type(headers) ~= "table" then
      return nil, ("headers is %s, not an object"):format(shown(headers))
    end
    for k, v in pairs(headers) do
      if type(k) ~= "string" or not scalar(v) then
        return nil, ("headers: %s is a %s, not a string, number or boolean")
          :format(tostring(k), type(v))
      end
      out[#out + 1] = { k, tostring(v) }
    end
  end
  if multi ~= nil and multi ~= json.null then
    if type(multi) ~= "table" then
      return nil, ("multiValueHeaders is %s, not an object"):format(shown(multi))
    end
    for k, list in pairs(multi) do
      if type(k) ~= "string" or type(list) ~= "table" then
        return nil, ("multiValueHeaders: %s is a %s, not a list")
          :format(tostring(k), type(list))
      end
      for _, v in ipairs(list) do
        if not scalar(v) then
          return nil, ("multiValueHeaders: %s holds a %s, not a string, "
            .. "number or boolean"):format(k, type(v))
        end
        out[#out + 1] = { k, tostring(v) }
      end
    end
  end
  return out
end

local function decoded_body(res)
  local body = res.body
  if body == nil or body == json.null then body = "" end
  if type(body) ~= "string" then
    return nil, ("body is a %s, not a string"):format(type(body))
  end
  if res.isBase64Encoded == true then
    local ok, decoded = pcall(base64.decode, body)
    if not ok or decoded == nil then
      return nil, "body is not base64, and isBase64Encoded is true"
    end
    return decoded
  end
  return body
end

local function status_of(res)
  local s = res.statusCode
  if math.type(s) == "float" and s == math.floor(s) then s = math.tointeger(s) end
  if math.type(s) ~= "integer" or s < 100 or s > 599 then
    return nil, ("statusCode is %s, not a whole number from 100 to 599")
      :format(shown(res.statusCode))
  end
  return s
end

local function cookie_headers(headers, cookies)
  if cookies == nil or cookies == json.null then return headers end
  if type(cookies) ~= "table" then
    return nil, ("cookies is %s, not a list"):format(shown(cookies))
  end
  for i, c in ipairs(cookies) do
    if type(c) ~= "string" then
      return nil, ("cookies[%d] is a %s, not a string"):format(i, type(c))
    end
    headers[#headers + 1] = { "Set-Cookie", c }
  end
  return headers
end

-- The source's failure answer, and why (for serve to log, as SAM does).
local function unreadable(format, why)
  local status, headers, body = M.failed(format)
  return status, headers, body, why
end

--- The HTTP answer to the function's result (JSON text): status,
--- headers ({{name, value}}), body; or the source's failure answer and,
--- fourth, why it could not read the result.
function M.response(format, result)
  local ok, res = pcall(json.decode, result)
  if not ok then return unreadable(format, "the result is not JSON") end
  local v2 = format == "url" or format == "apigw-v2"
  if v2 and (type(res) ~= "table" or res.statusCode == nil) then
    -- 2.0 guesses: a string is the body; any other value, its JSON
    local body = type(res) == "string" and res or result
    return 200, { { "Content-Type", "application/json" } }, body
  end
  if type(res) ~= "table" then
    return unreadable(format, ("the result is a %s, not an object")
      :format(res == json.null and "null" or type(res)))
  end
  local status, headers, body, why
  status, why = status_of(res)
  if status == nil then return unreadable(format, why) end
  headers, why = header_list({}, res.headers, not v2 and res.multiValueHeaders or nil)
  if headers == nil then return unreadable(format, why) end
  body, why = decoded_body(res)
  if body == nil then return unreadable(format, why) end
  if v2 then
    headers, why = cookie_headers(headers, res.cookies)
    if headers == nil then return unreadable(format, why) end
  end
  return status, headers, body
end

--- A streamed HTTP response's prelude (JSON: statusCode, headers,
--- cookies): status and headers, or the failure answer and why.
function M.prelude(format, prelude)
  local ok, res = pcall(json.decode, prelude)
  if not ok or type(res) ~= "table" then
    return unreadable(format, "the stream's prelude is not a JSON object")
  end
  if res.statusCode == nil then res.statusCode = 200 end
  local status, headers, why
  status, why = status_of(res)
  if status == nil then return unreadable(format, "the prelude's " .. why) end
  headers, why = header_list({}, res.headers, nil)
  if headers == nil then return unreadable(format, "the prelude's " .. why) end
  for _, c in ipairs(type(res.cookies) == "table" and res.cookies or {}) do
    headers[#headers + 1] = { "Set-Cookie", tostring(c) }
  end
  return status, headers, ""
end

return M
