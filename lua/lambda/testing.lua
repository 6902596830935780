--- Helpers for testing your functions with busted (or any Lua test tool).
---
--- local testing = require "lambda.testing"
--- local result, err = testing.invoke("app.handler", { name = "Lua" })
---
--- `invoke` runs the handler the way Lambda will: through `lua-lambda
--- invoke`, the same host, JSON codec and error mapping as `bootstrap`,
--- in a fresh process (the module's top-level code runs each time).
local testing = {}

local errors = require "lambda.errors"

local function find_json()
  local ok, json = pcall(require, "lambda.json")
  if ok then return json end
  ok, json = pcall(require, "cjson")
  if ok then return json end
  error("lambda.testing needs lambda.json (built with lua-lambda) or cjson")
end

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

-- The runtime's clock in ms (lambda.clock, installed beside lambda.json),
-- or, without it, os.time's seconds.
local has_clock, clock = pcall(require, "lambda.clock")
local function now_ms()
  if has_clock then return clock.now_ms() end
  return math.floor(os.time() * 1000)
end

--- A context like the one the runtime passes, with `overrides` applied.
---@param overrides table|nil
---@return table
function testing.context(overrides)
  local deadline = now_ms() + 3000
  local ctx = {
    aws_request_id = "00000000-0000-4000-8000-000000000000",
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test",
    function_name = "test",
    function_version = "$LATEST",
    memory_limit_in_mb = 128,
    log_group_name = "/aws/lambda/test",
    log_stream_name = "local/[$LATEST]test",
    deadline_ms = deadline,
  }
  for k, v in pairs(overrides or {}) do ctx[k] = v end
  function ctx.get_remaining_time_in_millis(self)
    local d = type(self) == "table" and self.deadline_ms or ctx.deadline_ms
    local left = d - now_ms()
    return left > 0 and left or 0
  end
  return ctx
end

--- The decoded event in a JSON file: a path, or a name looked up in
--- LUA_LAMBDA_EVENTS (a folder of sample events), ".json" optional.
---@param name string
---@return table
function testing.event(name)
  local text = read_file(name)
  if not text then
    local dir = os.getenv("LUA_LAMBDA_EVENTS") or "events"
    local file = dir .. "/" .. name
    text = read_file(file) or read_file(file .. ".json")
  end
  if not text then errors.raise("no event file " .. name) end
  local value, err = find_json().decode(text)
  if value == nil then errors.raise(name .. ": " .. tostring(err)) end
  return value
end

-- The CLI to run, quoted for the shell.
local function cli_command(opts)
  return shell_quote(opts.cli or os.getenv("LUA_LAMBDA_CLI") or "lua-lambda")
end

-- The function's flags: opts.env as --env (the function sees those and
-- what Lambda sets, never this process's environment), opts.layers as
-- --layer (folders standing in for /opt, the last on top).
local function function_flags(opts)
  local flags = {}
  for name, value in pairs(opts.env or {}) do
    assert(tostring(name):match("^[%a_][%w_]*$"), "bad variable name: " .. tostring(name))
    flags[#flags + 1] = "--env " .. shell_quote(name .. "=" .. tostring(value))
  end
  table.sort(flags)
  for _, dir in ipairs(opts.layers or {}) do
    flags[#flags + 1] = "--layer " .. shell_quote(dir)
  end
  return table.concat(flags, " ")
end

-- --timeout when opts gives one; else the template's Timeout, or 3 s.
local function timeout_flag(opts)
  if opts.timeout == nil then return "" end
  local s = math.tointeger(opts.timeout)
  if not s or s < 1 or s > 900 then
    errors.raise("opts.timeout must be a whole number of seconds from 1 to 900 "
      .. "(Lambda's), not " .. tostring(opts.timeout))
  end
  return (" --timeout %d"):format(s)
end

--- Invokes handler ("module.function") with event (a table, or JSON
--- text) as Lambda would. Returns the decoded result, or nil and the
--- decoded error document ({errorType, errorMessage, stackTrace, output}
--- and any extra fields) as an error value: its kind "handler", code its
--- errorType and message its errorMessage, unless the document has its
--- own (a handler that raised a lambda.* error value: kind "timeout", ...).
--- opts: task_root (default "."), timeout (seconds; default the
--- template's Timeout, else 3),
--- function_name, cli (default LUA_LAMBDA_CLI or "lua-lambda"), env
--- (the function's variables: { AWS_ENDPOINT_URL = "..." }; the rest of
--- its environment is what Lambda sets, the template's
--- Environment.Variables and this shell's AWS variables, as under
--- `lua-lambda invoke`), layers (folders standing in for /opt).
---@param handler string
---@param event table|string|nil
---@param opts table|nil
---@return any result
---@return lambda.Error|nil error
function testing.invoke(handler, event, opts)
  opts = opts or {}
  local json = find_json()
  local text = type(event) == "string" and event or json.encode(event or {})
  local event_file, out_file, err_file = os.tmpname(), os.tmpname(), os.tmpname()
  local f = assert(io.open(event_file, "wb"))
  f:write(text)
  f:close()
  local command = ("%s invoke %s %s %s --task-root %s%s"
    .. " --function-name %s >%s 2>%s"):format(cli_command(opts),
    shell_quote(handler), shell_quote(event_file), function_flags(opts),
    shell_quote(opts.task_root or "."), timeout_flag(opts),
    shell_quote(opts.function_name or "test"), shell_quote(out_file),
    shell_quote(err_file))
  local ok = os.execute(command)
  local out, err = read_file(out_file) or "", read_file(err_file) or ""
  os.remove(event_file)
  os.remove(out_file)
  os.remove(err_file)
  if ok then
    -- JSON, as results are; a streaming handler's bytes come as they are
    -- (lambda.json answers bad JSON with nil and a message; cjson raises)
    local decoded, value, err = pcall(json.decode, out)
    if decoded and err == nil then return value end
    return (out:gsub("\n$", ""))
  end
  -- The error document is the last line of stderr; the handler's own
  -- output (prints) comes before it.
  local last = err:match("([^\n]+)\n*$") or ""
  local document = last:match("^[%w.]+: (%b{})$") or last:match("^(%b{})$")
  local decoded = document and json.decode(document)
  if type(decoded) ~= "table" then
    decoded = { errorType = "Runtime.Unknown", errorMessage = err }
  end
  decoded.output = err:sub(1, #err - #last - 1)
  local function own(field, default)
    local v = decoded[field]
    return type(v) == "string" and v or tostring(default)
  end
  decoded.code = own("code", decoded.errorType)
  return nil, errors.new(own("kind", "handler"),
    own("message", decoded.errorMessage), decoded)
end

--- Runs handler on every event at once in opts.states Lua states (default
--- 2, a thread each), as Lambda Managed Instances run a function: module
--- state is per state, never shared, and this shows what your module
--- keeps. Returns a list, in the events' order, of { result = ... } or
--- { error = { errorType, errorMessage, ... } }; or nil and an error value
--- (kind "invoke", output: what lua-lambda invoke wrote) when a state
--- could not load the module. opts as for testing.invoke.
---@param handler string
---@param events table
---@param opts table|nil
---@return table|nil outcomes
---@return lambda.Error|nil err
function testing.invoke_concurrently(handler, events, opts)
  opts = opts or {}
  local json = find_json()
  local events_file, out_file, err_file = os.tmpname(), os.tmpname(), os.tmpname()
  local f = assert(io.open(events_file, "wb"))
  for _, event in ipairs(events) do
    -- one line each: a JSON text is re-encoded compact
    if type(event) == "string" then event = assert(json.decode(event)) end
    f:write(json.encode(event), "\n")
  end
  f:close()
  local command = ("%s invoke %s %s %s --task-root %s%s"
    .. " --function-name %s --concurrency %d >%s 2>%s"):format(cli_command(opts),
    shell_quote(handler), shell_quote(events_file), function_flags(opts),
    shell_quote(opts.task_root or "."), timeout_flag(opts),
    shell_quote(opts.function_name or "test"), opts.states or 2,
    shell_quote(out_file), shell_quote(err_file))
  local ok = os.execute(command)
  local out, err = read_file(out_file) or "", read_file(err_file) or ""
  os.remove(events_file)
  os.remove(out_file)
  os.remove(err_file)
  if not ok then
    return nil, errors.new("invoke", "lua-lambda invoke failed: "
      .. (err:match("([^\n]+)\n*$") or "no output"), { output = err })
  end
  local outcomes = {}
  for line in out:gmatch("[^\n]+") do
    outcomes[#outcomes + 1] = json.decode(line)
  end
  return outcomes
end

return testing
