--- The Python that the AWS specs' oracle (botocore) runs on: the first of
--- `python3` on PATH, pyenv's, and Debian's /usr/bin/python3 whose botocore
--- is at least MIN (1.36: the first with smithy-rpc-v2-cbor's serializer
--- and parser). Debian 12's python3-botocore is 1.29; the pyenv Python on
--- these machines carries 1.43. None found is an error that says so, not
--- a skipped spec.
local M = {}

M.MIN = { 1, 36 }

local CANDIDATES = { "python3", (os.getenv("PYENV_ROOT") or "/root/.pyenv")
  .. "/shims/python3", "/usr/bin/python3" }

local function version_of(python)
  local p = io.popen(python .. " -c 'import botocore; print(botocore.__version__)' 2>/dev/null")
  if not p then return nil end
  local out = p:read("a")
  p:close()
  local major, minor = out:match("^(%d+)%.(%d+)")
  if not major then return nil end
  return tonumber(major), tonumber(minor), (out:gsub("%s+$", ""))
end

local found

--- The command that runs the oracle's Python, and its botocore version.
function M.python()
  if found then return found.python, found.version end
  local seen = {}
  for _, python in ipairs(CANDIDATES) do
    local major, minor, version = version_of(python)
    seen[#seen + 1] = python .. ": " .. (version or "no botocore")
    if major and (major > M.MIN[1] or (major == M.MIN[1] and minor >= M.MIN[2])) then
      found = { python = python, version = version }
      return python, version
    end
  end
  error(("no Python with botocore >= %d.%d for the AWS oracle (%s)")
    :format(M.MIN[1], M.MIN[2], table.concat(seen, "; ")), 2)
end

return M
