-- Handlers for spec/integration/aws_web_identity_spec.lua: what the
-- credentials chain resolves, twice (the second from the cache, or
-- refreshed when they expire within 5 minutes).
local lambda = require "lambda"

local M = {}

local function fields(err)
  if not err then return nil end
  return { kind = err.kind, code = err.code, message = err.message,
    status = err.status, request_id = err.request_id, attempts = err.attempts }
end

function M.credentials_twice(event)
  local aws = lambda.aws
  local first, err = aws.credentials()
  if not first then return { err = fields(err) } end
  if event.rewrite_token then  -- the token file changes between refreshes
    local f = assert(io.open(event.rewrite_token.path, "wb"))
    f:write(event.rewrite_token.text)
    f:close()
  end
  local second, err2 = aws.credentials()
  if not second then return { err = fields(err2) } end
  return { first = first.access_key_id, second = second.access_key_id,
    source = first.source, secret = first.secret_access_key,
    token = first.session_token, account_id = first.account_id,
    expires_in = first.expiration and first.expiration - os.time() or nil,
    text = tostring(first) }
end

-- A signed call whose credentials cannot resolve: the call's error.
function M.call(event)
  local _, err = lambda.aws.request { service = "dynamodb", endpoint = event.base,
    target = "DynamoDB_20120810.ListTables", body = {} }
  return { err = fields(err) }
end

return M
