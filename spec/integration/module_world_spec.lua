-- Lambda's module world and environment, locally: bootstrap, lua-lambda
-- invoke, serve and lambda.testing find modules where Lambda does (the
-- task root, lua_modules/, the layers) and never in this machine's
-- system paths, and give the function the environment Lambda would:
-- what Lambda sets, the template's Environment.Variables, --env-file,
-- --env and the shell's AWS variables; nothing else of the shell.
local cjson = require "cjson"
local helper = require "helper"
local testing = require "lambda.testing"

local sh, quote = helper.sh, helper.quote

local write = helper.write

-- Debian's lpeg (lua-lpeg, a test package): a C module installed where
-- a stock lua5.4 finds it and Lambda has nothing.
local function system_lpeg()
  local path = helper.system_module("lpeg")
  assert(path and path:match("^/usr/"), "lua-lpeg is not installed: " .. tostring(path))
  return path
end

-- A function folder whose handler requires lpeg at its top level.
local function lpeg_function()
  local dir = helper.tmpdir()
  write(dir .. "/app.lua", [[
local lpeg = require "lpeg"
return { handler = function(event)
  return { matched = lpeg.match(lpeg.C(lpeg.R"09"^1), event.text or "") }
end }
]])
  return dir
end

-- Runs lua-lambda invoke with args (a string) and shell (a string of
-- NAME=value words for its environment); returns ok, stdout, stderr.
local function invoke(args, shell)
  local dir = helper.tmpdir()
  local ok = os.execute(("env %s %s invoke %s >%s/out 2>%s/err"):format(shell or "",
    quote(helper.cli), args, dir, dir))
  return ok, helper.read(dir .. "/out"), helper.read(dir .. "/err")
end

