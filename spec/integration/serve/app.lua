-- serve_spec's handlers: slow, concurrent and file-leaving ones. (Its
-- init_exit and init_hang_once beside; hello, echo, context and the others
-- several specs use: spec/fixtures/handlers.)
local M = {}

-- Sleeps in C, where the runtime's deadline hook cannot reach: only the
-- emulator's (or Lambda's) own timeout stops it.
function M.sleep_c(event)
  os.execute("sleep " .. tonumber(event.seconds or 0.1))
  return "slept"
end

-- Waits, without spinning, until event.count invocations have reached
-- it at once (each leaves a file in event.dir): it returns only if they
-- ran concurrently, and runs into its timeout otherwise.
function M.rendezvous(event)
  local me = event.dir .. "/" .. M.pid()  -- one worker, one invocation
  assert(io.open(me, "w")):close()
  while true do
    local p = assert(io.popen("ls " .. event.dir))
    local n = 0
    for _ in p:lines() do n = n + 1 end
    p:close()
    if n >= event.count then return "met" end
    os.execute("sleep 0.01")
  end
end

-- Leaves a file behind: proof that an (asynchronous) invocation ran.
function M.touch(event)
  assert(io.open(event.file, "w")):close()
  return "touched"
end

-- Records the pid of the runtime that served it.
function M.pid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return pid
end

-- The soft limit on open files this process runs with (Linux).
function M.open_files_limit()
  for line in io.lines("/proc/self/limits") do
    local soft = line:match("^Max open files%s+(%d+)")
    if soft then return tonumber(soft) end
  end
end

return M
