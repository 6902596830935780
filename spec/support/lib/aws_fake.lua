--- fake_aws.py for the specs that call AWS through it: starts the fake
--- (HTTPS, a test CA), and runs a handler under `lua-lambda invoke` with the
--- environment a deployed function gets (credentials, the fake as every
--- service's endpoint, the CA trusted).
local cjson = require "cjson"
local helper = require "helper"
local Process = require "process"
local test_ca = require "test_ca"

local M = {}

-- fake_aws.py checks signatures with Debian's botocore (its own
-- independent SigV4), as it always has.
M.PYTHON = "/usr/bin/python3"
M.SECRET = "test/secret+key"

--- Starts the fake with a certificate and key: { proc, port, base }.
function M.start_with(cert, key, extra)
  local argv = { M.PYTHON, "spec/support/fakes/fake_aws.py", cert, key }
  for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
  local proc = Process.start { argv = argv }
  local port = tonumber(helper.wait_for(function()
    assert(not proc:exited(), "fake_aws.py exited: " .. proc:stderr())
    return proc:stdout():match("port (%d+)")
  end, "fake_aws.py did not start", 20))
  return { proc = proc, port = port, base = "https://127.0.0.1:" .. port }
end

--- Starts the fake with a new test CA: { proc, port, base, ca }.
function M.start(extra)
  local ca = test_ca.make()
  local fake = M.start_with(ca.cert, ca.key, extra)
  fake.ca = ca
  return fake
end

function M.stop(fake)
  if not fake then return end
  fake.proc:kill()
  fake.proc:cleanup()
  test_ca.remove(fake.ca)
end

--- The environment of a function calling the fake; extra overrides
--- (false removes).
function M.env(fake, extra)
  local e = {
    SSL_CERT_FILE = fake.ca.ca, AWS_ENDPOINT_URL = fake.base,
    AWS_ACCESS_KEY_ID = "AKIDTEST", AWS_SECRET_ACCESS_KEY = M.SECRET,
    AWS_REGION = "eu-west-1", HOME = fake.ca.dir,
  }
  for k, v in pairs(extra or {}) do e[k] = v or nil end
  return e
end

--- Runs handler ("module.fn") of task_root with event under lua-lambda
--- invoke, the function's environment exactly vars (as --env gives it,
--- and Lambda sets it); the decoded result, and the whole output.
function M.invoke_with_env(task_root, handler, event, vars, timeout)
  local file = helper.tmpfile(cjson.encode(event), "event.json")
  local argv = { helper.cli, "invoke", handler, file, "--task-root", task_root,
    "--timeout", tostring(timeout or 10) }
  local names = {}
  for k in pairs(vars) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    argv[#argv + 1] = "--env"
    argv[#argv + 1] = k .. "=" .. vars[k]
  end
  local p = Process.start { argv = argv }
  local code = p:wait(60)
  local out, err = p:stdout(), p:stderr()
  p:cleanup()
  os.remove(file)
  assert(code == 0, "invoke failed (" .. tostring(code) .. "): " .. out .. err)
  return cjson.decode(out), out .. err
end

--- invoke_with_env with the fake's environment (M.env; extra_env over
--- it) and event.base the fake's URL.
function M.invoke(fake, task_root, handler, event, extra_env, timeout)
  event.base = event.base or fake.base
  return M.invoke_with_env(task_root, handler, event, M.env(fake, extra_env), timeout)
end

return M
