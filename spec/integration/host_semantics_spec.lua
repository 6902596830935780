-- What the host keeps and how it reports, each caught by a spec of its
-- own (issue 26, item 7: changes the older specs let through).
local helper = require "helper"

local own = helper.own()  -- spec/integration/host_semantics/

local soon = helper.deadline_in

describe("on the single-state path", function()
  it("keeps the module's state past a timed-out invocation: no fresh state, no init again", function()
    local run = own.run { handler = "host_semantics.count", invocations = {
      { event = "{}" },
      { event = '{"spin":true}', deadline_ms = soon(300) },
      { event = "{}" },
    } }
    assert.equal("parked", run.why, run.stderr)
    assert.equal(3, #run.posts)
    assert.same({ served = 1, inits = 1 }, helper.decode(run.posts[1].body))
    assert.equal("Runtime.Timeout", helper.decode(run.posts[2].body).errorType)
    assert.same({ served = 2, inits = 1 }, helper.decode(run.posts[3].body))
    assert.is_nil(run.stderr:find("fresh state", 1, true), run.stderr)
  end)
end)

describe("a streamed response", function()
  -- One invocation of handler, which spins past its deadline 300 ms off:
  -- the post, the runtime serving on.
  local function spin(handler)
    local run = own.run { handler = handler,
      invocations = { { deadline_ms = soon(300) } } }
    assert.equal("parked", run.why, run.stderr)
    return run.posts[1]
  end

  it("reports a timeout after the first byte as Runtime.Timeout in the trailers", function()
    local post = spin("host_semantics.stream_spin_after_byte")
    assert.equal("response", post.kind)
    assert.equal("x", post.body)
    local type, doc = helper.trailer_error(post)
    assert.equal("Runtime.Timeout", type)
    assert.equal("Runtime.Timeout", doc.errorType)
  end)

  it("reports a timeout before the first byte as Runtime.Timeout on /error", function()
    local post = spin("host_semantics.stream_spin_early")
    assert.equal("error", post.kind)
    assert.equal("Runtime.Timeout", post.headers["lambda-runtime-function-error-type"])
    assert.equal("Runtime.Timeout", helper.decode(post.body).errorType)
  end)

  it("takes an empty write as nothing: what follows still arrives", function()
    local run = own.run { handler = "host_semantics.stream_empty_writes",
      invocations = { {}, {} } }
    assert.equal("parked", run.why, run.stderr)
    for _, post in ipairs(run.posts) do
      assert.equal("response", post.kind)
      assert.equal("abc", post.body)
      assert.same({}, post.trailers)
    end
  end)
end)

describe("context:after_response", function()
  it("runs a function queued in one invocation once, not after the later ones", function()
    local run = own.run { handler = "host_semantics.after_once", invocations = {
      { event = '{"queue":true}' }, { event = "{}" }, { event = "{}" }, { event = "{}" },
    } }
    assert.equal("parked", run.why, run.stderr)
    local seen = {}
    for i, post in ipairs(run.posts) do
      seen[i] = helper.decode(post.body).after_runs
    end
    assert.same({ 0, 1, 1, 1 }, seen)
  end)
end)
