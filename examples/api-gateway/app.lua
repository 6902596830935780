-- An HTTP API (API Gateway payload format 2.0) returning JSON, with a
-- status code and headers. Handler: app.handler
local json = require "lambda.json"

local M = {}

local function respond(status, body, headers)
  local h = { ["content-type"] = "application/json" }
  for k, v in pairs(headers or {}) do h[k] = v end
  return { statusCode = status, headers = h, body = json.encode(body) }
end

local routes = {}

-- GET /hello/{name}?greeting=Hi
routes["GET /hello/{name}"] = function(event)
  local name = (event.pathParameters or {}).name or "world"
  local greeting = (event.queryStringParameters or {}).greeting or "hello"
  return respond(200, { message = greeting .. " " .. name })
end

-- POST /items with a JSON body
routes["POST /items"] = function(event)
  local body = event.body or ""
  if event.isBase64Encoded then
    return respond(415, { error = "send JSON, not binary" })
  end
  local item, err = json.decode(body)
  if type(item) ~= "table" or type(item.name) ~= "string" then
    return respond(400, { error = err and err.message or "an item needs a name" })
  end
  return respond(201, { id = 1, name = item.name }, { location = "/items/1" })
end

function M.handler(event)
  local route = routes[event.routeKey]
  if not route then
    return respond(404, { error = "no route for " .. tostring(event.routeKey) })
  end
  return route(event)
end

return M
