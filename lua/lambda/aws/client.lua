--- A client of any AWS service, driven by its model (lambda.aws.model):
---
---   local sns = aws.client("sns")                -- or aws.sns
---   local out, err = sns:call("Publish", { TopicArn = arn, Message = "hi" })
---   local out, err = sns:publish{ TopicArn = arn, Message = "hi" }
---   for page in aws.s3:paginate("ListObjectsV2", { Bucket = "b" }) do ... end
---
--- A call: the model's operation, its idempotency tokens filled in, the
--- request made by the service's protocol (lambda.aws.protocol.*), the
--- endpoint from the service's rules (lambda.aws.endpoints), signed
--- (lambda.aws.sign) with the scheme the rules name, sent with lambda.fetch
--- and retried (lambda.aws.retry), the answer parsed into the output
--- shape, or an error value: kind "aws" with AWS's code, message, status,
--- request_id, retryable, throttling, attempts and the error's modeled
--- members in `fields` (docs/errors.md).
local json = require "lambda.json"
local errors = require "lambda.errors"
local options = require "lambda.aws.options"
local model = require "lambda.aws.model"
local common = require "lambda.aws.protocol.common"
local sigv4 = require "lambda.sigv4"

local M = {}

-- Each protocol's module (protocol/<file>.lua).
local PROTOCOL_FILES = {
  json = "json", ["rest-json"] = "rest_json", ["rest-xml"] = "rest_xml",
  query = "query", ec2 = "ec2", ["smithy-rpc-v2-cbor"] = "cbor",
}

-- What :call reads of its options table.
local CALL_OPTIONS = {
  region = "string", timeout = "number", max_attempts = "number",
  headers = "table", stream = "boolean", sink = "string|userdata",
  on_body = "function", max_body = "number",
}

local Client = {}

--- The protocol module a service is spoken in.
function M.protocol_of(svc)
  local file = PROTOCOL_FILES[svc.protocol]
  if not file then
    return nil, errors.new("aws", ("lambda.aws speaks none of %s's protocols (%s)")
      :format(svc.name, tostring(svc.protocol)), { code = "UnsupportedProtocol" })
  end
  return require("lambda.aws.protocol." .. file)
end

-- botocore's generate_idempotent_uuid: a top-level member marked
-- idempotencyToken that the caller left out gets a UUID.
local function with_tokens(svc, op, params)
  local shape = common.input_shape(svc, op)
  if not shape or not shape.members then return params end
  local copy
  for name, member in pairs(shape.members) do
    if member.idempotencyToken and common.absent(params[name]) then
      if not copy then
        copy = {}
        for k, v in pairs(params) do copy[k] = v end
      end
      copy[name] = common.uuid4()
    end
  end
  return copy or params
end

-- S3's models put {Bucket} in the path, and its endpoint rules put the
-- bucket in the URL (virtual-hosted or path-style): as botocore's
-- remove_bucket_from_url_paths_from_model, the path loses it. The
-- operation is copied once per service.
local function s3_operation(svc, op)
  local uri = op.http and op.http.requestUri or "/"
  if svc.name ~= "s3" or uri:sub(1, 9) ~= "/{Bucket}" then return op end
  svc.s3_ops = svc.s3_ops or {}
  local copy = svc.s3_ops[op.name]
  if copy then return copy end
  copy = {}
  for k, v in pairs(op) do copy[k] = v end
  copy.http = {}
  for k, v in pairs(op.http) do copy.http[k] = v end
  local rest = uri:sub(10)
  if rest:sub(1, 1) ~= "/" then rest = "/" .. rest end
  copy.http.requestUri = rest
  svc.s3_ops[op.name] = copy
  return copy
end

--- botocore's _urljoin: the endpoint's URL, the request's path (a "/"
--- path keeps the endpoint's own), the host prefix before the host.
function M.join_url(base, path, host_prefix)
  local scheme, host, base_path = base:match("^(%a[%w+.-]*://)([^/?#]*)([^?#]*)")
  if not scheme then return nil end
  if host_prefix then host = host_prefix .. host end
  local new_path
  if path == nil or path == "" or path == "/" then
    new_path = base_path ~= "" and base_path or "/"
  elseif base_path:sub(-1) == "/" and path:sub(1, 1) == "/" then
    new_path = base_path:sub(1, -2) .. path
  else
    new_path = base_path .. path
  end
  return scheme .. host .. new_path
