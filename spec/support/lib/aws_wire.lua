--- What aws_protocols_spec compares requests and answers with: the
--- oracle's markers turned into Lua values, a deep comparison that names
--- the first difference, and readers of the bodies botocore writes (XML
--- into the canonical tree aws_oracle.py's xml_canonical makes, CBOR into
--- the marked values its mark_plain makes, a form body into sorted pairs).
local json = require "lambda.json"
local base64 = require "lambda.base64"

local M = {}

local null = json.null

--- A marked JSON value (aws_oracle.py) -> the Lua value lambda.aws takes
--- and gives: {"$blob": b64} -> bytes, {"$ts": n} -> n, {"$float": s} ->
--- the float; json.null -> nil; tables plain (no json.array marks).
function M.unmark(v)
  if type(v) ~= "table" then
    if v == null then return nil end
    return v
  end
  if v["$blob"] ~= nil then return assert(base64.decode(v["$blob"])) end
  if v["$ts"] ~= nil then return v["$ts"] end
  if v["$float"] ~= nil then
    local s = v["$float"]
    if s == "NaN" then return 0 / 0 end
    return s == "Infinity" and math.huge or -math.huge
  end
  local out = {}  -- plain, as a caller's (the oracle's documents have no empty arrays)
  for k, x in pairs(v) do out[k] = M.unmark(x) end
  return out
end

local function number_same(a, b)
  if a ~= a and b ~= b then return true end
  if math.type(a) ~= math.type(b) then return false end
  if a == b then return true end
  if math.type(a) == "integer" then return false end
  return math.abs(a - b) <= math.max(1e-6, 1e-15 * math.abs(a))
end

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) == "table" then
    local ok, text = pcall(json.encode, v)
    return ok and text or tostring(v)
  end
  return tostring(v) .. (type(v) == "number" and ("(" .. math.type(v) .. ")") or "")
end

