-- examples/sam-rocks: the Makefile target sam build runs, against a local
-- rocks server (the public one is out of reach in tests), with the
-- dependencies swapped for the specs' fixture rocks and Docker left out.
local helper = require "helper"
local rocks_server = require "rocks_server"

local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$")

describe("examples/sam-rocks", function()
  it("builds with sam's make target into ARTIFACTS_DIR, and runs", function()
    local server = rocks_server.make()
    local work = helper.tmpdir()
    assert(os.execute(("cp -r %s %s/fn && rm %s/fn/*.rockspec"
      .. " && cp spec/fixtures/rocks/fn/fn-dev-1.rockspec %s/fn/"
      .. " && cp spec/fixtures/rocks/fn/app.lua %s/fn/app.lua")
      :format(here, work, work, work, work)))
    local cli_dir = helper.cli:match("^(.*)/[^/]+$")
    -- this machine's architecture: without Docker its C rock is built here
    local arch = io.popen("uname -m"):read("l") == "aarch64" and "arm64" or "x86_64"
    -- a sanitizer build's bootstrap is refused: the normal build's then
    local bootstrap = assert(helper.deployable_bootstrap(),
      "no deployable bootstrap (LUA_LAMBDA_DEPLOYABLE_BOOTSTRAP)")
    local ok, out = helper.sh(("cd %s/fn && PATH=%s:$PATH make -s build-RocksFunction "
      .. "ARTIFACTS_DIR=%s/artifacts DOCKER= ROCKS_SERVER=%s ARCH=%s%s")
      :format(work, cli_dir, work, server, arch,
        bootstrap ~= helper.bootstrap and (" BOOTSTRAP=" .. bootstrap) or ""))
    assert.truthy(ok, "make build-RocksFunction failed: " .. out)
    -- the runtime is staged with the function: no layer needed
    assert.truthy(io.open(work .. "/artifacts/bootstrap"), out)
    local post = helper.invoke("app.handler", '{"name":"sam","a":2,"b":3}',
      { task_root = work .. "/artifacts" })
    rocks_server.remove(server)
    os.execute("rm -rf " .. work)
    assert.same({ message = "hello sam", sum = 5, greet_version = "1.0" }, post.json)
  end)

  it("parses key=value pairs with lpeg and shows them with inspect", function()
    -- Debian's lua-lpeg and lua-inspect stand in for the rocks, in a layer
    -- folder as `lua-lambda build --layer` lays it out (Debian ships
    -- inspect.lua for Lua 5.1-5.3; it is plain Lua). Installed system-wide
    -- they are out of the function's reach, as on Lambda.
    local testing = require "lambda.testing"
    local layer = helper.system_modules_layer { "lpeg", "inspect" }
    local r, err = testing.invoke("app.handler", { query = "a=1,b=two" },
      { task_root = here, cli = helper.cli, layers = { layer } })
    local _, missing = testing.invoke("app.handler", { query = "a=1" },
      { task_root = here, cli = helper.cli })
    os.execute("rm -rf " .. layer)
    assert.is_nil(err)
    assert.same({ a = "1", b = "two" }, r.parsed)
    assert.equal('{\n  a = "1",\n  b = "two"\n}', r.shown)
    assert.equal("Runtime.ImportModuleError", missing.errorType)
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
