--- Temporary folders for the specs (helper.tmpdir, Process's output
--- files, test_ca, rocks_server): each is removed when the spec file that
--- made it ends (busted's "file end"), or when the Lua state closes
--- outside busted. Names come from os.tmpname, so spec files run side by
--- side (ctest -j) never meet in one.
local lfs = require "lfs"

local tmp = {}

local made = {}

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- A new empty folder under /tmp.
function tmp.dir()
  for _ = 1, 10 do
    local path = os.tmpname()  -- a unique name: mkstemp made it a file
    os.remove(path)
    if lfs.mkdir(path) then
      made[#made + 1] = path
      return path
    end
  end
  error("could not make a temporary folder")
end

--- Removes every folder made so far.
function tmp.remove_all()
  for i = #made, 1, -1 do
    os.execute("rm -rf " .. quote(made[i]))
    made[i] = nil
  end
end

local ok, busted = pcall(require, "busted")
if ok and type(busted) == "table" and busted.subscribe then
  busted.subscribe({ "file", "end" }, function()
    tmp.remove_all()
    return nil, true  -- let the other subscribers see the event
  end)
end
-- outside busted (scripts/invoke-local.lua), or what the last file left
tmp.sentinel = setmetatable({}, { __gc = tmp.remove_all })

return tmp