describe("Lambda's module world, locally", function()
  local lpeg_so = system_lpeg()
  local server, dirs = nil, {}

  local function dir(d) dirs[#dirs + 1] = d return d end

  after_each(function()
    if server then server:stop() server = nil end
    for _, d in ipairs(dirs) do os.execute("rm -rf " .. quote(d)) end
    dirs = {}
  end)

  it("fails a module installed only system-wide as Lambda would, saying where it is and what to do", function()
    local fn = dir(lpeg_function())
    -- bootstrap, as on Lambda
    local _, run = helper.invoke("app.handler", '{"text":"42"}', { task_root = fn })
    assert.equal(1, #run.init_errors, run.stderr)
    local doc = cjson.decode(run.init_errors[1].body)
    assert.equal("Runtime.ImportModuleError", doc.errorType)
    assert.truthy(doc.errorMessage:find("module 'lpeg' not found", 1, true), doc.errorMessage)
    assert.truthy(doc.errorMessage:find("this machine has it at " .. lpeg_so, 1, true), doc.errorMessage)
    assert.truthy(doc.errorMessage:find("list the rock that provides 'lpeg' in your rockspec", 1, true),
      doc.errorMessage)
    -- lua-lambda invoke, even with the shell's LUA_CPATH pointing at it
    local ok, _, err = invoke(("app.handler --task-root %s"):format(quote(fn)),
      "LUA_CPATH=" .. quote(lpeg_so:match("^(.*)/") .. "/?.so;;"))
    assert.is_falsy(ok)
    assert.truthy(err:find("Runtime.ImportModuleError", 1, true), err)
    assert.truthy(err:find("this machine has it at", 1, true), err)
    -- serve, its shell's LUA_PATH and LUA_CPATH set too
    server = helper.serve({ "--task-root", fn }, { shell = {
      LUA_CPATH = lpeg_so:match("^(.*)/") .. "/?.so;;", LUA_PATH = "/usr/share/lua/5.4/?.lua;;" } })
    local r = server:invoke('{"text":"42"}')
    assert.equal("Runtime.ImportModuleError", r.json.errorType, r.body)
    assert.truthy(r.json.errorMessage:find("this machine has it at", 1, true))
    -- lambda.testing, run from a busted whose own LUA_CPATH finds it
    local _, terr = testing.invoke("app.handler", { text = "42" },
      { task_root = fn, cli = helper.cli })
    assert.equal("Runtime.ImportModuleError", terr.errorType)
  end)

  it("loads the same module from the function's lua_modules/, as Lambda does", function()
    local fn = dir(lpeg_function())
    assert(os.execute(("mkdir -p %s/lua_modules/lib/lua/5.4 && cp %s %s/lua_modules/lib/lua/5.4/")
      :format(fn, lpeg_so, fn)))
    local post = helper.invoke("app.handler", '{"text":"42"}', { task_root = fn })
    assert.same({ matched = "42" }, post.json)
    write(fn .. "/event.json", '{"text":"7"}')
    local ok, out = invoke(("app.handler %s/event.json --task-root %s"):format(quote(fn), quote(fn)))
    assert.truthy(ok)
    assert.same({ matched = "7" }, cjson.decode(out))
    server = helper.serve({ "--task-root", fn })
    assert.same({ matched = "9" }, server:invoke('{"text":"9"}').json)
  end)

  it("puts LUA_PATH and LUA_CPATH of the function's own environment first, ';;' adding no system path", function()
    local fn = dir(lpeg_function())
    local extra = dir(helper.tmpdir())
    write(extra .. "/found.lua", 'return "from LUA_PATH"')
    write(fn .. "/paths.lua", [[
return { handler = function()
  return { found = require "found", lpeg = (pcall(require, "lpeg")),
    first = package.path:match("^[^;]+"), cfirst = package.cpath:match("^[^;]+") }
end }
]])
    local post = helper.invoke("paths.handler", "{}", { task_root = fn, env = {
      LUA_PATH = extra .. "/?.lua;;",
      LUA_CPATH = lpeg_so:match("^(.*)/") .. "/nothing-here/?.so;;" } })
    assert.same({ found = "from LUA_PATH", lpeg = false, first = extra .. "/?.lua",
      cfirst = lpeg_so:match("^(.*)/") .. "/nothing-here/?.so" }, post.json)
    -- the same through serve, set by --env
    server = helper.serve({ "--task-root", fn, "paths.handler" },
      { env = { LUA_PATH = extra .. "/?.lua" } })
    assert.equal("from LUA_PATH", server:invoke("{}").json.found)
  end)

  it("stands --layer folders in for /opt, the last one on top, under invoke, serve and lambda.testing", function()
    local fn, l1, l2 = dir(helper.tmpdir()), dir(helper.tmpdir()), dir(helper.tmpdir())
    write(fn .. "/app.lua", [[
return { handler = function()
  return { shared = require("shared"), only1 = require("only1"),
    c = pcall(require, "lpeg") and "lpeg" or "none",
    dirs = os.getenv("LUA_LAMBDA_LAYER_DIRS") }
end }
]])
    assert(os.execute(("mkdir -p %s/lua %s/lua %s/lib/lua/5.4"):format(l1, l2, l2)))
    write(l1 .. "/lua/shared.lua", 'return "layer 1"')
    write(l1 .. "/lua/only1.lua", 'return "only in 1"')
    write(l2 .. "/lua/shared.lua", 'return "layer 2"')
    assert(os.execute(("cp %s %s/lib/lua/5.4/"):format(lpeg_so, l2)))
    local want = { shared = "layer 2", only1 = "only in 1", c = "lpeg", dirs = l1 .. ":" .. l2 }
    local ok, out, err = invoke(("app.handler --task-root %s --layer %s --layer %s")
      :format(quote(fn), quote(l1), quote(l2)))
    assert.truthy(ok, err)
    assert.same(want, cjson.decode(out))
    local r = testing.invoke("app.handler", {}, { task_root = fn, cli = helper.cli,
      layers = { l2, l1 } })
    assert.equal("layer 1", r.shared)
    server = helper.serve({ "--task-root", fn, "--layer", l1, "--layer", l2 })
    assert.same(want, server:invoke("{}").json)
    -- without --layer, none of it: /opt here is not a layer
    ok, _, err = invoke(("app.handler --task-root %s"):format(quote(fn)))
    assert.is_falsy(ok)
    assert.truthy(err:find("module 'shared' not found", 1, true), err)
  end)

  it("gives the function the template's variables, --env-file's, --env's and the shell's AWS ones, nothing else", function()
    local fn = dir(helper.tmpdir())
    write(fn .. "/app.lua", [[
local names = { "FROM_TEMPLATE", "FROM_GLOBALS", "FROM_PARAMETER", "FROM_FILE",
  "FROM_FLAG", "OVERRIDDEN", "LEAKED", "HOME", "LUA_PATH", "AWS_ACCESS_KEY_ID",
  "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "TZ", "LANG", "_HANDLER", "UNKNOWABLE" }
return { handler = function()
  local env = {}
  for _, name in ipairs(names) do env[name] = os.getenv(name) or false end
  return env
end }
]])
    write(fn .. "/template.yaml", [[
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Globals:
  Function:
    Environment:
      Variables:
        FROM_GLOBALS: "global"
        OVERRIDDEN: "by globals"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: app.handler
      CodeUri: .
      MemorySize: 256
      Environment:
        Variables:
          FROM_TEMPLATE: template   # a comment
          FROM_PARAMETER: !Sub "stage-${Stage}"
          OVERRIDDEN: by the function
          UNKNOWABLE: !GetAtt Table.Arn
          AWS_REGION: eu-north-1
]])
    write(fn .. "/local.env", "# the developer's\nFROM_FILE='file value'\nexport OVERRIDDEN=\"by the file\"\n")
    local want = {
      FROM_TEMPLATE = "template", FROM_GLOBALS = "global", FROM_PARAMETER = "stage-dev",
      FROM_FILE = "file value", FROM_FLAG = "flag", OVERRIDDEN = "by the file",
      LEAKED = false, HOME = false, LUA_PATH = false, AWS_ACCESS_KEY_ID = "AKIDLOCAL",
      AWS_ENDPOINT_URL_S3 = "http://127.0.0.1:4566", AWS_REGION = "eu-west-3",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE = "256", TZ = ":UTC", LANG = "en_US.UTF-8",
      _HANDLER = "app.handler", UNKNOWABLE = false,
    }
    local shell = { LEAKED = "from the shell", LUA_PATH = "/usr/share/lua/5.4/?.lua;;",
      AWS_ACCESS_KEY_ID = "AKIDLOCAL", AWS_ENDPOINT_URL_S3 = "http://127.0.0.1:4566",
      AWS_REGION = "eu-west-3", HOME = "/nonexistent-home" }
    server = helper.serve({ "--task-root", fn, "--env-file", fn .. "/local.env",
      "--env", "FROM_FLAG=flag" }, { shell = shell })
    assert.same(want, server:invoke("{}").json)
    local out = server:stop()
    server = nil
    -- what cannot be known here, and what Lambda would refuse, is said
    assert.truthy(out:find("UNKNOWABLE", 1, true), out)
    assert.truthy(out:find("Environment.Variables.AWS_REGION is refused by Lambda", 1, true), out)
    local words = {}
    for k, v in pairs(shell) do words[#words + 1] = quote(k .. "=" .. v) end
    local ok, result, err = invoke(("app.handler --task-root %s --env-file %s --env FROM_FLAG=flag")
      :format(quote(fn), quote(fn .. "/local.env")), table.concat(words, " "))
    assert.truthy(ok, err)
    assert.same(want, cjson.decode(result))
  end)

  it("takes the handler, memory and timeout from the template, the flags overriding", function()
    local fn = dir(helper.tmpdir())
    write(fn .. "/main.lua", [[
return {
  run = function() return { memory = os.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") } end,
  other = function() return "other" end,
  slow = function(_, ctx) return { left = ctx:get_remaining_time_in_millis() } end,
}
]])
    write(fn .. "/template.yml", [[
Resources:
  Main:
    Type: AWS::Serverless::Function
    Properties:
      Handler: main.run
      MemorySize: 512
      Timeout: 7
      CodeUri: ./
]])
    server = helper.serve({ "--task-root", fn })
    assert.same({ memory = "512" }, server:invoke("{}").json)
    server:stop()
    server = helper.serve({ "--task-root", fn, "main.slow" })
    local left = server:invoke("{}").json.left
    -- the template's 7 s, not the default 3 s
    assert.truthy(left > 3000 and left <= 7000, tostring(left))
    server:stop()
    server = helper.serve({ "--task-root", fn, "--memory", "1024", "main.run" })
    assert.same({ memory = "1024" }, server:invoke("{}").json)
    server:stop()
    server = helper.serve({ "--task-root", fn, "--no-template", "main.run" })
    assert.same({ memory = "128" }, server:invoke("{}").json)
  end)

  it("keeps lua-lambda invoke to Lambda's 6 MB, the event's and the result's, as serve does", function()
    local fn = dir(helper.tmpdir())
    write(fn .. "/app.lua", [[
return { handler = function(event)
  if type(event) == "table" then return ("y"):rep(event.n) end
  return #event
end }
]])
    local event = fn .. "/event.json"
    local function event_of(bytes)
      local f = assert(io.open(event, "wb"))
      f:write('"', ("x"):rep(bytes - 2), '"')
      f:close()
    end
    event_of(6291456)            -- the limit itself is taken
    local ok, out, err = invoke(("app.handler %s --task-root %s"):format(event, quote(fn)))
    assert.truthy(ok, err)
    assert.equal("6291454", out:match("%d+"))
    event_of(6291457)
    ok, _, err = invoke(("app.handler %s --task-root %s"):format(event, quote(fn)))
    assert.is_falsy(ok)
    assert.truthy(err:find("RequestEntityTooLarge", 1, true), err)
    -- a result over Lambda's 6,291,556 bytes (bootstrap's and serve's
    -- limit too) is Function.ResponseSizeTooLarge: here 6,291,557
    write(event, '{"n":6291555}')
    ok, out, err = invoke(("app.handler %s --task-root %s"):format(event, quote(fn)))
    assert.is_falsy(ok)
    assert.equal("", out)
    assert.truthy(err:find('"errorType":"Function.ResponseSizeTooLarge"', 1, true), err)
  end)

  it("runs the handler in its folder, with Lambda's PATH and no layer but --layer's", function()
    local fn = dir(helper.tmpdir())
    write(fn .. "/data.txt", "the function's")
    write(fn .. "/app.lua", [[
return { handler = function()
  local f = io.open("data.txt")
  return { data = f and f:read("a"), path = os.getenv("PATH"),
    opt = package.path:find("/opt/", 1, true) ~= nil,
    copt = package.cpath:find("/opt/", 1, true) ~= nil,
    layers = os.getenv("LUA_LAMBDA_LAYER_DIRS") }
end }
]])
    local want = { data = "the function's", path = "/usr/local/bin:/usr/bin/:/bin",
      opt = false, copt = false, layers = "" }
    -- from elsewhere: the working directory is the function's, as /var/task
    local ok, out, err = invoke(("app.handler --task-root %s"):format(quote(fn)))
    assert.truthy(ok, err)
    assert.same(want, cjson.decode(out))
    server = helper.serve({ "--task-root", fn })
    assert.same(want, server:invoke("{}").json)
  end)

  it("refuses --env and --env-file setting what Lambda sets itself, and takes the stand-ins for the role and region", function()
    local fn = dir(helper.tmpdir())
    write(fn .. "/app.lua", [[return { handler = function()
  return { os.getenv("AWS_REGION"), os.getenv("AWS_DEFAULT_REGION"), os.getenv("AWS_ACCESS_KEY_ID") }
end }]])
    local good, result, why = invoke(("app.handler --task-root %s --env AWS_DEFAULT_REGION=eu-west-1"
      .. " --env AWS_ACCESS_KEY_ID=AKIDLOCAL"):format(quote(fn)), "AWS_REGION=us-west-2")
    assert.truthy(good, why)
    assert.same({ "eu-west-1", "eu-west-1", "AKIDLOCAL" }, cjson.decode(result))
    for _, arg in ipairs { "--env _HANDLER=evil.x", "--env AWS_LAMBDA_FUNCTION_MEMORY_SIZE=99999",
        "--env LUA_LAMBDA_LAYER_DIRS=/tmp", "--env LAMBDA_RUNTIME_DIR=/x" } do
      local ok, _, err = invoke(("app.handler --task-root %s %s"):format(quote(fn), arg))
      assert.is_falsy(ok, arg)
      assert.truthy(err:find("is set by Lambda, not by the function", 1, true), err)
    end
    write(fn .. "/bad.env", "GOOD=1\nLAMBDA_TASK_ROOT=/elsewhere\n")
    local ok, _, err = invoke(("app.handler --task-root %s --env-file %s"):format(quote(fn),
      quote(fn .. "/bad.env")))
    assert.is_falsy(ok)
    assert.truthy(err:find("bad.env: LAMBDA_TASK_ROOT is set by Lambda", 1, true), err)
  end)

  it("finds the template above the function's folder, SAM's layout, for the function whose CodeUri it is", function()
    local root = dir(helper.tmpdir())
    assert(os.execute(("mkdir -p %s/src %s/other"):format(root, root)))
    for _, d in ipairs { "src", "other" } do
      write(root .. "/" .. d .. "/app.lua", [[
return { handler = function()
  return { which = os.getenv("WHICH") or false, format = os.getenv("AWS_LAMBDA_LOG_FORMAT") or false }
end }
]])
    end
    write(root .. "/template.yaml", [[
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./src/
      Handler: app.handler
      LoggingConfig:
        LogFormat: JSON
      Environment:
        Variables:
          WHICH: src
]])
    local ok, out, err = invoke(("--task-root %s app.handler"):format(quote(root .. "/src")))
    assert.truthy(ok, err)
    assert.same({ which = "src", format = "JSON" }, cjson.decode(out))
    -- a folder no function's CodeUri names: the template is not its own
    ok, out, err = invoke(("--task-root %s app.handler"):format(quote(root .. "/other")))
    assert.truthy(ok, err)
    assert.same({ which = false, format = false }, cjson.decode(out))
    -- run from the template's folder: told which folder Lambda gets
    local _, _, said = invoke(("--task-root %s src.app.handler"):format(quote(root)))
    assert.truthy(said:find("the CodeUri of Api is ./src/: Lambda gets that folder", 1, true), said)
  end)

  it("runs the function's own bootstrap when its folder carries one, as provided.al2023 does", function()
    local fn = dir(helper.tmpdir())
    write(fn .. "/app.lua", 'return { handler = function() return "own" end }')
    assert(os.execute(("cp %s %s/bootstrap"):format(quote(helper.bootstrap), fn)))
    server = helper.serve({ "--task-root", fn })
    assert.equal("own", server:invoke("{}").json)
    assert.truthy(server:output():find("runtime " .. fn .. "/bootstrap (the function's own)", 1, true),
      server:output())
  end)
end)
