-- scripts/publish-layer.sh, the release's last step, against a stand-in
-- for the AWS CLI (spec/support/fakes/fake_aws_cli.py) that checks every call
-- against botocore's model of the Lambda API.
local cjson = require "cjson"
local helper = require "helper"

local sh, quote = helper.sh, helper.quote

local function runtime_zip(dir, with_bootstrap)
  local zip = dir .. "/runtime-layer.zip"
  assert(os.execute(("/usr/bin/python3 -c 'import sys, zipfile\n"
    .. "z = zipfile.ZipFile(sys.argv[1], \"w\")\n"
    .. "z.writestr(sys.argv[2], \"#!/bin/sh\\n\")' %s %s"):format(quote(zip),
    with_bootstrap and "bootstrap" or "lua/x.lua")))
  return zip
end

describe("scripts/publish-layer.sh #unit", function()
  local dir, env

  before_each(function()
    dir = helper.tmpdir()
    env = ("AWS=%s FAKE_AWS_STATE=%s FAKE_AWS_LOG=%s"):format(
      quote("spec/support/fakes/fake_aws_cli.py"), quote(dir .. "/state.json"),
      quote(dir .. "/log"))
  end)

  after_each(function()
    os.execute("rm -rf " .. quote(dir))
  end)

  local function calls()
    local f = io.open(dir .. "/log")
    if not f then return {} end
    local list = {}
    for line in f:lines() do list[#list + 1] = cjson.decode(line) end
    f:close()
    return list
  end

  it("publishes to each region, makes it public, and prints each ARN", function()
    local zip = runtime_zip(dir, true)
    local ok, out = sh(("env %s sh scripts/publish-layer.sh --public %s arm64 eu-west-1 us-east-1")
      :format(env, quote(zip)))
    assert(ok, out)
    assert.same({ "arn:aws:lambda:eu-west-1:123456789012:layer:lua-lambda-arm64:1",
      "arn:aws:lambda:us-east-1:123456789012:layer:lua-lambda-arm64:1" },
      { out:match("^(%S+)\n(%S+)\n$") })
    local log = calls()
    assert.equal(4, #log)
    assert.equal("PublishLayerVersion", log[1].operation)
    assert.same({ "provided.al2023" }, log[1].params.CompatibleRuntimes)
    assert.same({ "arm64" }, log[1].params.CompatibleArchitectures)
    assert.equal(zip, log[1].params.Content.ZipFile)
    assert.equal("AddLayerVersionPermission", log[2].operation)
    assert.same({ LayerName = "lua-lambda-arm64", VersionNumber = 1, StatementId = "public",
      Action = "lambda:GetLayerVersion", Principal = "*" }, log[2].params)
    assert.equal("us-east-1", log[4].region)
    -- again: the next version, private this time
    ok, out = sh(("env %s sh scripts/publish-layer.sh %s x86_64 eu-west-1"):format(env, quote(zip)))
    assert(ok, out)
    assert.equal("arn:aws:lambda:eu-west-1:123456789012:layer:lua-lambda-x86-64:1\n", out)
    assert.equal(5, #calls())
  end)

  it("refuses a zip without bootstrap at its root, and a wrong architecture", function()
    local ok, out = sh(("env %s sh scripts/publish-layer.sh %s arm64 eu-west-1")
      :format(env, quote(runtime_zip(dir, false))))
    assert.is_falsy(ok)
    assert.truthy(out:find("no bootstrap at its root", 1, true), out)
    ok, out = sh(("env %s sh scripts/publish-layer.sh %s aarch64 eu-west-1")
      :format(env, quote(runtime_zip(dir, true))))
    assert.is_falsy(ok)
    assert.truthy(out:find("ARCH is x86_64 or arm64", 1, true), out)
    assert.same({}, calls())
  end)

  it("has a stand-in that refuses what the real CLI would", function()
    local ok, out = sh(("env %s spec/support/fakes/fake_aws_cli.py lambda publish-layer-version"
      .. " --region eu-west-1 --layer-name 'bad name' --zip-file fileb://%s")
      :format(env, quote(runtime_zip(dir, true))))
    assert.is_falsy(ok)
    assert.truthy(out:find("does not match the pattern", 1, true), out)
    ok, out = sh(("env %s spec/support/fakes/fake_aws_cli.py lambda add-layer-version-permission"
      .. " --region eu-west-1 --layer-name x --version-number 1 --statement-id s"
      .. " --action lambda:GetLayerVersion"):format(env))
    assert.is_falsy(ok)
    assert.truthy(out:find("required: --principal", 1, true), out)
  end)
end)
