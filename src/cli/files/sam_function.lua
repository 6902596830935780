--- The one function of a SAM (or CloudFormation) template that a local
--- run stands for, as lua-lambda's C side takes it (sam_function.c):
---   read(text, file, name, handler, code_dir) -> { logical_id, handler,
---     architecture, memory, timeout, env = { {name, value}, ... },
---     notes = { text, ... } }, or nil and a message.
--- name (a logical id) is a preference: a name the template does not
--- have is not an error, the handler and folder choose then.
--- Values the template gives with an intrinsic function that cannot be
--- known before deploying (!GetAtt, a parameter with no Default, ...)
--- are left out, each with a note saying why.
local sam = require "sam_template"

local function read(text, file, name, handler, code_dir)
  local doc, err = sam.parse(text, file)
  if not doc then return nil, err end
  -- --function-name names the function deployed; it picks the template's
  -- function only when it is one of its logical ids
  local named = false
  for _, f in ipairs(sam.functions(doc)) do
    if f.id == name then named = true end
  end
  local fn, why = sam.pick(doc, { name = named and name or nil,
    handler = handler, code_dir = code_dir, file = file })
  if not fn then return nil, why end
  local notes = {}
  local function value(v, what)
    if v == nil then return nil end
    local s, reason = sam.resolve(v, doc)
    if s == nil then
      notes[#notes + 1] = ("%s: %s of %s is left out: %s"):format(file, what,
        fn.id, reason or "not a single value")
    end
    return s
  end
  local out = { logical_id = fn.id, notes = notes, env = {} }
  out.handler = value(fn.handler, "Handler")
  local arch = fn.architectures
  if type(arch) == "table" and #arch == 1 then arch = arch[1] end
  out.architecture = value(arch, "Architectures")
  if out.architecture and out.architecture ~= "arm64"
      and out.architecture ~= "x86_64" then
    notes[#notes + 1] = ("%s: Architectures of %s is %s, not arm64 or "
      .. "x86_64: left out"):format(file, fn.id, out.architecture)
    out.architecture = nil
  end
  out.memory = math.tointeger(tonumber(value(fn.memory_size, "MemorySize")))
  out.timeout = math.tointeger(tonumber(value(fn.timeout, "Timeout")))
  local names = {}
  for k in pairs(fn.environment or {}) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    local v = value(fn.environment[k], "Environment.Variables." .. k)
    if v ~= nil then out.env[#out.env + 1] = { k, v } end
  end
  return out
end

return read
