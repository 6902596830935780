-- bootstrap as Lambda's provided.al2023 finds it, checked on a Debian
-- build: src/cli/files/check-portable.sh passes the build's bootstrap and
-- refuses what would not start there; then bootstrap runs in a chroot
-- that holds only provided.al2023's libraries, with a stand-in of
-- Amazon's libcurl (no symbol versions) built from Debian's curl source
-- (scripts/stand-in-libcurl.sh, scripts/al2023-root.sh). The arm64 cross
-- build gets the same under qemu when LUA_LAMBDA_BOOTSTRAP_ARM64 names it
-- (scripts/dev test_arm64). A chroot needs root and the stand-in Debian's
-- source repository: without them those tests are pending, except in CI
-- (CI=true), where they fail.
local helper = require "helper"
local sh, quote = helper.sh, helper.quote

local ci = os.getenv("CI") == "true"
local arm64_bootstrap = os.getenv("LUA_LAMBDA_BOOTSTRAP_ARM64")
local host = select(2, sh("uname -m")):match("aarch64") and "arm64" or "x86_64"
local other = host == "x86_64" and "arm64" or "x86_64"

local function check(binary, arch)
  return sh(("sh src/cli/files/check-portable.sh %s %s"):format(quote(binary),
    arch or ""))
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- Sanitizer builds (build-check, build-tsan) are for this machine only:
-- their runtimes need more of the system than provided.al2023 has.
local sanitized = helper.sanitized

-- Skips, or in CI fails, a test that needs what this machine lacks.
local function unavailable(why)
  if ci then error(why .. " (CI=true: this must run)") end
  pending(why)
end

describe("check-portable.sh", function()
  it("passes the build's bootstrap", function()
    if sanitized(helper.bootstrap) then
      pending("a sanitizer build of bootstrap is not deployable")
      return
    end
    local ok, out = check(helper.bootstrap, host)
    assert(ok, out)
    assert.matches("fits provided.al2023 %(" .. host .. "%)", out)
    assert.not_matches("CURL", out)
  end)

  it("refuses a binary of the other architecture", function()
    local ok, out = check(helper.bootstrap, other)
    assert.falsy(ok, out)
    assert.matches("machine is .*, not ", out)
  end)

  it("refuses a binary linked with Debian's libcurl, naming the version and symbols", function()
    local binary = helper.build .. "/spec/portable_debian_curl"
    local ok, out = check(binary, host)
    assert.falsy(ok, out)
    assert.matches("CURL_OPENSSL_4 %(from libcurl%.so%.4%)", out)
    assert.matches("curl_easy_cleanup curl_easy_init", out)
    assert.matches("RUNPATH /nonexistent/lib", out)
  end)

  it("refuses a glibc symbol newer than 2.34", function()
    local binary = helper.build .. "/spec/portable_new_glibc"
    if not exists(binary) then
      pending("this machine's glibc has no arc4random (2.36) to test with")
      return
    end
    local ok, out = check(binary, host)
    assert.falsy(ok, out)
    assert.matches("GLIBC_2%.36 %(from libc%.so%.6%) is newer than GLIBC_2%.34: arc4random", out)
  end)

  it("refuses a library provided.al2023 does not have", function()
    if not exists(helper.cli) then
      pending("lua-lambda (libmicrohttpd) is not built")
      return
    end
    local ok, out = check(helper.cli, host)
    assert.falsy(ok, out)
    assert.matches("NEEDED libmicrohttpd%.so%.%d+", out)
  end)

  it("refuses what is not an ELF file", function()
    local ok, out = check("README.md", host)
    assert.falsy(ok, out)
    assert.matches("not an ELF file", out)
  end)

  it("passes the arm64 bootstrap (LUA_LAMBDA_BOOTSTRAP_ARM64) as arm64 only", function()
    if not arm64_bootstrap then
      pending("no arm64 bootstrap given (LUA_LAMBDA_BOOTSTRAP_ARM64)")
      return
    end
    local ok, out = check(arm64_bootstrap, "arm64")
    assert(ok, out)
    ok, out = check(arm64_bootstrap, "x86_64")
    assert.falsy(ok, out)
    assert.matches("machine is AArch64, not", out)
  end)
end)

