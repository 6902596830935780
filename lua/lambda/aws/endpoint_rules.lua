--- The rules engine of AWS's endpoint rule sets (endpoint-rule-set-1.json):
--- a rule set compiled once into Lua closures, then run on a table of
--- parameters, exactly as botocore's EndpointProvider evaluates it
--- (botocore.endpoint_provider: the first rule whose conditions hold
--- wins; a tree's rules are tried in order and it falls through when
--- none matches; a condition holds unless it is false or None; `assign`
--- binds a condition's value for the rest of the rule and its subrules).
---
---   local rs = rules.compile(svc:rules())
---   rs:evaluate(params) -> { url, headers = {[name] = first value},
---                            properties } | nil, message
---
--- Scopes: botocore copies its variables for each rule; here one table is
--- shared and what a rule assigned is cleared when the rule is left,
--- which is the same (an assignment never overwrites: botocore raises).
local lib = require "lambda.aws.endpoint_functions"

local M = {}

local TEMPLATE = "{[%a#]+}"

-- A template string ("https://{Region}.{PartitionResult#dnsSuffix}") as
-- Python's string.Formatter parses it: {{ and }} are braces; a field's
-- "#" walks into a value. -> list of literal strings and field paths.
local function parse_template(s)
  local parts, lit, i = {}, {}, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c == "{" and s:sub(i + 1, i + 1) == "{" then
      lit[#lit + 1] = "{"; i = i + 2
    elseif c == "}" and s:sub(i + 1, i + 1) == "}" then
      lit[#lit + 1] = "}"; i = i + 2
    elseif c == "{" then
      local close = s:find("}", i + 1, true)
      if not close then lib.python_error("ValueError", "expected '}' before end of string") end
      local field = s:sub(i + 1, close - 1):gsub("[!:].*$", "")
      parts[#parts + 1] = table.concat(lit); lit = {}
      parts[#parts + 1] = lib.split(field, "#")
      i = close + 1
    elseif c == "}" then
      lib.python_error("ValueError", "Single '}' encountered in format string")
    else
      lit[#lit + 1] = c; i = i + 1
    end
  end
  parts[#parts + 1] = table.concat(lit)
  return parts
end

local function compile_template(s)
  local parts = parse_template(s)
  return function(scope)
    local out = {}
    for i, part in ipairs(parts) do
      if type(part) == "string" then
        out[i] = part
      else
        local v = scope
        for _, key in ipairs(part) do
          if type(v) ~= "table" then lib.python_error("TypeError", "not subscriptable") end
          v = v[key]
          if v == nil then lib.python_error("KeyError", key) end
        end
        out[i] = lib.pystr(v)
      end
    end
    return table.concat(out)
  end
end

local compile_value

local function compile_call(node)
  local fn = lib[node.fn]
  if not fn then  -- botocore fails when it is called, not before
    fn = function() lib.python_error("AttributeError", "no function " .. tostring(node.fn)) end
  end
  local args = {}
  for i, arg in ipairs(node.argv) do args[i] = compile_value(arg) end
  local n, assign = #args, node.assign
  local a1, a2, a3, a4 = args[1], args[2], args[3], args[4]
  local call
  if n == 1 then
    call = function(scope) return fn(a1(scope)) end
  elseif n == 2 then
    call = function(scope) return fn(a1(scope), a2(scope)) end
  else
    call = function(scope)
      local v = {}
      for i = 1, n do v[i] = args[i](scope) end
      return fn(table.unpack(v, 1, n))
    end
  end
  if not assign then return call end
  return function(scope)
    local result = call(scope)
    if scope[assign] ~= nil then
      lib.fail(("Assignment %s already exists in scoped variables and cannot be overwritten")
        :format(assign))
    end
    scope[assign] = result
    return result
  end, assign
end

-- A value of the rules: a function call, a reference, a template, or a
-- constant. -> function(scope) -> value.
function compile_value(node)
  if type(node) == "table" and node.fn ~= nil then return (compile_call(node)) end
  if type(node) == "table" and node.ref ~= nil then
    local name = node.ref
    return function(scope) return scope[name] end
  end
  if type(node) == "string" and node:find(TEMPLATE) then return compile_template(node) end
  return function() return node end
end

-- An endpoint's properties: templates resolved at every depth (refs and
-- functions are not: botocore reads only templates there). A fresh copy
-- each time, arrays keeping lambda.json's mark.
local function compile_properties(node)
  if type(node) == "string" then
    if node:find(TEMPLATE) then return compile_template(node) end
    return function() return node end
  end
  if type(node) ~= "table" then return function() return node end end
  local mt, builders = getmetatable(node), {}
  for k, v in pairs(node) do builders[k] = compile_properties(v) end
  return function(scope)
    local out = {}
    for k, build in pairs(builders) do out[k] = build(scope) end
    return setmetatable(out, mt)
  end
end

local compile_rule

local function compile_rules(list)
  local out = {}
  for i, rule in ipairs(list) do out[i] = compile_rule(rule) end
  return out
end

local function endpoint_action(e)
  local url = compile_value(e.url)
  local properties = compile_properties(e.properties or {})
  local headers = {}
  for name, values in pairs(e.headers or {}) do
    local list = {}
    for i, v in ipairs(values) do list[i] = compile_value(v) end
    headers[name] = list
  end
  return function(scope)
    local h = {}
    for name, list in pairs(headers) do
      for i, value in ipairs(list) do
        local v = value(scope)
        if i == 1 then h[name] = v end
      end
    end
    return { url = url(scope), properties = properties(scope), headers = h }
  end
end

local function error_action(e)
  local message = compile_value(e)
  return function(scope) lib.fail(message(scope)) end
end

-- A tree's rules are compiled when it is first entered: a rule set's
-- first use pays only for the branches it takes (S3's is large).
local function tree_action(rules)
  local subrules
  return function(scope)
    subrules = subrules or compile_rules(rules)
    for _, rule in ipairs(subrules) do
      local result = rule(scope)
      if result then return result end
    end
    return nil
  end
end

-- A rule -> function(scope) -> endpoint | nil (raises an error rule's).
function compile_rule(rule)
  local conditions, assigned = {}, {}
  for i, c in ipairs(rule.conditions or {}) do
    local f, name = compile_call(c)
    conditions[i] = f
    assigned[#assigned + 1] = name
  end
  local action
  if rule.type == "endpoint" then action = endpoint_action(rule.endpoint)
  elseif rule.type == "error" then action = error_action(rule.error)
  elseif rule.type == "tree" then action = tree_action(rule.rules)
  else
    lib.fail(("Unknown rule type: %s. A rule must be of type tree, endpoint or error.")
      :format(tostring(rule.type)))
  end
  return function(scope)
    for i = 1, #conditions do
      local r = conditions[i](scope)
      if r == false or r == nil then
        for j = 1, #assigned do scope[assigned[j]] = nil end
        return nil
      end
    end
    local result = action(scope)
    for j = 1, #assigned do scope[assigned[j]] = nil end
    return result
  end
end

local TYPES = { string = "string", boolean = "boolean", stringarray = "table" }
local PYTYPES = { string = "<class 'str'>", boolean = "<class 'bool'>",
  stringarray = "<class 'tuple'>" }

local RuleSet = {}
RuleSet.__index = RuleSet

--- Compiles a decoded rule set. Parameters are taken in name order,
--- which is the rule set's own (the model generator sorts keys).
function M.compile(ruleset)
  local names = {}
  for name in pairs(ruleset.parameters or {}) do names[#names + 1] = name end
  table.sort(names)
  local params = {}
  for i, name in ipairs(names) do
    local spec = ruleset.parameters[name]
    local kind = tostring(spec.type):lower()
    if not TYPES[kind] then
      lib.fail(("Unknown parameter type: %s. A parameter must be of type string, boolean, or stringarray.")
        :format(tostring(spec.type)))
    end
    params[i] = { name = name, kind = kind, builtin = spec.builtIn,
      default = spec.default, required = spec.required == true }
  end
  return setmetatable({ params = params, rules = compile_rules(ruleset.rules or {}),
    memo = {}, memo_size = 0 }, RuleSet)
end

-- botocore's process_input: defaults, the required, the types.
local function process(self, input, scope)
  for _, p in ipairs(self.params) do
    local v = input[p.name]
    if v == nil then
      if p.default ~= nil then
        v = p.default
      elseif p.required then
        lib.fail("Cannot find value for required parameter " .. p.name)
      end
    elseif type(v) ~= TYPES[p.kind] then
      lib.fail(("Value (%s) is the wrong type. Must be %s."):format(p.name, PYTYPES[p.kind]))
    end
    scope[p.name] = v
  end
end

local function no_endpoint(self, input)
  local lines = {}
  for _, p in ipairs(self.params) do
    if input[p.name] ~= nil then
      lines[#lines + 1] = p.name .. ": " .. lib.pystr(input[p.name])
    end
  end
  return "No endpoint found for parameters:\n" .. table.concat(lines, "\n")
end

local function run(self, input)
  local scope = {}
  process(self, input, scope)
  for _, rule in ipairs(self.rules) do
    local result = rule(scope)
    if result then return result end
  end
  lib.fail(no_endpoint(self, input))
end

-- The answers kept: a tree of the parameters' values in the rule set's
-- order (NIL for an absent one); only strings and booleans are kept
-- (a stringArray is not).
local NIL = {}

local function memo_path(self, input, make)
  local node = self.memo
  for _, p in ipairs(self.params) do
    local v = input[p.name]
    local t = type(v)
    if v == nil then v = NIL elseif t ~= "string" and t ~= "boolean" then return nil end
    local next_node = node[v]
    if not next_node then
      if not make then return nil end
      next_node = {}
      node[v] = next_node
    end
    node = next_node
  end
  return node
end

local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return setmetatable(out, getmetatable(v))
end

M.CACHE_SIZE = 100  -- botocore's EndpointProvider keeps as many

local function evaluate(self, input)
  local ok, result = pcall(run, self, input)
  if ok then return result end
  if type(result) == "table" and result.resolution then return false, result.resolution end
  if type(result) == "table" and result.python then
    return false, result.message, result.python
  end
  error(result, 0)
end

--- rs:evaluate(params) -> endpoint | nil, message, python
--- params: rule-set parameter name -> value (nil: not given). The
--- message is the rule set's error text; python names the Python
--- exception botocore would raise instead of an EndpointResolutionError
--- (a rule set it cannot evaluate either). The answers for the last
--- CACHE_SIZE sets of values are kept (the rules are pure); each
--- endpoint returned is the caller's own copy.
function RuleSet:evaluate(input)
  local leaf = memo_path(self, input, false)
  local hit = leaf and leaf.answer
  if not hit then
    hit = table.pack(evaluate(self, input))
    if M.CACHE_SIZE > 0 then
      if self.memo_size >= M.CACHE_SIZE then self.memo, self.memo_size = {}, 0 end
      leaf = memo_path(self, input, true)
      if leaf then
        leaf.answer = hit
        self.memo_size = self.memo_size + 1
      end
    end
  end
  if hit[1] then return copy(hit[1]) end
  return nil, hit[2], hit[3]
end

return M
