--- CBOR (RFC 8949) for lambda.aws's smithy-rpc-v2-cbor protocol, in pure
--- Lua 5.4 (string.pack / string.unpack).
---
---   cbor.decode(bytes [, {max_depth = n}]) -> value | nil, err (kind "cbor")
---   cbor.encode(value) -> bytes            (a generic Lua value; raises)
---   cbor.blob(bytes)                        marks a string as a byte string
---   cbor.writer()                           the encoder the protocol drives
---
--- Decoding, as botocore's BaseCBORParser reads an answer:
---   unsigned / negative integers -> Lua integers (a value beyond 64-bit
---     signed is an error); byte and text strings -> Lua strings (text
---     checked as UTF-8), definite or indefinite (chunked); arrays ->
---     lambda.json arrays (a null item is json.null, keeping positions);
---     maps -> tables (a key whose value is null is left out, as botocore
---     does); true, false; null and undefined -> nil; half, single and
---     double floats -> Lua floats; tag 1 (epoch seconds) -> the number
---     (an integer when whole). Bignums (tags 2, 3) and every other tag
---     are refused, as botocore refuses them; so are simple values other
---     than false/true/null/undefined, a break out of place, bytes after
---     the data item, and nesting deeper than max_depth (default 256).
---
--- Encoding (cbor.writer), as botocore's CBORSerializer writes: integers
--- in the shortest head; float members as single precision (0xfa),
--- double members as double (0xfb), NaN and the infinities as half
--- (0xf97e00, 0xf97c00, 0xf9fc00); timestamps as tag 1 and whole seconds.
local json = require "lambda.json"
local errors = require "lambda.errors"

local byte, sub, pack, unpack = string.byte, string.sub, string.pack, string.unpack
local concat = table.concat
local mtype, huge = math.type, math.huge
local utf8len = utf8.len

local M = {}

M.MAX_DEPTH = 256

local null = json.null
local array = json.array

-- Decoding ---------------------------------------------------------------

local FAIL = {}  -- the marker of an error thrown inside the decoder

local function fail(pos, message)
  error({ [FAIL] = true, pos = pos, message = message }, 0)
end

local function half(h)
  local e, m = (h >> 10) & 0x1f, h & 0x3ff
  local v
  if e == 0 then
    v = m * 2.0 ^ -24
  elseif e == 31 then
    v = m == 0 and huge or (0 / 0)
  else
    v = (m + 1024) * 2.0 ^ (e - 25)
  end
  if h & 0x8000 ~= 0 then v = -v end
  return v
end

-- The argument of a head (additional info ai at pos), and the position
-- after it. ai 31 (indefinite) is the caller's to handle.
local function argument(s, pos, ai)
  if ai < 24 then return ai, pos end
  local n
  if ai == 24 then
    n = byte(s, pos)
    if not n then fail(pos, "the data ends inside a head") end
    return n, pos + 1
  elseif ai == 25 then
    if #s < pos + 1 then fail(pos, "the data ends inside a head") end
    return unpack(">I2", s, pos)
  elseif ai == 26 then
    if #s < pos + 3 then fail(pos, "the data ends inside a head") end
    return unpack(">I4", s, pos)
  elseif ai == 27 then
    if #s < pos + 7 then fail(pos, "the data ends inside a head") end
    n = unpack(">i8", s, pos)
    if n < 0 then fail(pos, "an integer beyond 64-bit signed") end
    return n, pos + 8
  end
  fail(pos - 1, ("additional information %d is reserved"):format(ai))
end

local item

local function definite_string(s, pos, n)
  local stop = pos + n - 1
  if stop > #s then fail(pos, "the data ends inside a string") end
  return sub(s, pos, stop), stop + 1
end

