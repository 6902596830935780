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
---   error text (botocore's); err.python names the Python exception
---   botocore would raise instead, for a rule set it cannot evaluate either
---
--- config = { region, use_fips, use_dualstack, endpoint_url,
---   force_path_style, s3_accelerate, s3_use_arn_region,
---   s3_disable_multiregion_access_points, s3_disable_express_session_auth,
---   s3_us_east_1_regional_endpoint,
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
---@param svc table
---@param region? string
---@return table
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
local function s3_path_style(c, op, params)
  local bucket = params.Bucket
  if op.name == "GetBucketLocation" then return true end
  if type(bucket) == "string" and bucket:sub(1, 4) == "arn:"
    and select(2, bucket:gsub(":", "")) >= 5 then
    return false
  end
  return force_path_style(c)
end

-- The model's clientContextParams (name -> { type }).
local function client_params(svc)
  return svc.client_context_params or {}
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
    cache = { ruleset = compiled, plans = {}, client = {} }
    for name in pairs(client_params(svc)) do cache.client[name] = true end
  end
  svc.endpoint_cache = cache
  return cache
end

local function resolution_error(svc, message, python)
  return errors.new("aws", message, { code = "EndpointResolutionError",
    service = svc.name, python = python })
end

local function absent(v)
  return v == nil or v == json.null
end

-- A client context value (clientContextParams' by parameter name):
-- config.client_context's, and for S3 and S3 Control what botocore puts
-- there from its s3 configuration, which wins.
local function client_value(svc, config, name)
  local given = config.client_context and config.client_context[name]
  if svc.name == "s3" or svc.name == "s3control" then
    if name == "DisableS3ExpressSessionAuth" then return config.s3_disable_express_session_auth == true end
    if name == "UseArnRegion" and config.s3_use_arn_region ~= nil then return config.s3_use_arn_region end
  end
  return given
end

-- Where each of the rule set's parameters comes from for an operation
-- (op nil: none), in botocore's order: the operation's static value, an
-- input member (contextParam), a JMESPath of the input
-- (operationContextParams), the client context, a builtin.
local function plan_of(svc, cache, op)
  local key = op and (op.name or op) or false
  local plan = cache.plans[key]
  if plan then return plan end
  local static, paths, members = {}, {}, {}
  if op then
    for name, p in pairs(op.staticContextParams or {}) do static[name] = p.value end
    for name, p in pairs(op.operationContextParams or {}) do paths[name] = jmespath.compile(p.path) end
    local input = op.input and op.input.shape and svc:shape(op.input.shape)
    for member, ref in pairs(input and input.members or {}) do
      if type(ref.contextParam) == "table" and ref.contextParam.name then
        members[ref.contextParam.name] = member
      end
    end
  end
  plan = {}
  for i, p in ipairs(cache.ruleset.params) do
    local builtin = p.builtin and BUILTINS[p.builtin]
    if svc.name == "s3" and op and p.builtin == "AWS::S3::ForcePathStyle" then builtin = s3_path_style end
    plan[i] = { name = p.name, static = static[p.name], member = members[p.name],
      path = paths[p.name], client = cache.client[p.name], builtin = builtin,
      unknown = p.builtin and not builtin and p.builtin }
  end
  cache.plans[key] = plan
  return plan
end

--- The rule set's parameters for a call (botocore's _get_provider_params).
function M.parameters(svc, op, params, config)
  local cache = cache_of(svc)
  if cache.none then return nil end
  params = params or {}
  config = config or {}
  local out = {}
  for _, e in ipairs(plan_of(svc, cache, op)) do
    local v = e.static
    if v == nil and e.member then v = params[e.member] end
    if v == nil and e.path then v = e.path(params) end
    if v == nil and e.client then v = client_value(svc, config, e.name) end
    if absent(v) and e.unknown then
      return nil, resolution_error(svc, "Unknown builtin variable name: " .. e.unknown)
    end
    if absent(v) and e.builtin then v = e.builtin(config, op, params) end
    if not absent(v) then out[e.name] = v end
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
---@param svc table
---@param op table|nil
---@param params table|nil
---@param config table|nil
---@return table|nil endpoint
---@return lambda.Error|nil err
function M.resolve(svc, op, params, config)
  config = config or M.config(svc)
  local parameters, err = M.parameters(svc, op, params, config)
  if not parameters then
    return nil, err or resolution_error(svc, svc.name .. " has no endpoint rule set")
  end
  return M.evaluate(svc, parameters)
end

return M
