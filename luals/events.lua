---@meta
--- Types for editors (lua-language-server) of the events Lambda's common
--- sources send and of the responses they expect back. Use them on a
--- handler's parameters:
---
--- ---@param event lambda.events.SQSEvent
--- ---@return lambda.events.SQSBatchResponse
--- function M.handler(event, context) ... end
---
--- Checked against real sample events by spec/unit/luals_spec.lua. Fields a
--- source sends only sometimes end in "|nil".

-- --- API Gateway REST APIs (payload format 1.0) -------------------------------

---@class lambda.events.APIGatewayProxyEvent
---@field resource string the resource path, e.g. "/{proxy+}"
---@field path string
---@field httpMethod string
---@field headers table<string, string>|nil names as the client sent them
---@field multiValueHeaders table<string, string[]>|nil
---@field queryStringParameters table<string, string>|nil decoded; the last value of each
---@field multiValueQueryStringParameters table<string, string[]>|nil
---@field pathParameters table<string, string>|nil
---@field stageVariables table<string, string>|nil
---@field requestContext lambda.events.APIGatewayRequestContext
---@field body string|nil
---@field isBase64Encoded boolean|nil

---@class lambda.events.APIGatewayRequestContext
---@field accountId string
---@field apiId string
---@field authorizer table|nil what the authorizer returned (claims, context)
---@field domainName string|nil
---@field domainPrefix string|nil
---@field extendedRequestId string|nil
---@field httpMethod string
---@field identity lambda.events.APIGatewayRequestIdentity
---@field path string|nil the path with the stage
---@field protocol string|nil
---@field requestId string
---@field requestTime string|nil
---@field requestTimeEpoch integer|nil epoch ms
---@field resourceId string
---@field resourcePath string
---@field stage string
---@field operationName string|nil
---@field connectedAt integer|nil

---@class lambda.events.APIGatewayRequestIdentity
---@field accessKey string|nil
---@field accountId string|nil
---@field apiKey string|nil
---@field apiKeyId string|nil
---@field caller string|nil
---@field clientCert table|nil mutual TLS: clientCertPem, subjectDN, issuerDN, serialNumber, validity
---@field cognitoAuthenticationProvider string|nil
---@field cognitoAuthenticationType string|nil
---@field cognitoIdentityId string|nil
---@field cognitoIdentityPoolId string|nil
---@field principalOrgId string|nil
---@field sourceIp string
---@field user string|nil
---@field userAgent string|nil
---@field userArn string|nil

---@class lambda.events.APIGatewayProxyResult
---@field statusCode integer
---@field headers table<string, string>|nil
---@field multiValueHeaders table<string, string[]>|nil
---@field body string|nil
---@field isBase64Encoded boolean|nil

-- --- HTTP APIs and function URLs (payload format 2.0) ----------------------------

---@class lambda.events.APIGatewayV2HTTPEvent
---@field version string "2.0"
---@field routeKey string|nil "$default" or "GET /items/{id}"; function URLs may leave it out
---@field rawPath string
---@field rawQueryString string
---@field cookies string[]|nil "name=value" each
---@field headers table<string, string> lower-cased; repeated values joined with ","
---@field queryStringParameters table<string, string>|nil repeated values joined with ","
---@field pathParameters table<string, string>|nil
---@field stageVariables table<string, string>|nil
---@field requestContext lambda.events.APIGatewayV2RequestContext
---@field body string|nil
---@field isBase64Encoded boolean

---@class lambda.events.APIGatewayV2RequestContext
---@field accountId string
---@field apiId string
---@field authentication table|nil mutual TLS: clientCert
---@field authorizer table|nil jwt (claims, scopes), iam or lambda
---@field domainName string
---@field domainPrefix string
---@field http lambda.events.HTTPRequestInfo
---@field requestId string
---@field routeKey string|nil
---@field stage string|nil
---@field time string "12/Mar/2020:19:03:58 +0000"
---@field timeEpoch integer epoch ms

---@class lambda.events.HTTPRequestInfo
---@field method string
---@field path string
---@field protocol string
---@field sourceIp string
---@field userAgent string

---@class lambda.events.APIGatewayV2HTTPResponse
---@field statusCode integer
---@field headers table<string, string>|nil
---@field cookies string[]|nil Set-Cookie values
---@field body string|nil
---@field isBase64Encoded boolean|nil

---@class lambda.events.FunctionUrlRequest: lambda.events.APIGatewayV2HTTPEvent

---@class lambda.events.FunctionUrlResponse: lambda.events.APIGatewayV2HTTPResponse

-- --- Application Load Balancer ----------------------------------------------------

---@class lambda.events.ALBTargetGroupRequest
---@field httpMethod string
---@field path string
---@field queryStringParameters table<string, string>|nil as sent (percent-encoded)
---@field multiValueQueryStringParameters table<string, string[]>|nil with multi-value headers on
---@field headers table<string, string>|nil lower-cased
---@field multiValueHeaders table<string, string[]>|nil with multi-value headers on
---@field requestContext lambda.events.ALBRequestContext
---@field body string
---@field isBase64Encoded boolean

---@class lambda.events.ALBRequestContext
---@field elb lambda.events.ALBTargetGroup

---@class lambda.events.ALBTargetGroup
---@field targetGroupArn string

---@class lambda.events.ALBTargetGroupResponse
---@field statusCode integer
---@field statusDescription string|nil "200 OK"
---@field headers table<string, string>|nil
---@field multiValueHeaders table<string, string[]>|nil
---@field body string|nil
---@field isBase64Encoded boolean|nil

