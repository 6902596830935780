--- Decode and encode throughput of lambda.json next to lua-cjson, in one
--- run, on the AWS sample events and on a 1 MB payload. Ratios above 1
--- mean lambda.json is faster.
---
--- usage: LUA_CPATH_5_4="build/lua/?.so;;" lua5.4 bench/json.lua [SECONDS]
---   SECONDS is the time given to each measurement (default 0.5)
local json = require "lambda.json"
local cjson = require "cjson"

local budget = tonumber(arg[1]) or 0.5
local events_dir = os.getenv("LUA_LAMBDA_EVENTS") or "spec/fixtures/events"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Runs fn(input) over all inputs repeatedly for about `budget` seconds of
-- CPU; returns megabytes per second of `bytes`.
local function rate(fn, inputs, bytes)
  local rounds, started = 0, os.clock()
  repeat
    for i = 1, #inputs do fn(inputs[i]) end
    rounds = rounds + 1
  until os.clock() - started >= budget
  return rounds * bytes / (os.clock() - started) / 1e6
end

local function corpus()
  local texts, bytes = {}, 0
  for name in io.popen("ls " .. events_dir .. "/*.json"):lines() do
    local text = read(name)
    if json.decode(text) then  -- the malformed sample is left out
      texts[#texts + 1] = text
      bytes = bytes + #text
    end
  end
  return texts, bytes
end

-- About 1 MB: records with strings, integers, floats, booleans, nesting.
local function megabyte()
  local records = {}
  local i = 0
  repeat
    i = i + 1
    records[i] = {
      id = i, name = "user-" .. i, email = "user" .. i .. "@example.com",
      active = i % 2 == 0, score = i * 1.25, tags = { "a", "bb", "ccc" },
      address = { street = i .. " Main Street", city = "Springfield",
        zip = tostring(10000 + i) },
    }
  until i >= 5600
  local text = cjson.encode(records)
  return text
end

local function compare(label, texts, bytes)
  local ours_values, theirs_values = {}, {}
  for i, t in ipairs(texts) do
    ours_values[i] = assert(json.decode(t))
    theirs_values[i] = cjson.decode(t)
  end
  local dec_ours = rate(json.decode, texts, bytes)
  local dec_cjson = rate(cjson.decode, texts, bytes)
  local enc_ours = rate(json.encode, ours_values, bytes)
  local enc_cjson = rate(cjson.encode, theirs_values, bytes)
  print(("%-22s decode %7.1f MB/s vs cjson %7.1f  ratio %.2f"):format(
    label, dec_ours, dec_cjson, dec_ours / dec_cjson))
  print(("%-22s encode %7.1f MB/s vs cjson %7.1f  ratio %.2f"):format(
    label, enc_ours, enc_cjson, enc_ours / enc_cjson))
end

local texts, bytes = corpus()
compare(("events (%d, %d KB)"):format(#texts, bytes // 1024), texts, bytes)
local big = megabyte()
compare(("payload (%d KB)"):format(#big // 1024), { big }, #big)
