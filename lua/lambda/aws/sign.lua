--- AWS Signature Version 4 for any request: `aws.sign` (headers to add)
--- and `aws.presign` (a URL). `aws.sign` is one C call (lambda.sigv4's
--- sign: the table read, what to sign, the canonical request, SHA-256 and
--- the signing key, kept per secret, date, region and service); a table
--- it does not take as it is (a wrong type, json.null, a list of values
--- for a header, a time before 0000 or after 9999) is read here first, as
--- options.lua reads every table, and signed by the same C. `aws.presign`
--- decides here what to sign and signs with the same C parts.
---
--- S3 (service "s3") follows its own rules: the path is signed as sent
--- (no normalisation, no second encoding) and `x-amz-content-sha256` is
--- always sent; every other service gets a normalised path encoded once
--- more. A body given as a function (streamed) is signed as
--- `UNSIGNED-PAYLOAD`.
local json = require "lambda.json"
local errors = require "lambda.errors"
local options = require "lambda.aws.options"
local sigv4 = require "lambda.sigv4"
local sign_request = sigv4.sign

local M = {}

local ALGORITHM = "AWS4-HMAC-SHA256"
local UNSIGNED = "UNSIGNED-PAYLOAD"
local EMPTY_SHA256 =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

-- Headers never signed, as the AWS SDKs skip them: proxies and the HTTP
-- stack may change them on the way.
local UNSIGNED_HEADERS = {
  expect = true, ["transfer-encoding"] = true, ["user-agent"] = true,
  ["x-amzn-trace-id"] = true,
}

-- What sign and presign read of their table (options.lua).
local FIELDS = {
  method = "string", url = "string!", headers = "table",
  body = "string|function", service = "string!", region = "string!",
  credentials = "table", time = "number", expires = "number",
  payload_hash = "string", unsigned_payload = "boolean",
  sign_payload = "boolean", omit_session_token = "boolean",
  normalize_path = "boolean", encode_path = "boolean",
}

