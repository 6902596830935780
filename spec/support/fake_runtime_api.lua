--- A scriptable fake of the Lambda Runtime API on 127.0.0.1, for driving
--- the real bootstrap in specs, the quick start and benchmarks.
---
--- local api = FakeApi.new { invocations = { { event = '{"a":1}' }, ... } }
--- api:serve(process, 10)   -- until the script is used up and the
---                          -- runtime waits on /next, or it exits
--- api.posts, api.init_errors, api.requests, api.connections
---
--- An invocation in the script may say:
---   event        JSON text of the event (default "{}")
---   request_id   (default "req-<n>")
---   deadline_ms  (default now + 30 s)
---   headers      extra /next headers, { ["Name"] = "value" }
---   next_reply   { status = 500, body = "..." } instead of the invocation
---   drop         true: close the connection instead of answering /next
---   delay        seconds to hold the /next reply back (a slow /next)
---   truncate     true: announce the event's length, send half, close
---   post_status  list of statuses for this invocation's posts, in order
---                (default 202 each)
local socket = require "socket"
local wire = require "http_wire"

local FakeApi = {}
FakeApi.__index = FakeApi

local PREFIX = "/2018-06-01/runtime"

local REASONS = {
  [200] = "OK", [202] = "Accepted", [400] = "Bad Request",
  [403] = "Forbidden", [404] = "Not Found", [410] = "Gone",
  [413] = "Payload Too Large", [500] = "Internal Server Error",
}

function FakeApi.new(opts)
  opts = opts or {}
  local server = assert(socket.bind("127.0.0.1", opts.port or 0))
  server:settimeout(0)
  local _, port = server:getsockname()
  return setmetatable({
    server = server,
    port = port,
    address = "127.0.0.1:" .. port,
    script = opts.invocations or {},
    init_error_status = opts.init_error_status or 202,
    quiet = opts.quiet,
    next_index = 0,      -- invocations handed out (or dropped)
    clients = {},
    ids = {},            -- client -> connection number, from 1
    connections = 0,     -- TCP connections accepted
    requests = {},       -- every request, in order
    posts = {},          -- /response and /error posts, in order
    init_errors = {},    -- /init/error posts
    extensions = {},     -- extension/register posts
    on_post = opts.on_post,  -- called with each /response and /error
    parked = nil,        -- the client waiting on /next after the script
    delayed = {},        -- held-back /next replies: { client, due, n }
    by_id = {},          -- request id -> script entry
  }, FakeApi)
end

