-- examples/sam-rocks: the Makefile target sam build runs, against a local
-- rocks server (the public one is out of reach in tests), with the
-- dependencies swapped for the specs' fixture rocks and Docker left out.
local helper = require "helper"
local rocks_server = require "rocks_server"

local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$")

describe("examples/sam-rocks", function()
  it("builds with sam's make target into ARTIFACTS_DIR, and runs", function()
    local server = rocks_server.make()
    local work = os.tmpname()
    os.remove(work)
    assert(os.execute(("mkdir -p %s && cp -r %s %s/fn && rm %s/fn/*.rockspec"
      .. " && cp spec/fixtures/rocks/fn/fn-dev-1.rockspec %s/fn/"
      .. " && cp spec/fixtures/rocks/fn/app.lua %s/fn/app.lua")
      :format(work, here, work, work, work, work)))
    local cli_dir = helper.cli:match("^(.*)/[^/]+$")
    local ok = os.execute(("cd %s/fn && PATH=%s:$PATH make -s build-RocksFunction "
      .. "ARTIFACTS_DIR=%s/artifacts DOCKER= ROCKS_SERVER=%s >/dev/null 2>&1")
      :format(work, cli_dir, work, server))
    assert.truthy(ok, "make build-RocksFunction failed")
    local post = helper.invoke("app.handler", '{"name":"sam","a":2,"b":3}',
      { task_root = work .. "/artifacts" })
    rocks_server.remove(server)
    os.execute("rm -rf " .. work)
    assert.same({ message = "hello sam", sum = 5, greet_version = "1.0" }, post.json)
  end)

  it("parses key=value pairs with lpeg and shows them with inspect", function()
    -- Debian's lua-lpeg and lua-inspect stand in for the rocks here
    -- (Debian ships inspect.lua for Lua 5.1-5.3; it is plain Lua)
    local testing = require "lambda.testing"
    local r, err = testing.invoke("app.handler", { query = "a=1,b=two" },
      { task_root = here, cli = helper.cli,
        env = { LUA_PATH = "/usr/share/lua/5.3/?.lua;;" } })
    assert.is_nil(err)
    assert.same({ a = "1", b = "two" }, r.parsed)
    assert.equal('{\n  a = "1",\n  b = "two"\n}', r.shown)
  end)

  it("declares the makefile build method and the target it runs", function()
    local f = assert(io.open(here .. "/template.yaml"))
    local template = f:read("a")
    f:close()
    assert.truthy(template:find("BuildMethod: makefile", 1, true))
    f = assert(io.open(here .. "/Makefile"))
    local makefile = f:read("a")
    f:close()
    assert.truthy(makefile:find("build-RocksFunction:", 1, true))
    assert.truthy(makefile:find('--stage "$(ARTIFACTS_DIR)"', 1, true))
  end)
end)
