--- lambda.aws.web_identity: credentials from a web identity token
--- (EKS IRSA, GitHub Actions OIDC, ...), as botocore's
--- AssumeRoleWithWebIdentityProvider gets them: AWS_WEB_IDENTITY_TOKEN_FILE
--- (read again on each refresh), AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME
--- (default "botocore-session-<unix seconds>") sent to STS's
--- AssumeRoleWithWebIdentity, unsigned, as a query-protocol form POST to
--- the region's STS endpoint (https://sts.<region>.amazonaws.com, or
--- AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL), retried as any AWS call
--- (lambda.aws.retry). Errors are kind "credentials" with STS's code,
--- message, status and request id.
local errors = require "lambda.errors"

local M = {}

M.API_VERSION = "2011-06-15"
M.CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"

--- Whether the environment asks for web identity credentials.
function M.configured()
  local path = os.getenv("AWS_WEB_IDENTITY_TOKEN_FILE")
  return path ~= nil and path ~= ""
end

-- As Python's urllib.parse.quote_plus, which botocore's form bodies use:
-- letters, digits and _.-~ stay, a space is "+", the rest %XX.
local function form_encode(s)
  return (tostring(s):gsub("[^%w_%.%-~ ]", function(c)
    return ("%%%02X"):format(c:byte())
  end):gsub(" ", "+"))
end

--- The form body of AssumeRoleWithWebIdentity, its parameters in the
--- order botocore's fetcher puts them in its dict (the query serializer
--- keeps it): a given session name first, then the role; the default
--- name after the role.
function M.body(role_arn, session_name, token, session_given)
  local role = "RoleArn=" .. form_encode(role_arn)
  local session = "RoleSessionName=" .. form_encode(session_name)
  local first, second = role, session
  if session_given then first, second = session, role end
  return table.concat({
    "Action=AssumeRoleWithWebIdentity", "Version=" .. M.API_VERSION,
    first, second, "WebIdentityToken=" .. form_encode(token),
  }, "&")
end

local ENTITIES = { amp = "&", lt = "<", gt = ">", quot = '"', apos = "'" }

local function utf8_of(n)
  return n and n <= 0x10FFFF and utf8.char(n) or nil
end

--- XML text with its entities decoded (the five named, &#N; and &#xH;).
function M.unescape(s)
  return (s:gsub("&(#?[xX]?)(%w+);", function(kind, name)
    if kind == "" then return ENTITIES[name] end
    if kind == "#" then return utf8_of(tonumber(name, 10)) end
    return utf8_of(tonumber(name, 16))
  end))
end

-- The text of the first <name> element inside text, decoded, or nil.
local function element(text, name)
  local v = text and text:match("<" .. name .. "%s*>(.-)</" .. name .. "%s*>")
  return v and M.unescape(v) or nil
end

--- The answer's credentials: { access_key_id, secret_access_key,
--- session_token, expiration (the text), account_id } or nil.
function M.parse(body)
  local creds = body:match("<AssumeRoleWithWebIdentityResult%s*>.-<Credentials%s*>(.-)</Credentials%s*>")
  if not creds then return nil end
  local arn = element(body:match("<AssumedRoleUser%s*>(.-)</AssumedRoleUser%s*>"), "Arn")
  return {
    access_key_id = element(creds, "AccessKeyId"),
    secret_access_key = element(creds, "SecretAccessKey"),
    session_token = element(creds, "SessionToken"),
    expiration = element(creds, "Expiration"),
    account_id = arn and arn:match("^arn:[^:]*:[^:]*:[^:]*:(%d+):") or nil,
  }
end

--- An error answer's code, message and request id (query protocol:
--- <ErrorResponse><Error><Code>, <Message></Error><RequestId>).
function M.parse_error(res)
  local body = res.body or ""
  local err = body:match("<Error%s*>(.-)</Error%s*>")
  return element(err, "Code") or ("HTTP" .. tostring(res.status)),
    element(err, "Message") or ("HTTP " .. tostring(res.status)),
    element(body, "RequestId") or (res.headers and res.headers["x-amzn-requestid"])
