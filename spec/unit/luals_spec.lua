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

-- The AWS services' types (luals/aws.lua, luals/aws/*.lua), generated by
-- scripts/aws-luals.lua from models/: every line one lua-language-server
-- reads as the annotation it means, every type named declared, every
-- function's @params its parameters, each client's methods its model's,
-- and the files what the generator makes of the models today.
local AWS_FILES_CMD = "ls " .. ROOT .. "/luals/aws.lua " .. ROOT .. "/luals/aws/*.lua"
local BUILTIN = { string = true, integer = true, number = true, boolean = true,
  any = true, table = true, ["nil"] = true, lightuserdata = true, userdata = true, ["function"] = true }

local function aws_files()
  local files = {}
  local p = assert(io.popen(AWS_FILES_CMD))
  for file in p:lines() do files[#files + 1] = file end
  p:close()
  return files
end

-- A type expression's names, into names; false when it is malformed.
local function type_names(t, names)
  local pos = 1
  local alt
  local function skip() pos = t:find("%S", pos) or #t + 1 end
  local function list(close, item)
    skip()
    if t:sub(pos, pos) == close then pos = pos + 1 return true end
    repeat
      if not item() then return false end
      skip()
      local c = t:sub(pos, pos)
      pos = pos + 1
      if c == close then return true end
      if c ~= "," then return false end
    until false
  end
  local function union()
    repeat
      if not alt() then return false end
      skip()
      if t:sub(pos, pos) ~= "|" then return true end
      pos = pos + 1
    until false
  end
  local function param()
    skip()
    local name = t:match("^[%a_][%w_]*%??%s*:", pos)
    if name then pos = pos + #name end
    return union()
  end
  function alt()
    skip()
    local lit = t:match('^"[^"]*"', pos)
    if lit then pos = pos + #lit return true end
    if t:match("^fun%(", pos) then
      pos = pos + 4
      if not list(")", param) then return false end
      if t:match("^%s*:", pos) then
        pos = t:find(":", pos, true) + 1
        if not union() then return false end
        while t:match("^%s*,", pos) do
          pos = t:find(",", pos, true) + 1
          if not union() then return false end
        end
      end
      return true
    end
    local name = t:match("^[%a_][%w_.]*", pos)
    if not name then return false end
    pos = pos + #name
    if name == "table" and t:sub(pos, pos) == "<" then
      pos = pos + 1
      if not list(">", union) then return false end
    else
      names[name] = true
    end
    while t:sub(pos, pos + 1) == "[]" do pos = pos + 2 end
    if t:sub(pos, pos) == "?" then pos = pos + 1 end
    return true
  end
  return union() and (skip() or true) and pos > #t
end

-- The type at the start of an annotation's rest: a fun(...) type is the
-- whole rest; else up to a space outside <...>.
local function type_at(rest)
  if rest:match("^fun%(") then return rest end
  return leading_type(rest)
end

-- One file's annotations: classes, aliases, each method's @params, and
-- the type names used, into into; errors for lines LuaLS would misread.
local function read_aws(file, into, errs)
  local params, class, n, locals = {}, nil, 0, {}
  local function use(t, line)
    if not type_names(t, into.used) then errs[#errs + 1] = ("%s:%d: bad type %s"):format(file, n, t) end
    into.where[t] = into.where[t] or (file .. ":" .. n .. ": " .. line)
  end
  local text = read(file)
  if text:sub(1, 10) ~= "---@meta _" then errs[#errs + 1] = file .. ": not ---@meta _" end
  for line in text:gmatch("([^\n]*)\n") do
    n = n + 1
    local name, parent = line:match("^%-%-%-@class ([%w._]+)%s*:?%s*([%w._]*)$")
    local field, ftype = line:match("^%-%-%-@field ([%a_][%w_]*%??) (.+)$")
    if not field then field, ftype = line:match('^%-%-%-@field (%["[%w_]+"%]) (.+)$') end
    if not field then field, ftype = line:match("^%-%-%-@field (%[string%]) (.+)$") end
    local pname, ptype = line:match("^%-%-%-@param ([%a_][%w_]*%??) (.+)$")
    ftype = ftype and type_at(ftype)
    ptype = ptype and type_at(ptype)
    local fclass, sep, fname, fargs = line:match("^function ([%a_][%w_]*)([.:])([%a_][%w_]*)%(([^)]*)%) end$")
    if name then
      class = name
      into.classes[name] = into.classes[name] or { fields = {}, methods = {}, parent = parent ~= "" and parent or nil }
      if parent ~= "" then use(parent, line) end
    elseif field and not class then
      errs[#errs + 1] = ("%s:%d: a field outside a class: %s"):format(file, n, line)
    elseif field then
      into.classes[class].fields[field:gsub("[%[%]\"]", "")] = ftype
      use(ftype, line)
    elseif line:match("^%-%-%-@alias ") then
      local alias, atype = line:match("^%-%-%-@alias ([%w._]+)%s*(.*)$")
      into.aliases[alias] = true
      if atype ~= "" then use(atype, line) end
    elseif line:match('^%-%-%-| ') then
      use(line:match("^%-%-%-| (.+)$"), line)
    elseif pname then
      params[#params + 1] = { name = pname:gsub("%?$", ""), type = ptype }
      use(ptype, line)
    elseif line:match("^%-%-%-@return ") then
      use(type_at(line:match("^%-%-%-@return (.+)$")), line)
      params.returns = (params.returns or 0) + 1
    elseif line:match("^%-%-%-@overload fun%(") then
      use(line:match("^%-%-%-@overload (.+)$"), line)
      into.overloads[#into.overloads + 1] = line
    elseif fclass then
      local names = {}
      for a in fargs:gmatch("[%a_][%w_]*") do names[#names + 1] = a end
      local declared = {}
      for _, p in ipairs(params) do declared[#declared + 1] = p.name end
      if table.concat(names, ",") ~= table.concat(declared, ",") then
        errs[#errs + 1] = ("%s:%d: %s's @params (%s) are not its parameters (%s)")
          :format(file, n, fname, table.concat(declared, ","), table.concat(names, ","))
      end
      local of = locals[fclass]
      if not of then errs[#errs + 1] = ("%s:%d: %s is no class's"):format(file, n, fclass)
      else into.classes[of].methods[fname] = params end
      params = {}
    elseif line:match("^local [%a_][%w_]* = {}$") then
      locals[line:match("^local ([%a_][%w_]*)")] = class
    elseif line == "" or line:match("^%-%-%- ")
      or line == "---" or line == "---@meta _" then
      if line == "" then class = nil end
    else
      errs[#errs + 1] = ("%s:%d: not an annotation LuaLS reads: %s"):format(file, n, line)
    end
  end
end

describe("LuaLS types of the AWS services #unit", function()
  local into = { classes = {}, aliases = {}, used = {}, where = {}, overloads = {} }
  local errs = {}
  local files = aws_files()
  for _, file in ipairs(files) do read_aws(file, into, errs) end

  it("are valid Lua, each line an annotation LuaLS reads, its types well formed", function()
    assert.is_true(#files > 400, tostring(#files))
    for _, file in ipairs(files) do
      assert(loadfile(file), file .. " is not valid Lua")
      -- lua-language-server skips a file over its preloadFileSize (500 KB)
      local f = assert(io.open(file, "rb"))
      assert.is_true(f:seek("end") < 500 * 1024, file)
      f:close()
    end
    assert.same({}, errs)
  end)

  it("name only declared types", function()
    local declared = {}
    for _, file in ipairs { "luals/lambda.lua", "luals/events.lua" } do
      for name in read(ROOT .. "/" .. file):gmatch("%-%-%-@class ([%w._]+)") do declared[name] = true end
    end
    local missing = {}
    for name in pairs(into.used) do
      if not (BUILTIN[name] or into.classes[name] or into.aliases[name] or declared[name]) then
        missing[#missing + 1] = name
      end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("describe aws.dynamodb:get_item, its input and its output", function()
    local client = assert(into.classes["aws.dynamodb.Client"], "no aws.dynamodb.Client")
    assert.equal("aws.Client", client.parent)
    local get_item = assert(client.methods.get_item, "no aws.dynamodb.Client:get_item")
    assert.same({ { name = "input", type = "aws.dynamodb.GetItemInput" },
      { name = "opts", type = "aws.CallOptions" }, returns = 2 }, get_item)
    local input = into.classes["aws.dynamodb.GetItemInput"].fields
    assert.equal("string", input.TableName)  -- required: no "?"
    assert.equal("table<string, aws.dynamodb.AttributeValue>", input.Key)
    assert.equal("boolean", input["ConsistentRead?"])
    assert.equal("table<string, aws.dynamodb.AttributeValue>",
      into.classes["aws.dynamodb.GetItemOutput"].fields["Item?"])
    assert.same({ { name = "input", type = "aws.dynamodb.PutItemInput" },
      { name = "opts", type = "aws.CallOptions" }, returns = 2 }, client.methods.put_item)
    assert.equal("string", into.classes["aws.dynamodb.AttributeValue"].fields["S?"])
    assert.equal("aws.dynamodb.Client", into.classes["lambda.aws"].fields.dynamodb)
    assert.is_nil(into.classes["lambda.aws"].fields["bedrock-runtime"])  -- not a Lua name
    local overloads = table.concat(into.overloads, "\n")
    assert.truthy(overloads:find('fun(name: "dynamodb", region?: string): aws.dynamodb.Client', 1, true))
    assert.truthy(overloads:find('fun(name: "bedrock-runtime", region?: string): aws.bedrock_runtime.Client', 1, true))
    assert.truthy(into.classes["aws.Client"].methods.call and into.classes["aws.Client"].methods.paginate)
  end)

  it("give each service's client its model's snake_case methods, call and paginate", function()
    local p = assert(io.popen("ls " .. ROOT .. "/models"))
    local n = 0
    for file in p:lines() do
      local name = file:match("^(.+)%.model$")
      if name then
        n = n + 1
        local f = assert(io.open(ROOT .. "/models/" .. file, "rb"))
        local head = json.decode(f:read("l"))
        f:close()
        local want = { call = true, paginate = true }
        for method in pairs(head.methods) do want[method] = true end
        local class = into.classes["aws." .. name:gsub("%-", "_") .. ".Client"]
        assert.truthy(class, "no client class for " .. name)
        local got = {}
        for method in pairs(class.methods) do got[method] = true end
        assert.same(want, got, name)
      end
    end
    p:close()
    assert.is_true(n > 400, tostring(n))
  end)

  it("are what scripts/aws-luals.lua makes of the models (DynamoDB, S3, SNS, EC2, Bedrock Runtime)", function()
    local tmp = helper.tmpdir()
    local names = { "dynamodb", "s3", "sns", "ec2", "bedrock-runtime" }
    assert(os.execute("mkdir -p " .. tmp .. "/models"))
    for _, name in ipairs(names) do
      assert(os.execute(("ln -s %s/models/%s.model %s/models/"):format(helper.quote(
        require("process").absolute(ROOT)), name, tmp)))
    end
    local ok, out = helper.sh(("LUA_LAMBDA_AWS_MODELS=%s/models LUA_PATH='lua/?.lua;lua/?/init.lua' "
      .. "lua5.4 scripts/aws-luals.lua %s/models %s/out"):format(tmp, tmp, tmp))
    assert.is_true(ok, out)
    local p = assert(io.popen("cd " .. tmp .. "/out/aws && ls"))
    local made = {}
    for file in p:lines() do made[#made + 1] = file end
    p:close()
    assert.is_true(#made >= #names, table.concat(made, " "))
    for _, file in ipairs(made) do
      assert.equal(read(tmp .. "/out/aws/" .. file), read(ROOT .. "/luals/aws/" .. file), file)
    end
  end)
end)
