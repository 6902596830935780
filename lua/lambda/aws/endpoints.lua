--- Where a call goes: the endpoint of any AWS service, in any partition,
--- FIPS and dual-stack, from the model's endpoint rule set, as botocore's
--- EndpointRulesetResolver resolves it.
---
---   local endpoints = require "lambda.aws.endpoints"
---   local config = endpoints.config(svc, region)   -- the SDKs' environment
---   local ep, err = endpoints.resolve(svc, op, params, config)
---   ep = { url = "https://dynamodb.us-east-1.amazonaws.com",
---          headers = { [name] = value }, properties = { authSchemes = ... } }
---   err: kind "aws", code "EndpointResolutionError", message: the rule's
---
--- config = { region, use_fips, use_dualstack, endpoint_url,
---   force_path_style, s3_accelerate, s3_use_arn_region,
---   s3_disable_multiregion_access_points, s3_us_east_1_regional_endpoint,
---   sts_regional_endpoints, account_id, account_id_endpoint_mode,
---   client_context = { [rule-set parameter] = value } }
--- The rule set's parameters are filled in botocore's order: the
--- operation's staticContextParams, the input's contextParam members,
--- operationContextParams (JMESPath), client context, then builtins;
--- the rule set's defaults after that. What a service derives from its
--- rule set is compiled once and kept on the model (svc.endpoint_cache).
local errors = require "lambda.errors"
local json = require "lambda.json"
local rules = require "lambda.aws.endpoint_rules"
local jmespath = require "lambda.aws.endpoint_jmespath"
local lib = require "lambda.aws.endpoint_functions"

local M = {}

-- botocore's LEGACY_GLOBAL_STS_REGIONS (args.py).
local LEGACY_STS = {}
for r in ([[ap-northeast-1 ap-south-1 ap-southeast-1 ap-southeast-2 aws-global
  ca-central-1 eu-central-1 eu-north-1 eu-west-1 eu-west-2 eu-west-3 sa-east-1
  us-east-1 us-east-2 us-west-1 us-west-2]]):gmatch("%S+") do LEGACY_STS[r] = true end

