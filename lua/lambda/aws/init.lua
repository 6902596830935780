--- Calling AWS from Lua: `local aws = require "lambda.aws"` (or
--- `require("lambda").aws`). Loads only when required.
---   aws.sign{...} / aws.presign{...}   Signature Version 4 (sign.lua)
---   aws.credentials()                  the resolved credentials (credentials.lua)
---   aws.request{...}                   one signed call, with retries (request.lua)
---   aws.dynamodb:call("GetItem", p)    JSON-protocol services; also sqs,
---     secretsmanager, ssm, eventbridge, kinesis, stepfunctions, logs
---   aws.dynamodb.marshal / unmarshal   attribute values (dynamodb.lua)
---   aws.lambda:invoke(name, payload)   Lambda's Invoke
---   aws.s3:get/put/head/delete, aws.s3:presign_get/presign_put
---   aws.client(name, region)           any of these in another region
---   aws.region()                       the region calls go to by default
---   aws.warm(name, ...)                open their TLS connections now (init)
-- The parts load on first use: requiring lambda.aws at init costs
-- almost nothing until a call needs them.
local aws = {}

--- aws.sign{...}: see lambda/aws/sign.lua.
function aws.sign(req)
  return require("lambda.aws.sign").sign(req)
end

--- aws.presign{...}: see lambda/aws/sign.lua.
function aws.presign(req)
  return require("lambda.aws.sign").presign(req)
end

--- aws.request{...}: see lambda/aws/request.lua.
---@param req table
---@return any|nil value
---@return lambda.Error|nil err
function aws.request(req)
  return require("lambda.aws.request").request(req)
end

--- The endpoint a service's calls go to (request.lua).
function aws.endpoint(service_id, prefix, region)
  return require("lambda.aws.request").endpoint(service_id, prefix, region)
end

--- The credentials in use (see credentials.lua for the order), or nil
--- and an error value (kind "credentials"). tostring() of them hides the
--- secret.
---@return table|nil credentials
---@return lambda.Error|nil err
function aws.credentials()
  return require("lambda.aws.credentials").get()
end

local function make_client(name, region)
  local services = require "lambda.aws.services"
  if name == "lambda" then return services.lambda_client(region) end
  if name == "s3" then return services.s3_client(region) end
  local client = services.json_client(name, region)
  if client and name == "dynamodb" then
    -- aws.dynamodb.marshal and friends, next to :call
    local dynamodb = require "lambda.aws.dynamodb"
    for k, v in pairs(dynamodb) do
      if client[k] == nil then client[k] = v end
    end
  end
  return client
end

--- The region calls go to when none is given: AWS_REGION, then
--- AWS_DEFAULT_REGION, then us-east-1 (options.lua).
---@return string
function aws.region()
  return require("lambda.aws.options").region()
end

--- A client for service name in region (default: aws.region()).
function aws.client(name, region)
  local args = require("lambda.aws.options").read("lambda.aws.client",
    { name = name, region = region }, { name = "string!", region = "string" })
  local client = make_client(args.name, args.region)
  if not client then
    require("lambda.errors").raise("lambda.aws has no service " .. tostring(name))
  end
  return client
end

--- Opens (and keeps, in lambda.fetch's connection cache) a TLS connection
--- to each service's endpoint, so the first call of the first invocation
--- does not pay the handshake. Call it at the module's top level.
--- Returns true, or nil and the first error (lambda.fetch's).
---@return true|nil ok
---@return lambda.Error|nil err
function aws.warm(...)
  local fetch = require "lambda.fetch"
  local services = require "lambda.aws.services"
  local region = aws.region()
  local names = { ... }
  for i, name in ipairs(names) do
    if type(name) ~= "string" then
      require("lambda.errors").raise(("lambda.aws.warm: name %d must be a "
        .. "string, got %s"):format(i, type(name)))
    end
  end
  for _, name in ipairs(names) do
    local def = services.JSON_SERVICES[name]
    local prefix = def and def.prefix or name
    local id = def and def.id or name
    local base = aws.endpoint(id, prefix, region)
    -- Any answer will do: the connection is what is kept.
    local res, err = fetch.request(base .. "/", { method = "HEAD", timeout = 3000,
      redirect = false })
    if not res then return nil, err end
  end
  return true
end

setmetatable(aws, {
  __index = function(self, name)
    local client = make_client(name)
    if client then rawset(self, name, client) end
    return client
  end,
})

return aws
