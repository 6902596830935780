--- AWS SAM / CloudFormation templates (template.yaml), read in pure Lua:
--- the YAML those templates are written in, and what the CLI needs of a
--- function (Architectures, Environment.Variables, Handler, CodeUri...).
---
--- local sam = require "sam_template"
--- local doc, err = sam.parse(text)          -- err: "template.yaml:LINE: ..."
--- local fn, why = sam.pick(doc, { handler = "app.handler" })
--- local arch = fn.architectures and sam.resolve(fn.architectures[1], doc)
---
--- parse(text [, name]): the document as Lua values. A mapping is a table
--- with string keys (a repeated key: the last wins), a sequence an array
--- 1..n, a scalar its string, exactly as written: no implicit typing
--- ("128", "true" and "2010-09-09" stay strings; an empty value is "").
--- An empty sequence and an empty mapping are both an empty table. A
--- CloudFormation short-form tag becomes its long form: !Ref X is
--- { Ref = "X" }, !Condition X { Condition = "X" }, !GetAtt A.B.C
--- { ["Fn::GetAtt"] = { "A", "B.C" } } (split at the first dot), any other
--- !Name V { ["Fn::Name"] = V } (Base64, Cidr, FindInMap, GetAtt, GetAZs,
--- ImportValue, Join, Select, Split, Sub, Transform, If, Equals, Not, And,
--- Or, Length, ToJsonString).
--- Read: block mappings and sequences at any indent (a sequence under a key
--- may sit at the key's own indent), "- key: value" items, flow sequences
--- and mappings (nested; [a: b] pairs), plain scalars (over several lines
--- too), single-quoted ('' for ') and double-quoted scalars (YAML's
--- escapes, \ at a line end), literal | and folded > block scalars with
--- chomping (-, +) and indentation (1-9) indicators, comments, "---" at the
--- start and "..." at the end, CRLF line ends, a UTF-8 BOM.
--- Refused, with "template.yaml:LINE: message": anchors and aliases (&, *),
--- several documents, directives (%YAML), complex keys (?), non-string
--- keys, YAML's own tags (!!str) and unknown tags, tabs outside quoted and
--- block scalars and comments (YAML allows only spaces there), a value
--- not indented deeper than its key (but for a sequence; PyYAML lets a
--- block scalar or a flow collection sit at the key's indent).
---@class sam_template
local M = {}

-- Tags CloudFormation defines, to the key of their long form.
local TAGS = { Ref = "Ref", Condition = "Condition" }
for name in ([[Base64 Cidr FindInMap GetAtt GetAZs ImportValue Join Select
    Split Sub Transform If Equals Not And Or Length ToJsonString]]):gmatch("%S+") do
  TAGS[name] = "Fn::" .. name
end

-- Double-quoted escapes; x, u and U take 2, 4 and 8 hex digits.
local ESCAPES = { ["0"] = "\0", a = "\a", b = "\b", t = "\t", ["\t"] = "\t",
  n = "\n", v = "\v", f = "\f", r = "\r", e = "\27", [" "] = " ", ['"'] = '"',
  ["/"] = "/", ["\\"] = "\\", N = utf8.char(0x85), _ = utf8.char(0xA0),
  L = utf8.char(0x2028), P = utf8.char(0x2029) }
local HEX_DIGITS = { x = 2, u = 4, U = 8 }

-- The parser's state is { lines, ln (line), c (column, 1-based), name }.
-- Every node parser leaves ln, c after what it read; the block ones leave
-- them at the start of the first line they did not take.

local function fail(st, message, ln)
  error({ message = ("%s:%d: %s"):format(st.name, ln or st.ln, message) }, 0)
end

local function is_marker(line)
  return line:find("^%-%-%-$") or line:find("^%-%-%- ")
    or line:find("^%.%.%.$") or line:find("^%.%.%. ")
end

-- Goes to the next line holding a node (skipping blank and comment lines)
-- and its first character; returns that column (0-based), nil at the end
-- or at a document marker.
local function next_content(st)
  while true do
    local line = st.lines[st.ln]
    if line == nil then return nil end
    local i = line:match("^ *()")
    local ch = line:sub(i, i)
    if ch == "\t" then fail(st, "a tab (YAML indents with spaces only)") end
    if ch ~= "" and ch ~= "#" then
      if i == 1 and is_marker(line) then return nil end
      st.c = i
      return i - 1
    end
    st.ln, st.c = st.ln + 1, 1
  end
end

-- After a node on its line: only spaces and a comment may follow. Then on
-- to the next line.
local function end_line(st)
  local rest = st.lines[st.ln]:sub(st.c)
  if not (rest:find("^ *$") or rest:find("^ *#")) then
    if rest:find("^ *:") then fail(st, "mapping values are not allowed here") end
    if rest:find("^ *\t") then fail(st, "a tab (YAML allows only spaces here)") end
    fail(st, "unexpected text after the value: " .. rest:match("^ *(.*)"))
  end
  st.ln, st.c = st.ln + 1, 1
end

local function rtrim(s) return (s:gsub(" +$", "")) end

-- Whether a plain scalar may start at line[i] (not on an indicator, except
-- -?: followed by a non-space).
local function plain_start(line, i, flow)
  local ch, nx = line:sub(i, i), line:sub(i + 1, i + 1)
  if ch == "" or ch:find("[,%[%]{}#&*!|>'\"%%@`\t]") then return false end
  if ch:find("[-?:]") then
    return nx ~= "" and nx ~= " " and not (flow and nx:find("[,%[%]{}]"))
  end
  return true
end

-- A plain scalar's text on one line from line[i]: returns the index where
-- it stops and why ("eol", "colon": ": " or ":" at the end, "comment",
-- "flow": a flow indicator). A tab stops PyYAML too, as an error.
local function plain_run(st, line, i, flow)
  local j = i
  while true do
    local ch = line:sub(j, j)
    if ch == "" then return j, "eol" end
    if ch == "\t" then st.c = j; fail(st, "a tab (YAML allows only spaces here)") end
    if ch == ":" then
      local nx = line:sub(j + 1, j + 1)
      if nx == "" or nx == " " or (flow and nx:find("[,%[%]{}]")) then
        return j, "colon"
      end
    elseif ch == "#" and line:sub(j - 1, j - 1) == " " then
      return j, "comment"
    elseif flow and ch:find("[,?%[%]{}]") then
      return j, "flow"
    end
    j = j + 1
  end
end

-- A plain scalar from ln, c. It goes on over the next lines indented more
-- than indent (any, in flow); a line break folds to a space, n blank lines
-- to n newlines; a comment ends it.
local function scan_plain(st, indent, flow)
  local line = st.lines[st.ln]
  if not plain_start(line, st.c, flow) then
    local ch = line:sub(st.c, st.c)
    if ch == "-" then fail(st, "sequence entries are not allowed here") end
    if ch == "?" then fail(st, "complex keys (?) are not supported") end
    fail(st, ("a value cannot start with '%s'"):format(ch))
  end
  local j, stop = plain_run(st, line, st.c, flow)
  local parts = { rtrim(line:sub(st.c, j - 1)) }
  st.c = j
  local k, breaks = st.ln + 1, 0
  while stop == "eol" do
    local next_line = st.lines[k]
    if next_line == nil or is_marker(next_line) then break end
    local i = next_line:match("^ *()")
    local ch = next_line:sub(i, i)
    if ch == "" then
      breaks = breaks + 1
    else
      if ch == "#" or (not flow and i - 1 <= indent) then break end
      if ch == "\t" then st.ln, st.c = k, i; fail(st, "a tab (YAML allows only spaces here)") end
      j, stop = plain_run(st, next_line, i, flow)
      if j == i then -- a flow indicator (or ": ") there: ends the scalar
        if flow then st.ln, st.c = k, i end
        break
      end
      parts[#parts + 1] = breaks == 0 and " " or ("\n"):rep(breaks)
      parts[#parts + 1] = rtrim(next_line:sub(i, j - 1))
      st.ln, st.c, breaks = k, j, 0
    end
    k = k + 1
  end
  return table.concat(parts)
end

-- A quoted scalar from its opening quote at ln, c (possibly over lines).
local function scan_quoted(st)
  local lines, q, start = st.lines, st.lines[st.ln]:sub(st.c, st.c), st.ln
  local stops = q == '"' and '[ \t"\\]' or "[ \t']"
  local out, i = {}, st.c + 1
  while true do
    local line, escaped_break = lines[st.ln], false
    while i <= #line do
      local ch = line:sub(i, i)
      if ch == q then
        if q == "'" and line:sub(i + 1, i + 1) == "'" then
          out[#out + 1], i = "'", i + 2
        else
          st.c = i + 1
          return table.concat(out)
        end
      elseif ch == "\\" then
        local e = line:sub(i + 1, i + 1)
        if e == "" then
          escaped_break, i = true, i + 1
        elseif ESCAPES[e] then
          out[#out + 1], i = ESCAPES[e], i + 2
        elseif HEX_DIGITS[e] then
          local n = HEX_DIGITS[e]
          local hex = line:sub(i + 2, i + 1 + n)
          local code = #hex == n and hex:find("^%x+$") and tonumber(hex, 16)
          if not code or code > 0x10FFFF then
            st.c = i; fail(st, "a bad escape \\" .. e .. hex)
          end
          out[#out + 1], i = utf8.char(code), i + 2 + n
        else
          st.c = i; fail(st, "an unknown escape \\" .. e)
        end
      elseif ch == " " or ch == "\t" then
        local j = line:match("^[ \t]*()", i)
        -- Spaces before a line break are folded away with it.
        if j <= #line then out[#out + 1] = line:sub(i, j - 1) end
        i = j
      else
        local j = line:find(stops, i) or #line + 1
        out[#out + 1], i = line:sub(i, j - 1), j
      end
    end
    -- The line ends inside the scalar: a break folds to a space, n blank
    -- lines to n newlines; after \ the break itself is dropped.
    local breaks = 0
    repeat
      st.ln = st.ln + 1
      line = lines[st.ln]
      if line == nil then fail(st, "a quoted scalar is not closed", start) end
      if is_marker(line) then fail(st, "a document marker inside a quoted scalar") end
      local blank = line:find("^[ \t]*$")
      if blank then breaks = breaks + 1 end
    until not blank
    out[#out + 1] = (breaks == 0 and not escaped_break) and " " or ("\n"):rep(breaks)
    i = line:match("^[ \t]*()")
  end
end

-- A tag at ln, c: returns the key of its long form; c after it.
local function scan_tag(st)
  local line = st.lines[st.ln]
  if line:sub(st.c, st.c + 1) == "!!" then
    fail(st, "YAML's own tags (!!) are not supported")
  end
  local name = line:match("^!([%w]*)", st.c)
  local after = line:sub(st.c + 1 + #name, st.c + 1 + #name)
  if not TAGS[name] or (after ~= "" and after ~= " ") then
    local tag = line:match("^![^ ]*", st.c)
    fail(st, ("unknown tag %s (only CloudFormation's short forms are)"):format(tag))
  end
  st.c = st.c + 1 + #name
  return TAGS[name]
end

local function long_form(key, value)
  if key == "Fn::GetAtt" and type(value) == "string" then
    local resource, attribute = value:match("^([^.]*)%.(.*)$")
    value = resource and { resource, attribute } or { value }
  end
  return { [key] = value }
end

local function refuse_anchor(st)
  fail(st, "anchors and aliases (&, *) are not supported")
end

-- Flow collections ---------------------------------------------------------

-- Skips spaces, line breaks and comments inside a flow collection opened on
-- line `start`; returns the next character.
local function flow_skip(st, start)
  while true do
    local line = st.lines[st.ln]
    if line == nil then fail(st, "a flow collection ([ or {) is not closed", start) end
    local i = line:match("^ *()", st.c)
    local ch = line:sub(i, i)
    if ch == "\t" then st.c = i; fail(st, "a tab (YAML allows only spaces here)") end
    if ch ~= "" and ch ~= "#" then
      st.c = i
      return ch
    end
    st.ln, st.c = st.ln + 1, 1
    if st.lines[st.ln] and is_marker(st.lines[st.ln]) then
      fail(st, "a document marker inside a flow collection")
    end
  end
end

local flow_node

-- A node where one may be left out (before , ] or }): "" then.
local function flow_value(st, start)
  local ch = flow_skip(st, start)
  if ch == "," or ch == "]" or ch == "}" then return "" end
  return flow_node(st, start)
end

local function string_key(st, key)
  if type(key) ~= "string" then fail(st, "a mapping key must be a string") end
  return key
end

function flow_node(st, start)
  local ch = flow_skip(st, start)
  if ch == "[" or ch == "{" then
    local close, inner = ch == "[" and "]" or "}", st.ln
    local out = {}
    st.c = st.c + 1
    while flow_skip(st, inner) ~= close do
      local key_line = st.ln
      local item, pair, value = flow_node(st, inner), false, ""
      if flow_skip(st, inner) == ":" then
        if st.ln ~= key_line then
          fail(st, ("expected ',' or '%s' here (a key and its ':' go on one line)"):format(close))
        end
        pair, st.c = true, st.c + 1
        value = flow_value(st, inner)
      end
      if close == "}" then
        out[string_key(st, item)] = value
      elseif pair then -- [a: b]: a mapping of one pair
        out[#out + 1] = { [string_key(st, item)] = value }
      else
        out[#out + 1] = item
      end
      ch = flow_skip(st, inner)
      if ch == "," then
        st.c = st.c + 1
      elseif ch ~= close then
        fail(st, ("expected ',' or '%s' in a flow collection"):format(close))
      end
    end
    st.c = st.c + 1
    return out
  elseif ch == "!" then
    local key = scan_tag(st)
    return long_form(key, flow_value(st, start))
  elseif ch == "&" or ch == "*" then
    refuse_anchor(st)
  elseif ch == '"' or ch == "'" then
    return scan_quoted(st)
  end
  return scan_plain(st, -1, true)
end

-- Block nodes ---------------------------------------------------------------

-- A literal (|) or folded (>) block scalar whose header is at ln, c, in a
-- collection indented by indent; the rules are PyYAML's (YAML 1.1).
local function block_scalar(st, indent)
  local lines, line = st.lines, st.lines[st.ln]
  local style = line:sub(st.c, st.c)
  local flags = line:match("^[-+0-9]*", st.c + 1)
  st.c = st.c + 1 + #flags
  local rest = line:sub(st.c)
  if not (flags:find("^[-+]?[1-9]?$") or flags:find("^[1-9][-+]$"))
      or not (rest:find("^ *$") or rest:find("^ *#")) then
    fail(st, "a block scalar's header is | or > then -, + or 1-9, and a comment")
  end
  local chomp, increment = flags:match("[-+]"), tonumber(flags:match("%d"))
  local function has_break(k) return k < #lines or st.final_break end
  local k = st.ln + 1
  -- The content's indentation: given, or the first non-blank line's (or
  -- a longer blank line's before it), at least the parent's plus one.
  local min, width = math.max(indent + 1, 1), nil
  if increment then
    width = min + increment - 1
  else
    width = min
    local j = k
    while lines[j] and lines[j]:find("^ *$") do
      width, j = math.max(width, #lines[j]), j + 1
    end
    if lines[j] then width = math.max(width, #lines[j]:match("^ *")) end
  end
  local function is_break(j) -- no more than width spaces, then a line break
    local l = lines[j]
    return l ~= nil and #l <= width and l:find("^ *$") ~= nil and has_break(j)
  end
  local function is_text(j)
    local l = lines[j]
    return l ~= nil and #l > width and l:sub(1, width):find("^ *$") ~= nil
  end
  local function breaks_from(j)
    local n = 0
    while is_break(j) do n, j = n + 1, j + 1 end
    return n, j
  end
  local out, line_break = {}, ""
  local n
  n, k = breaks_from(k)
  while is_text(k) do
    local text = lines[k]:sub(width + 1)
    out[#out + 1] = ("\n"):rep(n)
    out[#out + 1] = text
    line_break = has_break(k) and "\n" or ""
    n, k = breaks_from(k + 1)
    if not is_text(k) then break end
    -- Folding joins two lines with a space, unless one is more indented
    -- or blank lines stand between them (they become the newlines).
    if style == ">" and line_break == "\n" and not text:find("^[ \t]")
        and not lines[k]:sub(width + 1):find("^[ \t]") then
      if n == 0 then out[#out + 1] = " " end
    else
      out[#out + 1] = line_break
    end
  end
  if chomp ~= "-" then out[#out + 1] = line_break end
  if chomp == "+" then out[#out + 1] = ("\n"):rep(n) end
  st.ln, st.c = k, 1
  return table.concat(out)
end

local function at_dash(st)
  local line = st.lines[st.ln]
  local nx = line:sub(st.c + 1, st.c + 1)
  return line:sub(st.c, st.c) == "-" and (nx == "" or nx == " ")
end

-- Whether a block mapping's key ("key:" then a space or the line's end)
-- is at ln, c: returns the key and the column after its colon (ln and c
-- are left as they were).
local function key_at(st)
  local line, ln, c = st.lines[st.ln], st.ln, st.c
  local ch = line:sub(c, c)
  if ch == '"' or ch == "'" then
    local key = scan_quoted(st)
    local after = st.ln == ln and line:match("^ *:()", st.c)
    st.ln, st.c = ln, c
    local nx = after and line:sub(after, after)
    if nx == "" or nx == " " then return key, after end
    return nil
  end
  if not plain_start(line, c, false) then return nil end
  local j, stop = plain_run(st, line, c, false)
  if stop == "colon" then return rtrim(line:sub(c, j - 1)), j + 1 end
  return nil
end

local block_node

local function block_mapping(st, indent)
  local map = {}
  while true do
    local key, after = key_at(st)
    if not key then
      if at_dash(st) then fail(st, "a sequence entry where a mapping key was expected") end
      if st.lines[st.ln]:sub(st.c, st.c) == "?" then
        fail(st, "complex keys (?) are not supported")
      end
      fail(st, "expected a mapping key (key: value)")
    end
    st.c = after
    map[key] = block_node(st, indent, true)
    local col = next_content(st)
    if col == nil or col < indent then return map end
    if col > indent then fail(st, "bad indentation: deeper than the keys above") end
  end
end

local function block_sequence(st, indent)
  local seq = {}
  while true do
    st.c = indent + 2
    seq[#seq + 1] = block_node(st, indent, false)
    local col = next_content(st)
    if col == nil or col < indent or (col == indent and not at_dash(st)) then
      return seq
    end
    if col > indent then fail(st, "bad indentation: deeper than the entries above") end
  end
end

-- The node starting at ln, c, inside a block collection indented by indent.
-- collections: whether a block mapping or sequence may start here (not
-- right after "key:").
local function node_here(st, indent, collections)
  local ch = st.lines[st.ln]:sub(st.c, st.c)
  if ch == "!" then
    local key = scan_tag(st)
    return long_form(key, block_node(st, indent, not collections))
  elseif ch == "&" or ch == "*" then
    refuse_anchor(st)
  elseif ch == "|" or ch == ">" then
    return block_scalar(st, indent)
  elseif ch == "[" or ch == "{" then
    local value = flow_node(st, st.ln)
    end_line(st)
    return value
  elseif collections and at_dash(st) then
    return block_sequence(st, st.c - 1)
  elseif collections and key_at(st) then
    return block_mapping(st, st.c - 1)
  end
  local value
  if ch == '"' or ch == "'" then
    value = scan_quoted(st)
  else
    value = scan_plain(st, indent, false)
  end
  end_line(st)
  return value
end

-- The node after "key:" (after_key), after "-" or at the start, from ln, c:
-- on this line or, when nothing but a comment is left on it, on the next
-- lines, indented more than indent (a sequence under a key may be at the
-- key's indent); "" when there is none.
function block_node(st, indent, after_key)
  local line = st.lines[st.ln]
  local i = line:match("^ *()", st.c)
  local ch = line:sub(i, i)
  if ch ~= "" and ch ~= "#" then
    st.c = i
    if ch == "\t" then fail(st, "a tab (YAML allows only spaces here)") end
    return node_here(st, indent, not after_key)
  end
  st.ln, st.c = st.ln + 1, 1
  local col = next_content(st)
  if col == nil then return "" end
  if col > indent then return node_here(st, indent, true) end
  if col == indent and after_key and at_dash(st) then
    return block_sequence(st, col)
  end
  return ""
end

--- The YAML document in text, as Lua values (see the header); or nil and
--- "NAME:LINE: message" when it cannot be read.
---@param text string
---@param name? string the file's name for messages (default "template.yaml")
---@return any|nil document
---@return string|nil message
function M.parse(text, name)
  text = text:gsub("^\239\187\191", ""):gsub("\r\n?", "\n")
  local st = { name = name or "template.yaml", lines = {}, ln = 1, c = 1,
    final_break = text:sub(-1) == "\n" }
  for line in (st.final_break and text or text .. "\n"):gmatch("([^\n]*)\n") do
    st.lines[#st.lines + 1] = line
  end
  local ok, result = pcall(function()
    local lines = st.lines
    -- next_content stops at the end and at a marker: col is nil at both.
    local col = next_content(st)
    local line = lines[st.ln]
    if line and line:find("^%%") then fail(st, "directives (%YAML, %TAG) are not supported") end
    local doc
    if col == nil and line and line:find("^%-") then
      st.c = 4
      doc = block_node(st, -1, true)
    elseif col == nil then
      fail(st, "no YAML document here", 1)
    else
      doc = block_node(st, -1, false)
    end
    col = next_content(st)
    line = lines[st.ln]
    if col == nil and line and line:find("^%.") then
      st.ln = st.ln + 1
      col = next_content(st)
      line = lines[st.ln]
      if line then fail(st, "several YAML documents in one file are not supported") end
    end
    if line then
      if col == nil then fail(st, "several YAML documents in one file are not supported") end
      fail(st, "unexpected text here (less indented than the lines above?)")
    end
    return doc
  end)
  if ok then return result end
  if type(result) == "table" and result.message then return nil, result.message end
  error(result, 0)
end

-- Functions ---------------------------------------------------------------

local FUNCTION_TYPES = { ["AWS::Serverless::Function"] = true,
  ["AWS::Lambda::Function"] = true }

local function mapping(v) return type(v) == "table" and v or {} end

-- A mapping of one key that is Ref, Condition or Fn::*: what SAM takes for
-- an intrinsic function (and merges like a plain value).
local function intrinsic(v)
  if type(v) ~= "table" then return nil end
  local key = next(v)
  if type(key) ~= "string" or next(v, key) ~= nil then return nil end
  if key == "Ref" or key == "Condition" or key:find("^Fn::") then return key end
  return nil
end

-- Globals under a function's own property, as SAM merges them: mappings
-- key by key, lists the Globals' entries first, anything else (a value,
-- an intrinsic, two different kinds) the function's.
local function merge(global, own)
  if own == nil then return global end
  if type(global) ~= "table" or type(own) ~= "table" or intrinsic(global)
      or intrinsic(own) then
    return own
  end
  if next(own) == nil then return global end -- {} or []: either way
  if next(global) == nil then return own end
  local list = own[1] ~= nil
  if list ~= (global[1] ~= nil) then return own end
  local out = {}
  if list then
    table.move(global, 1, #global, 1, out)
    table.move(own, 1, #own, #global + 1, out)
  else
    for k, v in pairs(global) do out[k] = v end
    for k, v in pairs(own) do out[k] = merge(global[k], v) end
  end
  return out
end

---@class sam_template.function
---@field id string the logical id
---@field type string "AWS::Serverless::Function" or "AWS::Lambda::Function"
---@field properties table the effective Properties (Globals.Function merged in for SAM's)
---@field metadata table the resource's Metadata ({} when none)
---@field handler any Handler, as written (see resolve)
---@field code any CodeUri (SAM) or Code (AWS::Lambda::Function), as written
---@field runtime any
---@field memory_size any
---@field timeout any
---@field architectures any the list, the function's own else Globals'
---@field layers any
---@field environment table<string, any> Environment.Variables, name -> value as written

--- The template's functions, sorted by logical id, with their effective
--- settings. For AWS::Serverless::Function, Globals.Function is merged
--- under the function's Properties the way SAM does it (the function's
--- values win, Environment.Variables merge name by name, lists such as
--- Layers get the Globals' entries first) except Architectures, which is
--- the function's own when it has one (SAM would join the two lists,
--- which Lambda refuses). Values are left as written: see M.resolve.
---@param doc table a document from M.parse
---@return sam_template.function[]
function M.functions(doc)
  local resources = mapping(mapping(doc).Resources)
  local globals = mapping(mapping(mapping(doc).Globals).Function)
  local out = {}
  for id, resource in pairs(resources) do
    local kind = type(resource) == "table" and resource.Type
    if FUNCTION_TYPES[kind] then
      local own = mapping(resource.Properties)
      local props = own
      local serverless = kind == "AWS::Serverless::Function"
      if serverless then
        props = {}
        for k, v in pairs(globals) do props[k] = v end
        for k, v in pairs(own) do props[k] = merge(globals[k], v) end
        props.Architectures = own.Architectures or globals.Architectures
      end
      local variables = mapping(props.Environment).Variables
      out[#out + 1] = {
        id = id, type = kind, properties = props,
        metadata = mapping(resource.Metadata),
        handler = props.Handler, runtime = props.Runtime,
        code = serverless and props.CodeUri or props.Code,
        memory_size = props.MemorySize, timeout = props.Timeout,
        architectures = props.Architectures, layers = props.Layers,
        environment = (type(variables) == "table" and not intrinsic(variables))
          and variables or {},
      }
    end
  end
  table.sort(out, function(a, b) return a.id < b.id end)
  return out
end

-- Values ------------------------------------------------------------------

-- !Ref name (or ${name} in a !Sub, as shown): a Parameter's Default.
local function ref(name, doc, shown)
  if type(name) ~= "string" then return nil, shown .. " is not a name" end
  if name:find("^AWS::") then return nil, shown .. " is known only once deployed" end
  local parameter = mapping(mapping(doc).Parameters)[name]
  if type(parameter) == "table" then
    if type(parameter.Default) == "string" then return parameter.Default end
    return nil, ("%s: the parameter %s has no Default"):format(shown, name)
  end
  if mapping(mapping(doc).Resources)[name] ~= nil then
    return nil, ("%s: %s is a resource, known only once deployed"):format(shown, name)
  end
  return nil, ("%s: the template has no parameter %s"):format(shown, name)
end

local resolve

local function sub(arg, doc)
  local text, variables = arg, {}
  if type(arg) == "table" then text, variables = arg[1], arg[2] end
  if type(text) ~= "string" or type(variables) ~= "table" then
    return nil, "!Sub takes a string or [string, {variables}]"
  end
  local why
  local out = text:gsub("%${([^}]*)}", function(name)
    if why then return "" end
    if name:sub(1, 1) == "!" then return "${" .. name:sub(2) .. "}" end -- ${!x}: "${x}"
    local label, value = "${" .. name .. "}", nil
    if variables[name] ~= nil then
      value, why = resolve(variables[name], doc)
    elseif name:find("%.") then
      why = label .. " (an attribute) cannot be known locally"
    else
      value, why = ref(name, doc, label)
    end
    return value or ""
  end)
  if why then return nil, why end
  return out
end

-- How an intrinsic is written in short form, for messages.
local function shown(key, arg)
  local tag = key == "Ref" and "!Ref" or "!" .. key:gsub("^Fn::", "")
  if key == "Fn::GetAtt" and type(arg) == "table" and type(arg[1]) == "string" then
    return tag .. " " .. table.concat(arg, ".")
  end
  return type(arg) == "string" and tag .. " " .. arg or tag
end

--- value as the CLI can use it: a string as it is; !Ref P the parameter P's
--- Default; !Sub with every ${...} resolved likewise (or from its own
--- variables; ${!x} is "${x}"). Anything else (a pseudo parameter such as
--- AWS::Region, a resource, !GetAtt, !If, !Join..., a list or mapping)
--- is nil and why, e.g. "!GetAtt Table.Arn cannot be known locally".
---@param value any a value from M.parse
---@param doc table the document it comes from
---@return string|nil value
---@return string|nil why
function resolve(value, doc)
  if type(value) == "string" then return value end
  if value == nil then return nil, "not set" end
  local key = intrinsic(value)
  if not key then
    return nil, (value[1] ~= nil and "a list" or "a mapping") .. ", not a single value"
  end
  local arg = value[key]
  if key == "Ref" then return ref(arg, doc, shown(key, arg)) end
  if key == "Fn::Sub" then return sub(arg, doc) end
  return nil, shown(key, arg) .. " cannot be known locally"
end
M.resolve = resolve

-- A directory as written in CodeUri ("./src/" and "src" alike).
local function clean_dir(path)
  path = path:gsub("/+", "/")
  while path:find("^%./") do path = path:sub(3) end
  path = path:gsub("/%.$", ""):gsub("(.)/$", "%1")
  return path == "" and "." or path
end
M.clean_dir = clean_dir

--- The function the CLI should use. want.name: its logical id (it must be
--- there); else a template's only function; else the one whose Handler
--- (resolved) is want.handler, else the one whose CodeUri is the directory
--- want.code_dir (relative to the template, "." for its own). want.file
--- names the template in messages (default "template.yaml").
---@param doc table
---@param want? { name?: string, handler?: string, code_dir?: string, file?: string }
---@return sam_template.function|nil
---@return string|nil message
function M.pick(doc, want)
  want = want or {}
  local file = want.file or "template.yaml"
  local fns = M.functions(doc)
  local function ids(list)
    local names = {}
    for i, f in ipairs(list) do names[i] = f.id end
    return #names > 0 and table.concat(names, ", ") or "none"
  end
  if want.name then
    for _, f in ipairs(fns) do
      if f.id == want.name then return f end
    end
    return nil, ("%s has no function %s (its functions: %s)"):format(file, want.name, ids(fns))
  end
  if #fns == 0 then
    return nil, file .. " has no function (AWS::Serverless::Function or AWS::Lambda::Function)"
  end
  if #fns == 1 then return fns[1] end
  local function matching(list, test)
    local out = {}
    for _, f in ipairs(list) do
      if test(f) then out[#out + 1] = f end
    end
    return out
  end
  local candidates = fns
  if want.handler then
    local found = matching(fns, function(f) return resolve(f.handler, doc) == want.handler end)
    if #found == 1 then return found[1] end
    if #found > 1 then candidates = found end
  end
  if want.code_dir then
    local dir = clean_dir(want.code_dir)
    local found = matching(candidates, function(f)
      local uri = resolve(f.code, doc)
      return uri ~= nil and clean_dir(uri) == dir
    end)
    if #found == 1 then return found[1] end
  end
  return nil, ("%s has several functions (%s): say which by its logical id")
    :format(file, ids(candidates))
end

return M
