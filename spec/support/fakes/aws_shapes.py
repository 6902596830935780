"""What fake_aws.py answers for the services lambda.aws reaches through
their models, each in its protocol's real shape (the bodies as AWS's API
references show them), after checking that the request is one AWS would
take: the protocol's content type, action and version, and the
operation's required members. A request AWS would refuse is refused with
AWS's error in the protocol's error shape.

answer(service, method, path, headers, body) -> (status, headers, body) or
None (not one of these); s3(method, path, query, body, objects) likewise
for ListObjectsV2 and multipart uploads.
"""
import base64
import binascii
import hashlib
import json
import re
import struct
import threading
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlsplit

LOCK = threading.Lock()
UPLOADS = {}
MIN_PART = 5 * 1024 * 1024  # S3: every part but the last at least 5 MiB
ACCOUNT = "123456789012"


def esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def xml_answer(status, text):
    return status, {"content-type": "text/xml"}, text.encode()


def json_answer(status, value, ctype="application/json"):
    return status, {"content-type": ctype}, json.dumps(value).encode()


# --- query protocol (SNS, STS) -----------------------------------------------

def form(headers, body):
    if not headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        return None
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def query_error(status, code, message, xmlns, sender=True):
    return xml_answer(status, (
        '<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code>'
        "<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>")
        % (xmlns, "Sender" if sender else "Receiver", code, esc(message),
           uuid.uuid4()))


SNS_NS = "http://sns.amazonaws.com/doc/2010-03-31/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def sns(params):
    if params.get("Version") != "2010-03-31":
        return query_error(400, "InvalidAction", "bad Version", SNS_NS)
    if params.get("Action") != "Publish":
        return query_error(400, "InvalidAction", params.get("Action"), SNS_NS)
    if "Message" not in params:
        return query_error(400, "ValidationError",
                           "1 validation error detected: Message", SNS_NS)
    arn = params.get("TopicArn", "")
    if not arn.startswith("arn:aws:sns:"):
        return query_error(400, "InvalidParameter",
                           "Invalid parameter: TopicArn", SNS_NS)
    if arn.endswith(":missing"):
        return query_error(404, "NotFound", "Topic does not exist", SNS_NS)
    # MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue
    names = sorted(v for k, v in params.items()
                   if re.match(r"^MessageAttributes\.entry\.\d+\.Name$", k))
    message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, params["Message"] + ",".join(names)))
    return xml_answer(200, (
        '<PublishResponse xmlns="%s"><PublishResult><MessageId>%s</MessageId>'
        "</PublishResult><ResponseMetadata><RequestId>%s</RequestId>"
        "</ResponseMetadata></PublishResponse>") % (SNS_NS, message_id, uuid.uuid4()))


def sts(params):
    if params.get("Version") != "2011-06-15" or params.get("Action") != "GetCallerIdentity":
        return query_error(400, "InvalidAction", params.get("Action"), STS_NS)
    return xml_answer(200, (
        '<GetCallerIdentityResponse xmlns="%s"><GetCallerIdentityResult>'
        "<Arn>arn:aws:iam::%s:user/tester</Arn><UserId>AIDATESTUSER</UserId>"
        "<Account>%s</Account></GetCallerIdentityResult><ResponseMetadata>"
        "<RequestId>%s</RequestId></ResponseMetadata></GetCallerIdentityResponse>")
        % (STS_NS, ACCOUNT, ACCOUNT, uuid.uuid4()))


# --- ec2 protocol ------------------------------------------------------------

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
INSTANCES = [
    ("i-0a1b2c3d4e5f00001", "t3.micro", "running", 16, "web"),
    ("i-0a1b2c3d4e5f00002", "m7g.large", "stopped", 80, "batch"),
]


def ec2_error(code, message):
    return xml_answer(400, (
        "<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error>"
        "</Errors><RequestID>%s</RequestID></Response>") % (code, esc(message),
                                                            uuid.uuid4()))


