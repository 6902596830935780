local helper = require "helper"
local testing = require "lambda.testing"
local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$")

describe("examples/container", function()
  it("parses with its C rock and answers with the function's name", function()
    -- Debian's lua-lpeg stands in for the rock the image installs, in a
    -- layer folder: installed system-wide, it is out of the function's
    -- reach, as it is in the image
    local layer = helper.system_modules_layer { "lpeg" }
    local r, err = testing.invoke("app.handler", { text = "a=1,b=2" },
      { task_root = here, function_name = "lua-container", layers = { layer } })
    os.execute("rm -rf " .. layer)
    assert.is_nil(err)
    assert.equal("hello from a container", r.message)
    assert.equal("lua-container", r.function_name)
    assert.same({ a = "1", b = "2" }, r.fields)
  end)

  it("is built by lua-lambda's Dockerfile: rocks by lua-lambda build in the builder stage", function()
    local function read(path)
      local f = io.open(path)
      if not f then return nil end
      local text = f:read("a")
      f:close()
      return text
    end
    -- no Dockerfile of its own (one would need images from a local store)
    assert.is_nil(read(here .. "/Dockerfile"))
    local text = assert(read(here .. "/../../Dockerfile"))
    assert.truthy(text:find("\nFROM build AS builder\n", 1, true))
    assert.truthy(text:find("\nFROM scratch AS function-dir\n", 1, true))
    assert.truthy(text:find("\nFROM builder AS package\n", 1, true))
    assert.truthy(text:find("COPY --from=function-dir / /function/", 1, true))
    assert.truthy(text:find("/build/lua-lambda build /function", 1, true))
    assert.truthy(text:find("--no-bootstrap --stage /staged", 1, true))
    assert.truthy(text:find("\nFROM runtime AS function\n", 1, true))
    assert.truthy(text:find("COPY --from=package /staged/ ${LAMBDA_TASK_ROOT}/", 1, true))
    assert.truthy(text:find('CMD ["app.handler"]', 1, true))
    -- and sam build builds it from the root, for this folder
    local template = assert(read(here .. "/template.yaml"))
    assert.truthy(template:find("DockerContext: ../..", 1, true))
    assert.truthy(template:find("FUNCTION_DIR: examples/container", 1, true))
  end)
end)
