--- The JMESPath the models' operationContextParams use, compiled once:
--- identifiers and sub-expressions (a.b), list projections (a[*].b),
--- multi-select lists ([a, b]), flatten ([]), and keys(expr). Results
--- as the jmespath package gives them (a projection drops nulls; nil for
--- a missing value). keys() of a Lua table has no insertion order: the
--- keys come sorted, where Python gives the order the caller wrote them.
local M = {}

local function is_array(v)
  return type(v) == "table" and (v[1] ~= nil or next(v) == nil)
end

local parse_expr

local function skip(s, i)
  return s:match("^%s*()", i)
end

-- primary: identifier | keys(expr) | [expr, ...] (multi-select)
local function parse_primary(s, i)
  i = skip(s, i)
  local name, after = s:match("^([%a_][%w_]*)()", i)
  if name == "keys" and s:sub(skip(s, after), skip(s, after)) == "(" then
    local arg, j = parse_expr(s, skip(s, after) + 1)
    j = skip(s, j)
    assert(s:sub(j, j) == ")", "jmespath: ) expected")
    return function(v)
      local inner = arg(v)
      if type(inner) ~= "table" or is_array(inner) and next(inner) ~= nil then return nil end
      local keys = {}
      for k in pairs(inner) do keys[#keys + 1] = k end
      table.sort(keys)
      return keys
    end, j + 1
  elseif name then
    return function(v)
      if type(v) ~= "table" or is_array(v) and next(v) ~= nil then return nil end
      return v[name]
    end, after
  end
  error("jmespath: unsupported expression at " .. i .. ": " .. s)
end

local function identity(v) return v end

-- The elements of a projection's results that are not null.
local function project(list, rest)
  local out = {}
  for _, x in ipairs(list) do
    local r = rest(x)
    if r ~= nil and r ~= M.null then out[#out + 1] = r end
  end
  return out
end

local function flatten(list)
  local flat = {}
  for _, x in ipairs(list) do
    if is_array(x) and x ~= M.null then
      for _, y in ipairs(x) do flat[#flat + 1] = y end
    else
      flat[#flat + 1] = x
    end
  end
  return flat
end

local parse_chain

local function parse_multi(s, i, left, inproj)
  local j, items = skip(s, i + 1) + 1, {}
  repeat
    local item
    item, j = parse_expr(s, j)
    items[#items + 1] = item
    j = skip(s, j)
    local c = s:sub(j, j)
    j = j + 1
  until c ~= ","
  assert(s:sub(j - 1, j - 1) == "]", "jmespath: ] expected")
  return parse_chain(s, j, function(v)
    local x = left(v)
    if x == nil or x == M.null then return nil end
    local out = {}
    for k, item in ipairs(items) do
      local r = item(x)
      out[k] = r == nil and M.null or r
    end
    return out
  end, inproj)
end

-- A chain of .name, .[...], [*] and [] after an expression: a
-- projection applies the rest of the chain to each element; "[]" ends
-- any projection's right side (it flattens all that came before).
function parse_chain(s, i, left, inproj)
  i = skip(s, i)
  if s:sub(i, i + 1) == "[]" then
    if inproj then return left, i end
    local rest, j = parse_chain(s, i + 2, identity, true)
    return parse_chain(s, j, function(v)
      local list = left(v)
      if not is_array(list) or list == M.null then return nil end
      return project(flatten(list), rest)
    end, false)
  elseif s:sub(i, i + 2) == "[*]" then
    local rest, j = parse_chain(s, i + 3, identity, true)
    return parse_chain(s, j, function(v)
      local list = left(v)
      if not is_array(list) or list == M.null then return nil end
      return project(list, rest)
    end, inproj)
  elseif s:sub(i, i) == "." and s:sub(skip(s, i + 1), skip(s, i + 1)) == "[" then
    return parse_multi(s, skip(s, i + 1) - 1, left, inproj)
  elseif s:sub(i, i) == "." then
    local right, j = parse_primary(s, i + 1)
    return parse_chain(s, j, function(v)
      local x = left(v)
      if x == nil then return nil end
      return right(x)
    end, inproj)
  end
  return left, i
end

function parse_expr(s, i)
  local primary, j = parse_primary(s, i)
  return parse_chain(s, j, primary, false)
end

-- A multi-select list keeps its nulls (as this marker, dropped again by
-- a projection's flatten); results hold no marker in the models' paths.
M.null = setmetatable({}, { __name = "jmespath.null" })

local compiled = {}

--- compile(expression) -> function(value) -> result (cached).
function M.compile(expression)
  local f = compiled[expression]
  if f then return f end
  local g, j = parse_expr(expression, 1)
  assert(skip(expression, j) > #expression, "jmespath: trailing text in " .. expression)
  f = function(v)
    local r = g(v)
    if r == M.null then return nil end
    if type(r) == "table" then
      local out = {}
      for _, x in ipairs(r) do if x ~= M.null then out[#out + 1] = x end end
      if #out ~= #r then return out end
    end
    return r
  end
  compiled[expression] = f
  return f
end

return M
