--- Runs a function image as Lambda does, for scripts/check-image.sh: the
--- container's entrypoint gets AWS_LAMBDA_RUNTIME_API, which points at a
--- fake Runtime API here (spec/support/fakes/fake_runtime_api.lua, on
--- 127.0.0.1; the container shares the host's network), so bootstrap
--- takes one invocation of EVENT and posts its answer. Prints the answer
--- on stdout and the container's output on stderr; exits 0 when the
--- answer is a /response, 1 otherwise.
---
--- usage: lua5.4 scripts/image-check/invoke.lua PODMAN IMAGE EVENT_JSON [ARG]
--- PODMAN: the podman to run (a script, so its own store and settings
--- come with it); ARG: the container's argument (the handler) if any.
local here = arg[0]:match("^(.*)/[^/]+$") or "."
package.path = here .. "/../../spec/support/lib/?.lua;" .. here
  .. "/../../spec/support/fakes/?.lua;" .. package.path

local podman, image, event, handler = arg[1], arg[2], arg[3], arg[4]
if not (podman and image and event) then
  io.stderr:write("usage: lua5.4 scripts/image-check/invoke.lua PODMAN IMAGE"
    .. " EVENT_JSON [ARG]\n")
  os.exit(2)
end

local FakeApi = require "fake_runtime_api"
local Process = require "process"

local api = FakeApi.new { invocations = { { event = event } }, quiet = true }
local name = ("lua-lambda-check-%d-%d"):format(os.time(), api.port)
local argv = { podman, "run", "--rm", "--name", name, "--network", "host",
  "-e", "AWS_LAMBDA_RUNTIME_API=" .. api.address,
  "-e", "AWS_LAMBDA_FUNCTION_NAME=image-check", image }
if handler then argv[#argv + 1] = handler end
local p = Process.start { argv = argv }

-- Starting a container takes a few seconds; the answer, once bootstrap
-- asks for the next invocation ("parked"), or the container's end.
local why = api:serve(p, 120)
os.execute(("%s rm -f -t 0 %s >/dev/null 2>&1"):format(podman, name))
p:wait(30)
io.stderr:write(p:stdout(), p:stderr())
p:cleanup()
api:close()

local post = api.posts[1]
if api.init_errors[1] then
  io.stderr:write("invoke: init error: ", api.init_errors[1].body or "", "\n")
  os.exit(1)
end
if not post then
  io.stderr:write("invoke: no answer (", why, ")\n")
  os.exit(1)
end
io.write(post.body or "", "\n")
os.exit(post.kind == "response" and 0 or 1)
