-- An HTTP API (API Gateway, payload format 2.0) over a DynamoDB table,
-- with lambda.aws: no SDK to bundle, credentials from the function's role.
--   GET  /items/{id}             the item, or 404
--   PUT  /items/{id}             stores the JSON body as the item
--   GET  /items/{id}/upload-url  a presigned S3 PUT URL for its file
-- Environment: TABLE_NAME, BUCKET_NAME (set by template.yaml).
-- Handler: app.handler
local lambda = require "lambda"
local json = require "lambda.json"

local aws = lambda.aws
local ddb = aws.dynamodb
local TABLE = os.getenv("TABLE_NAME") or "items"
local BUCKET = os.getenv("BUCKET_NAME") or "uploads"

-- Open the TLS connection during init (free of charge on provided.al2023),
-- so the first invocation does not wait for the handshake.
aws.warm("dynamodb")

local function respond(status, body)
  return { statusCode = status, headers = { ["content-type"] = "application/json" },
    body = json.encode(body) }
end

-- An AWS error as the API's answer: throttling is the client's 503 to
-- retry; anything else is ours (500), logged with its request id.
local function failed(err)
  lambda.log.error("DynamoDB call failed", { code = err.code, request_id = err.request_id })
  return respond(err.throttling and 503 or 500, { error = err.code })
end

local routes = {}

routes["GET /items/{id}"] = function(id)
  local res, err = ddb:call("GetItem", { TableName = TABLE, Key = { id = { S = id } },
    ConsistentRead = true })
  if not res then return failed(err) end
  if not res.Item then return respond(404, { error = "no item " .. id }) end
  return respond(200, ddb.unmarshal(res.Item))
end

routes["PUT /items/{id}"] = function(id, event)
  local item = json.decode(event.body or "")
  if type(item) ~= "table" then
    return respond(400, { error = "the body must be a JSON object" })
  end
  item.id = id
  local _, err = ddb:call("PutItem", { TableName = TABLE, Item = ddb.marshal(item) })
  if err then return failed(err) end
  return respond(200, item)
end

routes["GET /items/{id}/upload-url"] = function(id)
  return respond(200, { url = aws.s3:presign_put(BUCKET, "items/" .. id, { expires = 300 }) })
end


local M = {}

function M.handler(event)
  local route = routes[event.routeKey]
  if not route then
    return respond(404, { error = "no route for " .. tostring(event.routeKey) })
  end
  return route((event.pathParameters or {}).id, event)
end

return M
