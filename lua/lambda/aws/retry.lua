--- lambda.aws.retry: the retries of an AWS call as the SDKs make them
--- (botocore 1.43's botocore.retries.standard, .quota, .adaptive, .bucket,
--- .throttling and botocore.retryhandler for "legacy"):
---
--- * standard (the default): at most 3 attempts; retried are transient
---   errors (no answer: a broken or refused connection, a timeout; status
---   500/502/503/504; codes RequestTimeout, RequestTimeoutException,
---   PriorRequestNotComplete), throttling (botocore's 14 codes), errors
---   the model marks "retryable", and STS's IDPCommunicationError; the
---   pause is rand() * min(2^(attempt-1), 20) seconds (full jitter); each
---   retry takes 5 (a timeout: 10) from the client's retry quota of 500,
---   none is made when it is empty, and a call that succeeds gives back
---   what its last retry took, or 1 when it needed none.
--- * legacy: botocore's _retry.json: 5 attempts (DynamoDB 10), per
---   service conditions, rand() * 2^(attempt-1) s (DynamoDB 0.05 *
---   2^(attempt-1) s), no quota.
--- * adaptive: standard, and a client-side rate limiter (a token bucket
---   whose rate follows CUBIC) switched on by the first throttling answer.
---
--- Mode: opts.mode, else AWS_RETRY_MODE, else "standard". Attempts:
--- per call, else opts.max_attempts, else AWS_MAX_ATTEMPTS, else the
--- mode's. Never a retry that could not finish before the invocation's
--- deadline (lambda.clock.time_left_ms): the caller gets the error while
--- it can still answer.
local clock = require "lambda.clock"
local errors = require "lambda.errors"
local legacy = require "lambda.aws.retry_legacy"
local limiter = require "lambda.aws.retry_limiter"

local M = {}

M.DEFAULT_MAX_ATTEMPTS = 3
M.MAX_BACKOFF_S = 20
M.INITIAL_QUOTA = 500
M.RETRY_COST = 5
M.TIMEOUT_RETRY_COST = 10
M.NO_RETRY_INCREMENT = 1
-- The time an attempt needs at least, besides its pause: no retry when
-- less is left.
M.DEADLINE_MARGIN_MS = 100

local MODES = { standard = true, legacy = true, adaptive = true }

M.THROTTLING_CODES = {
  Throttling = true, ThrottlingException = true, ThrottledException = true,
  RequestThrottledException = true, TooManyRequestsException = true,
  ProvisionedThroughputExceededException = true,
  TransactionInProgressException = true, RequestLimitExceeded = true,
  BandwidthLimitExceeded = true, LimitExceededException = true,
  RequestThrottled = true, SlowDown = true, PriorRequestNotComplete = true,
  EC2ThrottledException = true,
}
M.TRANSIENT_CODES = {
  RequestTimeout = true, RequestTimeoutException = true,
  PriorRequestNotComplete = true,
}
M.TRANSIENT_STATUS = { [500] = true, [502] = true, [503] = true, [504] = true }
-- lambda.fetch's kinds for no answer that botocore's ConnectionError and
-- HTTPClientError cover (its SSLError, ConnectTimeoutError and
-- ReadTimeoutError among them); not too_large, invalid, redirect.
M.TRANSPORT_KINDS = { connect = true, connection = true, dns = true,
  timeout = true, tls = true, http = true }

-- An answer's error has a status; an error of lambda.fetch (no answer)
-- has a transport kind and none.
local function no_answer(err)
  return err.status == nil and M.TRANSPORT_KINDS[tostring(err.kind)] == true
end

local function code_of(err)
  return err.status ~= nil and type(err.code) == "string" and err.code or nil
end

-- What the model says of the error (its shape's "retryable" trait, which
-- the caller copies to err.retryable_trait): nil, "transient" or
-- "throttling".
local function modeled(err)
  local trait = err.retryable_trait
  if type(trait) ~= "table" then return nil end
  return trait.throttling == true and "throttling" or "transient"
end

--- Whether err is a throttling error (botocore's ThrottlingErrorDetector:
--- the fixed codes, or a modeled throttling error).
function M.is_throttling(err)
  local code = code_of(err)
  return (code ~= nil and M.THROTTLING_CODES[code] == true)
    or modeled(err) == "throttling"
end

-- StandardRetryConditions less the attempts.
local function standard_retryable(err, service)
  local code = code_of(err)
  if code and (M.TRANSIENT_CODES[code] or M.THROTTLING_CODES[code]) then
    return true
  end
  if err.status ~= nil and M.TRANSIENT_STATUS[err.status] then return true end
  if no_answer(err) then return true end
  if code and modeled(err) then return true end
  if service == "sts" and code == "IDPCommunicationError" then return true end
  if service == "dynamodb" and err.crc32_mismatch == true then return true end
  return false
end

--- retry.classify(err [, policy]) -> err, with err.retryable (whether
--- the policy's mode retries it, attempts aside), err.throttling and
--- err.timeout (no answer in time) set from its status, code, kind and
--- retryable_trait. Without a policy: standard mode's rules.
function M.classify(err, policy)
  local mode = policy and policy.mode or "standard"
  local service = policy and policy.service
  err.throttling = M.is_throttling(err)
  err.timeout = err.status == nil and tostring(err.kind) == "timeout"
  if mode == "legacy" then
    -- legacy's GENERAL_CONNECTION_ERROR: not a plain HTTPClientError
    err.retryable = legacy.retryable(err, service,
      no_answer(err) and tostring(err.kind) ~= "http")
  else
    err.retryable = standard_retryable(err, service)
  end
  return err
end

local function read_env_mode()
  local mode = os.getenv("AWS_RETRY_MODE")
  if mode == nil or mode == "" then return nil end
  if not MODES[mode] then
    errors.raise(("lambda.aws.retry: AWS_RETRY_MODE must be standard, legacy "
      .. "or adaptive, got %q"):format(mode))
  end
  return mode
end

local function checked_attempts(n, where)
  if math.type(n) ~= "integer" and not (type(n) == "number" and n == math.floor(n)) then
    errors.raise(("lambda.aws.retry: %s must be a whole number, got %s")
      :format(where, tostring(n)))
  end
  n = math.tointeger(n)
  if n == nil then
    errors.raise(("lambda.aws.retry: %s must be a whole number"):format(where))
  end
  if n < 1 then
    errors.raise(("lambda.aws.retry: %s must be at least 1, got %d"):format(where, n))
  end
  return n
end

local function env_attempts()
  local text = os.getenv("AWS_MAX_ATTEMPTS")
  if text == nil or text == "" then return nil end
  local n = tonumber(text)
  if n == nil then
    errors.raise(("lambda.aws.retry: AWS_MAX_ATTEMPTS must be a whole number, got %q")
      :format(text))
  end
  return checked_attempts(n, "AWS_MAX_ATTEMPTS")
end

--- retry.policy{ mode, max_attempts, service } -> a client's policy: its
--- mode, max attempts and retry quota (and rate limiter for adaptive).
--- service: the model's endpointPrefix (legacy's per-service rules, and
--- STS's and DynamoDB's special cases). Also for specs: random (() ->
--- [0, 1)), sleep_ms, now_s, time_left_ms stand in for the clock.
function M.policy(opts)
  opts = opts or {}
  local mode = opts.mode
  if mode ~= nil and not MODES[mode] then
    errors.raise(("lambda.aws.retry: mode must be standard, legacy or adaptive, got %s")
      :format(tostring(mode)))
  end
  mode = mode or read_env_mode() or "standard"
  local max = opts.max_attempts ~= nil and checked_attempts(opts.max_attempts, "max_attempts")
    or env_attempts()
  if max == nil then
    max = mode == "legacy" and legacy.max_attempts(opts.service) or M.DEFAULT_MAX_ATTEMPTS
  end
  local p = {
    mode = mode, max_attempts = max, service = opts.service,
    quota = { capacity = M.INITIAL_QUOTA, max = M.INITIAL_QUOTA },
    random = opts.random or math.random,
    sleep_ms = opts.sleep_ms or clock.sleep_ms,
    time_left_ms = opts.time_left_ms or clock.time_left_ms,
    now_s = opts.now_s or function() return clock.now_ms() / 1000 end,
  }
  if mode == "adaptive" then p.limiter = limiter.new(p.now_s) end
  return p
end

--- The pause (seconds) before the retry that follows attempt (1-based).
function M.delay_s(policy, err, attempt)
  if policy.mode == "legacy" then
    return legacy.delay_s(policy.service, attempt, policy.random)
  end
  return policy.random() * math.min(2 ^ (attempt - 1), M.MAX_BACKOFF_S)
end

-- The quota's side (botocore.retries.quota.RetryQuota): take amount, or
-- say there is not enough.
local function acquire(quota, amount)
  if amount > quota.capacity then return false end
  quota.capacity = quota.capacity - amount
  return true
end

local function release(quota, amount)
  quota.capacity = math.min(quota.max, quota.capacity + amount)
end

--- The cost of the retry after err (RetryQuotaChecker).
function M.retry_cost(err)
  return err.timeout and M.TIMEOUT_RETRY_COST or M.RETRY_COST
end

-- After a failed attempt: the pause in ms before the next, or nil and
-- why not ("not retryable", "max attempts", "quota", "deadline"). In
-- botocore's order: the conditions, the quota, the delay. A retry the
-- deadline stops gives back what it took (it is not made).
function M.decide(policy, err, attempt, max, taken)
  if attempt >= max then return nil, "max attempts" end
  if not err.retryable then return nil, "not retryable" end
  local cost
  if policy.mode ~= "legacy" then
    cost = M.retry_cost(err)
    if not acquire(policy.quota, cost) then return nil, "quota" end
  end
  local pause_ms = math.floor(M.delay_s(policy, err, attempt) * 1000)
  local left = policy.time_left_ms()
  if left and left <= pause_ms + M.DEADLINE_MARGIN_MS then
    if cost then release(policy.quota, cost) end
    return nil, "deadline"
  end
  if cost then taken.amount = cost end
  return pause_ms
end

-- Before an attempt, adaptive mode's rate limiter may make it wait; nil
-- and false when that wait would run past the deadline.
local function await_send(policy)
  if not policy.limiter then return true end
  local wait_s = policy.limiter:wait_s()
  while wait_s > 0 do  -- TokenBucket._acquire: wait, look again
    local left = policy.time_left_ms()
    if left and left <= wait_s * 1000 + M.DEADLINE_MARGIN_MS then return false end
    policy.sleep_ms(math.ceil(wait_s * 1000))
    wait_s = policy.limiter:wait_s()
  end
  policy.limiter:take()
  return true
end

local function rate_limited(last, attempt)
  local err = last or errors.new("aws",
    "the client-side rate limiter (adaptive retry mode) would wait past the deadline",
    { code = "ClientRateLimited", throttling = true })
  err.retryable, err.attempts, err.retry_stop = false, attempt - 1, "deadline"
  return nil, err
end

--- retry.send(policy, attempt_fn [, opts]) -> value | nil, err.
--- attempt_fn(attempt) -> value, or nil and an error value (kind, code,
--- status, retryable_trait); classified here (retry.classify) and retried
--- as the policy says. opts.max_attempts: this call's. err.attempts: how
--- many were made; err.retry_stop: why no more ("not retryable", "max
--- attempts", "deadline", "quota").
function M.send(policy, attempt_fn, opts)
  local max = opts and opts.max_attempts ~= nil
    and checked_attempts(opts.max_attempts, "max_attempts") or policy.max_attempts
  local taken = {}  -- the amount the last retry took from the quota
  local attempt, last = 0, nil
  while true do
    attempt = attempt + 1
    if not await_send(policy) then return rate_limited(last, attempt) end
    local value, err = attempt_fn(attempt)
    if value ~= nil then
      if policy.limiter then policy.limiter:on_response(false) end
      if policy.mode ~= "legacy" then
        release(policy.quota, taken.amount or M.NO_RETRY_INCREMENT)
      end
      return value
    end
    if type(err) ~= "table" then
      errors.raise("lambda.aws.retry.send: attempt_fn must return a value, "
        .. "or nil and an error value, got " .. type(err))
    end
    M.classify(err, policy)
    -- botocore's limiter hears of what was sent: an answer or no answer
    -- (not a failure before sending, as credentials that do not resolve)
    if policy.limiter and (err.status ~= nil or no_answer(err)) then
      policy.limiter:on_response(err.throttling)
    end
    last = err
    local pause_ms, why = M.decide(policy, err, attempt, max, taken)
    if not pause_ms then
      err.attempts, err.retry_stop = attempt, why
      return nil, err
    end
    policy.sleep_ms(pause_ms)
  end
end

return M
