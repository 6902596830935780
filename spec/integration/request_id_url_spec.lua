-- The request id goes into the post's URL: every byte outside RFC 3986's
-- unreserved set is percent-encoded, so an id made of anything is
-- answered at its own invocation's path, and never ends the process.
local helper = require "helper"

local PREFIX = "/2018-06-01/runtime/invocation/"

local function posts_for(ids)
  local invocations = {}
  for i, id in ipairs(ids) do
    invocations[i] = { request_id = id, event = '{"n":' .. i .. '}' }
  end
  return helper.run { handler = "app.echo", invocations = invocations }
end

describe("a request id in the post's URL", function()
  it("is percent-encoded outside A-Z a-z 0-9 - . _ ~", function()
    local run = posts_for { "x/../../../../y", "h#frag", "a b", "q?x=1&y=%",
      "8476a536-e9f4-11e8-9739-2dfe598c3fcd", "ü" }
    assert.equal("parked", run.why, run.stderr)
    local paths = {}
    for i, post in ipairs(run.posts) do paths[i] = post.path end
    assert.same({
      PREFIX .. "x%2F..%2F..%2F..%2F..%2Fy/response",
      PREFIX .. "h%23frag/response",
      PREFIX .. "a%20b/response",
      PREFIX .. "q%3Fx%3D1%26y%3D%25/response",
      PREFIX .. "8476a536-e9f4-11e8-9739-2dfe598c3fcd/response",
      PREFIX .. "%C3%BC/response",
    }, paths)
    -- each one answered its own invocation
    for i, post in ipairs(run.posts) do
      assert.same({ n = i }, helper.decode(post.body))
    end
  end)

  it("is encoded the same way on /error and on a streamed response", function()
    local run = helper.run { handler = "app.fail_string",
      invocations = { { request_id = "e/../f" } } }
    assert.equal("parked", run.why, run.stderr)
    assert.equal(PREFIX .. "e%2F..%2Ff/error", run.posts[1].path)
    run = helper.run { handler = "app.stream_hello",
      invocations = { { request_id = "s#t" } } }
    assert.equal("parked", run.why, run.stderr)
    assert.equal(PREFIX .. "s%23t/response", run.posts[1].path)
  end)
end)
