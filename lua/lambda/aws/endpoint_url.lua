--- parseURL of AWS's endpoint rules, as botocore computes it: Python's
--- urllib.parse.urlparse (3.11) for the parts, then botocore's checks
--- (http or https, no query, a port that is a number) and its
--- normalizedPath and isIp. A URL Python's urlparse raises on (a
--- bracketed host that is not an IPv6 address), or one with no host name
--- (botocore's isIp fails there), is raised as a Python error
--- ({ python = class }), as it is an exception in botocore.
local M = {}

local function python_error(class, message)
  error({ python = class, message = message }, 0)
end

-- h16 groups of an IPv6 address ("" for none); ipv4_last allows the last
-- one to be an IPv4 address (counted as two groups). Returns the count,
-- or nil when a group is malformed.
local function groups(text, ipv4_last)
  if text == "" then return 0 end
  local count, parts = 0, {}
  for part in (text .. ":"):gmatch("([^:]*):") do parts[#parts + 1] = part end
  for i, part in ipairs(parts) do
    if i == #parts and ipv4_last and part:find(".", 1, true) then
      local a, b, c, d = part:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
      if not a or #a > 3 or #b > 3 or #c > 3 or #d > 3 then return nil end
      count = count + 2
    elseif part:match("^%x%x?%x?%x?$") then
      count = count + 1
    else
      return nil
    end
  end
  return count
end

-- RFC 3986's IPv6address (urllib3's IPV6_PAT, which botocore uses).
local function ipv6_address(s)
  local at = s:find("::", 1, true)
  if at then
    local left, right = s:sub(1, at - 1), s:sub(at + 2)
    if right:find("::", 1, true) then return false end
    local l, r = groups(left, false), groups(right, true)
    return l ~= nil and r ~= nil and l + r <= 7
  end
  return groups(s, true) == 8
end

-- botocore's IPV6_ADDRZ_RE on "[" .. host .. "]": an address, then
-- perhaps a zone: "%25" or "%", then unreserved characters or %XX.
local function ipv6_with_zone(host)
  local at = host:find("%", 1, true)
  if not at then return ipv6_address(host) end
  if not ipv6_address(host:sub(1, at - 1)) then return false end
  local function zone(z)
    if z == "" then return false end
    local rest = z:gsub("%%%x%x", ""):gsub("[%w%._!%-~]", "")
    return rest == ""
  end
  -- "%25" then a zone is "%" then one beginning "25": both unreserved
  return zone(host:sub(at + 1))
end
M.ipv6_with_zone = ipv6_with_zone

-- urlsplit's _check_bracketed_host (Python 3.11.4 and later): what is
-- between the first "[" and the "]" after it must be an IPv6 address
-- (ipaddress's, which takes a zone) or an IPvFuture.
local function check_bracketed(netloc)
  local inner = netloc:sub(netloc:find("[", 1, true) + 1)
  inner = inner:sub(1, (inner:find("]", 1, true) or (#inner + 1)) - 1)
  if inner:sub(1, 1) == "v" then
    if not inner:find("^v%x+%..+$") then python_error("ValueError", "IPvFuture address is invalid") end
  elseif not ipv6_with_zone(inner) then
    python_error("ValueError", inner .. " does not appear to be an IPv4 or IPv6 address")
  end
end

-- urlsplit's netloc, path, query, fragment.
local function split(url)
  url = url:gsub("^[%z\1- ]+", ""):gsub("[\t\r\n]", "")
  local scheme = ""
  local i = url:find(":", 1, true)
  if i and i > 1 and url:sub(1, 1):match("%a") and not url:sub(1, i - 1):find("[^%w%+%-%.]") then
    scheme, url = url:sub(1, i - 1):lower(), url:sub(i + 1)
  end
  local netloc = ""
  if url:sub(1, 2) == "//" then
    local delim = url:find("[/?#]", 3) or (#url + 1)
    netloc, url = url:sub(3, delim - 1), url:sub(delim)
    local open, close = netloc:find("[", 1, true), netloc:find("]", 1, true)
    if (open and not close) or (close and not open) then
      python_error("ValueError", "Invalid IPv6 URL")
    end
    if open and close then check_bracketed(netloc) end
  end
  local fragment, query = "", ""
  local h = url:find("#", 1, true)
  if h then url, fragment = url:sub(1, h - 1), url:sub(h + 1) end
  local q = url:find("?", 1, true)
  if q then url, query = url:sub(1, q - 1), url:sub(q + 1) end
  return scheme, netloc, url, query, fragment
end

-- urlparse drops ";params" from the last segment of an http(s) path.
local function strip_params(path)
  local last = 1
  for at in path:gmatch("()/") do last = at end
  local semi = path:find(";", path:find("/", 1, true) and last or 1, true)
  if semi then return path:sub(1, semi - 1) end
  return path
end

-- urllib's _hostinfo: host name and port text of a netloc.
local function hostinfo(netloc)
  local info = netloc:match("^.*@(.*)$") or netloc
  local open = info:find("[", 1, true)
  local host, port
  if open then
    local bracketed = info:sub(open + 1)
    local close = bracketed:find("]", 1, true)
    if close then
      host, port = bracketed:sub(1, close - 1), bracketed:sub(close + 1)
      port = port:match(":(.*)$") or ""
    else
      host, port = bracketed, ""
    end
  else
    local colon = info:find(":", 1, true)
    if colon then host, port = info:sub(1, colon - 1), info:sub(colon + 1)
    else host, port = info, "" end
  end
  return host, port, open ~= nil
end

local function hostname(host)
  if host == "" then return nil end
  local at = host:find("%", 1, true)
  if at then return host:sub(1, at - 1):lower() .. host:sub(at) end
  return host:lower()
end

-- RFC 3986 5.2.4, and consecutive slashes removed (botocore's
-- remove_dot_segments); "" is "/".
local function normalize(path)
  if path == "" then return "/" end
  local out = {}
  for _, x in ipairs(require("lambda.aws.endpoint_functions").split(path, "/")) do
    if x ~= "" and x ~= "." then
      if x == ".." then
        out[#out] = nil
      else
        out[#out + 1] = x
      end
    end
  end
  local first = path:sub(1, 1) == "/" and "/" or ""
  local last = (path:sub(-1) == "/" and #out > 0) and "/" or ""
  return first .. table.concat(out, "/") .. last
end

--- parseURL(value) -> { scheme, authority, path, normalizedPath, isIp }
--- or nil.
function M.parse(value)
  if value == nil then return nil end
  if type(value) ~= "string" then python_error("TypeError", "parseURL of a " .. type(value)) end
  local scheme, netloc, path, query = split(value)
  local host, port = hostinfo(netloc)
  if port ~= "" then
    if not port:find("^%d+$") or tonumber(port) > 65535 then return nil end
  end
  if (scheme ~= "https" and scheme ~= "http") or query ~= "" then return nil end
  path = strip_params(path)
  local normalized = require("lambda.aws.endpoint_functions").percent_encode(normalize(path), "/")
  if normalized:sub(-1) ~= "/" then normalized = normalized .. "/" end
  local name = hostname(host)
  if name == nil then python_error("TypeError", "no host name in " .. value) end
  local ip = require("lambda.aws.endpoint_functions").ipv4(name)
    or (not value:find("[\t\r\n]") and ipv6_with_zone(name))
  return { scheme = scheme, authority = netloc, path = path,
    normalizedPath = normalized, isIp = ip and true or false }
end

return M
