--- What spec/unit/aws_xml_spec.lua and aws_query_spec.lua share: the
--- oracle (query_xml_oracle.py, botocore on our models), values across
--- it, and an exact comparison (integer and float told apart).
local helper = require "helper"
local json = require "lambda.json"
local base64 = require "lambda.base64"
local oracle_python = require "oracle_python"

local M = {}

--- Runs the cases through botocore; the answers, in order (each an
--- error is raised for).
function M.oracle(cases)
  local dir = helper.tmpdir()
  local input = dir .. "/cases.json"
  helper.write(input, json.encode(json.array(cases)))
  local python = oracle_python.python()
  local p = assert(io.popen(python .. " spec/support/lib/query_xml_oracle.py < "
    .. helper.quote(input) .. " 2>&1"))
  local out = p:read("a")
  p:close()
  local answers, err = json.decode(out)
  assert(answers, "the oracle said: " .. out:sub(1, 2000) .. tostring(err))
  local results = {}
  for i, a in ipairs(answers) do
    if a.error then
      error(("oracle case %d (%s): %s"):format(i, json.encode(cases[i]), a.error))
    end
    results[i] = a.ok
  end
  return results
end

--- A value from the oracle as lambda.aws gives and takes it: {__blob=b64}
--- -> bytes; json.null -> nil.
function M.from_wire(v)
  if type(v) ~= "table" then
    if v == json.null then return nil end
    return v
  end
  if v.__blob then return assert(base64.decode(v.__blob)) end
  local out = {}
  for k, x in pairs(v) do out[k] = M.from_wire(x) end
  return out
end

--- A Lua value (blobs as bytes at the paths the shape says) for the
--- oracle: lists marked as arrays.
function M.to_wire(svc, shape, v)
  local t = shape.type
  if t == "structure" then
    local out = json.object({})
    for k, x in pairs(v) do
      local ref = shape.members[k]
      out[k] = ref and M.to_wire(svc, svc:shape(ref.shape), x) or x
    end
    return out
  elseif t == "list" then
    local out = json.array({})
    for i, x in ipairs(v) do out[i] = M.to_wire(svc, svc:shape(shape.member.shape), x) end
    return out
  elseif t == "map" then
    local out = json.object({})
    for k, x in pairs(v) do out[k] = M.to_wire(svc, svc:shape(shape.value.shape), x) end
    return out
  elseif t == "blob" then
    return { __blob = base64.encode(v) }
  end
  return v
end

local function describe_value(v)
  if type(v) == "number" then return ("%s %s"):format(math.type(v), tostring(v)) end
  if type(v) == "string" then return ("%q"):format(v) end
  return tostring(v)
end

--- nil when a and b are the same value (integer 1 is not float 1.0),
--- else the path where they differ and how.
function M.diff(a, b, path)
  path = path or "value"
  if type(a) ~= type(b) then
    return ("%s: %s vs %s"):format(path, describe_value(a), describe_value(b))
  end
  if type(a) == "number" then
    if math.type(a) ~= math.type(b) or (a ~= b and not (a ~= a and b ~= b)) then
      return ("%s: %s vs %s"):format(path, describe_value(a), describe_value(b))
    end
    return nil
  end
  if type(a) ~= "table" then
    if a ~= b then
      return ("%s: %s vs %s"):format(path, describe_value(a), describe_value(b))
    end
    return nil
  end
  for k, x in pairs(a) do
    local d = M.diff(x, b[k], path .. "." .. tostring(k))
    if d then return d end
  end
  for k, y in pairs(b) do
    if a[k] == nil then
      return ("%s.%s: absent vs %s"):format(path, tostring(k), describe_value(y))
    end
  end
  return nil
end

--- Asserts that actual is exactly expected.
function M.same(expected, actual, what)
  local d = M.diff(expected, actual)
  assert(d == nil, (what and what .. ": " or "") .. "expected vs got: " .. tostring(d))
end

return M