-- --- SQS ---------------------------------------------------------------------------

---@class lambda.events.SQSEvent
---@field Records lambda.events.SQSRecord[]

---@class lambda.events.SQSRecord
---@field messageId string
---@field receiptHandle string
---@field body string
---@field attributes table<string, string> ApproximateReceiveCount, SentTimestamp, ...
---@field messageAttributes table<string, lambda.events.SQSMessageAttribute>
---@field md5OfBody string
---@field md5OfMessageAttributes string|nil
---@field eventSource string "aws:sqs"
---@field eventSourceARN string
---@field awsRegion string

---@class lambda.events.SQSMessageAttribute
---@field dataType string "String", "Number" or "Binary"
---@field stringValue string|nil
---@field binaryValue string|nil base64
---@field stringListValues string[]
---@field binaryListValues string[]

--- The answer that fails only some records (ReportBatchItemFailures):
--- lambda.batch.process makes it.
---@class lambda.events.BatchResponse
---@field batchItemFailures lambda.events.BatchItemFailure[]

---@class lambda.events.BatchItemFailure
---@field itemIdentifier string SQS messageId, Kinesis or DynamoDB sequence number

---@class lambda.events.SQSBatchResponse: lambda.events.BatchResponse

-- --- SNS ---------------------------------------------------------------------------

---@class lambda.events.SNSEvent
---@field Records lambda.events.SNSEventRecord[]

---@class lambda.events.SNSEventRecord
---@field EventSource string "aws:sns"
---@field EventSubscriptionArn string
---@field EventVersion string
---@field Sns lambda.events.SNSMessage

---@class lambda.events.SNSMessage
---@field Message string
---@field MessageAttributes table<string, table> Type and Value each
---@field MessageId string
---@field Signature string
---@field SignatureVersion string
---@field SigningCertUrl string
---@field Subject string|nil
---@field Timestamp string
---@field TopicArn string
---@field Type string "Notification"
---@field UnsubscribeUrl string

-- --- S3 ----------------------------------------------------------------------------

---@class lambda.events.S3Event
---@field Records lambda.events.S3EventRecord[]

---@class lambda.events.S3EventRecord
---@field awsRegion string
---@field eventName string "ObjectCreated:Put", ...
---@field eventSource string "aws:s3"
---@field eventTime string
---@field eventVersion string
---@field requestParameters table<string, string> sourceIPAddress
---@field responseElements table<string, string> x-amz-request-id, x-amz-id-2
---@field s3 lambda.events.S3Entity
---@field userIdentity table<string, string> principalId
---@field glacierEventData table|nil
---@field restoreEventData table|nil

---@class lambda.events.S3Entity
---@field bucket lambda.events.S3Bucket
---@field configurationId string
---@field object lambda.events.S3Object
---@field s3SchemaVersion string

---@class lambda.events.S3Bucket
---@field arn string
---@field name string
---@field ownerIdentity table<string, string> principalId

---@class lambda.events.S3Object
---@field eTag string|nil
---@field key string URL-encoded, "+" for spaces
---@field sequencer string|nil
---@field size integer|nil
---@field versionId string|nil
---@field urlDecodedKey string|nil

-- --- EventBridge and EventBridge Scheduler ---------------------------------------

---@class lambda.events.EventBridgeEvent
---@field version string
---@field id string
---@field ["detail-type"] string
---@field source string
---@field account string
---@field time string ISO 8601, UTC
---@field region string
---@field resources string[]
---@field detail any the event's own JSON
---@field ["replay-name"] string|nil

--- What an EventBridge schedule (rule or Scheduler) sends: source
--- "aws.scheduler" or "aws.events", detail-type "Scheduled Event".
---@class lambda.events.SchedulerEvent: lambda.events.EventBridgeEvent

-- --- DynamoDB streams --------------------------------------------------------------

---@class lambda.events.DynamoDBStreamEvent
---@field Records lambda.events.DynamoDBStreamRecord[]

---@class lambda.events.DynamoDBStreamRecord
---@field awsRegion string
---@field dynamodb lambda.events.DynamoDBStreamChange
---@field eventID string
---@field eventName string "INSERT", "MODIFY" or "REMOVE"
---@field eventSource string "aws:dynamodb"
---@field eventSourceARN string
---@field eventVersion string
---@field userIdentity table<string, string>|nil TTL deletions: type, principalId

---@class lambda.events.DynamoDBStreamChange
---@field ApproximateCreationDateTime number epoch seconds
---@field Keys table<string, table> attribute values: { S = "..." }, { N = "1" }, ...
---@field NewImage table<string, table>|nil
---@field OldImage table<string, table>|nil
---@field SequenceNumber string
---@field SizeBytes integer
---@field StreamViewType string

-- --- Kinesis -------------------------------------------------------------------------

---@class lambda.events.KinesisEvent
---@field Records lambda.events.KinesisEventRecord[]

---@class lambda.events.KinesisEventRecord
---@field awsRegion string
---@field eventID string
---@field eventName string "aws:kinesis:record"
---@field eventSource string "aws:kinesis"
---@field eventSourceARN string
---@field eventVersion string
---@field invokeIdentityArn string
---@field kinesis lambda.events.KinesisRecord

---@class lambda.events.KinesisRecord
---@field approximateArrivalTimestamp number epoch seconds
---@field data string base64
---@field encryptionType string|nil
---@field kinesisSchemaVersion string
---@field partitionKey string
---@field sequenceNumber string
