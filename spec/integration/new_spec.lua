-- lua-lambda new: a function folder that passes its own spec at once, and
-- the first minutes of a new user: new, serve --http --watch, a browser's
-- GET, an edit, a reload.
local cjson = require "cjson"
local helper = require "helper"
local Process = require "process"
local sh, q, tmpdir = helper.sh, helper.quote, helper.tmpdir

local REPO = Process.absolute(".")
local BUILD = Process.absolute(helper.build)

-- The plain busted in dir (its .busted moves it to lua5.4), finding
-- lambda.testing and the CLI the way an installed lua-lambda lets it
-- (here: the tree's lua/ and the build's modules; install_spec runs it
-- on an install).
local function busted_in(dir)
  return sh(("cd %s && env LUA_PATH=%s LUA_CPATH=%s LUA_LAMBDA_CLI=%s /usr/bin/busted")
    :format(q(dir), q(REPO .. "/lua/?.lua;" .. REPO .. "/lua/?/init.lua;;"),
      q(BUILD .. "/lua/?.so;;"), q(helper.cli)))
end

describe("lua-lambda new", function()
  for _, template in ipairs { "http", "sqs", "stream", "schedule" } do
    it("makes a " .. template .. " function that passes its own spec", function()
      local dir = tmpdir()
      local ok, out = sh(("cd %s && %s new fn --template %s"):format(q(dir),
        q(helper.cli), template))
      assert.truthy(ok, out)
      for _, file in ipairs { "app.lua", "spec/app_spec.lua", "spec/support.lua", "events/event.json",
        "template.yaml", "README.md", ".busted", ".luarc.json" } do
        assert.truthy(io.open(dir .. "/fn/" .. file), file)
      end
      local template_yaml = assert(io.open(dir .. "/fn/template.yaml")):read("a")
      assert.truthy(template_yaml:find("Architectures: [arm64]", 1, true))
      assert.truthy(template_yaml:find("Runtime: provided.al2023", 1, true))
      assert.is_nil(template_yaml:find("{{", 1, true))
      local luarc = cjson.decode(assert(io.open(dir .. "/fn/.luarc.json")):read("a"))
      for _, lib in ipairs(luarc["workspace.library"]) do
        assert.truthy(io.open(lib .. "/lambda.lua") or io.open(lib .. "/lambda/init.lua"), lib)
      end
      local passed, report = busted_in(dir .. "/fn")
      assert.truthy(passed, report)
      assert.truthy(report:find(" 0 failures / 0 errors", 1, true), report)
      -- it deploys as generated: nothing to give at sam deploy, and the
      -- zip it names is what lua-lambda build writes (bootstrap with it)
      package.path = REPO .. "/src/cli/files/?.lua;" .. package.path
      local doc = assert(require("sam_template").parse(template_yaml))
      for name, p in pairs(doc.Parameters or {}) do
        assert.truthy(p.Default, "parameter " .. name .. " has no Default")
      end
      local fn = assert(require("sam_template").pick(doc, {}))
      assert.equal("function.zip", fn.code)
      local deployable = assert(helper.deployable_bootstrap())
      ok, out = sh(("%s build %s/fn --arch %s --bootstrap %s"):format(q(helper.cli), q(dir),
        io.popen("uname -m"):read("l") == "aarch64" and "arm64" or "x86_64", q(deployable)))
      assert.truthy(ok, out)
      local listing = select(2, sh("cd " .. q(dir .. "/fn") .. " && /usr/bin/python3 -m zipfile -l function.zip"))
      assert.truthy(listing:find("bootstrap", 1, true), listing)
      assert.truthy(listing:find("app.lua", 1, true), listing)
      assert.is_nil(listing:find("spec/", 1, true), listing)
      assert.is_nil(listing:find("events/", 1, true), listing)
      assert(os.execute("rm -rf " .. dir))
    end)
  end

  it("refuses a folder that is there, a template it lacks, a bad name", function()
    local dir = tmpdir()
    assert(os.execute("mkdir " .. dir .. "/taken"))
    local ok, out = sh(("cd %s && %s new taken"):format(q(dir), q(helper.cli)))
    assert.is_falsy(ok)
    assert.truthy(out:find("taken is already there", 1, true))
    ok, out = sh(("cd %s && %s new x --template graphql"):format(q(dir), q(helper.cli)))
    assert.is_falsy(ok)
    assert.truthy(out:find("no template graphql", 1, true))
    ok, out = sh(("cd %s && %s new ../escape"):format(q(dir), q(helper.cli)))
    assert.is_falsy(ok)
    assert.truthy(out:find("a name is letters", 1, true))
    assert(os.execute("rm -rf " .. dir))
  end)

  it("new api, serve --http --watch, open /hello, edit, reload: the change shows", function()
    local dir = tmpdir()
    assert.truthy(sh(("cd %s && %s new api"):format(q(dir), q(helper.cli))))
    -- no handler given: app.handler, as new writes it
    local server = helper.serve({ "--http", "0", "--watch" }, { cwd = dir .. "/api" })
    finally(function()
      server:stop()
      os.execute("rm -rf " .. dir)
    end)
    local port = helper.wait_for(function()
      return server:output():match("open http://127%.0%.0%.1:(%d+)/")
    end, "no --http port")
    local function get()
      local ok, out = sh(("curl -s http://127.0.0.1:%s/hello?name=x"):format(port))
      assert.truthy(ok, out)
      return out
    end
    assert.equal("hello x", cjson.decode(get()).message)
    local path = dir .. "/api/app.lua"
    local source = assert(io.open(path)):read("a")
    local f = assert(io.open(path, "w"))
    f:write((source:gsub('"hello "', '"hi there, "')))
    f:close()
    -- While the worker restarts (the watcher may even catch the file half
    -- written, a module that fails its init) an answer can be an error
    -- page: what counts is that the edit shows.
    helper.wait_for(function()
      local decoded, reply = pcall(cjson.decode, get())
      return decoded and type(reply) == "table" and reply.message == "hi there, x"
    end, "the edit did not show")
  end)
end)
