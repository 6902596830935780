-- lambda.aws.client's own parts, in process, with botocore as the oracle
-- where it has one: paging (botocore's PageIterator on scripted pages of
-- real paginators), URL joining (botocore's _urljoin), snake_case
-- methods (the models' boto3 names), idempotency tokens, S3's bucket
-- out of the path. The requests and answers of each protocol are
-- aws_protocols_spec's.
local json = require "lambda.json"
local client = require "lambda.aws.client"
local model = require "lambda.aws.model"
local oracle_python = require "oracle_python"

local function python(script, args)
  local cmd = ("cd spec/support/lib && %s %s %s"):format(oracle_python.python(), script, args)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  assert(p:close(), "oracle failed: " .. cmd)
  return out
end

-- A client whose :call answers the scripted pages and records its params.
local function scripted(pages, config)
  local calls = {}
  local stub = { svc = { name = "x", paginators = { Op = config } }, name = "x" }
  function stub:call(_, params)
    local copy = {}
    for k, v in pairs(params) do copy[k] = v end
    calls[#calls + 1] = copy
    return pages[#calls] or {}
  end
  stub.paginate = client.Client.paginate
  return stub, calls
end

describe("lambda.aws.client #unit", function()
  it("pages as botocore's PageIterator does, on 400 scripted real paginators", function()
    local cases = json.decode(python("aws_paginate_oracle.py", "20261204 400"))
    local agreed, raised = 0, 0
    for i, case in ipairs(cases) do
      local stub, calls = scripted(case.pages, case.config)
      local pager = stub:paginate("Op", case.params,
        case.page_size ~= json.null and { page_size = case.page_size } or nil)
      local yielded = 0
      for _ in pager do
        yielded = yielded + 1
        if yielded > 10 then break end
      end
      local where = ("case %d (%s %s)"):format(i, case.service, case.operation)
      assert.equal(case.yielded, yielded, where)
      assert.equal(#case.calls, #calls, where)
      for n, expected in ipairs(case.calls) do
        assert.same(expected, calls[n], where .. " call " .. n)
      end
      assert.equal(case.error ~= json.null, pager.error ~= nil, where)
      if pager.error then
        assert.equal("PaginationError", pager.error.code)
        raised = raised + 1
      end
      agreed = agreed + 1
    end
    assert.equal(400, agreed)
    assert.is_true(raised > 0, "no case repeated a token")
  end)

  it("gives the items under the result key across pages", function()
    local stub = scripted({ { Items = { 1, 2 }, Next = "a" }, { Items = {}, Next = "b" },
      { Items = { 3 } } }, { input_token = "Start", output_token = "Next",
      result_key = "Items" })
    local seen = {}
    for item in stub:paginate("Op", {}):items() do seen[#seen + 1] = item end
    assert.same({ 1, 2, 3 }, seen)
  end)

  it("reads the models' token expressions: a path, [-1], ||", function()
    local stub, calls = scripted({
      { Contents = { { Key = "a" }, { Key = "b" } }, IsTruncated = true },
      { NextMarker = "m", Contents = { { Key = "c" } }, IsTruncated = true },
      { IsTruncated = false } },
      { input_token = "Marker", output_token = "NextMarker || Contents[-1].Key",
        more_results = "IsTruncated", result_key = "Contents" })
    for _ in stub:paginate("Op", {}) do end
    assert.equal(3, #calls)
    assert.equal("b", calls[2].Marker)   -- no NextMarker: the last key
    assert.equal("m", calls[3].Marker)
  end)

  it("joins URLs as botocore's _urljoin does", function()
    local cases = {
      { "https://a.example.com", "/", nil }, { "https://a.example.com", "/x/y", nil },
      { "https://a.example.com/", "/x", nil }, { "https://a.example.com/base", "/", nil },
      { "https://a.example.com/base/", "/k%20e", nil }, { "https://a.example.com/bucket", "/key", nil },
      { "https://h:8443/p", "/q", "pre." }, { "https://a.example.com", "", "data-" },
    }
    local list = {}
    for i, c in ipairs(cases) do list[i] = { c[1], c[2], c[3] or json.null } end
    local file = os.tmpname()
    local f = assert(io.open(file, "w"))
    f:write(json.encode(list))
    f:close()
    local expected = json.decode(python("-c", "'import json, sys; "
      .. "from botocore.awsrequest import _urljoin; "
      .. "print(json.dumps([_urljoin(*c) for c in json.load(open(sys.argv[1]))]))' " .. file))
    os.remove(file)
    for i, c in ipairs(cases) do
      assert.equal(expected[i], client.join_url(c[1], c[2], c[3]), c[1] .. " + " .. c[2])
    end
  end)

  it("names methods as boto3 does, and makes them on first use", function()
    local s3 = client.new("s3", "eu-west-1")
    assert.is_function(s3.list_objects_v2)
    assert.equal(rawget(s3, "list_objects_v2"), s3.list_objects_v2)  -- kept
    local svc = assert(model.load("dynamodb"))
    assert.equal("PutItem", svc:operation_name("put_item"))
    assert.equal("DescribeDBInstances",
      assert(model.load("rds")):operation_name("describe_db_instances"))
    assert.is_nil(svc:operation_name("no_such_method"))
    assert.is_nil(client.new("dynamodb").no_such_method)
  end)

  it("fills an absent idempotency token with a UUID, and keeps a given one", function()
    local calls = {}
    local c = client.new("ec2", "us-east-1")
    local prepare = c.prepare
    -- RunInstances' ClientToken is an idempotencyToken member
    local svc = c.svc
    local op = svc:operation("RunInstances")
    local shape = svc:shape(op.input.shape)
    assert.is_true(shape.members.ClientToken.idempotencyToken)
    assert.is_function(prepare)
    calls[1] = client._with_tokens(svc, op, { MinCount = 1, MaxCount = 1 })
    calls[2] = client._with_tokens(svc, op, { MinCount = 1, MaxCount = 1, ClientToken = "mine" })
    assert.matches("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$", calls[1].ClientToken)
    assert.equal("mine", calls[2].ClientToken)
  end)

  it("takes S3's bucket out of the path, as the endpoint rules put it in the URL", function()
    local svc = assert(model.load("s3"))
    local get = client._s3_operation(svc, svc:operation("GetObject"))
    assert.equal("/{Key+}", get.http.requestUri)
    local list = client._s3_operation(svc, svc:operation("ListObjectsV2"))
    assert.equal("/?list-type=2", list.http.requestUri)
    assert.equal("/{Bucket}?list-type=2", svc:operation("ListObjectsV2").http.requestUri)
    local buckets = client._s3_operation(svc, svc:operation("ListBuckets"))
    assert.equal("/", buckets.http.requestUri)
  end)

  it("adds the CRC-32 checksum AWS requires, as zlib computes it", function()
    local checksum = require "lambda.aws.checksum"
    local bodies = { "", "123456789", ("\0\255"):rep(300) }
    math.randomseed(28)
    for _ = 1, 20 do
      local b = {}
      for i = 1, math.random(0, 3000) do b[i] = string.char(math.random(0, 255)) end
      bodies[#bodies + 1] = table.concat(b)
    end
    local file = os.tmpname()
    local f = assert(io.open(file, "wb"))
    f:write(json.encode((function()
      local list = {}
      for i, body in ipairs(bodies) do list[i] = require("lambda.base64").encode(body) end
      return list
    end)()))
    f:close()
    local expected = json.decode(python("-c", "'import json, sys, base64, binascii; "
      .. "print(json.dumps([binascii.crc32(base64.b64decode(b)) for b in json.load(open(sys.argv[1]))]))' "
      .. file))
    os.remove(file)
    for i, body in ipairs(bodies) do assert.equal(expected[i], checksum.crc32(body)) end
    local svc = assert(model.load("s3"))
    local op = svc:operation("DeleteObjects")
    local req = { headers = {}, body = "<Delete/>" }
    checksum.apply(svc, op, {}, req)
    assert.equal(require("lambda.base64").encode(string.pack(">I4", checksum.crc32("<Delete/>"))),
      req.headers["x-amz-checksum-crc32"])
    assert.equal("CRC32", req.headers["x-amz-sdk-checksum-algorithm"])
    local put = { headers = {}, body = "x" }
    checksum.apply(svc, svc:operation("PutObject"), {}, put)  -- not required
    assert.is_nil(put.headers["x-amz-checksum-crc32"])
  end)

  it("finds an error code's exception shape as botocore's shape_for_error_code", function()
    local iam = assert(model.load("iam"))
    local shape, name = iam:error_shape("EntityAlreadyExists")  -- error.code differs
    assert.equal("EntityAlreadyExistsException", name)
    assert.is_true(shape.exception)
    local _, same = assert(model.load("dynamodb")):error_shape("ResourceNotFoundException")
    assert.equal("ResourceNotFoundException", same)
    assert.is_nil(iam:error_shape("NoSuchCodeAnywhere"))
    assert.is_nil(iam:error_shape("CreateUserRequest"))  -- a shape, not an exception
    -- its name is not its code: botocore's index has it under the code only
    assert.is_nil(iam:error_shape("EntityAlreadyExistsException"))
  end)

  it("writes XML members in the model's order (rest-xml), not the alphabet's", function()
    local svc = assert(model.load("s3"))
    local xml_body = require "lambda.aws.protocol.xml_body"
    local text = xml_body.encode(svc, "CompletedPart", { PartNumber = 1, ETag = '"e"',
      ChecksumCRC32 = "c" }, "Part")
    assert.matches("<ETag>.*<ChecksumCRC32>.*<PartNumber>", text)
  end)

  it("finds every shape of a model by its binary search, and no other", function()
    for _, name in ipairs { "ec2", "s3", "dynamodb", "customer-profiles" } do
      model.reset()
      local svc = assert(model.load(name))
      local count = 0
      for line in io.lines(svc.path) do
        local shape = line:match("^([^\t{]+)\t{")
        if shape then
          assert.is_table(svc:shape(shape), name .. " " .. shape)
          count = count + 1
        end
      end
      assert.is_true(count > 10)
      assert.has_error(function() svc:shape("ZzzNoSuchShape") end)
      assert.has_error(function() svc:shape("AaaNoSuchShape") end)
    end
  end)

  it("costs nothing to require: lambda.aws loads its parts on first use", function()
    for name in pairs(package.loaded) do
      if name:match("^lambda%.aws") then package.loaded[name] = nil end
    end
    local aws = require "lambda.aws"
    for name in pairs(package.loaded) do
      assert.is_falsy(name:match("^lambda%.aws%.") , name .. " loaded by require")
    end
    assert.is_function(aws.region)   -- first touch
    assert.is_truthy(package.loaded["lambda.aws.api"])
    assert.is_nil(package.loaded["lambda.aws.client"])
  end)
end)
