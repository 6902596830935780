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

  it("builds its rocks in the builder stage and copies them into the runtime image", function()
    local f = assert(io.open(here .. "/Dockerfile"))
    local text = f:read("a")
    f:close()
    assert.truthy(text:find("\nFROM ${BUILDER_IMAGE} AS rocks\n", 1, true))
    assert.truthy(text:find("make --only-deps --deps-mode=one container-dev-1.rockspec", 1, true))
    assert.truthy(text:find("LUA_INCDIR=/deps/lua/src", 1, true))
    assert.truthy(text:find("\nFROM ${RUNTIME_IMAGE}\n", 1, true))
    assert.truthy(text:find("COPY --from=rocks /var/task/lua_modules ${LAMBDA_TASK_ROOT}/lua_modules", 1, true))
    assert.truthy(text:find('CMD ["app.handler"]', 1, true))
    -- and the root Dockerfile has the builder stage it names
    f = assert(io.open(here .. "/../../Dockerfile"))
    assert.truthy(f:read("a"):find("\nFROM build AS builder\n", 1, true))
    f:close()
  end)
end)
