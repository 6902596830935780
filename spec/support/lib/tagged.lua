--- Values as "tagged" trees, the form the AWS specs' Python oracles
--- (cbor_oracle.py, eventstream_oracle.py) send them in, so that a Lua
--- value and a Python one compare with assert.same: {n=1} null, {t=b}
--- boolean, {i="123"} integer, {f="<the double's bits in hex>"} float,
--- {s="<hex>"} string (text or bytes), {l={...}} list, {m={[key]=v}} map
--- (the key the canonical text of the tagged key).
local cjson = require "cjson"
local json = require "lambda.json"

local M = {}

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end
M.hex = hex

function M.unhex(h)
  return (h:gsub("%x%x", function(x) return string.char(tonumber(x, 16)) end))
end

local function canon(t)
  local k, v = next(t)
  if k == "m" or k == "l" then return cjson.encode(t) end
  return k .. ":" .. tostring(v)
end

--- A tagged tree as the oracle sends it -> the form assert.same compares.
function M.normal(t)
  if t.m then
    local out = {}
    for _, pair in ipairs(t.m) do out[canon(pair[1])] = M.normal(pair[2]) end
    return { m = out }
  elseif t.l then
    local out = {}
    for i, v in ipairs(t.l) do out[i] = M.normal(v) end
    return { l = out }
  end
  return t
end

local function is_array(v)
  local mt = getmetatable(v)
  return mt ~= nil and mt.__jsontype == "array"
end

--- A Lua value (lists marked by lambda.json.array) -> its normal tagged form.
function M.of(v)
  if v == nil or v == json.null then return { n = 1 } end
  local t = type(v)
  if t == "boolean" then return { t = v } end
  if t == "number" then
    if math.type(v) == "integer" then return { i = tostring(v) } end
    return { f = hex(string.pack(">d", v)) }
  end
  if t == "string" then return { s = hex(v) } end
  if is_array(v) then
    local out = {}
    for i = 1, #v do out[i] = M.of(v[i]) end
    return { l = out }
  end
  local out = {}
  for k, x in pairs(v) do out[canon(M.of(k))] = M.of(x) end
  return { m = out }
end

--- A tagged tree -> the Lua value (lists as lambda.json arrays).
function M.value(t)
  if t.n then return json.null end
  if t.t ~= nil then return t.t end
  if t.i then return math.tointeger(tonumber(t.i)) end
  if t.f then return (string.unpack(">d", M.unhex(t.f))) end
  if t.s then return M.unhex(t.s) end
  if t.l then
    local out = {}
    for i, v in ipairs(t.l) do out[i] = M.value(v) end
    return json.array(out)
  end
  local out = {}
  for _, pair in ipairs(t.m) do out[M.value(pair[1])] = M.value(pair[2]) end
  return out
end

--- Runs python script with request (a table, sent as JSON on stdin);
--- returns its answer decoded.
function M.run(python, script, request)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(cjson.encode(request))
  f:close()
  local p = assert(io.popen(python .. " " .. script .. " < " .. path .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  os.remove(path)
  assert(ok, "the oracle failed: " .. out)
  return cjson.decode(out)
end

return M
