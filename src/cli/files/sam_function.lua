--- The one function of a SAM (or CloudFormation) template that a local
--- run stands for, as lua-lambda's C side takes it (sam_function.c):
---   read(text, file, name, handler, code_dir, from_parent) -> {
---     logical_id, handler,
---     architecture, architecture_unknown (the template says one that
---     cannot be known here), memory, timeout, log_format, log_level,
---     env = { {name, value}, ... }, notes = { text, ... } }, or nil and
---     a message.
--- name (a logical id) is a preference: a name the template does not
--- have is not an error, the handler and folder choose then.
--- Values the template gives with an intrinsic function that cannot be
--- known before deploying (!GetAtt, a parameter with no Default, ...)
--- are left out, each with a note saying why.
local sam = require "sam_template"

local settings  -- below

-- from_parent: the template is in a folder above the function's (SAM's
-- usual layout, CodeUri: src/): only a function whose CodeUri is that
-- folder is this one; with none, the template is not this function's
-- ({ none = true }).
local function of_folder(doc, file, name, handler, code_dir)
  local dir = sam.clean_dir(code_dir)
  local found = {}
  for _, f in ipairs(sam.functions(doc)) do
    local uri = sam.resolve(f.code, doc)
    if type(uri) == "string" and sam.clean_dir(uri) == dir then
      found[#found + 1] = f
    end
  end
  if #found == 0 then return nil end
  if #found == 1 then return found[1] end
  for _, f in ipairs(found) do
    if f.id == name or (handler and sam.resolve(f.handler, doc) == handler) then
      return f
    end
  end
  local ids = {}
  for i, f in ipairs(found) do ids[i] = f.id end
  return nil, ("%s has several functions in %s (%s): say which by its "
    .. "logical id (--function-name)"):format(file, dir, table.concat(ids, ", "))
end

local function read(text, file, name, handler, code_dir, from_parent)
  local doc, err = sam.parse(text, file)
  if not doc then return nil, err end
  if from_parent then
    local fn, why = of_folder(doc, file, name, handler, code_dir)
    if not fn and not why then return { none = true } end
    if not fn then return nil, why end
    return settings(doc, fn, file)
  end
  -- --function-name names the function deployed; it picks the template's
  -- function only when it is one of its logical ids
  local named = false
  for _, f in ipairs(sam.functions(doc)) do
    if f.id == name then named = true end
  end
  local fn, why = sam.pick(doc, { name = named and name or nil,
    handler = handler, code_dir = code_dir, file = file })
  if not fn then return nil, why end
  local out = settings(doc, fn, file)
  -- Lambda gets the CodeUri folder, not the template's
  local uri = sam.resolve(fn.code, doc)
  if type(uri) == "string" and not uri:match("%.zip$")
      and not uri:match("^s3://") and sam.clean_dir(uri) ~= "." then
    table.insert(out.notes, ("%s: the CodeUri of %s is %s: Lambda gets that "
      .. "folder, so run it with --task-root %s"):format(file, fn.id, uri,
      sam.clean_dir(uri)))
  end
  return out
end

-- The settings of fn, the function picked in doc.
settings = function(doc, fn, file)
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
  out.architecture_unknown = arch ~= nil and out.architecture == nil
  if out.architecture and out.architecture ~= "arm64"
      and out.architecture ~= "x86_64" then
    notes[#notes + 1] = ("%s: Architectures of %s is %s, not arm64 or "
      .. "x86_64: left out"):format(file, fn.id, out.architecture)
    out.architecture = nil
  end
  -- Lambda's ranges: a value outside one would not deploy
  local function whole(v, what, lo, hi)
    local s = value(v, what)
    local n = s and math.tointeger(tonumber(s))
    if s and not (n and n >= lo and n <= hi) then
      notes[#notes + 1] = ("%s: %s of %s is %s, not a whole number from %d "
        .. "to %d: left out"):format(file, what, fn.id, s, lo, hi)
      return nil
    end
    return n
  end
  out.memory = whole(fn.memory_size, "MemorySize", 128, 10240)
  out.timeout = whole(fn.timeout, "Timeout", 1, 900)
  -- LoggingConfig: what Lambda passes on as AWS_LAMBDA_LOG_FORMAT and
  -- AWS_LAMBDA_LOG_LEVEL
  local logging = type(fn.properties) == "table" and fn.properties.LoggingConfig
  if type(logging) == "table" then
    out.log_format = value(logging.LogFormat, "LoggingConfig.LogFormat")
    out.log_level = value(logging.ApplicationLogLevel,
      "LoggingConfig.ApplicationLogLevel")
  end
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