--- Whether a (ours) equals b (expected); nil values and json.null are
--- alike; with strict, a JSON array (json.array's mark) is not an object.
--- false and the path and both values where they first differ.
function M.same(a, b, path, strict)
  path = path or "$"
  if a == null then a = nil end
  if b == null then b = nil end
  if type(a) == "number" and type(b) == "number" then
    if number_same(a, b) then return true end
    return false, ("%s: %s ~= expected %s"):format(path, show(a), show(b))
  end
  if type(a) ~= "table" or type(b) ~= "table" then
    if a == b then return true end
    return false, ("%s: %s ~= expected %s"):format(path, show(a), show(b))
  end
  if strict and getmetatable(a) ~= getmetatable(b) then
    return false, ("%s: %s ~= expected %s (array and object)"):format(path, show(a), show(b))
  end
  for k, v in pairs(b) do
    local ok, why = M.same(a[k], v, path .. "." .. tostring(k), strict)
    if not ok then return false, why end
  end
  for k, v in pairs(a) do
    if b[k] == nil and v ~= null then
      return false, ("%s.%s: %s not expected"):format(path, tostring(k), show(v))
    end
  end
  return true
end

-- XML --------------------------------------------------------------------

local ENTITIES = { lt = "<", gt = ">", amp = "&", quot = '"', apos = "'" }

local function unescape(text)
  return (text:gsub("&(#?x?)(%w+);", function(kind, name)
    if kind == "" then return ENTITIES[name] end
    return utf8.char(tonumber(name, kind == "#x" and 16 or 10))
  end))
end

local function attributes(text)
  local out = {}
  for name, quote, value in text:gmatch("([%w_:%-%.]+)%s*=%s*([\"'])(.-)%2") do
    out[name] = unescape(value)
  end
  return out
end

--- XML text -> { t = tag, a = attrs, c = children } or { t, a, x = text }
--- (white space between elements dropped; no DTDs, comments skipped).
function M.xml(text)
  local root = { t = "", a = {}, c = {}, x = "" }
  local stack = { root }
  local pos = 1
  while pos <= #text do
    local lt = text:find("<", pos, true)
    local top = stack[#stack]
    if not lt then
      top.x = top.x .. unescape(text:sub(pos))
      break
    end
    if lt > pos then top.x = top.x .. unescape(text:sub(pos, lt - 1)) end
    if text:sub(lt, lt + 8) == "<![CDATA[" then
      local close = assert(text:find("]]>", lt, true), "unclosed CDATA")
      top.x = top.x .. text:sub(lt + 9, close - 1)
      pos = close + 3
    elseif text:sub(lt, lt + 1) == "<?" then
      pos = assert(text:find("?>", lt, true), "unclosed <?") + 2
    elseif text:sub(lt, lt + 3) == "<!--" then
      pos = assert(text:find("-->", lt, true), "unclosed comment") + 3
    elseif text:sub(lt, lt + 1) == "</" then
      local gt = assert(text:find(">", lt, true), "unclosed end tag")
      local node = table.remove(stack)
      if #node.c > 0 then node.x = nil else node.c = nil end
      pos = gt + 1
    else
      local gt = assert(text:find(">", lt, true), "unclosed tag")
      local inside = text:sub(lt + 1, gt - 1)
      local empty = inside:sub(-1) == "/"
      if empty then inside = inside:sub(1, -2) end
      local tag, rest = inside:match("^([^%s/>]+)(.*)$")
      local node = { t = tag, a = attributes(rest), c = {}, x = "" }
      top.c[#top.c + 1] = node
      if empty then node.c = nil else stack[#stack + 1] = node end
      pos = gt + 1
    end
  end
  return root.c[1]
end

-- CBOR -------------------------------------------------------------------

local function cbor_item(s, pos)
  local byte = s:byte(pos)
  local major, info = byte >> 5, byte & 31
  pos = pos + 1
  local n
  if info < 24 then
    n = info
  elseif info <= 27 then
    local len = 1 << (info - 24)
    if major == 7 then
      if len == 2 then
        local h = string.unpack(">I2", s, pos)
        local e, m = (h >> 10) & 31, h & 1023
        local v
        if e == 0 then v = m * 2.0 ^ -24
        elseif e == 31 then v = m == 0 and math.huge or 0 / 0
        else v = (m + 1024) * 2.0 ^ (e - 25) end
        if h & 0x8000 ~= 0 then v = -v end
        return v, pos + 2
      end
      return string.unpack(len == 4 and ">f" or ">d", s, pos), pos + len
    end
    n = string.unpack(">I" .. len, s, pos)
    pos = pos + len
  elseif info == 31 then
    n = nil -- indefinite
  else
    error("bad CBOR additional info " .. info)
  end
  if major == 0 then return n, pos end
  if major == 1 then return -1 - n, pos end
  if major == 2 or major == 3 then
    local text
    if n then
      text = s:sub(pos, pos + n - 1)
      pos = pos + n
    else
      local parts = {}
      while s:byte(pos) ~= 0xff do
        local part
        part, pos = cbor_item(s, pos)
        parts[#parts + 1] = type(part) == "table" and base64.decode(part["$blob"]) or part
      end
      text, pos = table.concat(parts), pos + 1
    end
    if major == 2 then return { ["$blob"] = base64.encode(text) }, pos end
    return text, pos
  end
  if major == 4 or major == 5 then
    local out, i = {}, 0
    while (n and i < n) or (not n and s:byte(pos) ~= 0xff) do
      i = i + 1
      if major == 4 then
        out[i], pos = cbor_item(s, pos)
      else
        local k, v
        k, pos = cbor_item(s, pos)
        v, pos = cbor_item(s, pos)
        out[k] = v
      end
    end
    if not n then pos = pos + 1 end
    if major == 4 then setmetatable(out, getmetatable(json.array())) end
    return out, pos
  end
  if major == 6 then
    local v
    v, pos = cbor_item(s, pos)
    if n == 1 then return { ["$ts"] = v }, pos end
    return v, pos
  end
  if n == 20 then return false, pos end
  if n == 21 then return true, pos end
  return null, pos
end

local function mark_floats(v)
  if type(v) == "number" and math.type(v) == "float" and (v ~= v or v == math.huge or v == -math.huge) then
    return { ["$float"] = v ~= v and "NaN" or (v > 0 and "Infinity" or "-Infinity") }
  end
  if type(v) == "table" and v["$blob"] == nil then
    for k, x in pairs(v) do v[k] = mark_floats(x) end
  end
  return v
end

--- CBOR bytes -> the marked value aws_oracle.py's mark_plain gives.
function M.cbor(bytes)
  local v = cbor_item(bytes, 1)
  return mark_floats(v)
end

-- forms ------------------------------------------------------------------

local function unpercent(s)
  return (s:gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

--- "a=1&b=x%20y" -> { {"a","1"}, {"b","x y"} }, sorted.
function M.form(body)
  local out = {}
  for part in (body or ""):gmatch("[^&]+") do
    local k, v = part:match("^([^=]*)=?(.*)$")
    out[#out + 1] = { unpercent(k), unpercent(v) }
  end
  table.sort(out, function(a, b)
    if a[1] ~= b[1] then return a[1] < b[1] end
    return a[2] < b[2]
  end)
  return out
end

return M
