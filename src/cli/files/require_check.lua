--- What lua-lambda build warns of: a module the function's own Lua files
--- require that neither the zips nor the runtime hold. Lambda has no
--- system Lua modules, so such a require fails there even when it works
--- on this machine (where the module may be installed system-wide).
---   check(files, layer) -> { "app.lua:2: ...", ... }
--- files: the zip's entries, { {name, path}, ... } (path on disk);
--- layer: the names in layer.zip (--layer), or an empty table.
--- A require inside pcall is taken as optional and not reported; a
--- require of anything but a literal string cannot be read and is not.

-- What the runtime itself gives every function (lua_host.c, lua/).
local BUILTIN = {
  _G = true, coroutine = true, debug = true, io = true, math = true,
  os = true, package = true, string = true, table = true, utf8 = true,
  lambda = true, cjson = true, ["cjson.safe"] = true,
}

-- Where bootstrap looks, below the task root and below /opt
-- (src/host/host_paths.c).
local TASK = { "?.lua", "?/init.lua", "lua_modules/share/lua/5.4/?.lua",
  "lua_modules/share/lua/5.4/?/init.lua", "?.so",
  "lua_modules/lib/lua/5.4/?.so" }
local LAYER = { "lua_modules/share/lua/5.4/?.lua",
  "lua_modules/share/lua/5.4/?/init.lua", "lua/?.lua", "lua/?/init.lua",
  "share/lua/5.4/?.lua", "share/lua/5.4/?/init.lua",
  "lua_modules/lib/lua/5.4/?.so", "lua/?.so", "lib/lua/5.4/?.so" }

local function held(name, names, templates)
  local path = name:gsub("%.", "/")
  -- Lua's all-in-one loader: a.b may be luaopen_a_b in a's C library
  local root = path:match("^([^/]+)/")
  for _, t in ipairs(templates) do
    if names[(t:gsub("%?", path))] then return true end
    if root and t:match("%.so$") and names[(t:gsub("%?", root))] then
      return true
    end
  end
  return false
end

-- The text with its comments blanked out, their newlines kept so that
-- line numbers hold.
local function without_comments(text)
  text = text:gsub("%-%-%[(=*)%[.-%]%1%]", function(body)
    return (body:gsub("[^\n]", ""))
  end)
  return (text:gsub("%-%-[^\n]*", ""))
end

-- The literal names text requires, with their lines: { {line, name} }.
local function requires(text)
  local found = {}
  local scan = without_comments(text)
  local line = 1
  local pos = 1
  while true do
    local s, e = scan:find("require", pos, true)
    if not s then break end
    local _, newlines = scan:sub(pos, s):gsub("\n", "")
    line = line + newlines
    pos = e + 1
    local before = scan:sub(math.max(1, s - 1), s - 1)
    local after = scan:sub(e + 1, e + 1)
    -- the word itself, called: not "required", not "x.require"
    if not before:match("[%w_.:]") and not after:match("[%w_]") then
      local rest = scan:sub(e + 1, e + 200)
      local name = rest:match("^%s*%(?%s*[\"']([^\"'\n]+)[\"']")
        or rest:match("^%s*%(?%s*%[%[([^%]\n]+)%]%]")
      -- pcall(require, "x"): optional, on purpose
      local optional = scan:sub(math.max(1, s - 12), s - 1):match("pcall%s*%(%s*$")
      if name and not optional then
        found[#found + 1] = { line, name }
      end
    end
  end
  return found
end

local function check(files, layer)
  local names, layer_names = {}, {}
  for _, f in ipairs(files) do names[f[1]] = true end
  for _, n in ipairs(layer) do layer_names[n] = true end
  local warnings = {}
  for _, f in ipairs(files) do
    local name, path = f[1], f[2]
    if name:match("%.lua$") and not name:match("^lua_modules/") then
      local h = io.open(path, "rb")
      local text = h and h:read("a") or ""
      if h then h:close() end
      for _, r in ipairs(requires(text)) do
        local module = r[2]
        if not (BUILTIN[module] or module:match("^lambda%.")
            or held(module, names, TASK) or held(module, layer_names, LAYER)) then
          -- this machine's system paths (a stock Lua's defaults)
          local here = package.searchpath(module, package.path)
            or package.searchpath(module, package.cpath)
          if here and here:sub(1, 1) ~= "/" then here = nil end
          warnings[#warnings + 1] = ("%s:%d: requires '%s', which the zip "
            .. "does not hold%s: on Lambda it is not found unless a layer "
            .. "of yours has it (add it to a rockspec's dependencies)")
            :format(name, r[1], module, here
              and (" (this machine has it at " .. here .. ")") or "")
        end
      end
    end
  end
  return warnings
end

return check
