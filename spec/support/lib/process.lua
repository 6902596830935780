--- Starts a program in the background with a controlled environment and
--- its output in files, and tells when (and how) it exits. POSIX sh only:
--- Debian has no luaposix for Lua 5.4.
local socket = require "socket"
local tmp = require "tmp"

local Process = {}
Process.__index = Process

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
-- A file's bytes, or nil when it cannot be opened (the specs' one reader).
Process.read_file = read_file

-- Variables a test run passes on to the child as they are.
local PASS_THROUGH = {
  "PATH", "HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS",
  "LD_LIBRARY_PATH", "LD_PRELOAD",
}

--- Process.start { argv = {...}, env = { NAME = value }, cwd = dir,
---   wrapper = {...} }
--- The environment is exactly env plus PASS_THROUGH: nothing else leaks in.
--- LUA_LAMBDA_TEST_WRAPPER (e.g. "valgrind -q") is put before argv, unless
--- wrapper (words, e.g. { "chroot", root }) is given to go there instead.
function Process.start(opts)
  local base = tmp.dir()
  local self = setmetatable({
    stdout_path = base .. "/out", stderr_path = base .. "/err",
    pid_path = base .. "/pid", rc_path = base .. "/rc", base = base,
  }, Process)
  local words = { "env", "-i" }
  for _, name in ipairs(PASS_THROUGH) do
    local v = os.getenv(name)
    if v then words[#words + 1] = quote(name .. "=" .. v) end
  end
  local names = {}
  for name in pairs(opts.env or {}) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    words[#words + 1] = quote(name .. "=" .. opts.env[name])
  end
  if opts.wrapper then
    for _, w in ipairs(opts.wrapper) do words[#words + 1] = quote(w) end
  else
    local wrapper = os.getenv("LUA_LAMBDA_TEST_WRAPPER")
    if wrapper and wrapper ~= "" then words[#words + 1] = wrapper end
  end
  for _, a in ipairs(opts.argv) do words[#words + 1] = quote(a) end
  local script = ("%s%s >%s 2>%s & p=$!; echo $p >%s; wait $p; echo $? >%s")
    :format(opts.cwd and ("cd " .. quote(opts.cwd) .. " && ") or "",
      table.concat(words, " "), quote(self.stdout_path),
      quote(self.stderr_path), quote(self.pid_path), quote(self.rc_path))
  -- The outer shell's stderr is dropped: it would report "Terminated".
  assert(os.execute("sh -c " .. quote(script) .. " </dev/null 2>/dev/null &"))
  local deadline = socket.gettime() + 5
  while not self.pid do
    local pid = read_file(self.pid_path)
    self.pid = pid and tonumber(pid:match("%d+"))
    if not self.pid then
      assert(socket.gettime() < deadline, "process did not start")
      socket.sleep(0.005)
    end
  end
  return self
end

--- path made absolute against the current directory.
function Process.absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local p = assert(io.popen("pwd"))
  local cwd = p:read("l")
  p:close()
  return cwd .. "/" .. path
end

--- The exit status once the process has exited, else nil.
function Process:exited()
  if self.code then return self.code end
  local rc = read_file(self.rc_path)
  self.code = rc and tonumber(rc:match("%d+"))
  return self.code
end

--- Waits up to `seconds` for the exit; returns the status or nil.
function Process:wait(seconds)
  local deadline = socket.gettime() + (seconds or 5)
  while not self:exited() and socket.gettime() < deadline do
    socket.sleep(0.01)
  end
  return self:exited()
end

--- Sends a signal (default TERM) and waits for the exit.
function Process:kill(signal)
  if not self:exited() then
    os.execute(("kill -%s %d 2>/dev/null"):format(signal or "TERM", self.pid))
  end
  return self:wait(5)
end

--- Peak resident memory (VmHWM) in kB while it runs, from /proc.
function Process:max_rss_kb()
  local status = read_file("/proc/" .. self.pid .. "/status") or ""
  return tonumber(status:match("VmHWM:%s*(%d+) kB"))
end

function Process:stdout() return read_file(self.stdout_path) or "" end
function Process:stderr() return read_file(self.stderr_path) or "" end

--- Removes the files; kills the process first if it still runs.
function Process:cleanup()
  if not self:exited() then self:kill("KILL") end
  for _, p in ipairs { self.stdout_path, self.stderr_path, self.pid_path,
    self.rc_path } do
    os.remove(p)
  end
  os.remove(self.base)  -- the folder, now empty
end

return Process
