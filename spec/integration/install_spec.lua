-- lua-lambda as a user has it after `cmake --install`: a prefix of its
-- own, a stock lua5.4 finding the runtime's modules only where it looks
-- under that prefix (share/lua/5.4, lib/lua/5.4), and a folder from each
-- `lua-lambda new` template whose spec passes under the plain `busted`
-- (Debian's starts under Lua 5.1; the folder's .busted moves it to
-- lua5.4). The generated specs call the handler directly, so lambda.log
-- must load outside bootstrap and write Lambda's records there too.
local cjson = require "cjson"
local helper = require "helper"
local Process = require "process"
local sh, q, tmpdir = helper.sh, helper.quote, helper.tmpdir

local BUILD = Process.absolute(helper.build)
local REPO = Process.absolute(".")
local BUSTED = "/usr/bin/busted"
-- The cmake that configured the build, and its lib folder: "lib" under
-- /usr/local, where a stock lua5.4 looks (ctest says both).
local CMAKE = os.getenv("LUA_LAMBDA_CMAKE") or "cmake"
local LIBDIR = os.getenv("LUA_LAMBDA_INSTALL_LIBDIR") or "lib"

-- What a user's shell passes on (as spec/support/lib/process.lua does).
local PASS_THROUGH = {
  "PATH", "HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
  "TSAN_OPTIONS", "LD_LIBRARY_PATH", "LD_PRELOAD",
}

-- A timestamp as the runtime writes it: 2026-11-22T21:00:00.123Z
local STAMP = "%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ"

-- The record each template's handler logs when its spec calls it directly.
local RECORDS = {
  http = { message = "hello", fields = { name = "you" } },
  sqs = { message = "processed order", fields = { id = 1 } },
  stream = { message = "streaming lines", fields = { n = 2 } },
  schedule = { message = "scheduled run",
    fields = { scheduled_for = "2026-12-02T10:00:00Z",
      request_id = "00000000-0000-4000-8000-000000000000" } },
}

local prefix

-- cmd in dir (or the repository) with only the user's variables, the
-- search paths a stock lua5.4 has under the prefix (";;" keeps its
-- defaults, where busted and its libraries are), the built CLI for
-- lambda.testing, and vars.
local function stock(cmd, vars, dir)
  local words = { "env", "-i" }
  for _, name in ipairs(PASS_THROUGH) do
    local v = os.getenv(name)
    if v then words[#words + 1] = q(name .. "=" .. v) end
  end
  local env = {
    LUA_PATH = prefix .. "/share/lua/5.4/?.lua;" .. prefix
      .. "/share/lua/5.4/?/init.lua;;",
    LUA_CPATH = prefix .. "/" .. LIBDIR .. "/lua/5.4/?.so;;",
    LUA_LAMBDA_CLI = helper.cli,
  }
  for name, value in pairs(vars or {}) do env[name] = value end
  local names = {}
  for name in pairs(env) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    words[#words + 1] = q(name .. "=" .. env[name])
  end
  return sh(("cd %s && %s %s"):format(q(dir or REPO),
    table.concat(words, " "), cmd))
end

-- The lines of out that hold a Text record at level with message.
local function text_records(out, level, message)
  local found = {}
  for line in out:gmatch("[^\n]+") do
    local stamp, rest = line:match("(" .. STAMP .. ")\t(.*)$")
    if stamp and rest:sub(1, #level + #message + 4)
        == "-\t" .. level .. "\t" .. message .. " " then
      found[#found + 1] = { stamp = stamp,
        fields = cjson.decode(rest:sub(#level + #message + 5)) }
    end
  end
  return found
end

-- The JSON records in out with message.
local function json_records(out, message)
  local found = {}
  for line in out:gmatch("[^\n]+") do
    local at = line:find('{"timestamp":', 1, true)
    if at then
      local record = cjson.decode(line:sub(at))
      if record.message == message then found[#found + 1] = record end
    end
  end
  return found
end

describe("an installed lua-lambda", function()
  setup(function()
    prefix = tmpdir()
    local ok, out = sh(("%s --install %s --prefix %s"):format(q(CMAKE),
      q(BUILD), q(prefix)))
    assert(ok, out)
  end)

  teardown(function()
    os.execute("rm -rf " .. q(prefix))
  end)

  it("puts every lambda module where a stock lua5.4 loads it and it works",
      function()
    local ok, out = stock(("lua5.4 %s %s"):format(
      q(REPO .. "/spec/fixtures/stock/modules.lua"), q(prefix)), {
      AWS_ACCESS_KEY_ID = "AKIDSTOCK", AWS_SECRET_ACCESS_KEY = "secret",
      AWS_REGION = "us-east-1", AWS_ENDPOINT_URL = "http://127.0.0.1:1",
    })
    assert.truthy(ok, out)
    assert.truthy(out:match("\nok\n$"), out)
    -- lambda.log's record and print's plain line, in the order written
    local record = text_records(out, "INFO", "stock record")
    assert.equal(1, #record, out)
    assert.same({ n = 1 }, record[1].fields)
    assert.truthy(out:find("stock record {\"n\":1}\nplain print\n", 1, true), out)
    assert.equal(1, #text_records(out, "ERROR", "record failed"), out)
    -- lambda.metrics's EMF line
    local emf = out:match("\n({[^\n]*\"_aws\"[^\n]*})\n")
    assert.truthy(emf, out)
    assert.equal(1, cjson.decode(emf).Stock)
  end)

  for _, template in ipairs { "http", "sqs", "stream", "schedule" } do
    it("runs a new " .. template .. " function's spec with plain busted, "
        .. "the handler called directly logging Lambda's records", function()
      local dir = tmpdir()
      finally(function() os.execute("rm -rf " .. q(dir)) end)
      local ok, out = stock(("%s new fn --template %s"):format(
        q(prefix .. "/bin/lua-lambda"), template), nil, dir)
      assert.truthy(ok, out)
      local want = RECORDS[template]

      -- Text, the default: no request id outside an invocation, as in
      -- the runtime's init.
      local passed, report = stock(BUSTED, nil, dir .. "/fn")
      assert.truthy(passed, report)
      assert.truthy(report:find(" 0 failures / 0 errors", 1, true), report)
      local text = text_records(report, "INFO", want.message)
      assert.equal(1, #text, report)
      assert.same(want.fields, text[1].fields)

      -- JSON when AWS_LAMBDA_LOG_FORMAT says so: no requestId field.
      passed, report = stock(BUSTED, { AWS_LAMBDA_LOG_FORMAT = "JSON" },
        dir .. "/fn")
      assert.truthy(passed, report)
      local records = json_records(report, want.message)
      assert.equal(1, #records, report)
      local record = records[1]
      assert.equal("INFO", record.level)
      assert.truthy(record.timestamp:match("^" .. STAMP .. "$"))
      assert.is_nil(record.requestId)
      for k, v in pairs(want.fields) do assert.same(v, record[k]) end

      -- A level above INFO drops it.
      passed, report = stock(BUSTED, { AWS_LAMBDA_LOG_FORMAT = "JSON",
        AWS_LAMBDA_LOG_LEVEL = "WARN" }, dir .. "/fn")
      assert.truthy(passed, report)
      assert.equal(0, #json_records(report, want.message), report)
    end)
  end
end)
