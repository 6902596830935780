-- Handlers that call AWS services through their models (lambda.aws.client),
-- for spec/integration/aws_services_spec.lua: run by `lua-lambda invoke`
-- against spec/support/fakes/fake_aws.py, which answers each in its
-- protocol's real shape. Each returns what it got, or the error's fields.
local aws = require("lambda").aws
local json = require "lambda.json"
local base64 = require "lambda.base64"

local M = {}

local function fields(err)
  return { kind = err.kind, code = err.code, message = err.message,
    status = err.status, request_id = err.request_id,
    retryable = err.retryable, throttling = err.throttling, text = tostring(err) }
end

local function answer(value, err)
  if value == nil then return { err = fields(err) } end
  return { value = value }
end

function M.sns_publish(event)
  return answer(aws.sns:publish {
    TopicArn = event.topic, Message = event.message, Subject = "hello",
    MessageAttributes = { kind = { DataType = "String", StringValue = "greeting" } },
  })
end

function M.sesv2_send(event)
  return answer(aws.client("sesv2"):send_email {
    FromEmailAddress = event.from,
    Destination = { ToAddresses = { "ana@example.com", "bo@example.com" } },
    Content = { Simple = { Subject = { Data = "Hi" },
      Body = { Text = { Data = "Hello from Lua" } } } },
  })
end

function M.ec2_describe(event)
  local out, err = aws.ec2:describe_instances {
    Filters = event.state and { { Name = "instance-state-name", Values = { event.state } } } or nil,
  }
  if not out then return { err = fields(err) } end
  local instances = {}
  for _, r in ipairs(out.Reservations or {}) do
    for _, i in ipairs(r.Instances) do
      instances[#instances + 1] = { id = i.InstanceId, type = i.InstanceType,
        state = i.State.Name, code = i.State.Code, code_type = math.type(i.State.Code),
        launched = i.LaunchTime, launched_type = math.type(i.LaunchTime),
        ebs = i.EbsOptimized, tag = i.Tags[1].Value }
    end
  end
  return { value = { reservations = #(out.Reservations or {}), instances = instances } }
end

function M.kms_round_trip(event)
  local plain = base64.decode(event.plain64)
  local enc, err = aws.kms:encrypt { KeyId = "alias/test", Plaintext = plain }
  if not enc then return { err = fields(err) } end
  local dec, derr = aws.kms:decrypt { CiphertextBlob = enc.CiphertextBlob }
  if not dec then return { err = fields(derr) } end
  return { value = { key = enc.KeyId, same = dec.Plaintext == plain,
    plain64 = base64.encode(dec.Plaintext), cipher_len = #enc.CiphertextBlob } }
end

function M.sts_identity()
  return answer(aws.sts:get_caller_identity())
end

function M.s3_list(event)
  for i = 1, event.count do
    local _, err = aws.s3:put(event.bucket, ("%s%03d.txt"):format(event.prefix, i), "x" .. i)
    if err then return { err = fields(err) } end
  end
  local keys, pages = {}, 0
  local pager = aws.s3:paginate("ListObjectsV2", { Bucket = event.bucket,
    Prefix = event.prefix, MaxKeys = event.page_size })
  for page in pager do
    pages = pages + 1
    for _, object in ipairs(page.Contents or {}) do keys[#keys + 1] = object.Key end
  end
  if pager.error then return { err = fields(pager.error) } end
  local listed = {}
  for object in aws.s3:list(event.bucket, { prefix = event.prefix, max_keys = event.page_size }) do
    listed[#listed + 1] = { key = object.Key, size = object.Size }
  end
  return { value = { keys = keys, pages = pages, listed = listed } }
end

function M.s3_multipart(event)
  local size = event.mib * 1024 * 1024
  local chunks, sent = {}, 0
  -- a body as a function: chunks of 1 MiB, each a different byte
  local i = 0
  local body = function()
    if sent >= size then return nil end
    i = i + 1
    local n = math.min(1024 * 1024, size - sent)
    sent = sent + n
    local chunk = string.char(i % 256):rep(n)
    chunks[#chunks + 1] = chunk
    return chunk
  end
  local up, err = aws.s3:upload(event.bucket, event.key, body,
    { part_size = event.part_mib * 1024 * 1024, content_type = "application/octet-stream" })
  if not up then return { err = fields(err) } end
  local whole = table.concat(chunks)
  local path = os.tmpname()
  local got, derr = aws.s3:download(event.bucket, event.key, path)
  if not got then return { err = fields(derr) } end
  local f = assert(io.open(path, "rb"))
  local back = f:read("a")
  f:close()
  os.remove(path)
  local seen = 0
  assert(aws.s3:download(event.bucket, event.key, function(chunk) seen = seen + #chunk end))
  return { value = { parts = up.parts, etag = up.ETag, same = back == whole,
    length = got.ContentLength, streamed = seen } }
end

function M.s3_small_part(event)
  -- S3 refuses parts under 5 MiB: the upload is aborted, nothing left
  local client = aws.s3
  local started = assert(client:create_multipart_upload { Bucket = event.bucket, Key = "small" })
  local etags = {}
  for n = 1, 2 do
    local part = assert(client:upload_part { Bucket = event.bucket, Key = "small",
      UploadId = started.UploadId, PartNumber = n, Body = ("p"):rep(1024) })
    etags[n] = { ETag = part.ETag, PartNumber = n }
  end
  local _, err = client:complete_multipart_upload { Bucket = event.bucket, Key = "small",
    UploadId = started.UploadId, MultipartUpload = { Parts = etags } }
  client:abort_multipart_upload { Bucket = event.bucket, Key = "small", UploadId = started.UploadId }
  local res = assert(require("lambda").fetch(event.base .. "/__stats?name=s3-uploads-open"))
  return { err = err and fields(err), open_uploads = json.decode(res.body).count }
end

function M.bedrock_stream(event)
  local out, err = aws.client("bedrock-runtime"):converse_stream {
    modelId = "anthropic.claude-test",
    messages = { { role = "user", content = { { text = event.text } } } },
  }
  if not out then return { err = fields(err) } end
  local text, kinds, tokens = {}, {}, nil
  local stream = out.stream
  for ev in stream:events() do
    local kind = next(ev)
    kinds[#kinds + 1] = kind
    if kind == "contentBlockDelta" then text[#text + 1] = ev[kind].delta.text end
    if kind == "metadata" then tokens = ev[kind].usage.totalTokens end
  end
  return { value = { text = table.concat(text), kinds = kinds, tokens = tokens,
    err = stream.error and fields(stream.error) or json.null } }
end

function M.misuse(event)
  local ok, raised = pcall(function()
    return aws.client(event.service):call(event.operation, event.params)
  end)
  return { ok = ok, raised = not ok and tostring(raised) or nil }
end

return M