--- Splits "https://host:port/path?query" into scheme, host (with the port
--- when it is not the scheme's default), path and query ("" when none);
--- or nil and an error value (kind "invalid").
function M.split_url(url)
  local scheme, rest = tostring(url):match("^(%a[%w+.-]*)://(.*)$")
  if not scheme then
    return nil, errors.new("invalid", "not an absolute URL: " .. tostring(url))
  end
  scheme = scheme:lower()
  local authority, path = rest:match("^([^/?#]*)(.*)$")
  path = path:gsub("#.*$", "")
  local query = ""
  local q = path:find("?", 1, true)
  if q then
    path, query = path:sub(1, q - 1), path:sub(q + 1)
  end
  if path == "" then path = "/" end
  authority = authority:gsub("^.*@", "")  -- no userinfo in Host
  local host, port = authority:match("^(.*):(%d+)$")
  if host and ((scheme == "https" and port == "443")
      or (scheme == "http" and port == "80")) then
    authority = host
  end
  if authority == "" then
    return nil, errors.new("invalid", "no host in URL: " .. tostring(url))
  end
  return scheme, authority:lower(), path, query
end

--- The headers as a list of { name, value } pairs: from a map (a value
--- may be a list: repeated headers) or a list of pairs, kept in order.
local function header_pairs(headers)
  local list = {}
  if headers == nil then return list end
  if headers[1] ~= nil then
    for _, pair in ipairs(headers) do
      if pair[2] ~= nil and pair[2] ~= json.null then
        list[#list + 1] = { tostring(pair[1]), tostring(pair[2]) }
      end
    end
    return list
  end
  local names = {}
  for name in pairs(headers) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local value = headers[name]
    if value == json.null then
      -- absent, as json.null is in every option table
    elseif type(value) == "table" then
      for _, v in ipairs(value) do list[#list + 1] = { name, tostring(v) } end
    else
      list[#list + 1] = { name, tostring(value) }
    end
  end
  return list
end

local function has_header(list, wanted)
  for _, pair in ipairs(list) do
    if pair[1]:lower() == wanted then return true end
  end
  return false
end

local function amz_date(time, where)
  local t = time or os.time()
  if t ~= t or t == math.huge or t == -math.huge then
    errors.raise(where .. ": time must be finite unix seconds")
  end
  return os.date("!%Y%m%dT%H%M%SZ", math.floor(t))
end

-- The credentials given (checked), or aws.credentials() (nil and its
-- error value when there are none).
local function credentials_of(req, where)
  if req.credentials then
    return options.read(where, req.credentials, options.CREDENTIALS,
      "credentials.")
  end
  return require("lambda.aws.credentials").get()
end

local function payload_hash(req, s3)
  if req.payload_hash then return req.payload_hash end
  local body = req.body
  if type(body) == "function" then return UNSIGNED end
  if s3 and req.unsigned_payload then return UNSIGNED end
  if body == nil or body == "" then return EMPTY_SHA256 end
  return sigv4.sha256_hex(tostring(body))
end

-- What sign and presign read first: the request's fields (options.lua),
-- its URL's path and query, its credentials (or nil and the error), and
-- the headers to sign as a list, Host among them.
local function prepare(given, where)
  local req = options.read(where, given, FIELDS)
  local scheme, host, path, query = M.split_url(req.url)
  if not scheme then errors.raise(where .. ": " .. host.message) end
  local creds, err = credentials_of(req, where)
  if not creds then return nil, err end
  local list = header_pairs(req.headers)
  if not has_header(list, "host") then list[#list + 1] = { "host", host } end
  return req, creds, list, path, query
end

-- The list, the canonical request and what the signature covers: the
-- shared half of sign and presign.
local function signed(req, list, path, query, hash, date, creds)
  local s3 = req.service == "s3"
  local normalize, encode = not s3, not s3
  if req.normalize_path ~= nil then normalize = req.normalize_path end
  if req.encode_path ~= nil then encode = req.encode_path end
  local to_sign = {}
  for _, pair in ipairs(list) do
    if not UNSIGNED_HEADERS[pair[1]:lower()] then to_sign[#to_sign + 1] = pair end
  end
  local canonical, signed_headers = sigv4.canonical_request {
    method = (req.method or "GET"):upper(), path = path, query = query,
    headers = to_sign, payload_hash = hash,
    normalize = normalize, encode_path = encode,
  }
  local scope = ("%s/%s/%s/aws4_request"):format(date:sub(1, 8), req.region,
    req.service)
  local string_to_sign = table.concat({ ALGORITHM, date, scope,
    sigv4.sha256_hex(canonical) }, "\n")
  local signature = sigv4.signature(creds.secret_access_key, date:sub(1, 8),
    req.region, req.service, string_to_sign)
  return {
    canonical_request = canonical, string_to_sign = string_to_sign,
    signature = signature, signed_headers = signed_headers, scope = scope,
  }
end

-- aws.sign of a table lambda.sigv4.sign would not take as it is: read
-- as options.lua reads it (raising what it raises), then signed by the
-- same C as a plain table, with the credentials (creds: aws.credentials()'s
-- when the caller gave none) and the x-amz-date.
local function sign_slowly(given, creds)
  local where = "lambda.aws.sign"
  local req = options.read(where, given, FIELDS)
  local scheme, host = M.split_url(req.url)
  if not scheme then errors.raise(where .. ": " .. host.message) end
  if not creds then
    local err
    creds, err = credentials_of(req, where)
    if not creds then return nil, err end
  end
  req.headers = header_pairs(req.headers)
  req.credentials = nil
  local date = amz_date(req.time, where)
  local plain = { access_key_id = creds.access_key_id,
    secret_access_key = creds.secret_access_key,
    session_token = creds.session_token }
  local add, d = sigv4.sign(req, plain, date)
  if not add then
    errors.raise(where .. ": credentials must have string fields")
  end
  return add, d
end

--- aws.sign{ method, url, headers, body, service, region, credentials,
--- time } -> the headers to add (lower-case names: authorization,
--- x-amz-date, x-amz-security-token, x-amz-content-sha256), and the
--- details (canonical_request, string_to_sign, signature); or nil and
--- aws.credentials()'s error value when there are none.
--- `credentials` defaults to aws.credentials(); `time` (unix seconds) to
--- now. `sign_payload = true` sends x-amz-content-sha256 for any service;
--- `omit_session_token = true` leaves the token out of the signature.
function M.sign(given)
  local add, d = sign_request(given)
  if add then return add, d end
  if add == nil then  -- all but the credentials as they should be
    local creds, err = require("lambda.aws.credentials").get()
    if not creds then return nil, err end
    add, d = sign_request(given, creds)
    if add then return add, d end
    return sign_slowly(given, creds)
  end
  return sign_slowly(given)
end

--- aws.presign{ method, url, headers, service, region, credentials, time,
--- expires } -> the URL with the signature in its query (X-Amz-*), good
--- for `expires` seconds (default 900, at most 7 days), and the details;
--- or nil and aws.credentials()'s error value when there are none.
function M.presign(given)
  local where = "lambda.aws.presign"
  local req, creds, list, path, query = prepare(given, where)
  if not req then return nil, creds end  -- creds: why there are none
  local s3 = req.service == "s3"
  local expires = req.expires or 900
  if not (expires >= 1 and expires <= 604800) or expires % 1 ~= 0 then
    errors.raise(where .. ": expires must be whole seconds from 1 to 604800")
  end
  local date = amz_date(req.time, where)
  local hash = s3 and (req.payload_hash or UNSIGNED) or payload_hash(req, s3)
  local names = {}
  for _, pair in ipairs(list) do
    local name = pair[1]:lower()
    if not UNSIGNED_HEADERS[name] then names[name] = true end
  end
  local sorted = {}
  for name in pairs(names) do sorted[#sorted + 1] = name end
  table.sort(sorted)
  local scope = ("%s/%s/%s/aws4_request"):format(date:sub(1, 8), req.region,
    req.service)
  local params = {
    "X-Amz-Algorithm=" .. ALGORITHM,
    "X-Amz-Credential=" .. sigv4.uri_encode(creds.access_key_id .. "/" .. scope),
    "X-Amz-Date=" .. date,
    "X-Amz-Expires=" .. math.floor(expires),
    "X-Amz-SignedHeaders=" .. sigv4.uri_encode(table.concat(sorted, ";")),
  }
  local token = creds.session_token
  local token_param = token and token ~= ""
    and "X-Amz-Security-Token=" .. sigv4.uri_encode(token)
  if token_param and not req.omit_session_token then
    params[#params + 1] = token_param
  end
  local signed_query = table.concat(params, "&")
  if query ~= "" then signed_query = query .. "&" .. signed_query end
  local d = signed(req, list, path, signed_query, hash, date, creds)
  local final = signed_query
  if token_param and req.omit_session_token then
    final = final .. "&" .. token_param
  end
  final = final .. "&X-Amz-Signature=" .. d.signature
  local base = tostring(req.url):gsub("#.*$", ""):gsub("%?.*$", "")
  return base .. "?" .. final, d
end

return M