-- The stand-in libcurl for arch, built once into the build folder (and
-- reused). Returns its path, or nil and why it cannot be had.
local function stand_in(arch)
  local out = helper.build .. "/stand-in-libcurl/" .. arch
  local p = assert(io.popen(("sh scripts/stand-in-libcurl.sh %s %s 2>&1")
    :format(arch, quote(out))))
  local log = p:read("a")
  local _, _, code = p:close()
  if code == 2 then
    return nil, "no curl source for the stand-in libcurl:\n" .. log
  end
  assert(code == 0, log)
  return out .. "/libcurl.so.4"
end

-- Runs bootstrap (for arch) once in a fresh provided.al2023-like root
-- against the fake Runtime API; returns the run (the root is removed when
-- the test ends), or nil and why it cannot.
local function run_in_root(arch, bootstrap)
  local libcurl, why = stand_in(arch)
  if not libcurl then return nil, why end
  local root = helper.tmpdir()
  finally(function() os.execute("rm -rf " .. quote(root)) end)
  local ok, out = sh(("sh scripts/al2023-root.sh %s %s %s %s"):format(arch,
    quote(root), quote(bootstrap), quote(libcurl)))
  assert(ok, out)
  assert(sh(("cp %s/portable/app.lua %s/var/task/app.lua"):format(
    helper.fixtures, quote(root))))
  local wrapper = { "chroot", root }
  if arch ~= host then wrapper[3] = "/qemu-aarch64-static" end
  local run = helper.run {
    bootstrap = "/var/runtime/bootstrap", wrapper = wrapper,
    handler = "app.handler", env = { LAMBDA_TASK_ROOT = "/var/task" },
    invocations = { { event = '{"name":"al2023"}', request_id = "req-al2023" } },
    seconds = 60,
  }
  return run
end

local function is_root()
  return select(2, sh("id -u")):match("^0%s*$") ~= nil
end

-- The answer, and a clean start: nothing from the dynamic loader on
-- stderr. (glibc's loader refuses a version a library does not define,
-- and, when the library defines no versions at all as Amazon's libcurl,
-- binds anyway but complains of each: "no version information
-- available", a line in the function's log at every cold start.)
local function assert_served(run)
  assert.not_matches("no version information", run.stderr)
  assert.not_matches("error while loading shared libraries", run.stderr)
  assert.not_matches("version `[^']*' not found", run.stderr)
  assert.equal("parked", run.why, run.stderr)
  assert.equal(1, #run.posts, run.stderr)
  local post = run.posts[1]
  assert.equal("response", post.kind, post.body)
  assert.equal("req-al2023", post.request_id)
  assert.same({
    hello = "al2023", request_id = "req-al2023",
    sha256 = "68e5f8c85c124b1ff68368c3f9193a4738a3a4cae1367b91d914a9e084a78472",
  }, helper.decode(post.body))
end

describe("bootstrap in a chroot of provided.al2023's libraries", function()
  local function serves(arch, bootstrap)
    if not is_root() then
      unavailable("chroot needs root")
      return
    end
    if sanitized(bootstrap) then
      pending("a sanitizer build of bootstrap is not deployable")
      return
    end
    local run, why = run_in_root(arch, bootstrap)
    if not run then
      unavailable(why)
      return
    end
    assert_served(run)
  end

  it("serves an invocation (" .. host .. ", the build's bootstrap)", function()
    serves(host, helper.bootstrap)
  end)

  it("serves an invocation (arm64 under qemu, LUA_LAMBDA_BOOTSTRAP_ARM64)", function()
    if not arm64_bootstrap then
      pending("no arm64 bootstrap given (LUA_LAMBDA_BOOTSTRAP_ARM64)")
      return
    end
    serves("arm64", arm64_bootstrap)
  end)
end)