end

local function query_string(pairs_list)
  if not pairs_list or #pairs_list == 0 then return "" end
  local parts = {}
  for i, pair in ipairs(pairs_list) do
    local name, value = pair[1], pair[2]
    -- a key alone ("?uploads" in a requestUri) stays alone, as botocore
    -- sends it; SigV4's canonical query reads it as "uploads="
    parts[i] = sigv4.uri_encode(tostring(name))
      .. (value ~= nil and ("=" .. sigv4.uri_encode(tostring(value))) or "")
  end
  return table.concat(parts, "&")
end

-- The first auth scheme of the endpoint that lambda.aws can sign
-- (sigv4), as signing name and region; the model's when none is named.
local function signing_of(svc, endpoint, region)
  local name = svc.metadata.signingName or svc.metadata.endpointPrefix or svc.name
  local schemes = endpoint.properties and endpoint.properties.authSchemes
  if type(schemes) == "table" then
    for _, scheme in ipairs(schemes) do
      if scheme.name == "sigv4" then
        return scheme.signingName or name, scheme.signingRegion or region,
          scheme.disableDoubleEncoding
      end
    end
    if schemes[1] and schemes[1].name == "sigv4a" then
      -- SigV4a (multi-region access points) needs ECDSA signing, which
      -- lambda.aws does not do; S3 falls back to the region's SigV4.
      return schemes[1].signingName or name, region, schemes[1].disableDoubleEncoding
    end
  end
  return name, region
end

local function response_error(svc, op, P, res)
  local parsed = P.parse_error(svc, op, res) or {}
  local code = parsed.code
  if not code or code == "" then code = "HTTP" .. tostring(res.status) end
  -- its "retryable" trait ({ throttling = bool }) is lambda.aws.retry's
  local shape = svc:error_shape(code)
  return errors.new("aws", parsed.message and tostring(parsed.message)
    or ("HTTP " .. tostring(res.status)), {
    code = code, status = res.status, request_id = parsed.request_id,
    fields = parsed.fields, service = svc.name, operation = op.name,
    retryable_trait = shape and shape.retryable or nil,
    body = type(res.body) == "string" and res.body or nil, headers = res.headers,
  })
end

local function transport_error(err)
  local kind = tostring(err and err.kind or "connection")
  return errors.new(kind, tostring(err and err.message or "no response"), {
    code = "Transport." .. kind, curl_code = err and err.curl_code,
  })
end

-- Whether the operation's answer is an event stream (read as it comes).
local function streams_events(svc, op)
  local shape = common.output_shape(svc, op)
  local payload = shape and shape.payload and shape.members[shape.payload]
  if not payload then return false end
  return svc:shape(payload.shape).eventstream == true
end