def ec2(params):
    if params.get("Version") != "2016-11-15" or params.get("Action") != "DescribeInstances":
        return ec2_error("InvalidAction", "The action %s is not valid"
                         % params.get("Action"))
    # Filter.N.Name / Filter.N.Value.M: only instance-state-name here
    wanted = None
    for k, v in params.items():
        m = re.match(r"^Filter\.(\d+)\.Name$", k)
        if m:
            if v != "instance-state-name":
                return ec2_error("InvalidParameterValue",
                                 "The filter '%s' is invalid" % v)
            n = m.group(1)
            wanted = {val for key, val in params.items()
                      if re.match(r"^Filter\.%s\.Value\.\d+$" % n, key)}
    items = []
    for iid, itype, state, code, name in INSTANCES:
        if wanted is not None and state not in wanted:
            continue
        items.append(
            "<item><instanceId>%s</instanceId><instanceType>%s</instanceType>"
            "<instanceState><code>%d</code><name>%s</name></instanceState>"
            "<launchTime>2026-01-02T03:04:05.000Z</launchTime>"
            "<ebsOptimized>false</ebsOptimized>"
            "<tagSet><item><key>Name</key><value>%s</value></item></tagSet></item>"
            % (iid, itype, code, state, name))
    reservation = ("<item><reservationId>r-0123456789abcdef0</reservationId>"
                   "<ownerId>%s</ownerId><instancesSet>%s</instancesSet></item>"
                   % (ACCOUNT, "".join(items))) if items else ""
    return xml_answer(200, (
        '<DescribeInstancesResponse xmlns="%s"><requestId>%s</requestId>'
        "<reservationSet>%s</reservationSet></DescribeInstancesResponse>")
        % (EC2_NS, uuid.uuid4(), reservation))


# --- json 1.1 (KMS) ----------------------------------------------------------

def kms_error(code, message):
    return json_answer(400, {"__type": code, "message": message},
                       "application/x-amz-json-1.1")