-- botocore's ensure_boolean for environment values: "true" in any case.
local function env_bool(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  return v:lower() == "true"
end

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  return v
end

--- The variable that names a service's own endpoint: AWS_ENDPOINT_URL_
--- and the serviceId upper-cased, spaces and "-" as "_" (botocore's
--- ConfiguredEndpointProvider; "DynamoDB" -> AWS_ENDPOINT_URL_DYNAMODB,
--- "Secrets Manager" -> AWS_ENDPOINT_URL_SECRETS_MANAGER).
function M.endpoint_variable(svc)
  local id = svc.metadata.serviceId or svc.name
  return "AWS_ENDPOINT_URL_" .. id:upper():gsub("[ %-]", "_")
end

--- The configuration the SDKs read from the environment, for a service:
--- region (lambda.aws.options.region), AWS_USE_FIPS_ENDPOINT,
--- AWS_USE_DUALSTACK_ENDPOINT, AWS_ENDPOINT_URL_<SERVICE> then
--- AWS_ENDPOINT_URL (both ignored under
--- AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), AWS_S3_US_EAST_1_REGIONAL_ENDPOINT,
--- AWS_STS_REGIONAL_ENDPOINTS, AWS_ACCOUNT_ID_ENDPOINT_MODE,
--- AWS_S3_USE_ARN_REGION, AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS,
--- AWS_S3_DISABLE_EXPRESS_SESSION_AUTH (each boolean: "true" in any case).
function M.config(svc, region)
  local c = {
    region = require("lambda.aws.options").region(region),
    use_fips = env_bool("AWS_USE_FIPS_ENDPOINT"),
    use_dualstack = env_bool("AWS_USE_DUALSTACK_ENDPOINT"),
    s3_us_east_1_regional_endpoint = env("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT"),
    sts_regional_endpoints = env("AWS_STS_REGIONAL_ENDPOINTS"),
    account_id_endpoint_mode = env("AWS_ACCOUNT_ID_ENDPOINT_MODE"),
    s3_use_arn_region = env_bool("AWS_S3_USE_ARN_REGION"),
    s3_disable_multiregion_access_points = env_bool("AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS"),
    s3_disable_express_session_auth = env_bool("AWS_S3_DISABLE_EXPRESS_SESSION_AUTH"),
  }
  if not env_bool("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") then
    c.endpoint_url = env(M.endpoint_variable(svc)) or env("AWS_ENDPOINT_URL")
  end
  return c
end

-- botocore's is_s3_accelerate_url: http(s)://s3-accelerate[.dualstack].amazonaws.com
local function is_accelerate_url(url)
  local scheme, netloc = url:match("^(%a[%w+.-]*)://([^/?#]*)")
  if not scheme or (scheme:lower() ~= "https" and scheme:lower() ~= "http")
    or netloc:sub(-13) ~= "amazonaws.com" then
    return false
  end
  local parts = lib.split(netloc, ".")
  if parts[1] ~= "s3-accelerate" then return false end
  local features = #parts - 3
  return features <= 0 or (features == 1 and parts[2] == "dualstack")
end

local function force_path_style(c)
  if c.force_path_style ~= nil then return c.force_path_style end
  local custom = c.endpoint_url
  return (custom ~= nil and not c.s3_accelerate and not is_accelerate_url(custom)) or false
end

-- botocore's builtins (ClientArgsCreator.compute_endpoint_resolver_builtin_defaults),
-- each computed only when a rule set asks for it.
local BUILTINS = {
  ["AWS::Region"] = function(c) return c.region end,
  -- a custom endpoint turns FIPS and dual-stack off
  ["AWS::UseFIPS"] = function(c) return c.endpoint_url == nil and c.use_fips == true end,
  ["AWS::UseDualStack"] = function(c) return c.endpoint_url == nil and c.use_dualstack == true end,
  ["SDK::Endpoint"] = function(c) return c.endpoint_url end,
  ["AWS::STS::UseGlobalEndpoint"] = function(c)
    return (c.sts_regional_endpoints or "regional") == "legacy" and LEGACY_STS[c.region or ""] == true
  end,
  ["AWS::S3::UseGlobalEndpoint"] = function(c)
    return (c.s3_us_east_1_regional_endpoint or "legacy") == "legacy"
      and (c.region == nil or c.region == "us-east-1")
  end,
  ["AWS::S3::Accelerate"] = function(c) return c.s3_accelerate == true end,
  ["AWS::S3::ForcePathStyle"] = force_path_style,
  ["AWS::S3::UseArnRegion"] = function(c) return c.s3_use_arn_region ~= false end,
  ["AWS::S3Control::UseArnRegion"] = function(c) return c.s3_use_arn_region == true end,
  ["AWS::S3::DisableMultiRegionAccessPoints"] = function(c)
    return c.s3_disable_multiregion_access_points == true
  end,
  ["AWS::Auth::AccountId"] = function(c) return c.account_id end,
  ["AWS::Auth::AccountIdEndpointMode"] = function(c) return c.account_id_endpoint_mode or "preferred" end,
}
M.BUILTINS = BUILTINS

-- botocore's customize_endpoint_resolver_builtins for S3 (handlers.py):
-- path-style for GetBucketLocation, never for an ARN.
local function s3_path_style(op, params, c)
  local bucket = params.Bucket
  if op.name == "GetBucketLocation" then return true end
  if type(bucket) == "string" and bucket:sub(1, 4) == "arn:"
    and select(2, bucket:gsub(":", "")) >= 5 then
    return false
  end
  return force_path_style(c)
end

-- The model's clientContextParams (name -> { type }): svc's when
-- lambda.aws.model gives them, else read from the header line when it
-- holds them (today's generator leaves them out: then none).
local function client_params(svc)
  if svc.client_context_params then return svc.client_context_params end
  local text = svc.text or ""
  local head_end = text:find("\n", 1, true) or #text
  local at = text:find('"clientContextParams":', 1, true)
  if not at or at > head_end then return {} end
  local head = json.decode(text:sub(1, head_end - 1))
  return type(head) == "table" and head.clientContextParams or {}
end

-- What a service derives from its rule set, once: the compiled rules.
local function cache_of(svc)
  local cache = svc.endpoint_cache
  if cache then return cache end
  local ruleset = svc:rules()
  if not ruleset then
    cache = { none = true }
  else
    local ok, compiled = pcall(rules.compile, ruleset)
    if not ok then
      errors.raise(("lambda.aws: the endpoint rules of %s are damaged: %s")
        :format(svc.name, type(compiled) == "table" and tostring(compiled.resolution
          or compiled.message) or tostring(compiled)))
    end
    cache = { ruleset = compiled, ops = {}, client = {} }
    for name in pairs(client_params(svc)) do cache.client[name] = true end
  end
  svc.endpoint_cache = cache
  return cache
end

-- An operation's context: static values, input members, JMESPath paths.
local function op_context(svc, cache, op)
  local ctx = cache.ops[op.name or op]
  if ctx then return ctx end
  ctx = { static = {}, members = {}, paths = {} }
  for name, p in pairs(op.staticContextParams or {}) do ctx.static[name] = p.value end
  for name, p in pairs(op.operationContextParams or {}) do
    ctx.paths[name] = jmespath.compile(p.path)
  end
  local input = op.input and op.input.shape and svc:shape(op.input.shape)
  for member, ref in pairs(input and input.members or {}) do
    if type(ref.contextParam) == "table" and ref.contextParam.name then
      ctx.members[ref.contextParam.name] = member
    end
  end
  cache.ops[op.name or op] = ctx
  return ctx
end

local function resolution_error(svc, message, python)
  return errors.new("aws", message, { code = "EndpointResolutionError",
    service = svc.name, python = python })
end

local NO_CONTEXT = { static = {}, members = {}, paths = {} }

local function absent(v)
  return v == nil or v == json.null
end

-- The client context (clientContextParams' values by parameter name):
-- config.client_context, and for S3 and S3 Control what botocore puts
-- there from its s3 configuration.
local function client_context(svc, config)
  local given = config.client_context or {}
  if svc.name ~= "s3" and svc.name ~= "s3control" then return given end
  local out = { UseArnRegion = config.s3_use_arn_region,
    DisableS3ExpressSessionAuth = config.s3_disable_express_session_auth == true }
  for k, v in pairs(given) do out[k] = v end
  return out
end

--- The rule set's parameters for a call (botocore's _get_provider_params).
function M.parameters(svc, op, params, config)
  local cache = cache_of(svc)
  if cache.none then return nil end
  params = params or {}
  config = config or {}
  local ctx = op and op_context(svc, cache, op) or NO_CONTEXT
  local s3 = svc.name == "s3" and op
  local client = client_context(svc, config)
  local out = {}
  for _, p in ipairs(cache.ruleset.params) do
    local name, v = p.name, nil
    v = ctx.static[name]
    if v == nil and ctx.members[name] then v = params[ctx.members[name]] end
    if v == nil and ctx.paths[name] then v = ctx.paths[name](params) end
    if v == nil and cache.client[name] then v = client[name] end
    if absent(v) and p.builtin then
      if s3 and p.builtin == "AWS::S3::ForcePathStyle" then
        v = s3_path_style(op, params, config)
      else
        local f = BUILTINS[p.builtin]
        if not f then
          return nil, resolution_error(svc, "Unknown builtin variable name: " .. p.builtin)
        end
        v = f(config)
      end
    end
    if not absent(v) then out[name] = v end
  end
  return out
end

--- The rule set's endpoint for parameters given as they are (no
--- builtins): what botocore's EndpointProvider.resolve_endpoint gives.
function M.evaluate(svc, parameters)
  local cache = cache_of(svc)
  if cache.none then
    return nil, resolution_error(svc, svc.name .. " has no endpoint rule set")
  end
  local ep, message, python = cache.ruleset:evaluate(parameters)
  if not ep then return nil, resolution_error(svc, message, python) end
  return ep
end

--- endpoints.resolve(svc, op, params, config) -> endpoint | nil, err.
--- op: the model's operation (svc:operation(name)), or nil for none;
--- params: the call's input; config: as endpoints.config gives it
--- (nil: endpoints.config(svc)).
function M.resolve(svc, op, params, config)
  config = config or M.config(svc)
  local parameters, err = M.parameters(svc, op, params, config)
  if not parameters then
    return nil, err or resolution_error(svc, svc.name .. " has no endpoint rule set")
  end
  return M.evaluate(svc, parameters)
end

return M
