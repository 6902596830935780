--- The helpers some services' clients carry beside their model's
--- operations (client.lua looks here first):
---   aws.lambda:invoke(name, payload, opts)     (a table first: the Invoke operation)
---   aws.s3:get / put / head / delete, s3:presign_get / presign_put
---   aws.dynamodb.marshal / unmarshal and friends (dynamodb.lua)
local request = require "lambda.aws.request"
local sign = require "lambda.aws.sign"
local sigv4 = require "lambda.sigv4"
local json = require "lambda.json"
local errors = require "lambda.errors"
local options = require "lambda.aws.options"

local M = {}

-- What each helper reads of its options table (options.lua).
local INVOKE_OPTIONS = { qualifier = "string", invocation_type = "string",
  log_type = "string", region = "string", timeout = "number" }
local S3_OPTIONS = { region = "string", headers = "table",
  content_type = "string", timeout = "number", max_body = "number" }
local PRESIGN_OPTIONS = { region = "string", expires = "number",
  credentials = "table", time = "number" }

-- The names a helper takes before its options (each a non-empty
-- string), checked as options are: what = "lambda.aws.s3:get", names =
-- { "bucket", "key" }.
local function check_args(what, names, ...)
  local given, kinds = {}, {}
  for i, name in ipairs(names) do
    given[name] = select(i, ...)
    kinds[name] = "string!"
  end
  options.read(what, given, kinds)
end

-- --- Lambda ----------------------------------------------------------------

local Lambda = {}

--- lambda:invoke(name, payload, { qualifier, invocation_type, log_type,
--- region }) -> { status, payload (decoded JSON when it is), function_error,
--- log_result, executed_version } | nil, err.
function Lambda:invoke(name, payload, opts)
  if type(name) == "table" then
    return self:call("Invoke", name, payload)  -- the model's: invoke{FunctionName=...}
  end
  local what = "lambda.aws.lambda:invoke"
  check_args(what, { "name" }, name)
  opts = options.read(what, opts, INVOKE_OPTIONS, "opts.")
  local body = payload
  if type(body) ~= "string" then body = json.encode(payload == nil and json.null or payload) end
  local headers = {}
  if opts.invocation_type then headers["x-amz-invocation-type"] = opts.invocation_type end
  if opts.log_type then headers["x-amz-log-type"] = opts.log_type end
  local res, err = request.request {
    service = "lambda", service_id = "Lambda", region = opts.region or self.region,
    method = "POST",
    path = "/2015-03-31/functions/" .. sigv4.uri_encode(name) .. "/invocations",
    query = opts.qualifier and { Qualifier = opts.qualifier } or nil,
    headers = headers, body = body, raw = true, timeout = opts.timeout,
  }
  if not res then return nil, err end
  local decoded = res.body
  if decoded ~= "" then
    local v = json.decode(decoded)
    if v ~= nil then decoded = v end
  end
  return {
    status = res.status, payload = decoded,
    function_error = res.headers["x-amz-function-error"],
    log_result = res.headers["x-amz-log-result"],
    executed_version = res.headers["x-amz-executed-version"],
  }
end


-- --- S3 --------------------------------------------------------------------

local S3 = {}

-- A key encoded for the path: every byte but unreserved ones and '/'.
local function key_path(key)
  return sigv4.uri_encode(tostring(key), true)
end

-- Where an object is: virtual-hosted on AWS for DNS-safe bucket names,
-- path-style on a custom endpoint (LocalStack) or for other names.
function S3:locate(bucket, key, region)
  region = options.region(region or self.region)
  local base, custom = request.endpoint("S3", "s3", region)
  local path = "/" .. key_path(key or "")
  if not custom and bucket:match("^[a-z0-9][a-z0-9%-]*[a-z0-9]$") then
    base = base:gsub("^https://", "https://" .. bucket .. ".")
    return base, path, region
  end
  return base, "/" .. sigv4.uri_encode(bucket) .. path, region
end

local function s3_call(self, method, bucket, key, opts, body)
  local what = "lambda.aws.s3:" .. method:lower()
  check_args(what, { "bucket", "key" }, bucket, key)
  opts = options.read(what, opts, S3_OPTIONS, "opts.")
  local base, path, region = self:locate(bucket, key, opts.region)
  local headers = {}
  for name, value in pairs(opts.headers or {}) do headers[name] = value end
  if opts.content_type then headers["content-type"] = opts.content_type end
  return request.request {
    service = "s3", region = region, endpoint = base, method = method,
    path = path, headers = headers, body = body, raw = true,
    timeout = opts.timeout, max_body = opts.max_body,
  }
end

-- s3:get and s3:head: a field of the response, and the response.
local function s3_read(self, method, field, bucket, key, opts)
  local res, err = s3_call(self, method, bucket, key, opts)
  if not res then return nil, err end
  return res[field], res
end

--- s3:get(bucket, key, opts) -> body, res | nil, err (NoSuchKey: err.code)
function S3:get(bucket, key, opts)
  return s3_read(self, "GET", "body", bucket, key, opts)
end

--- s3:put(bucket, key, body, { content_type, headers }) -> res | nil, err
--- body: a string (signed), or a function returning chunks (sent
--- chunked as UNSIGNED-PAYLOAD).
function S3:put(bucket, key, body, opts)
  if body == nil or body == json.null then body = "" end
  if type(body) ~= "string" and type(body) ~= "function" then
    errors.raise("lambda.aws.s3:put: body must be a string or function, got "
      .. type(body))
  end
  return s3_call(self, "PUT", bucket, key, opts, body)
end

--- s3:head(bucket, key) -> headers, res | nil, err
function S3:head(bucket, key, opts)
  return s3_read(self, "HEAD", "headers", bucket, key, opts)
end

--- s3:delete(bucket, key) -> res | nil, err
function S3:delete(bucket, key, opts)
  return s3_call(self, "DELETE", bucket, key, opts)
end

local function presign(self, method, bucket, key, opts)
  local what = "lambda.aws.s3:presign_" .. method:lower()
  check_args(what, { "bucket", "key" }, bucket, key)
  opts = options.read(what, opts, PRESIGN_OPTIONS, "opts.")
  if opts.credentials then
    opts.credentials = options.read(what, opts.credentials,
      options.CREDENTIALS, "opts.credentials.")
  end
  local base, path, region = self:locate(bucket, key, opts.region)
  local url, err = sign.presign {
    method = method, url = base .. path, service = "s3", region = region,
    expires = opts.expires or 900, credentials = opts.credentials,
    time = opts.time,
  }
  if not url then return nil, err end
  return url
end

--- s3:presign_get(bucket, key, { expires }) -> URL | nil, err (no credentials)
function S3:presign_get(bucket, key, opts)
  return presign(self, "GET", bucket, key, opts)
end

--- s3:presign_put(bucket, key, { expires }) -> URL | nil, err
function S3:presign_put(bucket, key, opts)
  return presign(self, "PUT", bucket, key, opts)
end

--- The helpers of a service's client (by botocore's name), or nil.
function M.extras(name)
  if name == "lambda" then return Lambda end
  if name == "s3" then return S3 end
  if name == "dynamodb" then return require "lambda.aws.dynamodb" end
  return nil
end

return M
