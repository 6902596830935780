-- scripts/dev run DIR HANDLER EVENT (scripts/invoke-local.lua): the
-- function sees the developer's AWS credentials, region, endpoints and
-- proxy, as under lua-lambda invoke and serve run from the shell.
local cjson = require "cjson"
local helper = require "helper"

local quote = helper.quote

local HANDLER = [[
local NAMES = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "HTTPS_PROXY",
  "NO_PROXY", "UNRELATED_SHELL_VARIABLE" }
return { handler = function()
  local seen = {}
  for _, name in ipairs(NAMES) do seen[name] = os.getenv(name) or "(unset)" end
  return seen
end }
]]

describe("scripts/dev run", function()
  it("passes the shell's AWS and proxy variables to the function", function()
    local dir = helper.tmpdir()
    local f = assert(io.open(dir .. "/env_seen.lua", "w"))
    f:write(HANDLER)
    f:close()
    local shell = {
      AWS_ACCESS_KEY_ID = "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN = "token/with+odd=chars",
      AWS_REGION = "eu-west-3",
      AWS_ENDPOINT_URL = "http://127.0.0.1:4566",
      AWS_ENDPOINT_URL_DYNAMODB = "http://127.0.0.1:8000",
      HTTPS_PROXY = "http://proxy.example:3128",
      NO_PROXY = "127.0.0.1,localhost",
      UNRELATED_SHELL_VARIABLE = "not the function's",
    }
    local words = {}
    for name, value in pairs(shell) do words[#words + 1] = quote(name .. "=" .. value) end
    local ok, out = helper.sh(("env %s lua5.4 scripts/invoke-local.lua %s %s "
      .. "env_seen.handler"):format(table.concat(words, " "),
      quote(helper.cli), quote(dir)))
    os.execute("rm -rf " .. quote(dir))
    assert.is_true(ok, out)
    -- the logs come first (stderr), the result is the last line
    local decoded, seen = pcall(cjson.decode, out:match("([^\n]*)\n*$"))
    assert.is_true(decoded, out)
    assert.same({
      AWS_ACCESS_KEY_ID = shell.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY = shell.AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN = shell.AWS_SESSION_TOKEN,
      AWS_REGION = "eu-west-3",
      AWS_DEFAULT_REGION = "eu-west-3",  -- Lambda sets both, the same
      AWS_ENDPOINT_URL = shell.AWS_ENDPOINT_URL,
      AWS_ENDPOINT_URL_DYNAMODB = shell.AWS_ENDPOINT_URL_DYNAMODB,
      HTTPS_PROXY = shell.HTTPS_PROXY,
      NO_PROXY = shell.NO_PROXY,
      -- the rest of the shell stays out, as on Lambda
      UNRELATED_SHELL_VARIABLE = "(unset)",
    }, seen)
  end)
end)