end

-- The DNS suffix of a region's partition (models/partitions.json's
-- regionRegex, in its order; "aws" when none matches).
local SUFFIXES = {
  { "^cn%-%w+%-%d+$", "amazonaws.com.cn" },
  { "^eusc%-de%-%w+%-%d+$", "amazonaws.eu" },
  { "^us%-iso%-%w+%-%d+$", "c2s.ic.gov" },
  { "^us%-isob%-%w+%-%d+$", "sc2s.sgov.gov" },
  { "^eu%-isoe%-%w+%-%d+$", "cloud.adc-e.uk" },
  { "^us%-isof%-%w+%-%d+$", "csp.hci.ic.gov" },
}

--- STS's endpoint for a region, as botocore's endpoint rules make it
--- (regional; "aws-global" the global one), or AWS_ENDPOINT_URL_STS /
--- AWS_ENDPOINT_URL.
function M.endpoint(region)
  local url, custom = require("lambda.aws.request").endpoint("STS", "sts", region)
  if custom then return url end
  if region == "aws-global" then return "https://sts.amazonaws.com" end
  for _, p in ipairs(SUFFIXES) do
    if region:match(p[1]) then return ("https://sts.%s.%s"):format(region, p[2]) end
  end
  return ("https://sts.%s.amazonaws.com"):format(region)
end

local policy  -- STS's retry policy (one client), made when first needed
-- botocore names the session once, when its provider is made, and keeps
-- the name for every refresh.
local default_session

-- One attempt: the answer's credentials, or nil and an error value as
-- lambda.aws.retry reads them (an answer's: status and code).
local function attempt(url, body)
  local res, err = require("lambda.fetch").request(url, { method = "POST",
    headers = { ["content-type"] = M.CONTENT_TYPE }, body = body,
    timeout = 5000, redirect = false })
  if not res then
    return nil, errors.new(tostring(err.kind), tostring(err.message),
      { code = "Transport." .. tostring(err.kind) })
  end
  if res.status >= 300 then
    local code, message, request_id = M.parse_error(res)
    return nil, errors.new("aws", message, { code = code, status = res.status,
      request_id = request_id })
  end
  local creds = M.parse(res.body or "")
  if not (creds and creds.access_key_id and creds.secret_access_key) then
    return nil, errors.new("aws", "STS answered no credentials",
      { code = "InvalidResponse", status = res.status })
  end
  return creds
end

local function read_token(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local token = f:read("a")
  f:close()
  return token
end

local function fail(message, fields)
  return nil, errors.new("credentials", message, fields)
end

--- The credentials STS gives for the token: { access_key_id,
--- secret_access_key, session_token, expiration (unix seconds, via
--- parse_time), account_id } or nil and an error value (kind
--- "credentials"). region: the call's (lambda.aws.options.region).
function M.fetch(region, parse_time)
  local path = os.getenv("AWS_WEB_IDENTITY_TOKEN_FILE")
  local role_arn = os.getenv("AWS_ROLE_ARN")
  if not role_arn or role_arn == "" then
    return fail("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: "
      .. "web identity credentials need the role to assume")
  end
  local token = read_token(path)
  if not token then
    return fail("cannot read AWS_WEB_IDENTITY_TOKEN_FILE (" .. path .. ")")
  end
  local session = os.getenv("AWS_ROLE_SESSION_NAME")
  local given = session ~= nil and session ~= ""
  if not given then
    default_session = default_session or ("botocore-session-" .. os.time())
    session = default_session
  end
  local base = M.endpoint(region)
  local retry = require "lambda.aws.retry"
  policy = policy or retry.policy { service = "sts" }
  local body = M.body(role_arn, session, token, given)
  local creds, err = retry.send(policy, function() return attempt(base .. "/", body) end)
  if not creds then
    return fail("AssumeRoleWithWebIdentity failed: " .. tostring(err.message), {
      code = err.code, status = err.status, request_id = err.request_id,
      attempts = err.attempts })
  end
  creds.expiration = creds.expiration and parse_time(creds.expiration)
  return creds
end

return M
