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

-- Lists, uploads and downloads, through the model's operations --------------

local LIST_OPTIONS = { prefix = "string", delimiter = "string",
  start_after = "string", max_keys = "number", region = "string" }
local UPLOAD_OPTIONS = { content_type = "string", part_size = "number",
  region = "string", timeout = "number", params = "table" }
local DOWNLOAD_OPTIONS = { region = "string", timeout = "number",
  params = "table" }

M.MIN_PART_SIZE = 5 * 1024 * 1024   -- S3: every part but the last
M.DEFAULT_PART_SIZE = 8 * 1024 * 1024
M.MAX_PARTS = 10000

--- s3:list(bucket, { prefix, delimiter, start_after, max_keys }) -> an
--- iterator over the objects ({ Key, Size, ETag, LastModified, ... }) of
--- every page of ListObjectsV2, and its pager: after the loop,
--- pager.error is the error that ended it, if one did.
---   for object in aws.s3:list("logs", { prefix = "2026/" }) do ... end
function S3:list(bucket, opts)
  local what = "lambda.aws.s3:list"
  check_args(what, { "bucket" }, bucket)
  opts = options.read(what, opts, LIST_OPTIONS, "opts.")
  local pager = self:paginate("ListObjectsV2", { Bucket = bucket,
    Prefix = opts.prefix, Delimiter = opts.delimiter,
    StartAfter = opts.start_after, MaxKeys = opts.max_keys },
    { region = opts.region })
  return pager:items(), pager
end

-- The body as a function returning pieces of n bytes (the last may be
-- shorter; an empty body is one empty piece), then nil. A string is cut;
-- a file is read, a function's chunks are gathered, n bytes at a time.
local function pieces(body, n)
  if type(body) == "string" then
    local at, first = 1, true
    return function()
      if at > #body and not first then return nil end
      first = false
      local piece = body:sub(at, at + n - 1)
      at = at + n
      return piece
    end
  end
  local read = body
  if io.type(body) == "file" then
    read = function() return body:read(64 * 1024) end
  end
  local carry, done, first = "", false, true
  return function()
    local parts, size = { carry }, #carry
    while size < n and not done do
      local chunk = read()
      if chunk == nil then
        done = true
      else
        parts[#parts + 1] = chunk
        size = size + #chunk
      end
    end
    local all = table.concat(parts)
    carry = all:sub(n + 1)
    all = all:sub(1, n)
    if all == "" and not first then return nil end
    first = false
    return all
  end
end

local function abort_upload(self, bucket, key, id, region, err)
  self:call("AbortMultipartUpload", { Bucket = bucket, Key = key, UploadId = id },
    { region = region })
  return nil, err
end

-- The parts after the first: UploadPart each, then CompleteMultipartUpload.
local function upload_parts(self, bucket, key, id, first, next_piece, opts)
  local done, number, piece = {}, 1, first
  local call_opts = { region = opts.region, timeout = opts.timeout }
  while piece do
    if number > M.MAX_PARTS then
      return abort_upload(self, bucket, key, id, opts.region, errors.new("invalid",
        "more than 10,000 parts: give a larger part_size", { code = "TooManyParts" }))
    end
    local out, err = self:call("UploadPart", { Bucket = bucket, Key = key,
      UploadId = id, PartNumber = number, Body = piece }, call_opts)
    if not out then return abort_upload(self, bucket, key, id, opts.region, err) end
    done[number] = { ETag = out.ETag, PartNumber = number }
    number = number + 1
    piece = next_piece()
  end
  local out, err = self:call("CompleteMultipartUpload", { Bucket = bucket, Key = key,
    UploadId = id, MultipartUpload = { Parts = done } }, call_opts)
  if not out then return abort_upload(self, bucket, key, id, opts.region, err) end
  out.parts = #done
  return out
end

--- s3:upload(bucket, key, body, { content_type, part_size, params }) ->
--- the answer (ETag, ...; parts when it went in parts) | nil, err. body:
--- a string, a file handle or a function returning chunks then nil. Up to
--- part_size (default 8 MiB, at least 5 MiB) it is one PutObject;
--- beyond, a multipart upload of part_size parts, aborted on any error
--- so that no parts are left behind. params: more PutObject /
--- CreateMultipartUpload members (ContentType, Metadata, ...).
function S3:upload(bucket, key, body, opts)
  local what = "lambda.aws.s3:upload"
  check_args(what, { "bucket", "key" }, bucket, key)
  if type(body) ~= "string" and type(body) ~= "function" and io.type(body) ~= "file" then
    errors.raise(what .. ": body must be a string, a file or a function, got " .. type(body))
  end
  opts = options.read(what, opts, UPLOAD_OPTIONS, "opts.")
  local size = opts.part_size or M.DEFAULT_PART_SIZE
  if size < M.MIN_PART_SIZE then
    errors.raise(what .. ": part_size must be at least 5 MiB (S3's minimum)")
  end
  local next_piece = pieces(body, size)
  local first = next_piece() or ""
  local second = next_piece()
  local params = { Bucket = bucket, Key = key, ContentType = opts.content_type }
  for k, v in pairs(opts.params or {}) do params[k] = v end
  local call_opts = { region = opts.region, timeout = opts.timeout }
  if not second then
    params.Body = first
    return self:call("PutObject", params, call_opts)
  end
  local started, err = self:call("CreateMultipartUpload", params, call_opts)
  if not started then return nil, err end
  local queued = { second }
  local function rest()
    local q = table.remove(queued)
    if q then return q end
    return next_piece()
  end
  return upload_parts(self, bucket, key, started.UploadId, first, rest, opts)
end

--- s3:download(bucket, key, to, { params }) -> GetObject's answer without
--- Body (ContentLength, ETag, ...) | nil, err. to: a file path or handle
--- (the body written as it arrives) or a function given each chunk
--- (return false to stop). Nothing of the body is held in memory.
function S3:download(bucket, key, to, opts)
  local what = "lambda.aws.s3:download"
  check_args(what, { "bucket", "key" }, bucket, key)
  opts = options.read(what, opts, DOWNLOAD_OPTIONS, "opts.")
  local params = { Bucket = bucket, Key = key }
  for k, v in pairs(opts.params or {}) do params[k] = v end
  local call_opts = { region = opts.region, timeout = opts.timeout }
  if type(to) == "function" then
    call_opts.on_body = to
  elseif type(to) == "string" or io.type(to) == "file" then
    call_opts.sink = to
  else
    errors.raise(what .. ": to must be a file path, a file or a function, got " .. type(to))
  end
  local out, err = self:call("GetObject", params, call_opts)
  if not out then return nil, err end
  out.Body = nil
  return out
end

--- The helpers of a service's client (by botocore's name), or nil.
function M.extras(name)
  if name == "lambda" then return Lambda end
  if name == "s3" then return S3 end
  if name == "dynamodb" then return require "lambda.aws.dynamodb" end
  return nil
end

return M
