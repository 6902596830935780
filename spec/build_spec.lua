-- lua-lambda build: LuaRocks dependencies from a local rocks server
-- (spec/support/rocks_server.lua) into lua_modules/, byte-identical zips,
-- luarocks.lock, the check that C modules load on Lambda, and the zip
-- running under lua-lambda invoke, bootstrap and serve.
local helper = require "helper"
local rocks_server = require "rocks_server"

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("a")
  p:close()
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  return code, out:gsub("exit=%d+%s*$", "")
end

local read = helper.read

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- The names in a zip, sorted as stored.
local function zip_names(zip)
  local code, out = sh("/usr/bin/python3 -c 'import sys, zipfile; "
    .. "[print(n) for n in zipfile.ZipFile(sys.argv[1]).namelist()]' " .. zip)
  assert(code == 0, out)
  local names = {}
  for name in out:gmatch("[^\n]+") do names[#names + 1] = name end
  return names
end

local function unzip(zip, dir)
  assert(sh(("mkdir -p %s && /usr/bin/python3 -m zipfile -e %s %s"):format(dir, zip, dir)) == 0)
end

local function sha256(path)
  local _, out = sh("sha256sum " .. path)
  return out:match("^(%x+)")
end

describe("lua-lambda build", function()
  local server, work

  lazy_setup(function()
    server = rocks_server.make()
  end)

  lazy_teardown(function()
    rocks_server.remove(server)
  end)

  before_each(function()
    work = os.tmpname()
    os.remove(work)
    assert(os.execute(("mkdir -p %s && cp -r spec/fixtures/rocks/fn %s/fn"):format(work, work)))
  end)

  after_each(function()
    os.execute("rm -rf " .. work)
  end)

  local function build(args)
    return sh(("%s build %s/fn --server %s %s"):format(helper.cli, work, server, args or ""))
  end

  it("installs a pure-Lua and a C rock, and the zip runs under invoke, bootstrap and serve", function()
    local code, out = build()
    assert.equal(0, code, out)
    assert.same({ "app.lua", "lua_modules/lib/lua/5.4/cadd.so",
      "lua_modules/share/lua/5.4/greet.lua" }, zip_names(work .. "/fn/function.zip"))
    local task = work .. "/task"
    unzip(work .. "/fn/function.zip", task)
    write(work .. "/event.json", '{"name":"zip","a":40,"b":2}')
    code, out = sh(("%s invoke app.handler %s/event.json --task-root %s")
      :format(helper.cli, work, task))
    assert.equal(0, code, out)
    assert.truthy(out:find('"sum":42', 1, true), out)
    local post = helper.invoke("app.handler", '{"name":"bootstrap"}', { task_root = task })
    assert.same({ message = "hello bootstrap", sum = 3, greet_version = "1.0" }, post.json)
    local served = helper.serve({ "--task-root", task, "app.handler" })
    local r = served:invoke('{"a":1,"b":1}')
    served:stop()
    assert.equal(2, r.json.sum)
  end)

  it("writes the same bytes from the same inputs", function()
    assert.equal(0, (build()))
    local first = sha256(work .. "/fn/function.zip")
    assert(os.execute(("rm -rf %s/fn/lua_modules %s/fn/function.zip"):format(work, work)))
    assert.equal(0, (build()))  -- the C rock compiled again
    assert.equal(first, sha256(work .. "/fn/function.zip"))
  end)

  it("pins versions with --pin and installs what luarocks.lock says", function()
    local code, out = build("--pin")
    assert.equal(0, code, out)
    local lock = read(work .. "/fn/luarocks.lock")
    assert.truthy(lock and lock:find('greet = "1.0%-1"'), lock)
    rocks_server.add(server, "greet", "1.1")  -- a newer release appears
    assert(os.execute("rm -rf " .. work .. "/fn/lua_modules"))
    assert.equal(0, (build()))
    assert.truthy(read(work .. "/fn/lua_modules/share/lua/5.4/greet.lua"):find('"1.0"', 1, true))
    -- without the lock, the newest
    assert(os.execute(("rm -rf %s/fn/lua_modules %s/fn/luarocks.lock"):format(work, work)))
    assert.equal(0, (build()))
    assert.truthy(read(work .. "/fn/lua_modules/share/lua/5.4/greet.lua"):find('"1.1"', 1, true))
  end)

  it("puts the modules in layer.zip with --layer, for /opt/lua_modules", function()
    local code, out = build("--layer --out " .. work .. "/dist")
    assert.equal(0, code, out)
    assert.same({ "app.lua" }, zip_names(work .. "/dist/function.zip"))
    assert.same({ "lua_modules/lib/lua/5.4/cadd.so", "lua_modules/share/lua/5.4/greet.lua" },
      zip_names(work .. "/dist/layer.zip"))
  end)

  it("refuses a C module that needs a glibc newer than provided.al2023's", function()
    local lib = work .. "/fn/lua_modules/lib/lua/5.4"
    assert(os.execute("mkdir -p " .. lib))
    -- arc4random is new in glibc 2.36: its symbol carries GLIBC_2.36
    write(work .. "/new.c", "#include <stdlib.h>\nunsigned pick(void) { return arc4random(); }\n")
    assert.equal(0, (sh(("gcc -shared -fPIC -o %s/new_glibc.so %s/new.c"):format(lib, work))))
    local code, out = build()
    assert.equal(1, code)
    assert.truthy(out:find("new_glibc.so needs GLIBC_2.36", 1, true), out)
    assert.truthy(out:find("--docker", 1, true), out)
    assert.is_nil(io.open(work .. "/fn/function.zip"))  -- no zip written
  end)

  it("refuses a C module built for the other architecture", function()
    local _, machine = sh("uname -m")
    local other = machine:match("aarch64") and "x86_64" or "arm64"
    local code, out = build("--arch " .. other)
    assert.equal(1, code)
    assert.truthy(out:find("cadd.so is built for", 1, true), out)
    assert.truthy(out:find("not for the function's " .. other, 1, true), out)
  end)

  it("runs LuaRocks in the builder image with --docker", function()
    local bin = work .. "/bin"
    assert(os.execute("mkdir -p " .. bin))
    write(bin .. "/docker", '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/argv"\n')
    assert(os.execute("chmod +x " .. bin .. "/docker"))
    local code, out = sh(("PATH=%s:$PATH %s build %s/fn --docker --arch arm64 --pin")
      :format(bin, helper.cli, work))
    assert.equal(0, code, out)
    local argv = {}
    for line in read(bin .. "/argv"):gmatch("[^\n]+") do argv[#argv + 1] = line end
    local text = table.concat(argv, " ")
    assert.equal("run", argv[1])
    assert.truthy(text:find("--platform linux/arm64", 1, true), text)
    assert.truthy(text:find("-v " .. work .. "/fn:/var/task", 1, true), text)
    assert.truthy(text:find("lua-lambda-builder luarocks --lua-version=5.4 "
      .. "--tree=/var/task/lua_modules make --only-deps --deps-mode=one --pin "
      .. "fn-dev-1.rockspec LUA_INCDIR=/deps/lua/src", 1, true), text)
  end)

  it("packs a function with no rockspec as it is, leaving out what is not the function", function()
    local dir = work .. "/plain"
    assert(os.execute(("mkdir -p %s/lib %s/spec %s/.git"):format(dir, dir, dir)))
    write(dir .. "/app.lua", "return {}\n")
    write(dir .. "/lib/util.lua", "return {}\n")
    write(dir .. "/spec/app_spec.lua", "")
    write(dir .. "/.git/config", "")
    write(dir .. "/template.yaml", "")
    write(dir .. "/README.md", "")
    local code, out = sh(("%s build %s"):format(helper.cli, dir))
    assert.equal(0, code, out)
    assert.same({ "app.lua", "lib/util.lua" }, zip_names(dir .. "/function.zip"))
  end)
end)
