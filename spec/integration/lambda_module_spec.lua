-- require "lambda" inside bootstrap: logging controls, structured errors
-- and metrics, as they reach stdout and the Runtime API.
local helper = require "helper"

local own = helper.own()  -- spec/integration/lambda_module/

local lines = helper.lines

-- Runs handler (own's, or from's: helper for a shared one) once.
local function run(handler, env, event, from)
  return (from or own).run { handler = handler, env = env,
    invocations = { { event = event or "{}", request_id = "req-log",
      headers = { ["Lambda-Runtime-Aws-Tenant-Id"] = "tenant-9" } } } }
end

-- "2026-11-22T21:10:55.687Z" -> epoch milliseconds (UTC, whatever TZ says)
local function epoch_ms(ts)
  local y, mo, d, h, mi, sec, ms =
    ts:match("^(%d+)%-(%d+)%-(%d+)T(%d+):(%d+):(%d+)%.(%d%d%d)Z$")
  y, mo = tonumber(y), tonumber(mo)
  if mo <= 2 then y, mo = y - 1, mo + 12 end  -- days from civil, March-based
  local days = 365 * y + y // 4 - y // 100 + y // 400
    + (153 * (mo - 3) + 2) // 5 + tonumber(d) - 719469
  return ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + tonumber(ms)
end

