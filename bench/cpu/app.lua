-- A CPU-bound handler for the Managed Instances benchmark: some
-- arithmetic and string work per invocation (about a millisecond here).
local function work(n)
  local acc, parts = 0, {}
  for i = 1, n do
    acc = (acc * 31 + i) % 1000003
    if i % 100 == 0 then parts[#parts + 1] = tostring(acc) end
  end
  return acc, #table.concat(parts, ",")
end

return {
  handler = function(event)
    local acc, len = work(event.n or 20000)
    return { acc = acc, len = len }
  end,
}