def kms(headers, body):
    target = headers.get("x-amz-target", "")
    if headers.get("content-type") != "application/x-amz-json-1.1":
        return kms_error("UnrecognizedClientException", "bad content type")
    req = json.loads(body or b"{}")
    key = "arn:aws:kms:eu-west-1:%s:key/%s" % (ACCOUNT, req.get("KeyId", ""))
    if target == "TrentService.Encrypt":
        try:
            plain = base64.b64decode(req["Plaintext"], validate=True)
        except (KeyError, binascii.Error):
            return kms_error("ValidationException", "Plaintext must be base64")
        blob = b"KMS1" + req.get("KeyId", "").encode() + b"\0" + plain[::-1]
        return json_answer(200, {"CiphertextBlob": base64.b64encode(blob).decode(),
                                 "KeyId": key, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
                           "application/x-amz-json-1.1")
    if target == "TrentService.Decrypt":
        blob = base64.b64decode(req.get("CiphertextBlob", ""))
        if not blob.startswith(b"KMS1"):
            return kms_error("InvalidCiphertextException", "")
        key_id, plain = blob[4:].split(b"\0", 1)
        return json_answer(200, {"Plaintext": base64.b64encode(plain[::-1]).decode(),
                                 "KeyId": "arn:aws:kms:eu-west-1:%s:key/%s"
                                 % (ACCOUNT, key_id.decode()),
                                 "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
                           "application/x-amz-json-1.1")
    return kms_error("UnknownOperationException", target)


# --- rest-json (SES v2) ------------------------------------------------------

def rest_json_error(status, code, message):
    """rest-json's error: the code in X-Amzn-ErrorType (here with the
    ":<url>" tail AWS sometimes adds), the message in the body."""
    return (status, {"content-type": "application/json",
                     "x-amzn-errortype": code + ":http://internal.amazon.com/coral/"},
            json.dumps({"message": message}).encode())


def sesv2(method, path, headers, body):
    if method != "POST" or path != "/v2/email/outbound-emails":
        return None
    if headers.get("content-type") != "application/json":
        return rest_json_error(400, "BadRequestException", "bad content type")
    req = json.loads(body or b"{}")
    if not req.get("Content"):
        return rest_json_error(400, "BadRequestException", "Content is required")
    to = (req.get("Destination") or {}).get("ToAddresses") or []
    if not to or "@" not in req.get("FromEmailAddress", ""):
        return rest_json_error(400, "BadRequestException", "Missing final '@domain'")
    return json_answer(200, {"MessageId": "0100-" + hashlib.sha1(
        json.dumps(req, sort_keys=True).encode()).hexdigest()})


# --- event streams (Bedrock Runtime ConverseStream) --------------------------

def crc(data):
    return binascii.crc32(data) & 0xffffffff


def event_message(headers, payload):
    """One message of application/vnd.amazon.eventstream: string headers."""
    hbytes = b""
    for name, value in headers:
        n, v = name.encode(), value.encode()
        hbytes += struct.pack(">B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v
    total = 12 + len(hbytes) + len(payload) + 4
    prelude = struct.pack(">II", total, len(hbytes))
    prelude += struct.pack(">I", crc(prelude))
    message = prelude + hbytes + payload
    return message + struct.pack(">I", crc(message))


def event(kind, value):
    return event_message([(":event-type", kind), (":content-type", "application/json"),
                          (":message-type", "event")], json.dumps(value).encode())


def bedrock(method, path, body):
    m = re.match(r"^/model/([^/]+)/converse-stream$", path)
    if method != "POST" or not m:
        return None
    req = json.loads(body or b"{}")
    messages = req.get("messages") or []
    if not messages:
        return rest_json_error(400, "ValidationException", "messages is required")
    text = "".join(block.get("text", "") for block in messages[-1].get("content", []))
    words = ("echo: " + text).split(" ")
    stream = [event("messageStart", {"role": "assistant"})]
    for i, word in enumerate(words):
        stream.append(event("contentBlockDelta", {
            "contentBlockIndex": 0, "delta": {"text": word if i == 0 else " " + word}}))
    stream.append(event("contentBlockStop", {"contentBlockIndex": 0}))
    stream.append(event("messageStop", {"stopReason": "end_turn"}))
    stream.append(event("metadata", {
        "usage": {"inputTokens": len(text.split()), "outputTokens": len(words),
                  "totalTokens": len(text.split()) + len(words)},
        "metrics": {"latencyMs": 42}}))
    if text == "fail mid-stream":
        stream.insert(2, event_message([
            (":exception-type", "throttlingException"),
            (":content-type", "application/json"), (":message-type", "exception")],
            json.dumps({"message": "Too many tokens"}).encode()))
    return 200, {"content-type": "application/vnd.amazon.eventstream"}, b"".join(stream)


def answer(service, method, target_path, headers, body):
    path = urlsplit(target_path).path
    if service in ("sns", "sts", "ec2"):
        params = form(headers, body)
        if params is None:
            return None
        return {"sns": sns, "sts": sts, "ec2": ec2}[service](params)
    if service == "kms":
        return kms(headers, body)
    if service == "ses":
        return sesv2(method, path, headers, body)
    if service == "bedrock":
        return bedrock(method, path, body)
    return None


# --- S3: ListObjectsV2 and multipart uploads ---------------------------------

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def s3_error(status, code, message):
    return status, {"content-type": "application/xml"}, (
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code>'
        "<Message>%s</Message><RequestId>s3-req-1</RequestId></Error>"
        % (code, esc(message))).encode()


def list_objects_v2(bucket, query, objects):
    prefix = query.get("prefix", "")
    max_keys = int(query.get("max-keys", "1000"))
    start = query.get("continuation-token") or query.get("start-after") or ""
    keys = sorted(k[len(bucket) + 2:] for k in objects
                  if k.startswith("/" + bucket + "/"))
    keys = [k for k in keys if k.startswith(prefix) and k > start]
    page, rest = keys[:max_keys], keys[max_keys:]
    contents = "".join(
        "<Contents><Key>%s</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>"
        '<ETag>"%s"</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>'
        % (esc(k), hashlib.md5(objects["/%s/%s" % (bucket, k)][0]).hexdigest(),
           len(objects["/%s/%s" % (bucket, k)][0])) for k in page)
    token = ("<NextContinuationToken>%s</NextContinuationToken>" % esc(page[-1])
             if rest else "")
    given = ("<ContinuationToken>%s</ContinuationToken>" % esc(query["continuation-token"])
             if query.get("continuation-token") else "")
    return 200, {"content-type": "application/xml"}, (
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="%s">'
        "<Name>%s</Name><Prefix>%s</Prefix>%s<KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys>"
        "<IsTruncated>%s</IsTruncated>%s%s</ListBucketResult>"
        % (S3_NS, esc(bucket), esc(prefix), given, len(page), max_keys,
           "true" if rest else "false", token, contents)).encode()


def complete_upload(upload_id, body, objects):
    upload = UPLOADS.get(upload_id)
    if upload is None:
        return s3_error(404, "NoSuchUpload", "The specified upload does not exist.")
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return s3_error(400, "MalformedXML", "not XML")
    ns = "{%s}" % S3_NS if root.tag.startswith("{") else ""
    parts = [(int(p.find(ns + "PartNumber").text), p.find(ns + "ETag").text)
             for p in root.findall(ns + "Part")]
    if not parts or [n for n, _ in parts] != sorted(n for n, _ in parts):
        return s3_error(400, "InvalidPartOrder", "parts must be in ascending order")
    data = []
    for i, (number, etag) in enumerate(parts):
        part = upload["parts"].get(number)
        if part is None or '"%s"' % hashlib.md5(part).hexdigest() != etag:
            return s3_error(400, "InvalidPart", "part %d not found" % number)
        if i < len(parts) - 1 and len(part) < MIN_PART:
            return s3_error(400, "EntityTooSmall",
                            "Your proposed upload is smaller than the minimum allowed size")
        data.append(part)
    objects[upload["key"]] = (b"".join(data), upload["ctype"])
    del UPLOADS[upload_id]
    etag = '"%s-%d"' % (hashlib.md5(b"".join(
        hashlib.md5(p).digest() for p in data)).hexdigest(), len(data))
    return 200, {"content-type": "application/xml"}, (
        '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult xmlns="%s">'
        "<Location>https://s3.amazonaws.com%s</Location><Bucket>%s</Bucket><Key>%s</Key>"
        "<ETag>%s</ETag></CompleteMultipartUploadResult>"
        % (S3_NS, esc(upload["key"]), esc(upload["key"].split("/")[1]),
           esc(upload["key"].split("/", 2)[2]), esc(etag))).encode()


def s3(method, path, query, body, objects, ctype="binary/octet-stream"):
    parts = path.split("/", 2)
    with LOCK:
        if method == "GET" and len(parts) == 2 and query.get("list-type") == "2":
            return list_objects_v2(parts[1], query, objects)
        if method == "POST" and "uploads" in query:
            upload_id = uuid.uuid4().hex
            UPLOADS[upload_id] = {"key": path, "parts": {}, "ctype": ctype}
            return 200, {"content-type": "application/xml"}, (
                '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult '
                'xmlns="%s"><Bucket>%s</Bucket><Key>%s</Key><UploadId>%s</UploadId>'
                "</InitiateMultipartUploadResult>"
                % (S3_NS, esc(parts[1]), esc(parts[2]), upload_id)).encode()
        if "uploadId" in query:
            upload = UPLOADS.get(query["uploadId"])
            if method == "PUT":
                if upload is None:
                    return s3_error(404, "NoSuchUpload", "The specified upload does not exist.")
                upload["parts"][int(query["partNumber"])] = body
                return 200, {"content-type": "application/xml",
                             "ETag": '"%s"' % hashlib.md5(body).hexdigest()}, b""
            if method == "POST":
                return complete_upload(query["uploadId"], body, objects)
            if method == "DELETE":
                UPLOADS.pop(query["uploadId"], None)
                return 204, {"content-type": "application/xml"}, b""
    return None


def uploads_open():
    """How many multipart uploads are neither completed nor aborted."""
    with LOCK:
        return len(UPLOADS)
