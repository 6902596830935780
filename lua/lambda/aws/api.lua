--- lambda.aws's functions and clients, loaded when a function first
--- touches lambda.aws (init.lua stands in for this module until then, so
--- that requiring lambda.aws at init costs next to nothing).
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

-- Names lambda.aws has known by another name than botocore's.
local ALIASES = { eventbridge = "events" }

-- The client of a service by botocore's name, an alias, or the name with
-- "_" for "-" (aws.bedrock_runtime); nil and the model's error.
local function make_client(name, region)
  local model = require "lambda.aws.model"
  local model_name = ALIASES[name] or name
  if not model.find(model_name) and name:find("_", 1, true) then
    local dashed = name:gsub("_", "-")
    if model.find(dashed) then model_name = dashed end
  end
  local services = require "lambda.aws.services"
  return require("lambda.aws.client").new(model_name, region,
    services.extras(model_name))
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
  local client, err = make_client(args.name, args.region)
  if not client then require("lambda.errors").raise(err.message) end
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
  local region = aws.region()
  local names = { ... }
  for i, name in ipairs(names) do
    if type(name) ~= "string" then
      require("lambda.errors").raise(("lambda.aws.warm: name %d must be a "
        .. "string, got %s"):format(i, type(name)))
    end
  end
  local endpoints = require "lambda.aws.endpoints"
  for _, name in ipairs(names) do
    local client = aws.client(name)
    local ep, eerr = endpoints.resolve(client.svc, nil, {},
      endpoints.config(client.svc, region))
    if not ep then return nil, eerr end
    local base = ep.url:match("^(%a[%w+.-]*://[^/?#]*)")
    -- Any answer will do: the connection is what is kept.
    local res, err = fetch.request(base .. "/", { method = "HEAD", timeout = 3000,
      redirect = false })
    if not res then return nil, err end
  end
  return true
end

--- aws.sns, aws.dynamodb, aws["bedrock-runtime"]: a client in the default
--- region (made by init.lua's __index on first use, and kept there); a
--- name with no model is an error that says where the model was looked for.
function aws.service(name)
  local client, err = make_client(name)
  if not client then require("lambda.errors").raise(err.message) end
  return client
end

return aws
