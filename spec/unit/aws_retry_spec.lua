-- lambda.aws.retry against botocore's own retry code (the oracle,
-- spec/unit/aws_retry/oracle.py): the same scripted outcomes, the same
-- random draws, the same decisions (attempts, pauses, retry quota) in
-- standard and legacy mode, and the same rate limiter state in adaptive
-- mode; then what no oracle covers: the deadline, the settings, and
-- aws.request going through it.
local cjson = require "cjson"
local helper = require "helper"
local errors = require "lambda.errors"
local retry = require "lambda.aws.retry"
local python = require("oracle_python").python()

local ORACLE = "spec/unit/aws_retry/oracle.py"

-- The oracle's results for a list of jobs (one Python for all).
local function oracle_all(jobs)
  local input = helper.tmpfile(cjson.encode(jobs), "jobs.json")
  local ok, out = helper.sh(python .. " " .. ORACLE .. " < " .. helper.quote(input))
  assert(ok, out)
  return cjson.decode(out)
end

local function oracle(job)
  return oracle_all({ job })[1]
end

-- The model's "retryable" trait of a service's error shape (what the
-- client copies to err.retryable_trait), read from our model file.
local traits = {}

local function trait(service, code)
  local t = traits[service]
  if not t then
    t = {}
    for line in io.lines("models/" .. service .. ".model") do
      local name, text = line:match("^([^\t]+)\t(.*)$")
      if name and text:find('"retryable"', 1, true) then
        t[name] = cjson.decode(text).retryable
      end
    end
    traits[service] = t
  end
  return t[code]
end

local function error_of(service, outcome)
  if outcome.exc then
    return errors.new(outcome.exc, "no answer", { code = "Transport." .. outcome.exc })
  end
  local t = outcome.code and trait(service, outcome.code)
  return errors.new("aws", "failed", { code = outcome.code, status = outcome.status,
    retryable_trait = t ~= cjson.null and t or nil })
end

local function sequence(values)
  local i = 0
  return function()
    i = i + 1
    return assert(values[i], "more random draws than the oracle's")
  end
end

