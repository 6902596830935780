-- lambda.metrics against the embedded metric format's limits, in
-- process: a record holds at most 100 metric definitions and at most 100
-- values of a metric, so more is split over several records, each whole
-- (namespace, dimensions and properties repeated).
local json = require "lambda.json"

-- The EMF records metrics.flush writes, decoded.
local function flushed(metrics)
  local out = {}
  local real = io.stdout
  io.stdout = { write = function(self, ...)
    for _, s in ipairs { ... } do out[#out + 1] = s end
    return self
  end }
  local ok, err = pcall(metrics.flush)
  io.stdout = real
  assert(ok, err)
  local records = {}
  for line in table.concat(out):gmatch("[^\n]+") do
    records[#records + 1] = assert(json.decode(line))
  end
  return records
end

-- A record's values of name as a list (one value is written bare).
local function values_of(record, name)
  local v = record[name]
  if type(v) == "number" then return { v } end
  return v
end

describe("lambda.metrics' record limits #unit", function()
  local metrics

  before_each(function()
    package.loaded["lambda.metrics"] = nil
    metrics = require "lambda.metrics"
    metrics.set_namespace("Shop")
    metrics.set_default_dimensions({ service = "orders" })
  end)

  -- Every record within the limits and whole; the values of each metric
  -- across the records, in the order they were added.
  local function check(records)
    local all = {}
    for _, record in ipairs(records) do
      local cw = record._aws.CloudWatchMetrics[1]
      assert.equal("Shop", cw.Namespace)
      assert.same({ { "service" } }, cw.Dimensions)
      assert.equal("orders", record.service)
      assert.equal("o-1", record.orderId)
      assert.is_true(#cw.Metrics <= 100, #cw.Metrics .. " metrics in a record")
      local seen = {}
      for _, def in ipairs(cw.Metrics) do
        assert.is_nil(seen[def.Name], def.Name .. " twice in a record")
        seen[def.Name] = true
        local v = values_of(record, def.Name)
        assert.is_true(#v >= 1 and #v <= 100, #v .. " values of " .. def.Name)
        all[def.Name] = all[def.Name] or {}
        table.move(v, 1, #v, #all[def.Name] + 1, all[def.Name])
      end
    end
    return all
  end

  it("splits one metric added 10,000 times into records of 100 values", function()
    for i = 1, 10000 do metrics.add("Latency", i, "Milliseconds") end
    metrics.set_property("orderId", "o-1")
    local records = flushed(metrics)
    assert.equal(100, #records)
    local all = check(records)
    assert.equal(10000, #all.Latency)
    for i = 1, 10000 do assert.equal(i, all.Latency[i]) end
  end)

  it("keeps both limits at once: many metrics, some with many values", function()
    for i = 1, 250 do metrics.add("Big", i, "Count") end
    metrics.add("Once", 7, "Count")
    for i = 1, 150 do metrics.add("M" .. i, i, "Count") end
    metrics.add("M1", 1000, "Count")
    metrics.set_property("orderId", "o-1")
    local all = check(flushed(metrics))
    assert.equal(250, #all.Big)
    for i = 1, 250 do assert.equal(i, all.Big[i]) end
    assert.same({ 7 }, all.Once)
    assert.same({ 1, 1000 }, all.M1)
    for i = 2, 150 do assert.same({ i }, all["M" .. i]) end
  end)
end)
