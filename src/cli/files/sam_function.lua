--- The one function of a SAM template that a local run stands for, as
--- lua-lambda's C side takes it (sam_function.c): read(text, file, name,
--- handler, code_dir) -> { logical_id, handler, architecture, memory,
--- timeout, env = { {name, value}, ... }, notes = { text, ... } }, or
--- nil and a message.
local sam = require "sam_template"

local function read(text, file, name, handler, code_dir)
  local doc, err = sam.parse(text)
  if not doc then return nil, err end
  local fn, why = sam.pick(doc, { name = name, handler = handler,
    code_dir = code_dir })
  if not fn then return nil, file .. ": " .. why end
  local notes = {}
  local function value(v, what)
    if v == nil then return nil end
    local s, reason = sam.resolve(v, doc)
    if s == nil and reason then
      notes[#notes + 1] = ("%s: %s of %s: %s"):format(file, what,
        fn.logical_id, reason)
    end
    return s
  end
  local out = { logical_id = fn.logical_id, notes = notes, env = {} }
  local p = fn.properties or {}
  out.handler = value(p.Handler, "Handler")
  local arch = p.Architectures
  if type(arch) == "table" and arch[1] ~= nil then
    out.architecture = value(arch[1], "Architectures")
  elseif arch ~= nil then
    out.architecture = value(arch, "Architectures")
  end
  if out.architecture and out.architecture ~= "arm64"
      and out.architecture ~= "x86_64" then
    notes[#notes + 1] = ("%s: Architectures of %s is %s, not arm64 or "
      .. "x86_64"):format(file, fn.logical_id, out.architecture)
    out.architecture = nil
  end
  out.memory = math.tointeger(tonumber(value(p.MemorySize, "MemorySize")))
  out.timeout = math.tointeger(tonumber(value(p.Timeout, "Timeout")))
  local vars = type(p.Environment) == "table" and p.Environment.Variables
  if type(vars) == "table" then
    local names = {}
    for k in pairs(vars) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do
      local v = value(vars[k], "Environment.Variables." .. k)
      if v ~= nil then out.env[#out.env + 1] = { k, v } end
    end
  end
  return out
end

return read
