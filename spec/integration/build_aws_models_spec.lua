-- The AWS service models a function gets: lua-lambda build packs, as
-- aws-models/<service>.model, those of the services its Lua names
-- (aws.client("x"), aws.x, ...: src/cli/aws_scan.h) and its
-- aws-services.txt lists, refusing an unknown name there; --all-aws-models
-- packs all, the runtime layer carries all under lua/aws-models/; and
-- lua-lambda invoke and serve let the function load those models and no
-- others, so that what loads here loads deployed.
local helper = require "helper"
local Process = require "process"

local q = helper.quote

-- Writes path, making its folders.
local function write(path, text)
  assert(os.execute("mkdir -p " .. q(path:match("^(.*)/"))))
  helper.write(path, text)
end
local REPO = Process.absolute(".")
local MODELS = REPO .. "/models"
-- A function using only DynamoDB grows by less than this (issue 28).
local DYNAMODB_BOUND = 150 * 1024

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("a")
  p:close()
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  return code, (out:gsub("exit=%d+%s*$", ""))
end

-- The names in a zip, sorted.
local function zip_names(zip)
  local code, out = sh("/usr/bin/python3 -c 'import sys, zipfile; "
    .. "[print(n) for n in zipfile.ZipFile(sys.argv[1]).namelist()]' " .. q(zip))
  assert(code == 0, out)
  local names = {}
  for name in out:gmatch("[^\n]+") do names[#names + 1] = name end
  table.sort(names)
  return names
end

local function zip_read(zip, name)
  local code, out = sh(("/usr/bin/python3 -c 'import sys, zipfile; "
    .. "sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' %s %s")
    :format(q(zip), q(name)))
  assert(code == 0, out)
  return out
end

local function size(path)
  local f = assert(io.open(path, "rb"))
  local n = f:seek("end")
  f:close()
  return n
end

-- The models under folder/ of a list of zip names, sorted.
local function models_in(names, folder)
  local found = {}
  for _, name in ipairs(names) do
    local svc = name:match("^" .. folder:gsub("%-", "%%-") .. "/(.+)%.model$")
    if svc then found[#found + 1] = svc end
  end
  table.sort(found)
  return found
end

local function every_model()
  local names = {}
  local p = assert(io.popen("ls " .. q(MODELS)))
  for file in p:lines() do
    local svc = file:match("^(.+)%.model$")
    if svc then names[#names + 1] = svc end
  end
  p:close()
  table.sort(names)
  return names
end

local function build(dir, args)
  return sh(("%s build %s --no-bootstrap --no-template --arch x86_64 --out %s %s")
    :format(q(helper.cli), q(dir), q(dir .. "/out"), args or ""))
end

-- A handler that says whether lambda.aws.model loads each service named
-- in event.load, and the error code when it does not.
local PROBE = [[
local model = require "lambda.aws.model"
local M = {}
function M.handler(event)
  local out = {}
  for _, name in ipairs(event.load) do
    local svc, err = model.load(name)
    out[name] = svc ~= nil and "loaded" or err.code
  end
  return out
end
]]

local function invoke(dir, event, shell)
  local env = ""
  for k, v in pairs(shell or {}) do env = env .. k .. "=" .. q(v) .. " " end
  -- stdout alone: the result
  local code, out = sh(("(printf '%%s' %s | %s%s invoke app.handler - --task-root %s --no-template 2>/dev/null)")
    :format(q(event), env, q(helper.cli), q(dir)))
  return code, out
end

describe("lua-lambda build's AWS models", function()
  local work

  before_each(function()
    work = helper.tmpdir()
  end)

  after_each(function()
    os.execute("rm -rf " .. q(work))
  end)

  it("packs DynamoDB's model alone for a function using DynamoDB, growing it by less than 150 KB", function()
    local plain, ddb = work .. "/plain", work .. "/ddb"
    local handler = "local aws = require 'lambda.aws'\n"
      .. "return { handler = function(e) return %s end }\n"
    write(plain .. "/app.lua", handler:format("aws.region()"))
    write(ddb .. "/app.lua", handler:format("aws.dynamodb:get_item{ TableName = e.t, Key = {} }"))
    local code, out = build(plain)
    assert.equal(0, code, out)
    code, out = build(ddb)
    assert.equal(0, code, out)
    assert.truthy(out:find("carries the AWS models of 1 service: dynamodb", 1, true), out)
    assert.same({ "app.lua" }, zip_names(plain .. "/out/function.zip"))
    assert.same({ "app.lua", "aws-models/LICENSE", "aws-models/NOTICE",
      "aws-models/dynamodb.model" }, zip_names(ddb .. "/out/function.zip"))
    assert.equal(helper.read(MODELS .. "/dynamodb.model"),
      zip_read(ddb .. "/out/function.zip", "aws-models/dynamodb.model"))
    local grew = size(ddb .. "/out/function.zip") - size(plain .. "/out/function.zip")
    print(("\nDynamoDB-only function.zip grew by %d bytes (%.1f KB; bound %d)")
      :format(grew, grew / 1024, DYNAMODB_BOUND))
    assert.is_true(grew > 100000 and grew < DYNAMODB_BOUND, tostring(grew))
  end)

  it("finds the services the Lua names in each of its forms, and none in comments, strings or values", function()
    local fn = work .. "/fn"
    local forms = {
      ['aws.client("sns")'] = "sns",
      ["aws.client('sqs', 'eu-west-1')"] = "sqs",
      ['aws.client "kms"'] = "kms",
      ["aws.s3:list_objects_v2{ Bucket = 'b' }"] = "s3",
      ["lambda.aws.sts:get_caller_identity()"] = "sts",
      ['require("lambda").aws.ses'] = "ses",
      ['require("lambda.aws").ec2'] = "ec2",
      ['require "lambda.aws".client("sesv2")'] = "sesv2",
      ['aws["bedrock-runtime"]'] = "bedrock-runtime",
      ['aws.warm("kinesis", "logs")'] = { "kinesis", "logs" },
      ['local ssm = aws . ssm'] = "ssm",
    }
    local want, i = {}, 0
    for form, services in pairs(forms) do
      i = i + 1
      write(("%s/lib/f%d.lua"):format(fn, i), "local lambda = require 'lambda'\n"
        .. "local aws = lambda.aws\nreturn function() return " .. form .. " end\n")
      for _, s in ipairs(type(services) == "table" and services or { services }) do
        want[#want + 1] = s
      end
    end
    table.sort(want)
    write(fn .. "/app.lua", table.concat({
      "local aws = require 'lambda.aws'",
      "-- aws.sqs in a comment, aws.client('athena')",
      "--[==[ aws.glue in a long comment ]==]",
      "local s = 'aws.client(\"iam\")' .. [[aws.rds]]",
      "local name = 'redshift'",
      "local A = require 'lambda.aws'",
      "return { handler = function() return aws.client(name), A.route53,",
      "  aws.region(), aws.credentials(), aws.notaservice end }",
    }, "\n"))
    -- the function's tests and its dependencies are not its code
    write(fn .. "/spec/app_spec.lua", "local x = aws.client('dax')\n")
    write(fn .. "/app_spec.lua", "local x = aws.client('dax')\n")
    write(fn .. "/lua_modules/share/lua/5.4/dep.lua", "return aws.client('dax')\n")
    local code, out = build(fn)
    assert.equal(0, code, out)
    assert.same(want, models_in(zip_names(fn .. "/out/function.zip"), "aws-models"))
  end)

  it("adds the services aws-services.txt lists, and leaves the list out of the zip", function()
    local fn = work .. "/fn"
    write(fn .. "/app.lua", "return { handler = function() end }\n")
    write(fn .. "/aws-services.txt", "# the services a rock of ours calls\n"
      .. "sns   # notifications\n\n  bedrock-runtime\t\ns3\r\n")
    local code, out = build(fn)
    assert.equal(0, code, out)
    local names = zip_names(fn .. "/out/function.zip")
    assert.same({ "bedrock-runtime", "s3", "sns" }, models_in(names, "aws-models"))
    for _, name in ipairs(names) do assert.not_equal("aws-services.txt", name) end
  end)

  it("refuses an unknown name in aws-services.txt, saying where and the nearest known one", function()
    local fn = work .. "/fn"
    write(fn .. "/app.lua", "return { handler = function() end }\n")
    write(fn .. "/aws-services.txt", "sns\ndynamdb\nbedrock_runtime # typo\n")
    local code, out = build(fn)
    assert.equal(1, code, out)
    assert.truthy(out:find("aws-services.txt:2: no AWS service 'dynamdb' (did you mean 'dynamodb'?)", 1, true), out)
    assert.truthy(out:find("aws-services.txt:3: no AWS service 'bedrock_runtime' (did you mean 'bedrock-runtime'?)", 1, true), out)
    assert.is_nil(io.open(fn .. "/out/function.zip"), "a zip was written")
  end)

  it("warns of an aws.client name with no model, and packs the rest", function()
    local fn = work .. "/fn"
    write(fn .. "/app.lua", "local aws = require 'lambda.aws'\n"
      .. "return { handler = function() return aws.client('dynamdb'), aws.sns end }\n")
    local code, out = build(fn)
    assert.equal(0, code, out)
    assert.truthy(out:find("app.lua:2 names AWS service 'dynamdb', which lambda.aws has no model of (did you mean 'dynamodb'?)", 1, true), out)
    assert.same({ "sns" }, models_in(zip_names(fn .. "/out/function.zip"), "aws-models"))
  end)

  it("packs every model with --all-aws-models, none with --no-aws-models, and stages them with --stage", function()
    local fn = work .. "/fn"
    write(fn .. "/app.lua", "return { handler = function() return require('lambda.aws').sns end }\n")
    local code, out = build(fn, "--all-aws-models")
    assert.equal(0, code, out)
    local all = every_model()
    assert.is_true(#all > 400, tostring(#all))
    assert.same(all, models_in(zip_names(fn .. "/out/function.zip"), "aws-models"))
    code, out = build(fn, "--no-aws-models")
    assert.equal(0, code, out)
    assert.same({ "app.lua" }, zip_names(fn .. "/out/function.zip"))
    code, out = sh(("%s build %s --no-bootstrap --no-template --stage %s")
      :format(q(helper.cli), q(fn), q(work .. "/staged")))
    assert.equal(0, code, out)
    assert.equal(helper.read(MODELS .. "/sns.model"), helper.read(work .. "/staged/aws-models/sns.model"))
  end)

  it("puts every model in the runtime layer under lua/aws-models/, where a layered function loads them", function()
    local bootstrap = helper.deployable_bootstrap()
    if not bootstrap then pending("no deployable bootstrap in a sanitizer build") return end
    local code, out = sh(("%s build --runtime-layer --no-template --bootstrap %s --out %s")
      :format(q(helper.cli), q(bootstrap), q(work .. "/dist")))
    assert.equal(0, code, out)
    local names = zip_names(work .. "/dist/runtime-layer.zip")
    assert.equal("bootstrap", names[1])
    assert.same(every_model(), models_in(names, "lua/aws-models"))
    assert.equal(helper.read(MODELS .. "/ec2.model"),
      zip_read(work .. "/dist/runtime-layer.zip", "lua/aws-models/ec2.model"))
    -- the layer unpacked as Lambda unpacks it to /opt, under a function
    -- whose own zip carries no model
    local layer, fn = work .. "/opt", work .. "/fn"
    assert(sh(("/usr/bin/python3 -m zipfile -e %s %s"):format(q(work .. "/dist/runtime-layer.zip"), q(layer))) == 0)
    write(fn .. "/app.lua", PROBE .. "\nreturn M\n")
    code, out = sh(("(printf '%%s' '{\"load\":[\"sns\"]}' | %s invoke app.handler - --task-root %s --no-template --layer %s 2>/dev/null)")
      :format(q(helper.cli), q(fn), q(layer)))
    assert.equal(0, code, out)
    assert.same({ sns = "loaded" }, helper.decode(out))
  end)
end)

describe("an installed lua-lambda's AWS models", function()
  it("are installed in share/lua-lambda/aws-models, and its build packs those", function()
    local prefix = helper.tmpdir()
    local code, out = sh(("%s --install %s --prefix %s"):format(
      q(os.getenv("LUA_LAMBDA_CMAKE") or "cmake"), q(Process.absolute(helper.build)), q(prefix)))
    assert.equal(0, code, out)
    local installed = prefix .. "/share/lua-lambda/aws-models"
    local names = {}
    local p = assert(io.popen("ls " .. q(installed)))
    for file in p:lines() do names[#names + 1] = file:match("^(.+)%.model$") end
    p:close()
    table.sort(names)
    assert.same(every_model(), names)
    assert.equal(helper.read(MODELS .. "/NOTICE"), helper.read(installed .. "/NOTICE"))
    -- the services' LuaLS types, with the rest of luals/
    assert.equal(helper.read(REPO .. "/luals/aws/dynamodb.lua"),
      helper.read(prefix .. "/share/lua-lambda/luals/aws/dynamodb.lua"))
    assert.equal(helper.read(REPO .. "/luals/aws.lua"),
      helper.read(prefix .. "/share/lua-lambda/luals/aws.lua"))
    -- marked, so that a model packed from the source tree would differ
    local marked = helper.read(installed .. "/sns.model") .. "Zinstalled\t{}\n"
    helper.write(installed .. "/sns.model", marked)
    local fn = prefix .. "/fn"
    write(fn .. "/app.lua", "return { handler = function() return require('lambda.aws').sns end }\n")
    code, out = sh(("%s build %s --no-bootstrap --no-template --out %s")
      :format(q(prefix .. "/bin/lua-lambda"), q(fn), q(fn)))
    assert.equal(0, code, out)
    assert.equal(marked, zip_read(fn .. "/function.zip", "aws-models/sns.model"))
    os.execute("rm -rf " .. q(prefix))
  end)
end)

describe("lua-lambda invoke and serve's AWS models", function()
  local work, fn

  before_each(function()
    work = helper.tmpdir()
    fn = work .. "/fn"
  end)

  after_each(function()
    os.execute("rm -rf " .. q(work))
  end)

  it("lets invoke load a model its Lua names, and no other, whatever the shell's LUA_LAMBDA_AWS_MODELS", function()
    write(fn .. "/app.lua", PROBE .. "\nlocal function later() return require('lambda').aws.client('sns') end\nreturn M\n")
    local code, out = invoke(fn, '{"load":["sns","sqs"]}', { LUA_LAMBDA_AWS_MODELS = MODELS })
    assert.equal(0, code, out)
    assert.same({ sns = "loaded", sqs = "UnknownService" }, helper.decode(out))
  end)

  it("gives a function that names no service UnknownService from model.load", function()
    write(fn .. "/app.lua", PROBE .. "\nreturn M\n")
    local code, out = invoke(fn, '{"load":["sns"]}', { LUA_LAMBDA_AWS_MODELS = MODELS })
    assert.equal(0, code, out)
    assert.same({ sns = "UnknownService" }, helper.decode(out))
  end)

  it("lets invoke load the services aws-services.txt lists", function()
    write(fn .. "/app.lua", PROBE .. "\nreturn M\n")
    write(fn .. "/aws-services.txt", "sns\n")
    local code, out = invoke(fn, '{"load":["sns","dynamodb"]}')
    assert.equal(0, code, out)
    assert.same({ sns = "loaded", dynamodb = "UnknownService" }, helper.decode(out))
  end)

  it("lets serve's runtime load the models the build would pack, no others, and cleans up", function()
    write(fn .. "/app.lua", PROBE .. "\nlocal _ = require('lambda.aws').kms\nreturn M\n")
    local served = helper.serve({ "--task-root", fn, "--no-template", "app.handler" },
      { shell = { LUA_LAMBDA_AWS_MODELS = MODELS } })
    local r = served:invoke('{"load":["kms","sns"]}')
    local output = served:stop()
    assert.equal(200, r.status, output)
    assert.same({ kms = "loaded", sns = "UnknownService" }, r.json)
    local dir = output:match("AWS models for the function %(as lua%-lambda build packs them%), in LUA_LAMBDA_AWS_MODELS=(%S+): kms\n")
    assert.truthy(dir, output)
    assert.is_nil(io.open(dir), dir .. " is left behind")
  end)
end)
