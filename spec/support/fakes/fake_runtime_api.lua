--- A scriptable fake of the Lambda Runtime API on 127.0.0.1, for driving
--- the real bootstrap in specs, the quick start and benchmarks.
---
--- local api = FakeApi.new { invocations = { { event = '{"a":1}' }, ... } }
--- api:serve(process, 10)   -- until the script is used up and the
---                          -- runtime waits on /next, or it exits
--- api.posts, api.init_errors, api.requests, api.connections
---
--- opts.register_without_identifier: extension/register answers 200
--- without a Lambda-Extension-Identifier (and registers nothing).
---
--- opts.concurrency (default 1): how many /next calls the runtime keeps
--- outstanding (Managed Instances' AWS_LAMBDA_MAX_CONCURRENCY); serve ends
--- "parked" once that many wait after the script is used up, and
--- invocations go out to whichever /next waits.
---
--- Like Lambda and AWS's emulator it holds the Init barrier: no invocation
--- is handed out until the runtime has called /next AND every extension
--- registered with /2020-01-01/extension/register waits in
--- /2020-01-01/extension/event/next. A runtime that never gets there
--- makes serve return "init_timeout" after opts.init_timeout seconds
--- (default 10, Lambda's init limit). Extensions registered for INVOKE get
--- an INVOKE event per invocation; api:shutdown() sends SHUTDOWN to those
--- registered for it.
---
--- An invocation in the script may say:
---   event        JSON text of the event (default "{}")
---   request_id   (default "req-<n>")
---   deadline_ms  (default now + 30 s)
---   headers      extra /next headers, { ["Name"] = "value" } (false:
---                leave out one the fake sends by default)
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
    -- a register answer without its Lambda-Extension-Identifier (nothing
    -- is registered: the Init barrier does not wait for it)
    register_without_identifier = opts.register_without_identifier,
    quiet = opts.quiet,
    next_index = 0,      -- invocations handed out (or dropped)
    clients = {},
    ids = {},            -- client -> connection number, from 1
    connections = 0,     -- TCP connections accepted
    requests = {},       -- every request, in order
    posts = {},          -- /response and /error posts, in order
    init_errors = {},    -- /init/error posts
    extensions = {},     -- extension/register posts
    registered = {},     -- identifier -> { name, events }
    ext_waiting = {},    -- identifier -> client parked in event/next
    ext_events = {},     -- identifier -> events not yet taken
    init_done = false,   -- the Init barrier was passed
    init_timeout = opts.init_timeout or 10,
    barrier = nil,       -- { clients, since }: /next calls held at the barrier
    on_post = opts.on_post,  -- called with each /response and /error
    parked = {},         -- clients waiting on /next after the script
    concurrency = opts.concurrency or 1,
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
  for i, c in ipairs(self.parked) do
    if c == client then table.remove(self.parked, i) break end
  end
  if self.barrier then
    for i, c in ipairs(self.barrier.clients) do
      if c == client then table.remove(self.barrier.clients, i) break end
    end
    if #self.barrier.clients == 0 then self.barrier = nil end
  end
  for id, c in pairs(self.ext_waiting) do
    if c == client then self.ext_waiting[id] = nil end
  end
end

-- Whether every registered extension waits in event/next.
local function extensions_ready(self)
  for id in pairs(self.registered) do
    if not self.ext_waiting[id] then return false end
  end
  return true
end

local EXT_PREFIX = "/2020-01-01/extension"

local function ext_send(self, id, event)
  local client = self.ext_waiting[id]
  if client then
    self.ext_waiting[id] = nil
    send(client, 200, event, { ["Content-Type"] = "application/json",
      ["Lambda-Extension-Event-Identifier"] = tostring(#self.requests) })
  else
    local queue = self.ext_events[id]
    queue[#queue + 1] = event
  end
end

-- Queues an event for every extension registered for it.
local function ext_broadcast(self, kind, fields)
  for id, ext in pairs(self.registered) do
    if ext.events[kind] then
      local parts = { ('"eventType":"%s"'):format(kind) }
      for name, value in pairs(fields) do
        parts[#parts + 1] = ('"%s":%s'):format(name, type(value) == "string"
          and ('"' .. value .. '"') or tostring(value))
      end
      ext_send(self, id, "{" .. table.concat(parts, ",") .. "}")
    end
  end
end

local function ext_error(client, status, kind, message)
  send(client, status, ('{"errorType":"%s","errorMessage":"%s"}')
    :format(kind, message))
end

local function handle_extension(self, client, req)
  local id = req.headers["lambda-extension-identifier"]
  if req.method == "POST" and req.path == EXT_PREFIX .. "/register" then
    self.extensions[#self.extensions + 1] = req
    local name = req.headers["lambda-extension-name"]
    if not name or name == "" then
      return ext_error(client, 403, "Extension.MissingHeader",
        "Missing Lambda-Extension-Name header")
    end
    if self.init_done then
      return ext_error(client, 403, "Extension.InvalidState",
        "registration is only open during Init")
    end
    local ok, body = pcall(require("cjson").decode, req.body)
    if not ok or type(body) ~= "table" or type(body.events) ~= "table" then
      return ext_error(client, 400, "InvalidRequest", "bad register body")
    end
    if self.register_without_identifier then
      return send(client, 200, '{"functionName":"test"}')
    end
    local events = {}
    for _, e in ipairs(body.events) do events[e] = true end
    id = "ext-" .. #self.extensions
    self.registered[id] = { name = name, events = events }
    self.ext_events[id] = {}
    return send(client, 200,
      '{"functionName":"test","functionVersion":"$LATEST","handler":"x"}',
      { ["Lambda-Extension-Identifier"] = id })
  end
  if req.method == "GET" and req.path == EXT_PREFIX .. "/event/next" then
    if not id then
      return ext_error(client, 403, "Extension.MissingExtensionIdentifier",
        "Missing Lambda-Extension-Identifier header")
    end
    if not self.registered[id] then
      return ext_error(client, 403, "Extension.InvalidExtensionIdentifier",
        "Invalid Lambda-Extension-Identifier")
    end
    self.ext_waiting[id] = client
    local queue = self.ext_events[id]
    if #queue > 0 then ext_send(self, id, table.remove(queue, 1)) end
    return
  end
  send(client, 404, '{"errorType":"NotFound"}')
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
  ext_broadcast(self, "INVOKE", { requestId = id })
  inv.posts_seen = 0
  local headers = {
    ["Lambda-Runtime-Aws-Request-Id"] = id,
    ["Lambda-Runtime-Deadline-Ms"] = tostring(inv.deadline_ms or
      math.floor(socket.gettime() * 1000) + 30000),
    ["Lambda-Runtime-Invoked-Function-Arn"] =
      "arn:aws:lambda:us-east-1:123456789012:function:test",
    ["Content-Type"] = "application/json",
  }
  -- a value of false leaves the header out
  for name, value in pairs(inv.headers or {}) do headers[name] = value or nil end
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

local hand_out

-- Init ends when the runtime waits on /next and so does every extension.
local function check_barrier(self)
  if self.barrier and extensions_ready(self) then
    local clients = self.barrier.clients
    self.barrier = nil
    self.init_done = true
    for _, client in ipairs(clients) do hand_out(self, client) end
  end
end

function hand_out(self, client)
  if not self.init_done then
    self.barrier = self.barrier or { clients = {}, since = socket.gettime() }
    table.insert(self.barrier.clients, client)
    return check_barrier(self)
  end
  local n = self.next_index + 1
  local inv = self.script[n]
  if not inv then
    -- the runtime now waits, as Lambda freezes it
    self.parked[#self.parked + 1] = client
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
  if req.path:sub(1, #EXT_PREFIX) == EXT_PREFIX then
    handle_extension(self, client, req)
    return check_barrier(self)
  end
  if req.method == "POST" and req.path == PREFIX .. "/init/error" then
    self.init_errors[#self.init_errors + 1] = req
    return send(client, self.init_error_status, '{"status":"OK"}')
  end
  local id, kind = req.path:match("^" .. PREFIX:gsub("%-", "%%-")
    .. "/invocation/([^/]+)/(%a+)$")
  if req.method == "POST" and (kind == "response" or kind == "error") then
    -- the id as the runtime meant it: a path segment is percent-decoded
    id = id:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
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
    if #self.parked >= self.concurrency then return "parked" end
    if socket.gettime() > deadline then return "timeout" end
    if self.barrier and
        socket.gettime() - self.barrier.since > self.init_timeout then
      return "init_timeout"
    end
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

--- Sends SHUTDOWN to every extension registered for it.
function FakeApi:shutdown(reason)
  ext_broadcast(self, "SHUTDOWN", { shutdownReason = reason or "spindown",
    deadlineMs = math.floor(socket.gettime() * 1000) + 2000 })
end

--- Sends SHUTDOWN to every registered extension, registered for it or
--- not (an internal extension may not ask for it; a runtime may still
--- honour one that comes).
function FakeApi:shutdown_all(reason)
  for id in pairs(self.registered) do
    ext_send(self, id, ('{"eventType":"SHUTDOWN","shutdownReason":"%s",'
      .. '"deadlineMs":%d}'):format(reason or "spindown",
      math.floor(socket.gettime() * 1000) + 2000))
  end
end

function FakeApi:close()
  for _, c in ipairs(self.clients) do c:close() end
  self.clients = {}
  self.server:close()
end

return FakeApi
