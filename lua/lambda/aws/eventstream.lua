--- AWS event streams (application/vnd.amazon.eventstream): Bedrock
--- Runtime's ConverseStream, Lambda's InvokeWithResponseStream, S3's
--- SelectObjectContent... decoded as the body arrives, each message's
--- CRCs checked, and read into events as botocore's EventStream gives
--- them.
---
---   local s = eventstream.stream(read, svc, shape_name, P [, close])
---     read()      -> the next chunk of the body, nil at its end (or nil
---                    and an error value, passed on)
---     shape_name  the event stream shape (its "eventstream": true)
---     P           the protocol module whose P.parse_body(svc,
---                 shape_name, bytes) reads a payload
---   s:next()    -> { EventName = value } | nil (the end) | nil, err
---   for event in s:events() do ... end; if s.error then ... end
---   s:close()       stops; calls close() when stream was given one
---
--- An event's value: the members marked eventheader from the message's
--- headers (a timestamp header, milliseconds, as epoch seconds), and the
--- member marked eventpayload from the payload (a blob or string as the
--- bytes, a structure by P.parse_body), or, without one, the whole
--- payload read as the event's shape. A message of an event type the
--- shape does not name is skipped, as botocore skips it. An exception
--- message is an error value of kind "aws" (code its :exception-type,
--- message the payload's Message/message, fields the payload read by
--- the exception's shape); an error message one with :error-code and
--- :error-message; a damaged message (a CRC that does not match, a
--- length out of bounds, a body that ends inside a message) one of kind
--- "eventstream". An error ends the stream.
---
--- The messages alone: eventstream.decoder(), :feed(chunk),
--- :next_message() -> { headers = {name = value}, payload = bytes } |
--- nil (more bytes needed) | nil, err. Header values: true/false,
--- integers (byte, short, int, long), strings (byte array, string, the
--- 16 bytes of a UUID), and a timestamp as integer milliseconds.
local errors = require "lambda.errors"

local byte, sub, unpack = string.byte, string.sub, string.unpack
local concat = table.concat

local M = {}

M.MAX_HEADERS = 128 * 1024         -- botocore's limits
M.MAX_PAYLOAD = 24 * 1024 * 1024

-- CRC-32 (IEEE 802.3, reflected, as zlib's crc32) --------------------------

local T = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if c & 1 ~= 0 then c = 0xEDB88320 ~ (c >> 1) else c = c >> 1 end
  end
  T[i] = c
end

--- The CRC-32 of s[i..j] (all of s by default), continuing crc (0 to
--- start).
---@param s string
---@param crc? integer
---@param i? integer
---@param j? integer
---@return integer
function M.crc32(s, crc, i, j)
  local c = (crc or 0) ~ 0xffffffff
  i, j = i or 1, j or #s
  local k = i
  while k + 7 <= j do
    local a, b, d, e, f, g, h, l = byte(s, k, k + 7)
    c = T[(c ~ a) & 0xff] ~ (c >> 8)
    c = T[(c ~ b) & 0xff] ~ (c >> 8)
    c = T[(c ~ d) & 0xff] ~ (c >> 8)
    c = T[(c ~ e) & 0xff] ~ (c >> 8)
    c = T[(c ~ f) & 0xff] ~ (c >> 8)
    c = T[(c ~ g) & 0xff] ~ (c >> 8)
    c = T[(c ~ h) & 0xff] ~ (c >> 8)
    c = T[(c ~ l) & 0xff] ~ (c >> 8)
    k = k + 8
  end
  for m = k, j do c = T[(c ~ byte(s, m)) & 0xff] ~ (c >> 8) end
  return c ~ 0xffffffff
end
local crc32 = M.crc32

-- Messages -----------------------------------------------------------------

local function damaged(message)
  return errors.new("eventstream", message)
end

-- The widths of the fixed-size header values, by type.
local WIDTH = { [2] = 1, [3] = 2, [4] = 4, [5] = 8, [8] = 8, [9] = 16 }
local FORMAT = { [2] = ">i1", [3] = ">i2", [4] = ">i4", [5] = ">i8", [8] = ">i8" }
local SHORT = "a header is cut short"

-- One header at s[i..stop]: its name, value and the position after it;
-- or nil and a message.
local function parse_header(s, i, stop)
  local n = byte(s, i)
  if i + n + 1 > stop then return nil, SHORT end
  local name = sub(s, i + 1, i + n)
  i = i + 1 + n
  local t = byte(s, i)
  i = i + 1
  if t == 0 or t == 1 then return name, t == 0, i end
  local width = WIDTH[t]
  if width then
    if i + width - 1 > stop then return nil, SHORT end
    if t == 9 then return name, sub(s, i, i + 15), i + 16 end
    return name, unpack(FORMAT[t], s, i), i + width
  end
  if t ~= 6 and t ~= 7 then
    return nil, ("header %q has an unknown type %d"):format(name, t)
  end
  if i + 1 > stop then return nil, SHORT end
  local len = unpack(">I2", s, i)
  if i + 1 + len > stop then return nil, SHORT end
  return name, sub(s, i + 2, i + 1 + len), i + 2 + len
end

-- The headers of a message: s[i..stop]. A table, or nil and a message.
local function parse_headers(s, i, stop)
  local headers = {}
  while i <= stop do
    local name, v
    name, v, i = parse_header(s, i, stop)
    if name == nil then return nil, v end
    if headers[name] ~= nil then return nil, ("header %q is repeated"):format(name) end
    headers[name] = v
  end
  return headers
end

local Decoder = {}
Decoder.__index = Decoder

--- A new incremental decoder of messages.
function M.decoder()
  return setmetatable({ buf = "", pos = 1, parts = {}, nparts = 0, have = 0 }, Decoder)
end

--- Adds bytes (any part of the stream: a message split anywhere, or
--- several in one chunk).
function Decoder:feed(chunk)
  if chunk == "" then return end
  local n = self.nparts + 1
  self.parts[n] = chunk
  self.nparts = n
  self.have = self.have + #chunk
end

-- Joins what is left of buf and the chunks fed since, once: called only
-- when what a step needs is all there, so that each byte is copied a
-- bounded number of times however the body was cut.
local function coalesce(self)
  local parts, n = self.parts, self.nparts
  if self.pos <= #self.buf then
    table.insert(parts, 1, sub(self.buf, self.pos))
    n = n + 1
  end
  self.buf = concat(parts, "", 1, n)
  self.pos, self.parts, self.nparts = 1, {}, 0
end

local function fail(self, message)
  self.err = damaged(message)
  return nil, self.err
end

local function prelude(self)
  if #self.buf - self.pos + 1 < 12 then coalesce(self) end
  local s, p = self.buf, self.pos
  local total, hlen, crc = unpack(">I4I4I4", s, p)
  local got = crc32(s, 0, p, p + 7)
  if got ~= crc then
    return fail(self, ("the prelude CRC does not match (the message says 0x%08x, "
      .. "its bytes make 0x%08x)"):format(crc, got))
  end
  if hlen > M.MAX_HEADERS then
    return fail(self, ("headers of %d bytes, beyond the %d allowed"):format(hlen, M.MAX_HEADERS))
  end
  if total < 16 + hlen or total - 16 - hlen > M.MAX_PAYLOAD then
    return fail(self, ("a message of %d bytes with %d of headers"):format(total, hlen))
  end
  self.total, self.hlen = total, hlen
  return true
end

--- The next whole message, or nil when more bytes are needed, or nil
--- and an error value (kind "eventstream"; the decoder stays failed).
function Decoder:next_message()
  if self.err then return nil, self.err end
  if not self.total then
    if self.have < 12 then return nil end
    local ok, err = prelude(self)
    if not ok then return nil, err end
  end
  local total, hlen = self.total, self.hlen
  if self.have < total then return nil end
  if #self.buf - self.pos + 1 < total then coalesce(self) end
  local s, p = self.buf, self.pos
  local last = p + total - 1
  local crc = unpack(">I4", s, last - 3)
  local got = crc32(s, 0, p, last - 4)
  if got ~= crc then
    return fail(self, ("the message CRC does not match (the message says 0x%08x, "
      .. "its bytes make 0x%08x)"):format(crc, got))
  end
  local headers, herr = parse_headers(s, p + 12, p + 11 + hlen)
  if not headers then return fail(self, herr) end
  local payload = sub(s, p + 12 + hlen, last - 4)
  self.pos, self.have, self.total = last + 1, self.have - total, nil
  if self.pos > #s and self.nparts == 0 then self.buf, self.pos = "", 1 end
  return { headers = headers, payload = payload }
end

--- The bytes fed and not yet part of a message.
function Decoder:pending()
  return self.have
end

-- Events -------------------------------------------------------------------

local Stream = {}
Stream.__index = Stream

--- The events of an event stream body (see the top of this file).
function M.stream(read, svc, shape_name, P, close)
  return setmetatable({ read = read, svc = svc, shape_name = shape_name, P = P,
    close_body = close, decoder = M.decoder() }, Stream)
end

local function parsed(P, svc, name, payload)
  local v, err = P.parse_body(svc, name, payload)
  if v == nil and err == nil then v = {} end
  return v, err
end

local function exception(self, msg)
  local h = msg.headers
  local stream_shape = self.svc:shape(self.shape_name)
  local name = h[":exception-type"]
  local ref = name and stream_shape.members[name]
  if ref then
    local body, err = parsed(self.P, self.svc, ref.shape, msg.payload)
    if err then return err end
    local message = body.Message
    if message == nil then message = body.message end
    if type(message) ~= "string" then message = "" end
    return errors.new("aws", message, { code = name, fields = body })
  end
  local code, message = h[":error-code"], h[":error-message"]
  return errors.new("aws", type(message) == "string" and message or "",
    { code = type(code) == "string" and code or "" })
end

local function header_members(svc, shape, headers, value)
  for name, ref in pairs(shape.members or {}) do
    local v = ref.eventheader and headers[name]
    if v ~= nil then
      if svc:shape(ref.shape).type == "timestamp" and math.type(v) == "integer" then
        v = v % 1000 == 0 and v // 1000 or v / 1000
      end
      value[name] = v
    end
  end
end

local function payload_members(self, shape, ref, payload, value)
  for name, mref in pairs(shape.members or {}) do
    if mref.eventpayload then
      local t = self.svc:shape(mref.shape).type
      if t == "blob" or t == "string" then
        value[name] = payload
      else
        local v, err = parsed(self.P, self.svc, mref.shape, payload)
        if err then return err end
        value[name] = v
      end
      return nil
    end
  end
  local body, err = parsed(self.P, self.svc, ref.shape, payload)
  if err then return err end
  for k, v in pairs(body) do value[k] = v end
end

-- A message -> the event, or nil to skip it, or nil and an error value.
local function event_of(self, msg)
  local kind = msg.headers[":message-type"]
  if kind == "exception" or kind == "error" then return nil, exception(self, msg) end
  local name = msg.headers[":event-type"]
  local ref = name and self.svc:shape(self.shape_name).members[name]
  if not ref then return nil end
  local shape = self.svc:shape(ref.shape)
  local value = {}
  header_members(self.svc, shape, msg.headers, value)
  if shape.event then
    local err = payload_members(self, shape, ref, msg.payload, value)
    if err then return nil, err end
  end
  return { [name] = value }
end

local function stop(self, err)
  self.error, self.done = err, true
  return nil, err
end

--- The next event; nil at the end of the stream; nil and an error value
--- when the stream failed (and for every call after).
function Stream:next()
  if self.error then return nil, self.error end
  if self.done then return nil end
  while true do
    local msg, err = self.decoder:next_message()
    if err then return stop(self, err) end
    if msg then
      local event, eerr = event_of(self, msg)
      if eerr then return stop(self, eerr) end
      if event then return event end
    else
      local chunk, rerr = self.read()
      if chunk == nil then
        if rerr then return stop(self, rerr) end
        if self.decoder:pending() > 0 then
          return stop(self, damaged(("the body ends inside a message (%d bytes "
            .. "of it)"):format(self.decoder:pending())))
        end
        self.done = true
        return nil
      end
      self.decoder:feed(chunk)
    end
  end
end

--- An iterator of the events: it ends at the end of the stream or at an
--- error, which it keeps in s.error.
function Stream:events()
  return function()
    return (self:next())
  end
end

--- Stops reading: :next() gives nil from now on; the body's close (the
--- fifth argument of stream) is called once.
function Stream:close()
  self.done = true
  self.decoder = M.decoder()
  local close = self.close_body
  self.close_body = nil
  if close then close() end
end

return M
