--- The first use of a service's model: lambda.aws.model.load, one
--- operation and every shape its input and output reach, decoded (what a
--- protocol's build and parse touch of the model on a first call), after
--- model.reset() each time, so that each round starts with nothing loaded
--- (the file itself is in the page cache after the first round). CPU time
--- (os.clock), median and worst of N rounds, per service:
---   LUA_CPATH_5_4="build/lua/?.so;;" lua5.4 bench/aws_model.lua [N]
--- prints "<service> <operation> shapes=<n> bytes=<model size>
--- load_ms=<median> first_use_ms=<median> worst_ms=<worst>".
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
local here = os.getenv("LUA_LAMBDA_AWS_MODELS")
if not here or here == "" then
  error("set LUA_LAMBDA_AWS_MODELS to the repository's models/ folder")
end
local model = require "lambda.aws.model"
local n = tonumber(arg[1]) or 50

local CASES = {
  { "dynamodb", "PutItem" },
  { "s3", "PutObject" },
  { "ec2", "DescribeInstances" },  -- the largest model (1.1 MB)
}

-- Every shape reachable from ref, decoded once; the count.
local function walk(svc, ref, seen)
  local name = ref and ref.shape
  if not name or seen[name] then return 0 end
  seen[name] = true
  local shape = svc:shape(name)
  local count = 1
  for _, member in pairs(shape.members or {}) do
    count = count + walk(svc, member, seen)
  end
  count = count + walk(svc, shape.member, seen)
  count = count + walk(svc, shape.key, seen)
  count = count + walk(svc, shape.value, seen)
  return count
end

local function first_use(name, op_name)
  model.reset()
  collectgarbage()
  local started = os.clock()
  local svc = assert(model.load(name))
  local loaded = os.clock()
  local op = assert(svc:operation(op_name), op_name)
  local seen = {}
  local shapes = walk(svc, op.input, seen) + walk(svc, op.output, seen)
  return loaded - started, os.clock() - started, shapes, #svc.text
end

local function median(list)
  table.sort(list)
  return list[(#list + 1) // 2]
end

for _, case in ipairs(CASES) do
  local loads, totals, shapes, bytes = {}, {}, 0, 0
  for i = 1, n do
    loads[i], totals[i], shapes, bytes = first_use(case[1], case[2])
  end
  local worst = math.max(table.unpack(totals))
  print(("%s %s shapes=%d bytes=%d load_ms=%.3f first_use_ms=%.3f worst_ms=%.3f")
    :format(case[1], case[2], shapes, bytes, median(loads) * 1e3,
      median(totals) * 1e3, worst * 1e3))
end