local function send(client, status, body, headers)
  local lines = { ("HTTP/1.1 %d %s\r\n"):format(status,
    REASONS[status] or "Status") }
  for name, value in pairs(headers or {}) do
    lines[#lines + 1] = name .. ": " .. value .. "\r\n"
  end
  body = body or ""
  lines[#lines + 1] = "Content-Length: " .. #body .. "\r\n\r\n"
  lines[#lines + 1] = body
  client:send(table.concat(lines))
end

-- Reads one request; nil when the peer closed the connection.
local function read_request(client)
  local line = client:receive("*l")
  if not line then return nil end
  local method, path = line:match("^(%u+) (%S+) HTTP/1%.1$")
  assert(method, "bad request line: " .. line)
  local headers, raw_headers = wire.read_headers(client)
  local body, trailers = wire.read_body(client, headers)
  return {
    method = method, path = path, headers = headers,
    header_names = raw_headers, body = body, trailers = trailers,
  }
end

local function close(self, client)
  client:close()
  for i, c in ipairs(self.clients) do
    if c == client then table.remove(self.clients, i) break end
  end
  if self.parked == client then self.parked = nil end
end

local function deliver(self, client, n)
  local inv = self.script[n]
  if inv.drop then
    close(self, client)
    return
  end
  if inv.next_reply then
    send(client, inv.next_reply.status, inv.next_reply.body or "",
      inv.next_reply.headers)
    return
  end
  local id = inv.request_id or ("req-" .. n)
  self.by_id[id] = inv
  inv.posts_seen = 0
  local headers = {
    ["Lambda-Runtime-Aws-Request-Id"] = id,
    ["Lambda-Runtime-Deadline-Ms"] = tostring(inv.deadline_ms or
      math.floor(socket.gettime() * 1000) + 30000),
    ["Lambda-Runtime-Invoked-Function-Arn"] =
      "arn:aws:lambda:us-east-1:123456789012:function:test",
    ["Content-Type"] = "application/json",
  }
  for name, value in pairs(inv.headers or {}) do headers[name] = value end
  if inv.truncate then
    -- the connection dies mid-body, as a crashed peer would leave it
    local body = inv.event or "{}"
    local lines = { "HTTP/1.1 200 OK\r\n" }
    for name, value in pairs(headers) do
      lines[#lines + 1] = name .. ": " .. value .. "\r\n"
    end
    lines[#lines + 1] = "Content-Length: " .. #body .. "\r\n\r\n"
    client:send(table.concat(lines) .. body:sub(1, #body // 2))
    close(self, client)
    return
  end
  send(client, 200, inv.event or "{}", headers)
end

local function hand_out(self, client)
  local n = self.next_index + 1
  local inv = self.script[n]
  if not inv then
    self.parked = client  -- the runtime now waits, as Lambda freezes it
    return
  end
  self.next_index = n
  if inv.delay then
    self.delayed[#self.delayed + 1] =
      { client = client, due = socket.gettime() + inv.delay, n = n }
    return
  end
  deliver(self, client, n)
end

local function deliver_due(self)
  local now = socket.gettime()
  for i = #self.delayed, 1, -1 do
    local d = self.delayed[i]
    if d.due <= now then
      table.remove(self.delayed, i)
      deliver(self, d.client, d.n)
    end
  end
end

local function handle(self, client, req)
  req.connection = self.ids[client]
  self.requests[#self.requests + 1] = req
  if req.method == "GET" and req.path == PREFIX .. "/invocation/next" then
    return hand_out(self, client)
  end
  if req.method == "POST" and req.path == "/2020-01-01/extension/register" then
    self.extensions[#self.extensions + 1] = req
    return send(client, 200, '{"functionName":"test","functionVersion":"$LATEST","handler":"x"}',
      { ["Lambda-Extension-Identifier"] = "ext-" .. #self.extensions })
  end
  if req.method == "POST" and req.path == PREFIX .. "/init/error" then
    self.init_errors[#self.init_errors + 1] = req
    return send(client, self.init_error_status, '{"status":"OK"}')
  end
  local id, kind = req.path:match("^" .. PREFIX:gsub("%-", "%%-")
    .. "/invocation/([^/]+)/(%a+)$")
  if req.method == "POST" and (kind == "response" or kind == "error") then
    req.kind, req.request_id = kind, id
    self.posts[#self.posts + 1] = req
    if self.on_post then self.on_post(req) end
    local inv = self.by_id[id]
    if not inv then
      return send(client, 400, '{"errorType":"InvalidRequestID"}')
    end
    inv.posts_seen = inv.posts_seen + 1
    local status = inv.post_status and inv.post_status[inv.posts_seen] or 202
    -- Lambda's limit for a buffered response
    if kind == "response" and #req.body > 6291556 and not inv.post_status then
      status = 413
    end
    if status == "drop" then return close(self, client) end
    return send(client, status, '{"status":"OK"}')
  end
  send(client, 404, '{"errorType":"NotFound"}')
end

--- Serves until the script is used up and the runtime waits on /next,
--- the process exits, or `seconds` pass. Returns why it stopped:
--- "parked", "exited" or "timeout".
function FakeApi:serve(process, seconds)
  local deadline = socket.gettime() + (seconds or 10)
  while true do
    if self.parked then return "parked" end
    if socket.gettime() > deadline then return "timeout" end
    deliver_due(self)
    local watch = { self.server }
    for _, c in ipairs(self.clients) do watch[#watch + 1] = c end
    local readable = socket.select(watch, nil, 0.05)
    if #readable == 0 and process and process:exited() then
      return "exited"
    end
    for _, s in ipairs(readable) do
      if s == self.server then
        local client = self.server:accept()
        if client then
          self.connections = self.connections + 1
          client:settimeout(5)
          client:setoption("tcp-nodelay", true)
          self.ids[client] = self.connections
          self.clients[#self.clients + 1] = client
        end
      else
        local ok, req = pcall(read_request, s)
        if ok and req then
          handle(self, s, req)
        else
          close(self, s)
        end
      end
    end
  end
end

function FakeApi:close()
  for _, c in ipairs(self.clients) do c:close() end
  self.clients = {}
  self.server:close()
end

return FakeApi