-- A byte or text string (major type mt) whose head's ai is at pos.
local function string_item(s, pos, ai, mt)
  local value
  if ai ~= 31 then
    local n
    n, pos = argument(s, pos, ai)
    value, pos = definite_string(s, pos, n)
  else
    local parts = {}
    while true do
      local ib = byte(s, pos)
      if not ib then fail(pos, "the data ends inside a chunked string") end
      if ib == 0xff then pos = pos + 1; break end
      if ib >> 5 ~= mt or ib & 0x1f == 31 then
        fail(pos, "a chunk of a chunked string that is not a definite string of its type")
      end
      local n
      n, pos = argument(s, pos + 1, ib & 0x1f)
      parts[#parts + 1], pos = definite_string(s, pos, n)
    end
    value = concat(parts)
  end
  if mt == 3 and not utf8len(value) then
    fail(pos, "a text string that is not UTF-8")
  end
  return value, pos
end

local function array_item(s, pos, ai, depth)
  local t, v = {}, nil
  if ai ~= 31 then
    local n
    n, pos = argument(s, pos, ai)
    if n > #s - pos + 1 then fail(pos, "an array longer than the data") end
    for i = 1, n do
      v, pos = item(s, pos, depth)
      if v == nil then v = null end
      t[i] = v
    end
  else
    local i = 0
    while byte(s, pos) ~= 0xff do
      v, pos = item(s, pos, depth)
      if v == nil then v = null end
      i = i + 1
      t[i] = v
    end
    pos = pos + 1
  end
  return array(t), pos
end

local function map_pair(s, pos, depth, t)
  local k, v
  local at = pos
  k, pos = item(s, pos, depth)
  if k == nil or k ~= k then fail(at, "a map key that is null, undefined or NaN") end
  v, pos = item(s, pos, depth)
  if v ~= nil then t[k] = v end
  return pos
end

local function map_item(s, pos, ai, depth)
  local t = {}
  if ai ~= 31 then
    local n
    n, pos = argument(s, pos, ai)
    if n > #s - pos + 1 then fail(pos, "a map longer than the data") end
    for _ = 1, n do pos = map_pair(s, pos, depth, t) end
  else
    while byte(s, pos) ~= 0xff do pos = map_pair(s, pos, depth, t) end
    pos = pos + 1
  end
  return t, pos
end

local function tag_item(s, pos, ai, depth)
  local at = pos - 1
  local tag
  tag, pos = argument(s, pos, ai)
  if tag == 2 or tag == 3 then
    fail(at, "bignums (CBOR tags 2 and 3) are not supported")
  elseif tag ~= 1 then
    fail(at, ("CBOR tag %d is not supported (only tag 1, epoch seconds)"):format(tag))
  end
  local v
  v, pos = item(s, pos, depth)
  if type(v) ~= "number" then fail(at, "a timestamp (tag 1) that is not a number") end
  if mtype(v) == "float" and v == v and v >= -2 ^ 62 and v <= 2 ^ 62
      and v == math.floor(v) then
    v = math.tointeger(v)
  end
  return v, pos
end

local SIMPLE = { [20] = false, [21] = true }

local function simple_item(s, pos, ai)
  if ai == 20 or ai == 21 then return SIMPLE[ai], pos end
  if ai == 22 or ai == 23 then return nil, pos end
  if ai == 25 then
    if #s < pos + 1 then fail(pos, "the data ends inside a float") end
    return half((unpack(">I2", s, pos))), pos + 2
  elseif ai == 26 then
    if #s < pos + 3 then fail(pos, "the data ends inside a float") end
    return unpack(">f", s, pos)
  elseif ai == 27 then
    if #s < pos + 7 then fail(pos, "the data ends inside a float") end
    return unpack(">d", s, pos)
  elseif ai == 31 then
    fail(pos - 1, "a break (0xff) outside a chunked item")
  end
  fail(pos - 1, ("simple value %d is not supported"):format(ai == 24
    and (byte(s, pos) or -1) or ai))
end

-- The data item at pos: its value and the position after it.
function item(s, pos, depth)
  local ib = byte(s, pos)
  if not ib then fail(pos, "the data ends before a data item") end
  local mt, ai = ib >> 5, ib & 0x1f
  pos = pos + 1
  if mt == 0 then
    return argument(s, pos, ai)
  elseif mt == 1 then
    local n
    n, pos = argument(s, pos, ai)
    return -1 - n, pos
  elseif mt == 2 or mt == 3 then
    return string_item(s, pos, ai, mt)
  elseif mt == 7 then
    return simple_item(s, pos, ai)
  end
  if depth <= 0 then fail(pos - 1, "nested deeper than the depth limit") end
  if mt == 4 then
    return array_item(s, pos, ai, depth - 1)
  elseif mt == 5 then
    return map_item(s, pos, ai, depth - 1)
  end
  return tag_item(s, pos, ai, depth - 1)
end

--- bytes (one CBOR data item) -> the Lua value; nil and an error value
--- (kind "cbor", offset = the byte where it went wrong, from 0) when
--- the bytes are not CBOR this decoder takes.
---@param bytes string
---@param opts? {max_depth?: integer}
---@return any value
---@return lambda.Error|nil err
function M.decode(bytes, opts)
  errors.check(bytes, "string", 1, "decode")
  local depth = opts and opts.max_depth or M.MAX_DEPTH
  local ok, value, pos = pcall(item, bytes, 1, depth)
  if not ok then
    if type(value) == "table" and value[FAIL] then
      return nil, errors.new("cbor", value.message .. " (at byte "
        .. (value.pos - 1) .. ")", { offset = value.pos - 1 })
    end
    error(value, 0)
  end
  if pos <= #bytes then
    return nil, errors.new("cbor", ("%d bytes after the data item (at byte %d)")
      :format(#bytes - pos + 1, pos - 1), { offset = pos - 1 })
  end
  return value
end

-- Encoding ---------------------------------------------------------------

local W = {}
W.__index = W

--- A new encoder: call its methods in order, then :result().
function M.writer()
  return setmetatable({ n = 0 }, W)
end

function W:raw(bytes)
  local n = self.n + 1
  self[n] = bytes
  self.n = n
end

--- A head: major type 0-7 and its argument n (a non-negative integer),
--- in the fewest bytes.
function W:head(major, n)
  local mt = major << 5
  if n < 24 then
    self:raw(string.char(mt | n))
  elseif n < 0x100 then
    self:raw(string.char(mt | 24, n))
  elseif n < 0x10000 then
    self:raw(pack(">BI2", mt | 25, n))
  elseif n < 0x100000000 then
    self:raw(pack(">BI4", mt | 26, n))
  else
    self:raw(pack(">Bi8", mt | 27, n))
  end
end

function W:integer(n)
  if n >= 0 then self:head(0, n) else self:head(1, -1 - n) end
end

function W:text(s)
  self:head(3, #s)
  self:raw(s)
end

function W:bytes(s)
  self:head(2, #s)
  self:raw(s)
end

function W:boolean(v)
  self:raw(v and "\xf5" or "\xf4")
end

function W:null()
  self:raw("\xf6")
end

-- NaN and the infinities, as botocore writes them (half precision).
local function special(self, x)
  if x ~= x then self:raw("\xf9\x7e\x00")
  elseif x == huge then self:raw("\xf9\x7c\x00")
  elseif x == -huge then self:raw("\xf9\xfc\x00")
  else return false end
  return true
end

M.FLT_MAX = 3.4028234663852886e38

--- A single-precision float (botocore's float shapes). A finite value
--- beyond single precision's range is refused (returns false), as
--- Python's struct.pack(">f") refuses it.
function W:float32(x)
  if special(self, x) then return true end
  local bytes = pack(">f", x)
  local back = unpack(">f", bytes)
  if back == huge or back == -huge then return false end
  self:raw("\xfa" .. bytes)
  return true
end

function W:float64(x)
  if special(self, x) then return end
  self:raw("\xfb" .. pack(">d", x))
end

--- Tag 1 and the whole epoch seconds of t (botocore drops the fraction).
function W:timestamp(t)
  self:raw("\xc1")
  local whole = math.floor(t)
  self:integer(math.tointeger(whole) or whole)
end

function W:result()
  return concat(self, "", 1, self.n)
end

-- The generic encoder ------------------------------------------------------

local BLOB = { __name = "lambda.aws.cbor.blob" }

--- s marked to be encoded as a byte string by cbor.encode.
function M.blob(s)
  return setmetatable({ s }, BLOB)
end

local function is_array(t)
  local mt = getmetatable(t)
  if mt and mt.__jsontype == "array" then return true end
  if mt and mt.__jsontype == "object" then return false end
  local n = #t
  if n == 0 then return false end
  for k in pairs(t) do
    if mtype(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "boolean" then return (not a) and b end
  return a < b
end

local function encode_value(w, v, depth)
  local t = type(v)
  if t == "string" then w:text(v)
  elseif t == "boolean" then w:boolean(v)
  elseif t == "number" then
    if mtype(v) == "integer" then w:integer(v) else w:float64(v) end
  elseif v == nil or v == null then w:null()
  elseif t == "table" then
    if depth <= 0 then errors.raise("cbor.encode: nested deeper than the depth limit") end
    if getmetatable(v) == BLOB then return w:bytes(v[1]) end
    if is_array(v) then
      w:head(4, #v)
      for i = 1, #v do encode_value(w, v[i], depth - 1) end
      return
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, key_less)
    w:head(5, #keys)
    for _, k in ipairs(keys) do
      encode_value(w, k, depth - 1)
      encode_value(w, v[k], depth - 1)
    end
  else
    errors.raise("cbor.encode: cannot encode a " .. t)
  end
end

--- A Lua value -> CBOR: strings as text (cbor.blob(s) for bytes),
--- integers, floats as doubles, booleans, json.null as null, sequences
--- and json.array tables as arrays, other tables as maps (keys sorted).
---@param value any
---@return string
function M.encode(value)
  local w = M.writer()
  encode_value(w, value, M.MAX_DEPTH)
  return w:result()
end

return M
