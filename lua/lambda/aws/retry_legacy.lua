--- lambda.aws.retry_legacy: botocore's "legacy" retry mode (its
--- retryhandler with data/_retry.json, botocore 1.43): which errors each
--- service retries, how many attempts, and the pause. No retry quota.
local M = {}

-- The conditions every service has: a status alone, or a status with a
-- code (botocore's ServiceErrorCodeChecker wants both).
local STATUS = { [500] = true, [502] = true, [503] = true, [504] = true,
  [509] = true, [429] = true }
local CODES = {
  Throttling = 400, ThrottlingException = 400, ThrottledException = 400,
  RequestThrottledException = 400, ProvisionedThroughputExceededException = 400,
}

-- Per endpoint prefix: more { code = status }; status_off: a status the
-- service's own policy replaces (Organizations' too_many_requests is
-- TooManyRequestsException with 400, not any 429).
local SERVICES = {
  organizations = { codes = { TooManyRequestsException = 400 }, status_off = 429 },
  dynamodb = { max_attempts = 10, base = 0.05, crc32 = true,
    codes = { ReplicatedWriteConflictException = 409,
      TransactionInProgressException = 400 } },
  ec2 = { codes = { RequestLimitExceeded = 503, EC2ThrottledException = 503 } },
  cloudsearch = { codes = { BandwidthLimitExceeded = 509 } },
  kinesis = { codes = { LimitExceededException = 400 } },
  sqs = { codes = { RequestThrottled = 403 } },
  s3 = { codes = { RequestTimeout = 400, BadDigest = 400 } },
  glacier = { codes = { RequestTimeoutException = 408 } },
  route53 = { codes = { Throttling = 400, PriorRequestNotComplete = 400 } },
  sts = { codes = { IDPCommunicationError = 400 } },
}

M.DEFAULT_MAX_ATTEMPTS = 5

--- The attempts legacy mode makes for a service (endpoint prefix).
function M.max_attempts(service)
  local s = SERVICES[service or ""]
  return s and s.max_attempts or M.DEFAULT_MAX_ATTEMPTS
end

--- Whether legacy mode retries err (attempts aside); no_answer: a
--- connection error or timeout (its GENERAL_CONNECTION_ERROR).
function M.retryable(err, service, no_answer)
  if no_answer then return true end
  local status = err.status
  if status == nil then return false end
  local s = SERVICES[service or ""] or {}
  if STATUS[status] and status ~= s.status_off then return true end
  local code = err.code
  if type(code) ~= "string" then return false end
  if CODES[code] == status then return true end
  if s.codes and s.codes[code] == status then return true end
  return s.crc32 == true and err.crc32_mismatch == true
end

--- The pause (seconds) after attempt (1-based): base * 2^(attempt-1),
--- base rand() but DynamoDB's 0.05; no cap.
function M.delay_s(service, attempt, random)
  local s = SERVICES[service or ""]
  local base = s and s.base or random()
  return base * 2 ^ (attempt - 1)
end

return M
