--- AWS credentials, resolved in the SDKs' order and cached until five
--- minutes before they expire:
---   1. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (what
---      Lambda sets for the function's role);
---   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (and
---      AWS_ROLE_SESSION_NAME) exchanged with STS's
---      AssumeRoleWithWebIdentity (web_identity.lua; botocore's place for
---      it: after the environment's keys, before the container's);
---   3. the container credentials endpoint: AWS_CONTAINER_CREDENTIALS_FULL_URI
---      (or _RELATIVE_URI on 169.254.170.2) with AWS_CONTAINER_AUTHORIZATION_TOKEN
---      or the file named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (SnapStart,
---      Managed Instances);
---   4. the shared files ~/.aws/credentials and ~/.aws/config (or
---      AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), profile AWS_PROFILE or
---      "default" (local development).
--- A secret never appears in an error message or in tostring().
local errors = require "lambda.errors"

local M = {}

local REFRESH_BEFORE_S = 300
local RELATIVE_HOST = "http://169.254.170.2"

local cached  -- { creds = ..., expires = unix seconds or nil }

local redacted = {
  __tostring = function(c)
    return ("AWS credentials %s (secret hidden)"):format(c.access_key_id)
  end,
}

-- token: a string, or anything else for none (an endpoint's JSON may
-- say "Token": null).
local function make(id, secret, token, expires, source, account_id)
  return setmetatable({
    access_key_id = id, secret_access_key = secret,
    session_token = type(token) == "string" and token ~= "" and token or nil,
    expiration = expires, source = source, account_id = account_id,
  }, redacted)
end

local function fail(message)
  return nil, errors.new("credentials", message)
end

--- Unix seconds of an ISO 8601 UTC time ("2026-12-02T13:45:00Z", with
--- optional fractions), or nil.
function M.parse_time(s)
  local y, m, d, H, Mi, S = tostring(s):match(
    "^(%d%d%d%d)-(%d%d)-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + tonumber(H) * 3600 + tonumber(Mi) * 60 + tonumber(S)
end

local function from_env()
  local id, secret = os.getenv("AWS_ACCESS_KEY_ID"), os.getenv("AWS_SECRET_ACCESS_KEY")
  if id and id ~= "" and secret and secret ~= "" then
    return make(id, secret, os.getenv("AWS_SESSION_TOKEN"), nil, "environment")
  end
end

-- nil when not configured; the credentials; or nil and an error value.
local function from_web_identity()
  local web_identity = require "lambda.aws.web_identity"
  if not web_identity.configured() then return nil end
  local c, err = web_identity.fetch(require("lambda.aws.options").region(), M.parse_time)
  if not c then return nil, err end
  return make(c.access_key_id, c.secret_access_key, c.session_token,
    c.expiration, "web identity", c.account_id)
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function from_container()
  local uri = os.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
  local relative = os.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
  if (not uri or uri == "") and relative and relative ~= "" then
    uri = RELATIVE_HOST .. relative
  end
  if not uri or uri == "" then return nil end
  local token = os.getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
  local token_file = os.getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
  if token_file and token_file ~= "" then
    token = read_file(token_file)
    if not token then
      return fail("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ("
        .. token_file .. ")")
    end
    token = token:gsub("%s+$", "")
  end
  local headers = { accept = "application/json" }
  if token and token ~= "" then headers.authorization = token end
  local res, err = require("lambda.fetch").request(uri,
    { headers = headers, timeout = 2000, redirect = false })
  if not res then
    return fail("the container credentials endpoint failed: " .. tostring(err))
  end
  if res.status ~= 200 then
    return fail(("the container credentials endpoint answered %d"):format(res.status))
  end
  local doc = require("lambda.json").decode(res.body)
  if type(doc) ~= "table" or type(doc.AccessKeyId) ~= "string"
      or type(doc.SecretAccessKey) ~= "string" then
    return fail("the container credentials endpoint answered no credentials")
  end
  return make(doc.AccessKeyId, doc.SecretAccessKey, doc.Token,
    M.parse_time(doc.Expiration), "container")
end

-- The sections of an INI file: { [name] = { key = value } }.
local function parse_ini(text)
  local sections, current = {}, nil
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    local name = line:match("^%s*%[%s*(.-)%s*%]%s*$")
    if name then
      current = {}
      sections[name] = current
    elseif current and not line:match("^%s*[#;]") then
      local k, v = line:match("^%s*([%w_%.%-]+)%s*=%s*(.-)%s*$")
      if k then current[k:lower()] = v end
    end
  end
  return sections
end

local function from_files()
  local home = os.getenv("HOME") or ""
  local profile = os.getenv("AWS_PROFILE")
  if not profile or profile == "" then profile = "default" end
  local creds_path = os.getenv("AWS_SHARED_CREDENTIALS_FILE")
  if not creds_path or creds_path == "" then creds_path = home .. "/.aws/credentials" end
  local config_path = os.getenv("AWS_CONFIG_FILE")
  if not config_path or config_path == "" then config_path = home .. "/.aws/config" end
  local text = read_file(creds_path)
  local s = text and parse_ini(text)[profile]
  if not (s and s.aws_access_key_id) then
    text = read_file(config_path)
    local sections = text and parse_ini(text)
    s = sections and (sections["profile " .. profile]
      or (profile == "default" and sections.default or nil))
  end
  if s and s.aws_access_key_id and s.aws_secret_access_key then
    return make(s.aws_access_key_id, s.aws_secret_access_key,
      s.aws_session_token, nil, "shared files (profile " .. profile .. ")")
  end
end

--- The credentials: a table with access_key_id, secret_access_key,
--- session_token (or nil), expiration (unix seconds, or nil), source
--- ("environment", "web identity", "container", "shared files (profile
--- NAME)") and account_id (web identity's, else nil);
--- or nil and an error value (kind "credentials").
function M.get()
  local now = os.time()
  if cached and (not cached.expires or cached.expires - REFRESH_BEFORE_S > now) then
    return cached.creds
  end
  local creds, err = from_env()
  if not creds then creds, err = from_web_identity() end
  if not creds and not err then creds, err = from_container() end
  if not creds and not err then creds = from_files() end
  if not creds then
    if err then return nil, err end
    return fail("no AWS credentials: set AWS_ACCESS_KEY_ID and "
      .. "AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, "
      .. "the container credentials variables, or a profile in ~/.aws/credentials")
  end
  cached = { creds = creds, expires = creds.expiration }
  return creds
end

--- Forgets the cached credentials (the next get resolves them again).
function M.reset()
  cached = nil
end

return M
