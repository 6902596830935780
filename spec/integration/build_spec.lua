-- lua-lambda build: LuaRocks dependencies from a local rocks server
-- (spec/support/fakes/rocks_server.lua) into lua_modules/, byte-identical zips,
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

local write = helper.write

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

-- This machine's architecture in Lambda's words.
local function host_arch()
  local _, machine = sh("uname -m")
  return machine:match("aarch64") and "arm64" or "x86_64"
end

-- What python expression expr (of z, the zip, and i, the entry's info)
-- says of one entry of a zip.
local function zip_entry(zip, name, expr)
  local code, out = sh(("/usr/bin/python3 -c 'import sys, zipfile, hashlib\n"
    .. "z = zipfile.ZipFile(sys.argv[1]); i = z.getinfo(sys.argv[2])\nprint(%s)' %s %s")
    :format(expr, zip, name))
  assert(code == 0, out)
  return out:match("^(%S+)")
end

local function sha256_in_zip(zip, name)
  return zip_entry(zip, name, "hashlib.sha256(z.read(i)).hexdigest()")
end

-- Unix permission bits, in octal.
local function mode_in_zip(zip, name)
  return zip_entry(zip, name, "format(i.external_attr >> 16 & 0o777, \"o\")")
end

-- The SHA-256 of path stripped as lua-lambda build strips it (strip,
-- or the cross toolchain's for the other architecture).
local function stripped_sha256(path, tool)
  local out = helper.tmpfile(nil, "stripped")
  assert(os.execute(("%s -o %s %s"):format(tool or "strip", out, path)))
  local _, sum = sh("sha256sum " .. out)
  return sum:match("^(%x+)")
end

local function sha256(path)
  local _, out = sh("sha256sum " .. path)
  return out:match("^(%x+)")
end

describe("lua-lambda build", function()
  local server, work
  if not helper.deployable_bootstrap() then
    it("needs a bootstrap it may pack", function()
      pending("this build's bootstrap is a sanitizer's: set LUA_LAMBDA_DEPLOYABLE_BOOTSTRAP "
        .. "to a normal build's (scripts/dev test does)")
    end)
    return
  end

  lazy_setup(function()
    server = rocks_server.make()
  end)

  lazy_teardown(function()
    rocks_server.remove(server)
  end)

  before_each(function()
    work = helper.tmpdir()
    assert(os.execute(("cp -r spec/fixtures/rocks/fn %s/fn"):format(work)))
  end)

  after_each(function()
    os.execute("rm -rf " .. work)
  end)

  -- The bootstrap packed: the one beside lua-lambda, unless that is a
  -- sanitizer build's (which the check refuses): then the normal build's.
  local deployable = helper.deployable_bootstrap()
  local given = deployable ~= helper.bootstrap and deployable
    and (" --bootstrap " .. deployable) or ""

  local function build(args)
    args = args or ""
    if not args:find("--bootstrap", 1, true) and not args:find("--no-bootstrap", 1, true) then
      args = args .. given
    end
    return sh(("%s build %s/fn --server %s %s"):format(helper.cli, work, server, args))
  end

  it("installs a pure-Lua and a C rock, and the zip runs under invoke, bootstrap and serve", function()
    local code, out = build()
    assert.equal(0, code, out)
    assert.same({ "app.lua", "bootstrap", "lua_modules/lib/lua/5.4/cadd.so",
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
    assert.same({ "app.lua", "bootstrap" }, zip_names(work .. "/dist/function.zip"))
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
    assert.truthy(out:find("new_glibc.so: GLIBC_2.36 (from libc.so.6) is newer than GLIBC_2.34", 1, true), out)
    assert.truthy(out:find("--docker", 1, true), out)
    assert.is_nil(io.open(work .. "/fn/function.zip"))  -- no zip written
  end)

  it("refuses a C module built for the other architecture", function()
    local _, machine = sh("uname -m")
    local other = machine:match("aarch64") and "x86_64" or "arm64"
    local code, out = build("--no-bootstrap --arch " .. other)
    assert.equal(1, code)
    assert.truthy(out:find("cadd.so: machine is", 1, true), out)
    assert.truthy(out:find("(" .. other .. ")", 1, true), out)
  end)

  it("runs LuaRocks in the builder image with --docker", function()
    local bin = work .. "/bin"
    assert(os.execute("mkdir -p " .. bin))
    write(bin .. "/docker", '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/argv"\n')
    assert(os.execute("chmod +x " .. bin .. "/docker"))
    local code, out = sh(("PATH=%s:$PATH %s build %s/fn --docker --arch arm64 --pin"
      .. " --no-bootstrap"):format(bin, helper.cli, work))
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
    write(dir .. "/template.yaml", "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n")
    write(dir .. "/README.md", "")
    write(dir .. "/bootstrap", "#!/bin/sh\n")  -- a stale one: ours replaces it
    local code, out = sh(("%s build %s --arch %s%s"):format(helper.cli, dir, host_arch(), given))
    assert.equal(0, code, out)
    assert.same({ "app.lua", "bootstrap", "lib/util.lua" }, zip_names(dir .. "/function.zip"))
    assert.equal(stripped_sha256(deployable), sha256_in_zip(dir .. "/function.zip", "bootstrap"))
  end)
  it("puts a bootstrap for the function's architecture in function.zip, which serves the unzipped zip", function()
    local code, out = build("--arch " .. host_arch())
    assert.equal(0, code, out)
    local zip = work .. "/fn/function.zip"
    assert.equal("755", mode_in_zip(zip, "bootstrap"))
    assert.equal(stripped_sha256(deployable), sha256_in_zip(zip, "bootstrap"))
    local task = work .. "/task"
    unzip(zip, task)
    assert(os.execute("chmod +x " .. task .. "/bootstrap"))
    -- serve runs the zip's own bootstrap, as provided.al2023 runs /var/task/bootstrap
    local served = helper.serve({ "--task-root", task, "app.handler" })
    local r = served:invoke('{"a":20,"b":22}')
    local output = served:stop()
    assert.equal(42, r.json.sum)
    assert.truthy(output:find(task .. "/bootstrap (the function's own)", 1, true), output)
  end)

  it("takes the architecture from template.yaml: the function's, then Globals', then Lambda's x86_64", function()
    local function template(globals, own)
      write(work .. "/fn/template.yaml", table.concat {
        "Transform: AWS::Serverless-2016-10-31\n",
        globals and ("Globals:\n  Function:\n    Architectures: [" .. globals .. "]\n") or "",
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n",
        "      Handler: app.handler\n      CodeUri: .\n",
        own and ("      Architectures:\n        - " .. own .. "\n") or "" })
    end
    local function chosen(args)
      local _, out = build((args or "") .. " --no-bootstrap")
      return out:match("building for (%S+)"), out
    end
    template(nil, "arm64")
    assert.equal("arm64,", (chosen()))
    template("arm64", nil)
    assert.equal("arm64,", (chosen()))
    template("arm64", "x86_64")
    assert.equal("x86_64,", (chosen()))
    template(nil, nil)
    local arch, out = chosen()
    assert.equal("x86_64:", arch)
    assert.truthy(out:find("Lambda deploys it on x86_64", 1, true), out)
    template(nil, "arm64")
    assert.equal(nil, (chosen("--arch x86_64")))  -- --arch says it: no notice
    os.remove(work .. "/fn/template.yaml")
    arch, out = chosen()
    assert.equal(host_arch() .. ",", arch)
    assert.truthy(out:find("no template.yaml", 1, true), out)
    -- and a bootstrap of the other architecture is looked for, not this one
    template(nil, host_arch() == "arm64" and "x86_64" or "arm64")
    local code
    code, out = build("--bootstrap " .. helper.bootstrap)
    assert.equal(1, code)
    assert.truthy(out:find("bootstrap: machine is", 1, true), out)
  end)

  it("refuses a bootstrap that Lambda could not start", function()
    -- linked against this machine's libcurl as it comes: its symbols carry
    -- Debian's CURL_OPENSSL_4, which Amazon Linux's libcurl does not define
    write(work .. "/curl.c", "#include <curl/curl.h>\nint main(void) { return curl_version() == 0; }\n")
    assert.equal(0, (sh(("gcc -o %s/debian-bootstrap %s/curl.c -lcurl"):format(work, work))))
    local code, out = build(("--arch %s --bootstrap %s/debian-bootstrap"):format(host_arch(), work))
    assert.equal(1, code)
    assert.truthy(out:find("CURL_OPENSSL_4 (from libcurl.so.4), a version provided.al2023's", 1, true), out)
    -- one that needs a library provided.al2023 does not have
    write(work .. "/z.c", "#include <zlib.h>\nint main(void) { return zlibVersion() == 0; }\n")
    assert.equal(0, (sh(("gcc -o %s/z-bootstrap %s/z.c -lz"):format(work, work))))
    code, out = build(("--arch %s --bootstrap %s/z-bootstrap"):format(host_arch(), work))
    assert.equal(1, code)
    assert.truthy(out:find("NEEDED libz.so.1, a library provided.al2023 may not have", 1, true), out)
    assert.is_nil(io.open(work .. "/fn/function.zip"))
  end)

  it("writes runtime-layer.zip with bootstrap and the AWS models, and leaves bootstrap out with --no-bootstrap", function()
    local code, out = sh(("%s build %s/fn --runtime-layer --arch %s --out %s/dist%s")
      :format(helper.cli, work, host_arch(), work, given))
    assert.equal(0, code, out)
    -- bootstrap, then every AWS model (build_aws_models_spec.lua says which)
    local names = zip_names(work .. "/dist/runtime-layer.zip")
    assert.equal("bootstrap", table.remove(names, 1))
    for _, name in ipairs(names) do assert.truthy(name:match("^lua/aws%-models/"), name) end
    assert.equal("755", mode_in_zip(work .. "/dist/runtime-layer.zip", "bootstrap"))
    code, out = build("--no-bootstrap")
    assert.equal(0, code, out)
    assert.same({ "app.lua", "lua_modules/lib/lua/5.4/cadd.so",
      "lua_modules/share/lua/5.4/greet.lua" }, zip_names(work .. "/fn/function.zip"))
  end)

  it("warns of a module the function requires that nothing packed holds", function()
    write(work .. "/fn/extra.lua", table.concat {
      "local lpeg = require 'lpeg'  -- installed on this machine only\n",
      "local ok = pcall(require, 'optional.thing')\n",
      "-- require 'in.a.comment'\n",
      "local g = require('greet')\n" })
    local code, out = build("--no-bootstrap")
    assert.equal(0, code, out)
    assert.truthy(out:find("extra.lua:1: requires 'lpeg', which the zip does not hold (this machine has it at", 1, true), out)
    assert.is_nil(out:find("optional.thing", 1, true))
    assert.is_nil(out:find("in.a.comment", 1, true))
    assert.is_nil(out:find("'greet'", 1, true))
  end)

  it("builds an arm64 zip whose bootstrap answers under qemu (from an install of both architectures)", function()
    local arm64 = os.getenv("LUA_LAMBDA_BOOTSTRAP_ARM64")
    if not arm64 then
      pending("LUA_LAMBDA_BOOTSTRAP_ARM64 (scripts/dev test's arm64 part) is not set")
      return
    end
    -- an install's layout: lua-lambda in bin/, the other architecture's
    -- bootstrap in lib/lua-lambda/arm64/
    local prefix = work .. "/prefix"
    assert(os.execute(("mkdir -p %s/bin %s/lib/lua-lambda/arm64 && cp %s %s/bin/ && cp %s %s/lib/lua-lambda/arm64/bootstrap")
      :format(prefix, prefix, helper.cli, prefix, arm64, prefix)))
    local fn = work .. "/arm"
    assert(os.execute("mkdir -p " .. fn))
    write(fn .. "/app.lua", "return { handler = function(e) return { sum = e.a + e.b } end }\n")
    write(fn .. "/template.yaml", "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
      .. "    Properties:\n      Architectures: [arm64]\n      Handler: app.handler\n")
    local code, out = sh(("%s/bin/lua-lambda build %s"):format(prefix, fn))
    assert.equal(0, code, out)
    local task = work .. "/task"
    unzip(fn .. "/function.zip", task)
    assert(os.execute("chmod +x " .. task .. "/bootstrap"))
    assert.equal(stripped_sha256(arm64, "aarch64-linux-gnu-strip"), sha256(task .. "/bootstrap"))
    local served = helper.serve({ "--task-root", task })
    local r = served:invoke('{"a":1,"b":2}')
    local output = served:stop()
    assert.equal(3, r.json and r.json.sum, r.body .. output)
    assert.truthy(output:find("under .*qemu%-aarch64"), output)
  end)
end)
