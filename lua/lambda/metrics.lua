--- CloudWatch metrics in the embedded metric format (EMF): records that
--- CloudWatch Logs turns into metrics, with no API call from the function.
---
--- local metrics = require "lambda.metrics"
--- metrics.set_namespace("Shop")
--- metrics.add("OrdersPlaced", 1, "Count")
---
--- What a handler adds is written as one log line (more past 100 metrics,
--- or 100 values of one metric: EMF's limits) when the invocation ends, also when it raised. Namespace: set_namespace,
--- else LUA_LAMBDA_METRICS_NAMESPACE, else "lua-lambda".
---@class lambda.metrics
local metrics = {}

local json = require "lambda.json"
local errors = require "lambda.errors"

local UNITS = {}
for unit in ([[Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes
  Gigabytes Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count
  Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second
  Terabytes/Second Bits/Second Kilobits/Second Megabits/Second
  Gigabits/Second Terabits/Second Count/Second None]]):gmatch("%S+") do
  UNITS[unit] = true
end

-- The embedded metric format's limits: per record, 100 metric
-- definitions and 100 values of each metric.
local MAX_METRICS = 100
local MAX_VALUES = 100
local MAX_DIMENSIONS = 30

local namespace = os.getenv("LUA_LAMBDA_METRICS_NAMESPACE")
local default_dimensions = {}  -- kept across invocations
local dimensions, properties, order, units, values

local function reset()
  dimensions, properties, order, units, values = {}, {}, {}, {}, {}
end
reset()

---@param name string
function metrics.set_namespace(name)
  assert(type(name) == "string" and name ~= "", "namespace must be a non-empty string")
  namespace = name
end

--- Dimensions on every record from now on, e.g. { service = "orders" }.
---@param dims table<string, string>
function metrics.set_default_dimensions(dims)
  default_dimensions = {}
  for k, v in pairs(dims or {}) do metrics.add_dimension(k, v, default_dimensions) end
end

--- A dimension for this invocation's records.
---@param name string
---@param value string
function metrics.add_dimension(name, value, into)
  assert(type(name) == "string" and name ~= "", "dimension name must be a non-empty string")
  assert(type(value) == "string", "dimension value must be a string")
  into = into or dimensions
  into[name] = value
end

--- A value for metric name (repeated adds keep every value).
---@param name string
---@param value number
---@param unit string|nil one of CloudWatch's units (default "None")
function metrics.add(name, value, unit)
  unit = unit or "None"
  assert(type(name) == "string" and name ~= "", "metric name must be a non-empty string")
  if type(value) ~= "number" or value ~= value or value == math.huge
      or value == -math.huge then
    errors.raise("metric " .. name .. ": value must be a finite number")
  end
  if not UNITS[unit] then
    errors.raise("metric " .. name .. ": unknown unit " .. tostring(unit))
  end
  if units[name] and units[name] ~= unit then
    errors.raise("metric " .. name .. ": unit " .. unit .. " differs from "
      .. units[name])
  end
  if not units[name] then
    units[name] = unit
    order[#order + 1] = name
    values[name] = {}
  end
  table.insert(values[name], value)
end

--- A property: searchable in the log, not a metric or dimension.
function metrics.set_property(name, value)
  properties[name] = value
end

--- Writes this invocation's metrics (if any) and starts afresh. The
--- runtime calls it when each invocation ends.
function metrics.flush()
  if #order == 0 then
    reset()
    return
  end
  local dims, names = {}, json.array()
  for k, v in pairs(default_dimensions) do dims[k] = v end
  for k, v in pairs(dimensions) do dims[k] = v end
  for k in pairs(dims) do names[#names + 1] = k end
  table.sort(names)
  if #names > MAX_DIMENSIONS then
    reset()
    error("more than " .. MAX_DIMENSIONS .. " dimensions")
  end
  local now = math.floor(os.time() * 1000)
  local lines = {}
  local function record_of(names_in, first, last, from)
    local record, defs = {}, json.array()
    for i = first, last do
      local name = names_in[i]
      defs[#defs + 1] = { Name = name, Unit = units[name] }
      local v = values[name]
      local to = math.min(#v, from + MAX_VALUES - 1)
      record[name] = to == from and v[from]
        or json.array(table.move(v, from, to, 1, {}))
    end
    for k, v in pairs(properties) do record[k] = v end
    for k, v in pairs(dims) do record[k] = v end
    record._aws = {
      Timestamp = now,
      CloudWatchMetrics = json.array({ {
        Namespace = namespace or "lua-lambda",
        Dimensions = json.array({ names }),
        Metrics = defs,
      } }),
    }
    return json.encode(record)
  end
  -- Round r holds values (r - 1) * 100 + 1 to r * 100 of each metric that
  -- has that many; a round's metrics go 100 to a record.
  local active, from = order, 1
  while #active > 0 do
    for first = 1, #active, MAX_METRICS do
      lines[#lines + 1] = record_of(active, first,
        math.min(first + MAX_METRICS - 1, #active), from)
    end
    from = from + MAX_VALUES
    local still = {}
    for _, name in ipairs(active) do
      if #values[name] >= from then still[#still + 1] = name end
    end
    active = still
  end
  reset()
  io.stdout:write(table.concat(lines, "\n") .. "\n")
end

-- Inside bootstrap, flush as each invocation ends.
local ok, host = pcall(require, "lambda.host")
if ok then host.after_invoke(metrics.flush) end

return metrics