describe("lambda.log", function()
  it("stamps records with the time they were written, to the millisecond", function()
    local r = own.run { handler = "app.log_clock", invocations = { {} },
      env = { AWS_LAMBDA_LOG_FORMAT = "JSON" } }
    local windows = helper.decode(r.posts[1].body)
    local out = lines(r.stdout)
    assert.equal(20, #out)
    for i, line in ipairs(out) do
      local t = epoch_ms(helper.decode(line).timestamp)
      -- between the clock readings around log.info, truncated to the ms
      local lo, hi = math.floor(windows[i][1] * 1000), math.floor(windows[i][2] * 1000)
      assert.is_true(t >= lo and t <= hi, ("%d not in [%d, %d]"):format(t, lo, hi))
    end
  end)

  it("writes Text records: timestamp, request id, level, message, fields", function()
    local r = run("app.logs", { AWS_LAMBDA_LOG_FORMAT = "Text" })
    local out = lines(r.stdout)
    local ts = "%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ"
    assert.truthy(out[1]:match("^" .. ts .. "\treq%-log\tTRACE\ttrace line$"), out[1])
    assert.truthy(out[2]:match("\tDEBUG\tdebug line {\"step\":1}$"), out[2])
    local fields = out[3]:match("\tINFO\tinfo line ({.*})$")
    assert.same({ user = "ada", count = 3 }, helper.decode(fields))
    -- a multi-line message stays one record: \n becomes \r
    assert.truthy(out[4]:match("\tWARN\tfirst\rsecond$"), out[4])
    assert.truthy(out[5]:match("\tERROR\terror line$"))
    -- print goes through the logger at INFO, tab-separated
    assert.truthy(out[6]:match("\tINFO\tprinted\t42\tnil$"), out[6])
    assert.equal(6, #out)
  end)

  it("writes JSON records with requestId, tenantId and the fields", function()
    local r = run("app.logs", { AWS_LAMBDA_LOG_FORMAT = "json" })
    local out = lines(r.stdout)
    -- JSON mode defaults to INFO: trace and debug are filtered out
    assert.equal(4, #out)
    local info = helper.decode(out[1])
    assert.equal("INFO", info.level)
    assert.equal("info line", info.message)
    assert.equal("req-log", info.requestId)
    assert.equal("tenant-9", info.tenantId)
    assert.equal("ada", info.user)
    assert.equal(3, info.count)
    assert.truthy(info.timestamp:match("^%d+%-%d+%-%d+T%d+:%d+:%d+%.%d%d%dZ$"))
    assert.equal("first\nsecond", helper.decode(out[2]).message)
    assert.equal("printed\t42\tnil", helper.decode(out[4]).message)
    assert.equal('"INFO"', r.posts[1].body)
  end)

  it("writes valid JSON records whatever bytes a message holds: U+FFFD for bad UTF-8", function()
    package.cpath = helper.build .. "/lua/?.so;" .. package.cpath
    local json = require "lambda.json"
    local r = run("app.print_bad_utf8", { AWS_LAMBDA_LOG_FORMAT = "JSON" }, nil, helper)
    local out = lines(r.stdout)
    assert.equal(2, #out)
    for _, line in ipairs(out) do
      assert.truthy(json.decode(line), line)  -- strict: valid UTF-8 and JSON
    end
    local printed = json.decode(out[1]).message
    assert.equal("bad\u{FFFD}\u{FFFD} end\tnul\0 bell\7", printed)
    local rec = json.decode(out[2])
    assert.equal("fields too", rec.message)
    -- fields that are not UTF-8 are not guessed at: the record says why
    assert.truthy(rec.logFieldsError:find("UTF-8", 1, true), rec.logFieldsError)
  end)

  it("filters by AWS_LAMBDA_LOG_LEVEL", function()
    local r = run("app.logs", { AWS_LAMBDA_LOG_FORMAT = "JSON",
      AWS_LAMBDA_LOG_LEVEL = "WARN" })
    local out = lines(r.stdout)
    assert.equal(2, #out)
    assert.equal("WARN", helper.decode(out[1]).level)
    assert.equal("ERROR", helper.decode(out[2]).level)
    assert.equal('"WARN"', r.posts[1].body)
    r = run("app.logs", { AWS_LAMBDA_LOG_LEVEL = "debug" })
    assert.equal(5, #lines(r.stdout))  -- Text, from DEBUG up
  end)

  it("logs an unhandled error once, with type, message and traceback", function()
    for _, format in ipairs { "Text", "JSON" } do
      local r = run("app.fail_table", { AWS_LAMBDA_LOG_FORMAT = format }, nil, helper)
      local out = lines(r.stdout)
      assert.equal(1, #out, format)
      local doc
      if format == "JSON" then
        doc = helper.decode(out[1])
        assert.equal("ERROR", doc.level)
        assert.equal("req-log", doc.requestId)
      else
        doc = helper.decode(out[1]:match("\tERROR\tInvoke Error ({.*})$"))
      end
      assert.equal("NotFound", doc.errorType)
      assert.equal("no such user", doc.errorMessage)
      assert.is_true(#doc.stackTrace > 0)
      assert.equal("", r.stderr)
    end
  end)
end)

describe("lambda.error", function()
  it("reports the type, the message and extra fields", function()
    local post = own.invoke("app.lambda_error_extra")
    assert.equal("Function.Conflict", post.headers["lambda-runtime-function-error-type"])
    assert.equal("Conflict", post.json.errorType)
    assert.equal("order exists", post.json.errorMessage)
    assert.equal(7, post.json.orderId)
    assert.equal(false, post.json.retry)
    assert.is_true(#post.json.stackTrace > 0)
  end)
end)

describe("lambda.metrics", function()
  local function emf(stdout)
    for _, line in ipairs(lines(stdout)) do
      if line:find('"_aws"', 1, true) then return helper.decode(line) end
    end
  end

  it("flushes one EMF record at the end of the invocation", function()
    local r = run("app.metrics")
    local record = emf(r.stdout)
    assert.truthy(record, r.stdout)
    local cw = record._aws.CloudWatchMetrics[1]
    assert.equal("Shop", cw.Namespace)
    assert.same({ { "service" } }, cw.Dimensions)
    assert.same({ { Name = "Placed", Unit = "Count" },
      { Name = "Latency", Unit = "Milliseconds" } }, cw.Metrics)
    assert.same({ 1, 2 }, record.Placed)
    assert.equal(12.5, record.Latency)
    assert.equal("orders", record.service)
    assert.equal("o-1", record.orderId)
    assert.is_true(math.abs(record._aws.Timestamp / 1000 - os.time()) < 60)
  end)

  it("splits more than 100 metrics into records of 100, CloudWatch's limit", function()
    local r = run("app.metrics", nil, '{"many":248}')  -- 250 metrics in all
    local records = {}
    for _, line in ipairs(lines(r.stdout)) do
      if line:find('"_aws"', 1, true) then records[#records + 1] = helper.decode(line) end
    end
    assert.equal(3, #records)
    local seen = {}
    for i, record in ipairs(records) do
      local defs = record._aws.CloudWatchMetrics[1].Metrics
      assert.equal(i < 3 and 100 or 50, #defs)
      for _, def in ipairs(defs) do
        assert.is_nil(seen[def.Name])
        seen[def.Name] = true
        assert.is_not_nil(record[def.Name], def.Name)  -- each value beside its definition
      end
      assert.equal("orders", record.service)   -- every record is whole
      assert.equal("o-1", record.orderId)
    end
    assert.equal(248, records[3].M248)
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.equal(250, n)
  end)

  it("flushes when the handler raised too, and only once", function()
    local r = own.run { handler = "app.metrics",
      invocations = { { event = '{"fail":true}' }, { event = "{}" } } }
    assert.equal("error", r.posts[1].kind)
    local count = 0
    for _, line in ipairs(lines(r.stdout)) do
      if line:find('"_aws"', 1, true) then count = count + 1 end
    end
    assert.equal(2, count)  -- one per invocation, none carried over
  end)
end)