-- One attempt: credentials, signature, the exchange, the answer parsed.
local function attempt(self, call)
  local creds, cerr = require("lambda.aws.credentials").get()
  if not creds then
    return nil, errors.new("credentials", tostring(cerr.message),
      { code = "CredentialsError", retryable = false })
  end
  local headers = {}
  for name, value in pairs(call.headers) do headers[name] = value end
  local added = require("lambda.aws.sign").sign {
    method = call.method, url = call.url, headers = headers, body = call.body,
    service = call.signing_name, region = call.signing_region, credentials = creds,
  }
  for name, value in pairs(added) do headers[name] = value end
  local res, err = require("lambda.fetch").request(call.url, {
    method = call.method, headers = headers, body = call.body,
    timeout = call.opts.timeout, redirect = false, max_body = call.opts.max_body,
    stream = call.stream or nil, sink = call.opts.sink, on_body = call.opts.on_body,
  })
  if not res then return nil, transport_error(err) end
  if res.status >= 300 then
    if res.read and not res.body then
      -- an error's body is small: read it whole to parse it
      local chunks = {}
      for chunk in res.read do chunks[#chunks + 1] = chunk end
      res.body = table.concat(chunks)
    end
    return nil, response_error(self.svc, call.op, call.P, res)
  end
  res.body = res.body or ""
  return call.P.parse(self.svc, call.op, res)
end

local function check_params(what, params)
  if params == json.null then params = nil end
  if params ~= nil and type(params) ~= "table" then
    errors.raise(what .. ": params must be a table, got " .. type(params))
  end
  return params or {}
end

--- The request a call would send, without sending it: { method, url,
--- headers, body, signing_name, signing_region, op, P, opts }; or nil and
--- an error value (an endpoint the rules refuse). For :call and tests.
function Client:prepare(operation, params, opts)
  local svc = self.svc
  local what = ("lambda.aws.%s:call"):format(self.name)
  options.read(what, { operation = operation }, { operation = "string!" })
  local op = svc:operation(operation)
  if not op then
    errors.raise(("%s: %s has no operation %s"):format(what, svc.name, operation))
  end
  params = with_tokens(svc, op, check_params(what, params))
  opts = options.read(what, opts, CALL_OPTIONS, "opts.")
  local P, perr = M.protocol_of(svc)
  if not P then return nil, perr end
  op = s3_operation(svc, op)
  local req = P.build(svc, op, params)
  require("lambda.aws.checksum").apply(svc, op, params, req)
  local region = options.region(opts.region or self.region)
  local endpoints = require "lambda.aws.endpoints"
  local endpoint, eerr = endpoints.resolve(svc, op, params,
    self.config or endpoints.config(svc, region))
  if not endpoint then return nil, eerr end
  local url = M.join_url(endpoint.url, req.path, req.host_prefix)
  local query = query_string(req.query)
  if query ~= "" then url = url .. "?" .. query end
  local headers = {}
  for name, value in pairs(endpoint.headers or {}) do
    headers[name:lower()] = type(value) == "table" and table.concat(value, ",") or value
  end
  for name, value in pairs(req.headers or {}) do headers[name] = value end
  for name, value in pairs(opts.headers or {}) do headers[tostring(name):lower()] = value end
  local signing_name, signing_region = signing_of(svc, endpoint, region)
  return {
    method = req.method, url = url, headers = headers, body = req.body,
    signing_name = signing_name, signing_region = signing_region,
    op = op, P = P, opts = opts,
    stream = opts.stream or streams_events(svc, op),
  }
end

--- client:call(OperationName, params [, opts]) -> the output (members by
--- the model's names) | nil, err. opts: region, timeout (ms, per
--- attempt), max_attempts, headers (added to the request), and for a
--- body read as it comes: stream (res.read), sink (a file path or
--- handle), on_body (a function given each chunk).
function Client:call(operation, params, opts)
  local call, err = self:prepare(operation, params, opts)
  if not call then return nil, err end
  return require("lambda.aws.retry").send(self.policy,
    function() return attempt(self, call) end,
    { max_attempts = call.opts.max_attempts })
end

-- Pagination ---------------------------------------------------------------

-- The paginator models' expressions: "A.B", "X[-1].Y", "a || b".
local function lookup(value, expr)
  for alt in (expr .. "||"):gmatch("%s*(.-)%s*||") do
    local v = value
    for part in alt:gmatch("[^.]+") do
      if type(v) ~= "table" then v = nil break end
      local name, index = part:match("^([^%[]+)%[(%-?%d+)%]$")
      if name then
        local list = v[name]
        index = tonumber(index)
        v = type(list) == "table" and list[index < 0 and #list + index + 1 or index + 1] or nil
      else
        v = v[part]
      end
    end
    if v ~= nil and v ~= json.null then return v end
  end
  return nil
end

local function list_of(x)
  if x == nil then return {} end
  return type(x) == "table" and x or { x }
end

-- Python's truth, which botocore's paginator reads tokens by: nil, false,
-- "", 0 and empty tables are no token.
local function truthy(v)
  if v == nil or v == json.null or v == false or v == "" or v == 0 then return false end
  if type(v) == "table" then return next(v) ~= nil end
  return true
end

local function same_value(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do
    if not same_value(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local Pager = {}
Pager.__index = Pager

-- The next page's tokens by input name, or nil when there are none (the
-- last page): botocore's PageIterator._get_next_token.
local function next_token(cfg, page)
  if cfg.more_results and not truthy(lookup(page, cfg.more_results)) then
    return nil
  end
  local inputs, token, any = list_of(cfg.input_token), {}, false
  for i, expr in ipairs(list_of(cfg.output_token)) do
    local value = lookup(page, expr)
    if truthy(value) then
      token[inputs[i]] = value
      any = true
    end
  end
  return any and token or nil
end

--- pager:next() -> the next page | nil at the end | nil, err. As
--- botocore pages: the tokens the paginator names carried from each
--- page into the next call (a token absent from a page leaves the
--- call), until a page has none or more_results says no; the same
--- tokens twice in a row end it with a PaginationError after that page.
function Pager:next()
  if self.done then return nil end
  local page, err = self.client:call(self.operation, self.params, self.opts)
  if not page then
    self.done, self.error = true, err
    return nil, err
  end
  self.pages = self.pages + 1
  local token = next_token(self.config, page)
  if not token then
    self.done = true
    return page
  end
  if self.previous and same_value(self.previous, token) then
    self.done = true
    self.error = errors.new("aws", ("%s: the same next token was received twice")
      :format(self.operation), { code = "PaginationError" })
    return page
  end
  for _, name in ipairs(list_of(self.config.input_token)) do
    self.params[name] = token[name]
  end
  self.previous = token
  return page
end

--- for page in pager do ... end: the pages; on an error the loop ends
--- and pager.error holds it.
function Pager:__call()
  return (self:next())
end

--- for item in pager:items() do ... end: the items of every page under
--- the paginator's (first) result key; ends as the pages do.
function Pager:items()
  local key = list_of(self.config.result_key)[1]
  local page, i = nil, 0
  return function()
    while true do
      if page then
        local list = lookup(page, key)
        i = i + 1
        if type(list) == "table" and list[i] ~= nil then return list[i] end
      end
      page, i = self:next(), 0
      if not page then return nil end
    end
  end
end

--- client:paginate(OperationName, params [, opts]) -> a pager: call it (or
--- use it in a for loop) for each page, :items() for the result key's
--- items, .error after the loop; raises when the model has no paginator
--- for the operation. opts: :call's, and page_size (the paginator's
--- limit key, as botocore's PageSize).
function Client:paginate(operation, params, opts)
  local what = ("lambda.aws.%s:paginate"):format(self.name)
  local config = type(operation) == "string" and self.svc.paginators[operation]
  if not config then
    errors.raise(("%s: %s has no paginator for %s"):format(what, self.svc.name,
      tostring(operation)))
  end
  local copy = {}
  for k, v in pairs(check_params(what, params)) do copy[k] = v end
  local call_opts
  if opts ~= nil and opts ~= json.null then
    call_opts = {}
    for k, v in pairs(opts) do call_opts[k] = v end
    if call_opts.page_size ~= nil then
      if not config.limit_key then
        errors.raise(("%s: %s's paginator has no page size"):format(what, operation))
      end
      copy[config.limit_key] = call_opts.page_size
      call_opts.page_size = nil
    end
  end
  return setmetatable({ client = self, operation = operation, params = copy,
    opts = call_opts, config = config, pages = 0 }, Pager)
end

-- Methods ------------------------------------------------------------------

-- client:put_item{...} is client:call("PutItem", {...}): the method is made
-- on first use and kept on the client.
local function index(self, key)
  local method = Client[key]
  if method ~= nil then return method end
  local extras = rawget(self, "extras")
  if extras and extras[key] ~= nil then return extras[key] end
  if type(key) ~= "string" then return nil end
  local op = self.svc:operation_name(key)
  if not op then return nil end
  local fn = function(client, params, opts) return client:call(op, params, opts) end
  rawset(self, key, fn)
  return fn
end

--- A client of service name (botocore's: "sns", "bedrock-runtime") in
--- region (default: aws.region() when a call is made); extras: a table of
--- the service's own helpers (aws.s3:get, dynamodb.marshal). nil and the
--- model's error when the service has no model here.
function M.new(name, region, extras)
  local svc, err = model.load(name)
  if not svc then return nil, err end
  local retry = require "lambda.aws.retry"
  return setmetatable({ name = name, svc = svc, region = region,
    extras = extras, policy = retry.policy { service = svc.metadata.endpointPrefix } },
    { __index = index,
    __name = "lambda.aws.client" })
end

M.Client = Client
M._with_tokens = with_tokens    -- for its spec
M._s3_operation = s3_operation

return M
