-- faults_spec's handlers: a handler that exits, recurses without end or
-- loops inside pcall. (runaway, sized, huge_log and the others several
-- specs use: spec/fixtures/handlers.)
local M = {}

function M.runaway_pcall()
  -- pcall must not let a timed-out handler run on
  while true do
    pcall(function() while true do end end)
  end
end

function M.recurse()
  local function down(n) return 1 + down(n + 1) end
  return down(1)
end

function M.exit(event)
  io.write("leaving\n")
  os.exit(event.code or 3)
end

return M
