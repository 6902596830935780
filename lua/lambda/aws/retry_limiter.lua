--- lambda.aws.retry_limiter: adaptive retry mode's client-side rate
--- limiter, as botocore.retries.adaptive (ClientRateLimiter, RateClocker),
--- .bucket (TokenBucket) and .throttling (CubicCalculator) make it: off
--- until a throttling answer, then each attempt takes a token from a
--- bucket whose rate follows CUBIC (cut to 0.7x on throttling, grown back
--- on success, at most twice the measured send rate, at least 0.5/s).
--- Time is now_s() (seconds, a float); waiting is the caller's.
local M = {}
M.__index = M

local SCALE, BETA = 0.4, 0.7        -- CubicCalculator
local SMOOTHING, BUCKET_S = 0.8, 0.5  -- RateClocker
local MIN_RATE = 0.5                -- TokenBucket
local MAX_RATE_ADJUST_SCALE = 2.0   -- ClientRateLimiter

local function zero_point(w_max)
  return ((w_max * (1 - BETA)) / SCALE) ^ (1 / 3)
end

-- TokenBucket._refill
local function refill(self)
  local t = self.now_s()
  if self.last_timestamp == nil then
    self.last_timestamp = t
    return
  end
  local fill = (t - self.last_timestamp) * self.fill_rate
  self.capacity = math.min(self.max_capacity, self.capacity + fill)
  self.last_timestamp = t
end

-- TokenBucket.max_rate's setter
local function set_max_rate(self, value)
  refill(self)
  self.fill_rate = math.max(value, MIN_RATE)
  self.max_capacity = value >= 1 and value or 1
  self.capacity = math.min(self.capacity, self.max_capacity)
end

function M.new(now_s)
  local self = setmetatable({ now_s = now_s, enabled = false, capacity = 0 }, M)
  local t = now_s()
  self.w_max, self.k, self.last_fail = 0, zero_point(0), t  -- starting_max_rate 0
  self.measured_rate, self.count = 0, 0
  self.last_bucket = math.floor(t)
  set_max_rate(self, 1)
  return self
end

--- The seconds to wait before the next attempt may be sent (0: now).
function M:wait_s()
  if not self.enabled then return 0 end
  refill(self)
  if self.capacity >= 1 then return 0 end
  return (1 - self.capacity) / self.fill_rate
end

--- Takes the attempt's token (after wait_s's pause).
function M:take()
  if not self.enabled then return end
  refill(self)
  self.capacity = self.capacity - 1
end

-- RateClocker.record
local function record(self)
  local t = self.now_s()
  local bucket = math.floor(t / BUCKET_S) * BUCKET_S
  self.count = self.count + 1
  if bucket > self.last_bucket then
    local current = self.count / (bucket - self.last_bucket)
    self.measured_rate = current * SMOOTHING + self.measured_rate * (1 - SMOOTHING)
    self.count = 0
    self.last_bucket = bucket
  end
  return self.measured_rate
end

--- After each answer (or transport error): throttling or not.
function M:on_response(throttling)
  local measured = record(self)
  local t = self.now_s()
  local new_rate
  if not throttling then
    new_rate = SCALE * (t - self.last_fail - self.k) ^ 3 + self.w_max
  else
    local rate = self.enabled and math.min(measured, self.fill_rate) or measured
    self.w_max, self.last_fail = rate, t
    self.k = zero_point(rate)
    new_rate = rate * BETA
    self.enabled = true
  end
  set_max_rate(self, math.min(new_rate, MAX_RATE_ADJUST_SCALE * measured))
end

--- The state, for specs: fill rate, capacity, measured rate, enabled.
function M:snapshot()
  return { fill_rate = self.fill_rate, max_capacity = self.max_capacity,
    capacity = self.capacity, measured_rate = self.measured_rate,
    enabled = self.enabled, w_max = self.w_max, k = self.k }
end

return M
