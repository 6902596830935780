--- AWS service models (models/README.md): found on disk, loaded on a
--- service's first use, each shape decoded only when a call first needs
--- it, so that requiring lambda.aws costs nothing and a model's first use
--- costs a fraction of a millisecond.
---
---   local svc, err = model.load("dynamodb")
---   svc.name, svc.metadata, svc.operations, svc.paginators, svc.protocol
---   svc:operation("PutItem")  -> { name, http, input = {shape=...}, ... }
---   svc:shape("PutItemInput") -> the shape table (botocore's keys)
---   svc:rules()               -> the endpoint rule set (decoded once)
---   svc:operation_name("put_item") -> "PutItem"
---
--- Where a model is looked for, first found wins:
---   1. each folder of LUA_LAMBDA_AWS_MODELS (":"-separated), as
---      <folder>/<service>.model;
---   2. beside the Lua modules: for each package.path template that ends
---      in "/?.lua", <that folder>/aws-models/<service>.model (the task
---      root, lua_modules, each layer's lua/), which is where
---      `lua-lambda build` puts the models of the services a function uses;
---   3. under a stock lua5.4 only (a function's specs), the models beside
---      this file: the source tree's models/, or an installed lua-lambda's
---      share/lua-lambda/aws-models. The bootstrap embeds this file, so
---      on Lambda (and under invoke and serve) there is no third place.
local json = require "lambda.json"
local errors = require "lambda.errors"

local M = {}

-- The protocols lambda.aws speaks, in no order: a model listing several
-- (metadata.protocols) is spoken in the first of its own that is here.
M.PROTOCOLS = {
  json = true, ["rest-json"] = true, ["rest-xml"] = true, query = true,
  ec2 = true, ["smithy-rpc-v2-cbor"] = true,
}

local loaded = {}  -- service name -> model

-- Read once, when lambda.aws first needs a model: a process's
-- environment does not change under it (and specs that stand in for
-- os.getenv later still find the models).
local ENV_FOLDERS = os.getenv("LUA_LAMBDA_AWS_MODELS")

-- This file's folder when it was read from a file (a stock lua5.4):
-- .../lua/lambda/aws in the source tree, .../share/lua/5.4/lambda/aws
-- installed. nil when embedded in bootstrap ("@lambda/aws/model.lua").
local OWN_DIR = debug.getinfo(1, "S").source:match("^@(.*/lambda/aws)/model%.lua$")

local function model_paths(name)
  local paths = {}
  local env = ENV_FOLDERS
  if env and env ~= "" then
    for dir in env:gmatch("[^:]+") do
      paths[#paths + 1] = dir:gsub("/+$", "") .. "/" .. name .. ".model"
    end
  end
  for template in package.path:gmatch("[^;]+") do
    local root = template:match("^(.*)/%?%.lua$")
    if root then
      paths[#paths + 1] = root .. "/aws-models/" .. name .. ".model"
    end
  end
  if OWN_DIR then
    paths[#paths + 1] = OWN_DIR .. "/../../../models/" .. name .. ".model"
    paths[#paths + 1] = OWN_DIR .. "/../../../../lua-lambda/aws-models/" .. name .. ".model"
  end
  return paths
end

--- The file a service's model is read from, or nil and the places tried.
---@param name string
---@return string|nil path
---@return string[] tried
function M.find(name)
  local tried = model_paths(name)
  for _, path in ipairs(tried) do
    local f = io.open(path, "rb")
    if f then
      f:close()
      return path, tried
    end
  end
  return nil, tried
end

local Model = {}
Model.__index = Model

local function corrupt(self, what)
  errors.raise(("lambda.aws: the model of %s (%s) is damaged: %s"):format(
    self.name, self.path, what))
end

-- A JSON text of the model, decoded; a damaged model file is the
-- runtime's fault, not the caller's: raised.
local function decode(self, text, what)
  local value, err = json.decode(text)
  if err then corrupt(self, what .. ": " .. tostring(err.message)) end
  return value
end

-- The shape line named name: a binary search over the text, whose shape
-- lines the generator sorts by name (byte order); the start of the JSON
-- and the end of the line, or nil.
local function find_shape(text, lo, hi, name)
  local find, sub = string.find, string.sub
  while lo < hi do
    local mid = (lo + hi) // 2
    local nl = find(text, "\n", mid, true)  -- the first line start past mid
    if not nl or nl >= hi then
      hi = mid
    else
      local tab = find(text, "\t", nl + 1, true)
      if not tab then return nil end
      local here = sub(text, nl + 1, tab - 1)
      if here == name then
        return tab + 1, (find(text, "\n", tab, true) or (#text + 1)) - 1
      elseif here < name then
        lo = nl + 1
      else
        hi = mid
      end
    end
  end
  return nil
end

--- A shape by name (botocore's keys: type, members, member, key, value,
--- required, location traits...), decoded on first use; raises for a
--- name the model does not have (a model's refs are all its own).
---@param name string
---@return table
function Model:shape(name)
  local shape = self.shapes[name]
  if shape then return shape end
  local from, to = find_shape(self.text, self.shapes_at, #self.text, name)
  if not from then corrupt(self, "no shape " .. tostring(name)) end
  shape = decode(self, self.text:sub(from, to), "shape " .. name)
  self.shapes[name] = shape
  return shape
end

--- An operation by its name as AWS documents it ("PutItem"), with its
--- name set; nil when the service has none of that name.
---@param name string
---@return table|nil
function Model:operation(name)
  local op = self.operations[name]
  if op and op.name == nil then op.name = name end
  return op
end

--- The operation a snake_case method name stands for ("put_item" ->
--- "PutItem", "list_objects_v2" -> "ListObjectsV2"), as boto3 names its
--- methods (botocore.xform_name, computed by the generator), or nil.
---@param method string
---@return string|nil
function Model:operation_name(method)
  return self.methods[method]
end

--- The exception shape an error code stands for (botocore's
--- shape_for_error_code: the shape's error.code, else its name), with
--- its name; nil when the model has none.
---@param code string
---@return table|nil shape
---@return string|nil name
function Model:error_shape(code)
  if type(code) ~= "string" or code == "" then return nil end
  local name = self.error_codes[code]
  if not name then
    if not find_shape(self.text, self.shapes_at, #self.text, code) then return nil end
    name = code
  end
  local shape = self:shape(name)
  if not shape.exception then return nil end
  -- found by its name, but its error code is another: not this code's
  if name == code and shape.error and shape.error.code and shape.error.code ~= code then
    return nil
  end
  return shape, name
end

--- The endpoint rule set (botocore's endpoint-rule-set-1.json), decoded
--- on first use; nil when the model has none.
---@return table|nil
function Model:rules()
  if self.rules_value == nil then
    local value = decode(self, self.rules_text, "endpoint rules")
    self.rules_value = next(value) and value or false
    self.rules_text = nil
  end
  return self.rules_value or nil
end

local function read_model(name, path)
  local f, oerr = io.open(path, "rb")
  if not f then return nil, oerr end
  local text = f:read("a")
  f:close()
  local self = setmetatable({ name = name, path = path, text = text,
    shapes = {} }, Model)
  local head_end = text:find("\n", 1, true)
  local rules_end = head_end and text:find("\n", head_end + 1, true)
  if not rules_end then corrupt(self, "fewer than two lines") end
  local head = decode(self, text:sub(1, head_end - 1), "header")
  self.rules_text = text:sub(head_end + 1, rules_end - 1)
  self.shapes_at = rules_end  -- the "\n" before the first shape
  self.botocore = head.botocore
  self.metadata = head.metadata or {}
  self.operations = head.operations or {}
  self.paginators = head.paginators or {}
  self.methods = head.methods or {}
  self.error_codes = head.errorCodes or {}
  self.client_context_params = head.clientContextParams or {}
  for _, p in ipairs(self.metadata.protocols or { self.metadata.protocol }) do
    if M.PROTOCOLS[p] then
      self.protocol = p
      break
    end
  end
  self.protocol = self.protocol or self.metadata.protocol
  return self
end

--- The model of a service by botocore's name ("dynamodb", "sns",
--- "bedrock-runtime"), loaded once per Lua state; or nil and an error
--- value (kind "aws", code "UnknownService") naming where it looked.
---@param name string
---@return table|nil model
---@return lambda.Error|nil err
function M.load(name)
  local svc = loaded[name]
  if svc then return svc end
  local path, tried = M.find(name)
  if not path then
    return nil, errors.new("aws", ("no model of AWS service '%s' (looked in %s):"
      .. " `lua-lambda build` packs the models of the services a function's"
      .. " sources name, or name it in the function's aws-services.txt")
      :format(name, #tried > 0 and table.concat(tried, ", ") or "no folder"),
      { code = "UnknownService", service = name })
  end
  local err
  svc, err = read_model(name, path)
  if not svc then
    return nil, errors.new("aws", ("cannot read the model of %s: %s")
      :format(name, tostring(err)), { code = "UnknownService", service = name })
  end
  loaded[name] = svc
  return svc
end

--- Forgets every loaded model (tests).
function M.reset()
  loaded = {}
end

return M
