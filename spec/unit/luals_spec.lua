-- The LuaLS annotations (luals/) against the real thing: every event class
-- against the sample events of its source (spec/fixtures/events, AWS's own,
-- and the templates' events), field by field and type by type, both ways
-- (a sample's field the class lacks, a required field a sample lacks); and
-- the C modules' functions against what luals/lambda.lua declares.
-- lua-language-server itself is packaged by neither Debian nor npm.
local json = require "lambda.json"
local helper = require "helper"

local ROOT = "."
local EVENTS = ROOT .. "/spec/fixtures/events/"
local TEMPLATES = ROOT .. "/src/cli/files/templates/"

local read = helper.read

-- Splits s at sep where not inside <...>.
local function split_top(s, sep)
  local parts, depth, start = {}, 0, 1
  for i = 1, #s do
    local c = s:sub(i, i)
    if c == "<" then depth = depth + 1
    elseif c == ">" then depth = depth - 1
    elseif c == sep and depth == 0 then
      parts[#parts + 1] = s:sub(start, i - 1)
      start = i + 1
    end
  end
  parts[#parts + 1] = s:sub(start)
  return parts
end

-- The type at the start of s: up to the first space outside <...>.
local function leading_type(s)
  local depth = 0
  for i = 1, #s do
    local c = s:sub(i, i)
    if c == "<" then depth = depth + 1
    elseif c == ">" then depth = depth - 1
    elseif c:match("%s") and depth == 0 then return s:sub(1, i - 1) end
  end
  return s
end

--- Classes from ---@class/---@field lines: name -> { parent, fields =
--- { name -> type } }.
local function parse(text, classes)
  local current
  for line in text:gmatch("[^\n]*") do
    local name, parent = line:match("^%-%-%-@class%s+([%w._]+)%s*:?%s*([%w._]*)")
    if name then
      current = { parent = parent ~= "" and parent or nil, fields = {}, order = {} }
      classes[name] = current
    elseif line:match("^%-%-%-@field") then
      assert(current, "a field outside a class: " .. line)
      local rest = line:match("^%-%-%-@field%s+(.*)$")
      local field, after = rest:match('^%["([^"]+)"%]%s+(.*)$')
      if not field then field, after = rest:match("^([%w_]+)%s+(.*)$") end
      assert(field, "cannot read " .. line)
      current.fields[field] = leading_type(after)
      current.order[#current.order + 1] = field
    elseif not line:match("^%-%-%-") then
      current = nil
    end
  end
  return classes
end

local function fields_of(classes, name)
  local all, class = {}, classes[name]
  while class do
    for k, v in pairs(class.fields) do
      if all[k] == nil then all[k] = v end
    end
    class = class.parent and assert(classes[class.parent], "no class " .. class.parent)
  end
  return all
end

local function is_array(v)
  if type(v) ~= "table" then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  return n == #v
end

local check

-- Whether v fits one alternative t; problems go into errs.
local function fits(classes, v, t, path, errs)
  if t == "any" then return true end
  if t == "nil" then return v == nil or v == json.null end
  if v == nil or v == json.null then return false end
  if t == "string" or t == "boolean" or t == "table" then return type(v) == t end
  if t == "number" then return type(v) == "number" end
  if t == "integer" then return math.type(v) == "integer" end
  local elem = t:match("^(.+)%[%]$")
  if elem then
    if not is_array(v) then return false end
    for i, x in ipairs(v) do check(classes, x, elem, path .. "[" .. i .. "]", errs) end
    return true
  end
  local value_type = t:match("^table<%s*string%s*,%s*(.+)>$")
  if value_type then
    if type(v) ~= "table" then return false end
    for k, x in pairs(v) do check(classes, x, value_type, path .. "." .. k, errs) end
    return true
  end
  assert(classes[t], "unknown type " .. t .. " at " .. path)
  if type(v) ~= "table" then return false end
  local fields = fields_of(classes, t)
  for k, x in pairs(v) do
    if fields[k] == nil then
      errs[#errs + 1] = ("%s.%s: in the sample, not in %s"):format(path, k, t)
    else
      check(classes, x, fields[k], path .. "." .. k, errs)
    end
  end
  for k, ft in pairs(fields) do
    local optional = ft == "any"
    for _, alt in ipairs(split_top(ft, "|")) do
      if alt == "nil" then optional = true end
    end
    if v[k] == nil and not optional then
      errs[#errs + 1] = ("%s.%s: %s requires it; the sample lacks it"):format(path, k, t)
    end
  end
  return true
end

function check(classes, v, t, path, errs)
  for _, alt in ipairs(split_top(t, "|")) do
    local sub = {}
    if fits(classes, v, alt, path, sub) then
      for _, e in ipairs(sub) do errs[#errs + 1] = e end
      return
    end
  end
  errs[#errs + 1] = ("%s: a %s (%s) where %s is declared"):format(path,
    type(v), tostring(v):sub(1, 40), t)
end

local SAMPLES = {
  ["lambda.events.APIGatewayProxyEvent"] = { "apigw-request.json",
    "apigw-restapi-openapi-request.json" },
  ["lambda.events.APIGatewayProxyResult"] = { "apigw-response.json" },
  ["lambda.events.APIGatewayV2HTTPEvent"] = { "apigw-v2-request-no-authorizer.json",
    "apigw-v2-request-iam.json", "apigw-v2-request-jwt-authorizer.json",
    "apigw-v2-request-lambda-authorizer.json" },
  ["lambda.events.FunctionUrlRequest"] = { "lambda-urls-request.json",
    TEMPLATES .. "http/events/event.json", TEMPLATES .. "stream/events/event.json" },
  ["lambda.events.FunctionUrlResponse"] = { "lambda-urls-response.json" },
  ["lambda.events.ALBTargetGroupRequest"] = { "alb-lambda-target-request-headers-only.json",
    "alb-lambda-target-request-multivalue-headers.json" },
  ["lambda.events.ALBTargetGroupResponse"] = { "alb-lambda-target-response.json" },
  ["lambda.events.SQSEvent"] = { "sqs-event.json", TEMPLATES .. "sqs/events/event.json" },
  ["lambda.events.SNSEvent"] = { "sns-event.json" },
  ["lambda.events.S3Event"] = { "s3-event.json", "s3-event-with-decoded.json" },
  ["lambda.events.EventBridgeEvent"] = { "codebuild-state-change.json",
    "ecr-image-push-event.json", "codepipeline-execution-state-change-event.json" },
  ["lambda.events.SchedulerEvent"] = { TEMPLATES .. "schedule/events/event.json" },
  ["lambda.events.DynamoDBStreamEvent"] = { "dynamodb-event.json" },
  ["lambda.events.KinesisEvent"] = { "kinesis-event.json" },
}

describe("LuaLS annotations #unit", function()
  local classes = {}
  for _, file in ipairs { "luals/lambda.lua", "luals/events.lua" } do
    assert(loadfile(ROOT .. "/" .. file), file .. " is not valid Lua")
    parse(read(ROOT .. "/" .. file), classes)
  end

  for class, samples in pairs(SAMPLES) do
    it("describes " .. class .. " as the samples have it", function()
      assert.truthy(classes[class], "no class " .. class)
      for _, sample in ipairs(samples) do
        local path = sample:find("/", 1, true) and sample or EVENTS .. sample
        local errs = {}
        check(classes, json.decode(read(path)), class, sample, errs)
        assert.same({}, errs)
      end
    end)
  end

  it("reaches every event class from a sampled one", function()
    local reached, queue = {}, {}
    for name in pairs(SAMPLES) do queue[#queue + 1] = name end
    while #queue > 0 do
      local name = table.remove(queue)
      local class = classes[name]
      if class and not reached[name] then
        reached[name] = true
        if class.parent then queue[#queue + 1] = class.parent end
        for _, t in pairs(class.fields) do
          for other in t:gmatch("lambda%.events%.[%w_]+") do queue[#queue + 1] = other end
        end
      end
    end
    for name in pairs(classes) do
      if name:find("^lambda%.events%.") then
        assert.is_true(reached[name] or name:find("Response$") ~= nil
          or name:find("Failure$") ~= nil, name .. " has no sample")
      end
    end
  end)

  it("declares the runtime's C modules' functions, no more, no fewer", function()
    local declared = {}
    for mod, fn in read(ROOT .. "/luals/lambda.lua"):gmatch("\nfunction ([%w_]+)[.:]([%w_]+)%(") do
      declared[mod] = declared[mod] or {}
      declared[mod][fn] = true
    end
    for short, module in pairs { json = "lambda.json", base64 = "lambda.base64" } do
      local real = {}
      for k, v in pairs(require(module)) do
        if type(v) == "function" then real[k] = true end
      end
      assert.same(real, declared[short], module)
    end
  end)

  it("describes lambda.Error as the modules return it", function()
    local fetch, http = require "lambda.fetch", require "lambda.http"
    local values = {
      json = select(2, json.decode("[1,")),
      base64 = select(2, require("lambda.base64").decode("!")),
      fetch = select(2, fetch.request("http://127.0.0.1:1/", { method = "A B" })),
      http = select(2, http.request({})),
      errors = require("lambda.errors").new("aws", "m", { code = "C",
        status = 400, request_id = "r", retryable = false, throttling = false,
        attempts = 1, body = "", headers = { ["x-a"] = "1" } }),
    }
    for name, err in pairs(values) do
      local errs = {}
      check(classes, err, "lambda.Error", name, errs)
      assert.same({}, errs)
    end
  end)
end)
