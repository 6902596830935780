--- A small, strict XML 1.0 parser and an escaping writer, in pure Lua,
--- for the AWS protocols that answer in XML (query, ec2, rest-xml).
---
---   local xml = require "lambda.aws.xml"
---   local root, err = xml.parse(text [, { max_depth = 256 }])
---
--- An element is a table:
---   el.name    the local name ("Foo" for <a:Foo>)
---   el.prefix  the prefix as written ("a"), or nil
---   el.ns      the namespace URI the prefix (or the default namespace)
---              is bound to, or nil
---   el.attrs   { [name as written] = value } (xmlns declarations
---              included), or nil when it has none
---   el.text    the character data before its first child (CDATA and
---              entities resolved), or nil when there is none
---   el.tail    the character data after it, up to its next sibling or
---              its parent's end, or nil
---   el[1..n]   its child elements, in order
--- as Python's ElementTree has them (text/tail), so that a protocol
--- reads an answer as botocore does. Comments, processing instructions
--- and the document type declaration are skipped; the five predefined
--- entities and character references (&#10; &#xA;) are resolved; line
--- ends are normalised to "\n" and attribute values' white space to
--- spaces, as XML 1.0 says; UTF-8 is passed through (and checked).
---
--- Malformed input (an unclosed or mismatched tag, an undefined entity,
--- an unbound prefix, a duplicate attribute, text outside the root,
--- invalid UTF-8 or a control character, nesting deeper than max_depth)
--- gives nil and an error value: kind "xml", message
--- "line L, column C: what", and fields line, column, offset (bytes,
--- from 1).
---
--- The writer: xml.escape(text) for character data (& < >),
--- xml.escape_attr(text) for an attribute value in double quotes
--- (& < > " and CR, LF, TAB as character references), and
--- xml.encode(el) for an element (the parser's shape) written back.
local errors = require "lambda.errors"

local M = {}

M.DEFAULT_MAX_DEPTH = 256

local find, sub, byte, match, gsub = string.find, string.sub, string.byte,
  string.match, string.gsub
local concat, char = table.concat, utf8.char

local XML_NS = "http://www.w3.org/XML/1998/namespace"

local PREDEFINED = { lt = "<", gt = ">", amp = "&", quot = '"', apos = "'" }

-- A parse failure, thrown inside parse and caught there.
local Failure = {}

local function fail(offset, message)
  error(setmetatable({ offset = offset, message = message }, Failure), 0)
end

local function valid_char(cp)
  return cp == 0x9 or cp == 0xA or cp == 0xD
    or (cp >= 0x20 and cp <= 0xD7FF) or (cp >= 0xE000 and cp <= 0xFFFD)
    or (cp >= 0x10000 and cp <= 0x10FFFF)
end

-- "&...;" in text starting at offset base -> its characters.
local function resolve_entities(text, base)
  return (gsub(text, "()&([^;&<]*)(;?)", function(at, name, semi)
    if semi == "" then
      fail(base + at - 1, "'&' that starts no entity reference (write &amp;)")
    end
    local value = PREDEFINED[name]
    if value then return value end
    local cp
    if match(name, "^#x%x+$") then
      cp = tonumber(sub(name, 3), 16)
    elseif match(name, "^#%d+$") then
      cp = tonumber(sub(name, 2), 10)
    else
      fail(base + at - 1, ("undefined entity &%s;"):format(name))
    end
    if not cp or not valid_char(cp) then
      fail(base + at - 1, ("&%s; is not a character XML allows"):format(name))
    end
    return char(cp)
  end))
end

-- Whether the document being parsed has a CR, an "&" anywhere (parse
-- runs to its end without yielding: one document at a time).
local doc_cr, doc_amp = true, true

-- Character data at offset base, as the document means it.
local function chardata(text, base)
  if doc_cr and find(text, "\r", 1, true) then text = gsub(text, "\r\n?", "\n") end
  if doc_amp and find(text, "&", 1, true) then text = resolve_entities(text, base) end
  return text
end

-- Text goes to the element's text before its first child, else to the
-- last child's tail (ElementTree's model).
local function add_text(el, text)
  local n = #el
  if n == 0 then
    local t = el.text
    el.text = t and t .. text or text
  else
    local last = el[n]
    local t = last.tail
    last.tail = t and t .. text or text
  end
end

-- The whole document must be UTF-8 with no character XML forbids.
local function check_characters(s)
  local ok, bad = utf8.len(s)
  if not ok then fail(bad, "invalid UTF-8") end
  local at = find(s, "[%z\1-\8\11\12\14-\31]")
  if at then
    fail(at, ("character %d is not allowed in XML"):format(byte(s, at)))
  end
  at = find(s, "\239\191[\190\191]")
  if at then fail(at, "U+FFFE and U+FFFF are not allowed in XML") end
end

local function attribute_value(s, value, at)
  if find(value, "<", 1, true) then
    fail(at, "'<' in an attribute value (write &lt;)")
  end
  if find(value, "[\r\n\t]") then
    value = gsub(gsub(value, "\r\n", " "), "[\r\n\t]", " ")
  end
  if find(value, "&", 1, true) then value = resolve_entities(value, at) end
  return value
end

-- The attributes after a start tag's name, from p: attrs (or nil) and
-- where the tag's remainder starts.
local function attributes(s, p)
  local attrs
  while true do
    local name, quote, from = match(s, "^%s+([^%s/>=<\"']+)%s*=%s*([\"'])()", p)
    if not name then return attrs, p end
    local to = find(s, quote, from, true)
    if not to then fail(from, "unterminated attribute value") end
    attrs = attrs or {}
    if attrs[name] ~= nil then
      fail(p, ("duplicate attribute %s"):format(name))
    end
    attrs[name] = attribute_value(s, sub(s, from, to - 1), from)
    p = to + 1
  end
end

-- The namespace scope inside an element whose attributes are attrs.
local function scope_of(attrs, scope, at)
  local inner
  for name, value in pairs(attrs) do
    local prefix = name == "xmlns" and "" or match(name, "^xmlns:(.+)$")
    if prefix then
      if prefix ~= "" and value == "" then
        fail(at, ("the prefix %s cannot be bound to no namespace"):format(prefix))
      end
      inner = inner or setmetatable({}, { __index = scope })
      inner[prefix] = value ~= "" and value or false
    end
  end
  return inner or scope
end

local function check_attribute_prefixes(attrs, scope, at)
  for name in pairs(attrs) do
    local prefix = match(name, "^([^:]+):")
    if prefix and prefix ~= "xmlns" and not scope[prefix] then
      fail(at, ("unbound prefix %s in attribute %s"):format(prefix, name))
    end
  end
end

-- A start tag at lt: the element, its scope, whether it closes itself,
-- where parsing goes on.
local function start_tag(s, lt, scope)
  local qname, p = match(s, "^([%a_:\128-\255][^%s/>=<\"'!?]*)()", lt + 1)
  if not qname then fail(lt, "malformed tag") end
  local attrs, slash, after
  if byte(s, p) == 62 then  -- ">": the common case
    slash, after = "", p + 1
  else
    attrs, p = attributes(s, p)
    slash, after = match(s, "^%s*(/?)>()", p)
    if not slash then fail(p, ("malformed start tag <%s>"):format(qname)) end
  end
  if attrs then
    scope = scope_of(attrs, scope, lt)
    check_attribute_prefixes(attrs, scope, lt)
  end
  local el
  local prefix, name = match(qname, "^([^:]+):(.+)$")
  if prefix then
    local ns = scope[prefix]
    if not ns then fail(lt, ("unbound prefix %s in <%s>"):format(prefix, qname)) end
    el = { name = name, prefix = prefix, ns = ns, attrs = attrs }
  else
    el = { name = qname, ns = scope[""] or nil, attrs = attrs }
  end
  return el, qname, scope, slash == "/", after
end

local function skip_doctype(s, lt)
  local gt = find(s, "[%[>]", lt + 9)
  if gt and byte(s, gt) == 91 then  -- "[": an internal subset
    local _, e = find(s, "%]%s*>", gt + 1)
    gt = e
  end
  if not gt then fail(lt, "unterminated <!DOCTYPE") end
  return gt + 1
end

-- "<!..." at lt: a comment, CDATA (added to el) or the doctype.
local function markup(s, lt, el, seen_root)
  if sub(s, lt, lt + 3) == "<!--" then
    local e = find(s, "--", lt + 4, true)
    if not e then fail(lt, "unterminated comment") end
    if byte(s, e + 2) ~= 62 then fail(e, "'--' inside a comment") end
    return e + 3
  elseif sub(s, lt, lt + 8) == "<![CDATA[" then
    if not el then fail(lt, "CDATA outside the root element") end
    local e = find(s, "]]>", lt + 9, true)
    if not e then fail(lt, "unterminated CDATA section") end
    local text = sub(s, lt + 9, e - 1)
    if find(text, "\r", 1, true) then text = gsub(text, "\r\n?", "\n") end
    add_text(el, text)
    return e + 3
  elseif sub(s, lt, lt + 8) == "<!DOCTYPE" then
    if el or seen_root then fail(lt, "<!DOCTYPE after the root element began") end
    return skip_doctype(s, lt)
  end
  fail(lt, "malformed markup after '<!'")
end

local function instruction(s, lt, first)
  local target = match(s, "^([^%s?]+)", lt + 2)
  if not target then fail(lt, "malformed processing instruction") end
  if target:lower() == "xml" and lt ~= first then
    fail(lt, "the XML declaration is allowed only at the very start")
  end
  local e = find(s, "?>", lt + 2, true)
  if not e then fail(lt, "unterminated processing instruction") end
  return e + 2
end

local function end_tag(s, lt, expected)
  if expected then  -- the common case: </expected>
    local after = lt + 2 + #expected
    if byte(s, after) == 62 and sub(s, lt + 2, after - 1) == expected then
      return after + 1
    end
  end
  local qname, after = match(s, "^([^%s>]+)%s*>()", lt + 2)
  if not qname then fail(lt, "malformed end tag") end
  if not expected then fail(lt, ("end tag </%s> with no element open"):format(qname)) end
  if qname ~= expected then
    fail(lt, ("end tag </%s> does not match <%s>"):format(qname, expected))
  end
  return after
end

-- The character data from pos to lt (not included).
local function between(s, pos, lt, el, seen_root)
  local text = sub(s, pos, lt - 1)
  if el then
    add_text(el, chardata(text, pos))
  elseif find(text, "%S") then
    fail(pos + find(text, "%S") - 1, seen_root and "text after the root element"
      or "text before the root element")
  end
end

-- Bytes a name may start with, for the fast path (ASCII letters and _).
local NAME_START = {}
for c = 65, 90 do NAME_START[c], NAME_START[c + 32] = true, true end
NAME_START[95] = true

local function document(s, max_depth)
  check_characters(s)
  doc_cr, doc_amp = find(s, "\r", 1, true) ~= nil, find(s, "&", 1, true) ~= nil
  local pos = sub(s, 1, 3) == "\239\187\191" and 4 or 1
  local first = pos
  local root, el, depth = nil, nil, 0
  local stack, names, scopes = {}, {}, {}
  local scope = { xml = XML_NS }
  scopes[0] = scope
  while true do
    local lt = find(s, "<", pos, true)
    if not lt then
      if el then fail(#s + 1, ("<%s> is not closed"):format(names[depth])) end
      between(s, pos, #s + 1, nil, root)
      break
    end
    if lt > pos then between(s, pos, lt, el, root) end
    local c = byte(s, lt + 1)
    if c == 47 then  -- "/"
      pos = end_tag(s, lt, names[depth])
      stack[depth], names[depth] = nil, nil
      depth = depth - 1
      el, scope = stack[depth], scopes[depth]
    elseif c == 33 then  -- "!"
      pos = markup(s, lt, el, root)
    elseif c == 63 then  -- "?"
      pos = instruction(s, lt, first)
    else
      if root and not el then fail(lt, "a second root element") end
      local child, qname, inner, empty
      -- the common case first: <name> or <name/>, no prefix, no attributes
      local e = find(s, "[^%w_.%-]", lt + 1)
      local b = e and byte(s, e)
      if e and e > lt + 1 and (b == 62 or (b == 47 and byte(s, e + 1) == 62))
          and NAME_START[byte(s, lt + 1)] then
        qname = sub(s, lt + 1, e - 1)
        child, inner, empty = { name = qname, ns = scope[""] or nil }, scope, b == 47
        pos = empty and e + 2 or e + 1
      else
        child, qname, inner, empty, pos = start_tag(s, lt, scope)
      end
      if el then el[#el + 1] = child else root = child end
      if not empty then
        depth = depth + 1
        if depth > max_depth then
          fail(lt, ("elements nested deeper than %d"):format(max_depth))
        end
        stack[depth], names[depth], scopes[depth] = child, qname, inner
        el, scope = child, inner
      end
    end
  end
  if not root then fail(pos, "no root element") end
  return root
end

local function position(s, offset)
  local line, last = 1, 0
  for at in s:sub(1, offset - 1):gmatch("()\n") do
    line, last = line + 1, at
  end
  return line, offset - last
end

--- Parses an XML document: its root element, or nil and an error value
--- (kind "xml") saying where and what is wrong.
---@param text string
---@param opts? { max_depth?: integer }
---@return table|nil root
---@return lambda.Error|nil err
function M.parse(text, opts)
  errors.check(text, "string", 1, "parse")
  errors.check(opts, "table|nil", 2, "parse")
  local max_depth = opts and opts.max_depth or M.DEFAULT_MAX_DEPTH
  if math.type(max_depth) ~= "integer" or max_depth < 1 then
    errors.raise("lambda.aws.xml.parse: max_depth must be a positive integer")
  end
  local ok, result = pcall(document, text, max_depth)
  if ok then return result end
  if getmetatable(result) ~= Failure then error(result, 0) end
  local line, column = position(text, result.offset)
  return nil, errors.new("xml", ("line %d, column %d: %s"):format(line, column,
    result.message), { line = line, column = column, offset = result.offset })
end

local TEXT_ESCAPES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;" }
local ATTR_ESCAPES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
  ['"'] = "&quot;", ["\r"] = "&#13;", ["\n"] = "&#10;", ["\t"] = "&#09;" }

--- Character data escaped (& < >), as ElementTree writes it.
---@param text string
---@return string
function M.escape(text)
  if not find(text, "[&<>]") then return text end
  return (gsub(text, "[&<>]", TEXT_ESCAPES))
end

--- An attribute value escaped for double quotes (& < > " CR LF TAB), as
--- ElementTree writes it.
---@param text string
---@return string
function M.escape_attr(text)
  if not find(text, "[&<>\"\r\n\t]") then return text end
  return (gsub(text, "[&<>\"\r\n\t]", ATTR_ESCAPES))
end

local function write(el, out)
  local qname = el.prefix and el.prefix .. ":" .. el.name or el.name
  out[#out + 1] = "<" .. qname
  if el.attrs then
    local names = {}
    for name in pairs(el.attrs) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      out[#out + 1] = (' %s="%s"'):format(name, M.escape_attr(tostring(el.attrs[name])))
    end
  end
  if (el.text == nil or el.text == "") and #el == 0 then
    out[#out + 1] = " />"
  else
    out[#out + 1] = ">"
    if el.text then out[#out + 1] = M.escape(el.text) end
    for _, child in ipairs(el) do write(child, out) end
    out[#out + 1] = "</" .. qname .. ">"
  end
  if el.tail then out[#out + 1] = M.escape(el.tail) end
end

--- An element (the parser's shape: name, prefix, attrs, text, tail,
--- children) written as XML, attributes sorted by name, an element with
--- no text and no children as <name />.
---@param el table
---@return string
function M.encode(el)
  errors.check(el, "table", 1, "encode")
  local out = {}
  write(el, out)
  return concat(out)
end

return M