-- Our side of a job: one policy (one client) for all its calls.
local function ours(job)
  local slept
  local p = retry.policy { mode = job.mode, service = job.service,
    max_attempts = job.max_attempts, random = sequence(job.randoms),
    sleep_ms = function(ms) slept[#slept + 1] = ms end,
    time_left_ms = function() return nil end }
  local out = {}
  for _, outcomes in ipairs(job.calls) do
    slept = {}
    local value, err = retry.send(p, function(attempt)
      local o = outcomes[math.min(attempt, #outcomes)]
      if o.ok then return { attempt = attempt } end
      return nil, error_of(job.service, o)
    end)
    out[#out + 1] = { attempts = value and value.attempt or err.attempts,
      delays = slept, ok = value ~= nil,
      quota = job.mode ~= "legacy" and p.quota.capacity or nil }
  end
  return out
end

local function theirs(job, out)
  out = out or oracle(job)
  for _, call in ipairs(out) do
    for i, d in ipairs(call.delays) do call.delays[i] = math.floor(d * 1000) end
    if call.quota == cjson.null then call.quota = nil end
  end
  return out
end

-- Outcomes that touch every rule: each transient status and code, each
-- throttling code, modeled ones, transport kinds, and plain client errors.
local POOL = {
  { ok = true }, { ok = true }, { ok = true },
  { status = 500 }, { status = 502 }, { status = 503 }, { status = 504 },
  { status = 501 }, { status = 509 }, { status = 429 },
  { status = 400, code = "Throttling" }, { status = 400, code = "ThrottlingException" },
  { status = 400, code = "SlowDown" }, { status = 503, code = "SlowDown" },
  { status = 400, code = "ProvisionedThroughputExceededException" },
  { status = 400, code = "TransactionInProgressException" },
  { status = 400, code = "LimitExceededException" },
  { status = 403, code = "RequestThrottled" }, { status = 503, code = "RequestLimitExceeded" },
  { status = 429, code = "TooManyRequestsException" },
  { status = 400, code = "TooManyRequestsException" },
  { status = 400, code = "RequestTimeout" }, { status = 408, code = "RequestTimeoutException" },
  { status = 400, code = "PriorRequestNotComplete" }, { status = 400, code = "BadDigest" },
  { status = 400, code = "IDPCommunicationError" },
  { status = 409, code = "ReplicatedWriteConflictException" },
  { status = 429, code = "ModelNotReadyException" },
  { status = 500, code = "InternalServerException" },
  { status = 400, code = "ValidationException" }, { status = 404, code = "ResourceNotFoundException" },
  { status = 403, code = "AccessDeniedException" },
  { exc = "timeout" }, { exc = "connect" }, { exc = "dns" }, { exc = "connection" },
  { exc = "tls" }, { exc = "http" },
}

-- n calls of 1 to 5 outcomes, a stretch of them failing throughout (the
-- quota runs out), then successes (it fills up again).
local function script(seed, n)
  local state = seed
  local function rand(k)
    state = (state * 1103515245 + 12345) % 2147483648
    return state % k + 1
  end
  local calls = {}
  for i = 1, n do
    local call = {}
    for j = 1, rand(5) do
      local o = POOL[rand(#POOL)]
      if i > n // 3 and i <= n // 2 and o.ok then o = { status = 503 } end
      if i > 3 * n // 4 and j > 1 then o = { ok = true } end
      call[j] = o
    end
    calls[i] = call
  end
  local randoms = {}
  for i = 1, n * 12 do randoms[i] = (rand(1000000) - 1) / 1000000 end
  return calls, randoms
end

describe("lambda.aws.retry #unit", function()
  -- Each a service whose rules differ (legacy's per-service table,
  -- standard's STS and DynamoDB cases, modeled errors).
  local CASES = {
    { service = "dynamodb", operation = "BatchWriteItem" },
    { service = "sts", operation = "AssumeRoleWithWebIdentity" },
    { service = "s3", operation = "GetObject" },
    { service = "sqs", operation = "SendMessage" },
    { service = "ec2", operation = "DescribeInstances" },
    { service = "organizations", operation = "ListAccounts" },
    { service = "kinesis", operation = "PutRecord" },
    { service = "route53", operation = "ListHostedZones" },
    { service = "account", operation = "AcceptPrimaryEmailUpdate" },
    { service = "glacier", operation = "ListVaults" },
    { service = "bedrock-runtime", operation = "Converse" },
  }

  local jobs, results = {}, nil
  for _, mode in ipairs { "standard", "legacy" } do
    for i, case in ipairs(CASES) do
      local calls, randoms = script(i * 7919 + #mode, 160)
      jobs[#jobs + 1] = { mode = mode, service = case.service, operation = case.operation,
        calls = calls, randoms = randoms }
    end
  end

  for j, job in ipairs(jobs) do
    it(("makes botocore's decisions in %s mode (%s)"):format(job.mode, job.service), function()
        results = results or oracle_all(jobs)
        local calls = job.calls
        local want, got = theirs(job, results[j]), ours(job)
        assert.equal(#want, #got)
        for n = 1, #want do
          assert.same(want[n], got[n], ("call %d: %s"):format(n, cjson.encode(calls[n])))
        end
    end)
  end

  it("uses up the quota and refills it as botocore does (500, 5, 10, refund)", function()
    local calls = {}
    for i = 1, 60 do calls[i] = { { status = 503 } } end          -- 2 retries each
    for i = 61, 70 do calls[i] = { { exc = "timeout" }, { ok = true } } end
    for i = 71, 80 do calls[i] = { { ok = true } } end
    local randoms = {}
    for i = 1, 400 do randoms[i] = 0.001 * i end
    local job = { mode = "standard", service = "dynamodb", operation = "GetItem",
      calls = calls, randoms = randoms, max_attempts = 3 }
    local want, got = theirs(job), ours(job)
    assert.same(want, got)
    assert.equal(0, got[50].quota)          -- 50 calls * 2 retries * 5
    assert.equal(1, got[51].attempts)       -- no quota: no retry
    assert.equal(1, got[61].attempts)       -- a timeout costs 10: none left
    assert.equal(10, got[80].quota)         -- 10 successes without retry: +1 each
  end)

  it("honours max attempts as botocore does, per policy and per call", function()
    local calls = { { { status = 500 } }, { { status = 500 }, { status = 500 }, { ok = true } } }
    for _, mode in ipairs { "standard", "legacy" } do
      for _, max in ipairs { 1, 2, 5, 7 } do
        local job = { mode = mode, service = "s3", operation = "GetObject", calls = calls,
          max_attempts = max, randoms = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
            0.15, 0.25, 0.35, 0.45 } }
        assert.same(theirs(job), ours(job))
        assert.equal(max, ours(job)[1].attempts)
      end
    end
    local p = retry.policy { mode = "standard", sleep_ms = function() end }
    local n = 0
    local _, err = retry.send(p, function() n = n + 1 return nil,
      errors.new("aws", "x", { status = 503 }) end, { max_attempts = 5 })
    assert.equal(5, n)
    assert.equal(5, err.attempts)
    assert.equal("max attempts", err.retry_stop)
  end)

  it("runs botocore's adaptive rate limiter (token bucket, CUBIC) step by step", function()
    local events, t, state = {}, 1000.25, 7
    for i = 1, 120 do
      state = (state * 69069 + 1) % 4294967296
      t = t + (state % 700) / 1000
      local what = "send"
      if i % 2 == 0 then what = (state % 5 < 2 or (i > 40 and i < 60)) and "throttle" or "ok" end
      events[i] = { t, what }
    end
    local want = oracle { mode = "adaptive", events = events }
    local now = events[1][1]
    local lim = require("lambda.aws.retry_limiter").new(function() return now end)
    local waited = 0
    for i, ev in ipairs(events) do
      now = ev[1]
      local w = want[i]
      if ev[2] == "send" then
        local wait, step = 0, lim:wait_s()
        while step > 0 do   -- as retry.send: wait, look again
          wait = wait + step
          now = ev[1] + wait
          step = lim:wait_s()
        end
        assert.near(w.wait, wait, 1e-9, "event " .. i)
        lim:take()
        waited = waited + wait
      else
        lim:on_response(ev[2] == "throttle")
        local s = lim:snapshot()
        for _, k in ipairs { "fill_rate", "capacity", "max_capacity", "measured_rate" } do
          assert.near(w[k], s[k], 1e-9, ("event %d: %s"):format(i, k))
        end
        assert.equal(w.enabled, s.enabled, "event " .. i)
      end
    end
    assert.is_true(waited > 0)   -- the limiter did hold sends back
  end)

  it("in adaptive mode, waits before sending once throttled", function()
    local now, slept = 100.0, {}
    local p = retry.policy { mode = "adaptive", now_s = function() return now end,
      random = function() return 0 end, time_left_ms = function() return nil end,
      sleep_ms = function(ms) slept[#slept + 1] = ms now = now + ms / 1000 end }
    for _ = 1, 3 do
      retry.send(p, function()
        return nil, errors.new("aws", "x", { status = 400, code = "ThrottlingException" })
      end)
    end
    assert.is_true(p.limiter:snapshot().enabled)
    local waits = 0
    for _, ms in ipairs(slept) do if ms > 0 then waits = waits + 1 end end
    assert.is_true(waits > 0, cjson.encode(slept))
  end)

  describe("classify", function()
    local function c(fields, kind, policy)
      return retry.classify(errors.new(kind or "aws", "m", fields), policy)
    end
    it("retries transient errors, throttling and modeled errors, nothing else", function()
      for _, s in ipairs { 500, 502, 503, 504 } do assert.is_true(c({ status = s }).retryable) end
      for _, s in ipairs { 400, 403, 404, 429, 501, 509 } do
        assert.is_false(c({ status = s }).retryable, s)
      end
      for code in pairs(retry.TRANSIENT_CODES) do
        assert.is_true(c({ status = 400, code = code }).retryable, code)
      end
      for code in pairs(retry.THROTTLING_CODES) do
        local e = c({ status = 400, code = code })
        assert.is_true(e.retryable and e.throttling, code)
      end
      local m = c({ status = 409, code = "X", retryable_trait = { throttling = false } })
      assert.is_true(m.retryable)
      assert.is_false(m.throttling)
      assert.is_true(c({ status = 400, code = "X", retryable_trait = { throttling = true } })
        .throttling)
      for _, kind in ipairs { "timeout", "connect", "dns", "connection", "tls", "http" } do
        assert.is_true(c({ code = "Transport." .. kind }, kind).retryable, kind)
      end
      for _, kind in ipairs { "too_large", "invalid", "redirect", "credentials", "json" } do
        assert.is_false(c({ code = "X" }, kind).retryable, kind)
      end
      assert.is_true(c({ code = "Transport.timeout" }, "timeout").timeout)
      assert.is_false(c({ status = 400, code = "ValidationException" }).retryable)
      assert.is_true(c({ status = 400, code = "IDPCommunicationError" }, nil,
        { service = "sts" }).retryable)
      assert.is_false(c({ status = 400, code = "IDPCommunicationError" }).retryable)
    end)
  end)

  it("makes no retry that could not finish before the deadline, and gives its quota back", function()
    local left, slept = 1500, {}
    local p = retry.policy { random = function() return 0.99 end,
      time_left_ms = function() return left end,
      sleep_ms = function(ms) slept[#slept + 1] = ms left = left - ms end }
    local _, err = retry.send(p, function()
      return nil, errors.new("aws", "x", { status = 503 })
    end)
    -- 990 ms fits in 1500 (with the 100 ms margin); 1980 does not in 510
    assert.same({ 990 }, slept)
    assert.equal(2, err.attempts)
    assert.equal("deadline", err.retry_stop)
    assert.equal(495, p.quota.capacity)
  end)

  -- The environment's settings, read in a lua5.4 of their own.
  local function with_env(env, code)
    local cmd = ("%s LUA_PATH_5_4=%s LUA_CPATH_5_4=%s lua5.4 -e %s"):format(env,
      helper.quote("./lua/?.lua;./lua/?/init.lua;;"),
      helper.quote(helper.build .. "/lua/?.so;;"), helper.quote(code))
    return helper.sh(cmd)
  end

  it("reads AWS_RETRY_MODE and AWS_MAX_ATTEMPTS, options first", function()
    local code = [[local r = require "lambda.aws.retry"
      local p = r.policy { service = "dynamodb" }
      local q = r.policy { mode = "standard", max_attempts = 2 }
      io.write(p.mode, " ", p.max_attempts, " ", q.mode, " ", q.max_attempts)]]
    local ok, out = with_env("", code)
    assert.is_true(ok, out)
    assert.equal("standard 3 standard 2", out)
    ok, out = with_env("AWS_RETRY_MODE=legacy", code)
    assert.equal("legacy 10 standard 2", out)
    ok, out = with_env("AWS_RETRY_MODE=adaptive AWS_MAX_ATTEMPTS=6", code)
    assert.equal("adaptive 6 standard 2", out)
    ok, out = with_env("AWS_RETRY_MODE=fast", code)
    assert.is_falsy(ok)
    assert.truthy(out:find("AWS_RETRY_MODE must be standard, legacy or adaptive", 1, true), out)
    ok, out = with_env("AWS_MAX_ATTEMPTS=0", code)
    assert.is_falsy(ok)
    assert.truthy(out:find("AWS_MAX_ATTEMPTS must be at least 1", 1, true), out)
    assert.has_error(function() retry.policy { mode = "fast" } end)
    assert.has_error(function() retry.policy { max_attempts = 1.5 } end)
  end)

  describe("aws.request", function()
    local saved = {}
    local NAMES = { "lambda.fetch", "lambda.clock", "lambda.aws.credentials",
      "lambda.aws.retry", "lambda.aws.request" }
    local answers, sent, slept

    before_each(function()
      for _, n in ipairs(NAMES) do saved[n] = package.loaded[n] package.loaded[n] = nil end
      sent, slept = 0, {}
      package.loaded["lambda.fetch"] = { request = function()
        sent = sent + 1
        local a = answers[math.min(sent, #answers)]
        if a.kind then return nil, { kind = a.kind, message = "down" } end
        return { status = a.status, headers = { ["content-type"] = "application/json" },
          body = a.body }
      end }
      package.loaded["lambda.clock"] = { sleep_ms = function(ms) slept[#slept + 1] = ms end,
        time_left_ms = function() return nil end, now_ms = function() return 0 end }
      package.loaded["lambda.aws.credentials"] = { get = function()
        return { access_key_id = "AKID", secret_access_key = "s" } end }
    end)

    after_each(function()
      for _, n in ipairs(NAMES) do package.loaded[n] = saved[n] end
    end)

    it("goes through lambda.aws.retry: its rules, its attempts, its quota", function()
      local request = require "lambda.aws.request"
      answers = { { status = 400, body = '{"__type":"ThrottlingException"}' },
        { kind = "timeout" }, { status = 200, body = '{"Item":{}}' } }
      local value = request.request { service = "dynamodb", target = "DynamoDB_20120810.GetItem",
        endpoint = "http://127.0.0.1:9" }
      assert.same({ Item = {} }, value)
      assert.equal(3, sent)
      assert.equal(2, #slept)
      sent = 0
      answers = { { kind = "timeout" } }
      local _, err = request.request { service = "dynamodb", endpoint = "http://127.0.0.1:9",
        target = "DynamoDB_20120810.GetItem", max_attempts = 4 }
      assert.equal(4, sent)
      assert.equal(4, err.attempts)
      assert.is_true(err.retryable)
      assert.equal("timeout", err.kind)
      sent = 0
      answers = { { status = 400, body = '{"__type":"ValidationException","message":"bad"}' } }
      _, err = request.request { service = "dynamodb", endpoint = "http://127.0.0.1:9",
        target = "DynamoDB_20120810.GetItem" }
      assert.equal(1, sent)
      assert.equal("ValidationException", err.code)
      assert.is_false(err.retryable)
      assert.equal(1, err.attempts)
    end)
  end)
end)
