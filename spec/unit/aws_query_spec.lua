-- lambda.aws's query and ec2 protocols and its XML bodies (xml_body)
-- against botocore on our own models (spec/support/lib/query_xml_oracle.py):
-- hand-picked real operations (SNS Publish, STS, IAM, CloudFormation
-- CreateStack, EC2 DescribeInstances / RunInstances, S3 XML bodies), then
-- random inputs and answers made from the shapes of several operations.
local json = require "lambda.json"
local S = require "query_xml_support"

local model = require "lambda.aws.model"
local query = require "lambda.aws.protocol.query"
local ec2 = require "lambda.aws.protocol.ec2"
local xml_body = require "lambda.aws.protocol.xml_body"

local function svc_of(name) return assert(model.load(name)) end
local function P_of(svc) return svc.protocol == "ec2" and ec2 or query end

local array, object = json.array, json.object

-- Hand-picked requests: { service, operation, params (wire form) }.
local BUILDS = {
  { "sns", "Publish", { TopicArn = "arn:aws:sns:eu-west-1:123456789012:orders",
    Message = "hello & <world> +1 = 2 %", Subject = "café ☕",
    MessageAttributes = {
      kind = { DataType = "String", StringValue = "new order" },
      bytes = { DataType = "Binary", BinaryValue = { __blob = "AAEC/w==" } },
    } } },
  { "sts", "GetCallerIdentity", object({}) },
  { "sts", "AssumeRole", { RoleArn = "arn:aws:iam::123456789012:role/demo",
    RoleSessionName = "s1", DurationSeconds = 900,
    PolicyArns = array({ { arn = "arn:aws:iam::aws:policy/ReadOnlyAccess" } }),
    Tags = array({ { Key = "team", Value = "a b" }, { Key = "k2", Value = "" } }),
    TransitiveTagKeys = array({}) } },
  { "iam", "CreateUser", { UserName = "bob", Path = "/eng/",
    Tags = array({ { Key = "cost-center", Value = "42" } }) } },
  { "iam", "ListUsers", { PathPrefix = "/", MaxItems = 10, Marker = "m==" } },
  { "cloudformation", "CreateStack", { StackName = "web",
    TemplateURL = "https://s3.amazonaws.com/b/t.yaml?x=1&y=2",
    Parameters = array({ { ParameterKey = "Env", ParameterValue = "prod" },
      { ParameterKey = "Size", UsePreviousValue = true } }),
    Capabilities = array({ "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM" }),
    Tags = array({ { Key = "app", Value = "web" } }),
    DisableRollback = false, TimeoutInMinutes = 30,
    NotificationARNs = array({}) } },
  { "ec2", "DescribeInstances", { InstanceIds = array({ "i-1", "i-2" }),
    Filters = array({ { Name = "tag:Name", Values = array({ "web*", "db" }) },
      { Name = "instance-state-name", Values = array({ "running" }) } }),
    MaxResults = 50, DryRun = false } },
  { "ec2", "RunInstances", { ImageId = "ami-0abc", MinCount = 1, MaxCount = 2,
    InstanceType = "t3.micro", ClientToken = "tok-1", UserData = "IyEvYmluL3No",
    BlockDeviceMappings = array({ { DeviceName = "/dev/xvda",
      Ebs = { VolumeSize = 20, DeleteOnTermination = true, VolumeType = "gp3" } } }),
    TagSpecifications = array({ { ResourceType = "instance",
      Tags = array({ { Key = "Name", Value = "web 1" } }) } }),
    SecurityGroupIds = array({ "sg-1" }), Monitoring = { Enabled = true },
    NetworkInterfaces = array({ { DeviceIndex = 0, SubnetId = "subnet-1",
      PrivateIpAddresses = array({ { PrivateIpAddress = "10.0.0.5", Primary = true } }),
      Groups = array({ "sg-2" }), AssociatePublicIpAddress = true } }) } },
  { "autoscaling", "PutScalingPolicy", { AutoScalingGroupName = "g", PolicyName = "p",
    PolicyType = "StepScaling", AdjustmentType = "ChangeInCapacity",
    StepAdjustments = array({ { MetricIntervalLowerBound = 0.0, MetricIntervalUpperBound = 1e16,
      ScalingAdjustment = 1 }, { MetricIntervalLowerBound = 1e-05, ScalingAdjustment = -2 },
      { MetricIntervalLowerBound = 123.456, MetricIntervalUpperBound = 7, ScalingAdjustment = 3 } }),
    TargetTrackingConfiguration = { TargetValue = 50.0,
      PredefinedMetricSpecification = { PredefinedMetricType = "ASGAverageCPUUtilization" } } } },
  { "sdb", "PutAttributes", { DomainName = "d", ItemName = "i",
    Attributes = array({ { Name = "a", Value = "1", Replace = true }, { Name = "b", Value = "x y" } }),
    Expected = { Name = "a", Exists = false } } },
  { "ec2", "DescribeSpotPriceHistory", { StartTime = 1700000000.5,
    EndTime = "2024-01-02T03:04:05Z", InstanceTypes = array({ "m5.large" }) } },
}

-- Hand-picked answers: { service, operation, body }.
local PARSES = {
  { "sts", "GetCallerIdentity", [==[
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
    <UserId>AKIAI44QH8DHBEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>]==] },
  { "sts", "AssumeRole", [==[
<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult>
<SourceIdentity>DevUser123</SourceIdentity>
<AssumedRoleUser>
  <Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>
  <AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId>
</AssumedRoleUser>
<Credentials>
  <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
  <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
  <SessionToken>AQoDYXdzEPT//////////wEXAMPLE&#x2B;tok</SessionToken>
  <Expiration>2019-11-09T13:34:41.123Z</Expiration>
</Credentials>
<PackedPolicySize>6</PackedPolicySize>
</AssumeRoleResult>
<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>]==] },
  { "iam", "ListUsers", [==[
<?xml version="1.0" encoding="UTF-8"?>
<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
   <ListUsersResult>
      <Users>
         <member>
            <UserId>AID2MAB8DPLSRHEXAMPLE</UserId>
            <Path>/division_abc/subdivision_xyz/engineering/</Path>
            <UserName>Andrew</UserName>
            <Arn>arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/engineering/Andrew</Arn>
            <CreateDate>2012-09-05T19:38:48Z</CreateDate>
            <PasswordLastUsed>2014-09-08T21:47:36Z</PasswordLastUsed>
            <Tags/>
         </member>
         <member>
            <UserId>AIDIODR4TAW7CSEXAMPLE</UserId>
            <Path>/</Path>
            <UserName>Jackie &amp; co</UserName>
            <Arn>arn:aws:iam::123456789012:user/Jackie</Arn>
            <CreateDate>2014-04-09T15:43:45Z</CreateDate>
         </member>
      </Users>
      <IsTruncated>false</IsTruncated>
   </ListUsersResult>
   <ResponseMetadata>
      <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
   </ResponseMetadata>
</ListUsersResponse>]==] },
  { "sns", "Publish", [==[<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId><![CDATA[567910cd-659e-55d4-8ccb-5aaf14679dc0]]></MessageId></PublishResult><ResponseMetadata><RequestId>d74b8436-ae13-5ab4-a9ff-ce54dfea72a0</RequestId></ResponseMetadata></PublishResponse>]==] },
  { "cloudformation", "DescribeStacks", [==[
<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackName>MyStack</StackName>
        <StackId>arn:aws:cloudformation:us-east-1:123456789:stack/MyStack/aaf549a0</StackId>
        <CreationTime>2010-07-27T22:28:28Z</CreationTime>
        <StackStatus>CREATE_COMPLETE</StackStatus>
        <DisableRollback>false</DisableRollback>
        <Outputs>
          <member><OutputKey>StartPage</OutputKey><OutputValue>http://my-load-balancer.amazonaws.com:80/index.html</OutputValue></member>
        </Outputs>
        <Parameters><member><ParameterKey>Env</ParameterKey><ParameterValue>prod</ParameterValue></member></Parameters>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata>
</DescribeStacksResponse>]==] },
  { "ec2", "DescribeInstances", [==[
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <amiLaunchIndex>0</amiLaunchIndex>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement><availabilityZone>eu-west-1c</availabilityZone><tenancy>default</tenancy></placement>
          <monitoring><state>disabled</state></monitoring>
          <ebsOptimized>false</ebsOptimized>
          <tagSet><item><key>Name</key><value>Server_1</value></item></tagSet>
          <cpuOptions><coreCount>1</coreCount><threadsPerCore>1</threadsPerCore></cpuOptions>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>]==] },
  { "ses", "GetSendQuota", [==[<GetSendQuotaResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><GetSendQuotaResult><SentLast24Hours>1.0</SentLast24Hours><Max24HourSend> 200 </Max24HourSend><MaxSendRate>1.5e1</MaxSendRate></GetSendQuotaResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetSendQuotaResponse>]==] },
  { "sdb", "Select", [==[<SelectResponse><SelectResult><Item><Name>item1</Name><Attribute><Name>Color</Name><Value>Blue</Value></Attribute><Attribute><Name>Size</Name><Value>Med</Value></Attribute></Item><Item><Name>item2</Name></Item><NextToken>t</NextToken></SelectResult><ResponseMetadata><RequestId>b1e8f1f7</RequestId><BoxUsage>0.0000219907</BoxUsage></ResponseMetadata></SelectResponse>]==] },
  { "ec2", "DescribeSpotPriceHistory", [==[<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><spotPriceHistorySet><item><instanceType>m5.large</instanceType><spotPrice>0.0350</spotPrice><timestamp>2024-01-02T03:04:05.250Z</timestamp></item></spotPriceHistorySet><nextToken/></DescribeSpotPriceHistoryResponse>]==] },
}

-- Hand-picked error answers: { service, operation, status, body }.
local ERRORS = {
  { "iam", "GetUser", 404, [==[<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message></Error>
  <RequestId>b2a7c1f4-example</RequestId>
</ErrorResponse>]==] },
  { "sts", "AssumeRole", 403, [==[<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: x is not authorized &amp; more</Message></Error><RequestId>rid-1</RequestId></ErrorResponse>]==] },
  { "sns", "Publish", 400, [==[<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: TopicArn</Message></Error><RequestId>rid-2</RequestId></ErrorResponse>]==] },
  { "ec2", "DescribeInstances", 400, [==[<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidInstanceID.Malformed</Code><Message>Invalid id: "i-1"</Message></Error></Errors><RequestID>ec2-rid</RequestID></Response>]==] },
  { "ec2", "RunInstances", 503, "" },
  { "sns", "Publish", 502, "<html><body><b>Bad Gateway</b></body></html>" },
}

-- Hand-picked XML bodies (rest-xml's, through xml_body).
local ENCODES = {
  { "s3", "Tagging", { TagSet = array({ { Key = "env", Value = "prod & <test>" },
    { Key = "owner", Value = "" } }) }, "Tagging",
    { uri = "http://s3.amazonaws.com/doc/2006-03-01/" } },
  { "s3", "AccessControlPolicy", { Owner = { ID = "o1", DisplayName = "me" },
    Grants = array({ { Grantee = { Type = "CanonicalUser", ID = "abc" }, Permission = "READ" },
      { Grantee = { Type = "Group", URI = "http://acs.amazonaws.com/groups/global/AllUsers" },
        Permission = "WRITE" } }) }, "AccessControlPolicy",
    { uri = "http://s3.amazonaws.com/doc/2006-03-01/" } },
  { "s3", "Delete", { Objects = array({ { Key = "a b.txt" }, { Key = "c", VersionId = "v1" } }),
    Quiet = true }, "Delete", { uri = "http://s3.amazonaws.com/doc/2006-03-01/" } },
  { "s3", "CompletedMultipartUpload", { Parts = array({ { ETag = '"e1"', PartNumber = 1 },
    { ETag = '"e2"', PartNumber = 2 } }) }, "CompleteMultipartUpload",
    { uri = "http://s3.amazonaws.com/doc/2006-03-01/" } },
  { "s3", "BucketLifecycleConfiguration", { Rules = array({ { ID = "r", Status = "Enabled",
    Filter = { Prefix = "logs/" }, Expiration = { Date = 1700000000 } } }) },
    "LifecycleConfiguration", { uri = "http://s3.amazonaws.com/doc/2006-03-01/" } },
  { "route53", "ChangeBatch", { Comment = "c", Changes = array({ { Action = "UPSERT",
    ResourceRecordSet = { Name = "a.example.com.", Type = "A", TTL = 300, Weight = 10,
      ResourceRecords = array({ { Value = "192.0.2.1" } }) } } }) }, "ChangeBatch" },
}

local DECODES = {
  { "s3", "ListObjectsV2Output", [==[<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix/><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>
  <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents><Key>my-image.jpg</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>
    <StorageClass>STANDARD</StorageClass><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumAlgorithm>SHA256</ChecksumAlgorithm></Contents>
  <Contents><Key>a&amp;b/c d.txt</Key><LastModified>2009-10-12T17:50:31Z</LastModified><Size>0</Size>
    <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID><DisplayName>mtd</DisplayName></Owner></Contents>
  <CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>videos/</Prefix></CommonPrefixes>
</ListBucketResult>]==] },
  { "s3", "GetBucketAclOutput", [==[<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Owner><ID>o1</ID><DisplayName>me</DisplayName></Owner>
<AccessControlList>
<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o1</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>
<Grant><Grantee xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>
</AccessControlList></AccessControlPolicy>]==] },
  { "s3", "GetBucketTaggingOutput", [==[<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k</Key><Value></Value></Tag></TagSet></Tagging>]==] },
  { "s3", "ListObjectsV2Output", "" },
  { "route53", "GetHostedZoneResponse", [==[<GetHostedZoneResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZone><Id>/hostedzone/Z1</Id><Name>example.com.</Name><CallerReference>r</CallerReference><Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>17</ResourceRecordSetCount></HostedZone><DelegationSet><NameServers><NameServer>ns-1.awsdns-1.com</NameServer><NameServer>ns-2.awsdns-2.org</NameServer></NameServers></DelegationSet></GetHostedZoneResponse>]==] },
}

-- Operations and shapes the random cases are drawn from.
local RANDOM_OPS = {
  { "sns", "Publish" }, { "sns", "CreateTopic" }, { "sns", "ListSubscriptions" },
  { "sts", "AssumeRole" }, { "sts", "GetCallerIdentity" }, { "iam", "CreateUser" },
  { "iam", "ListUsers" }, { "iam", "GetAccountAuthorizationDetails" },
  { "cloudformation", "CreateStack" }, { "cloudformation", "DescribeStacks" },
  { "ses", "SendEmail" }, { "elbv2", "CreateLoadBalancer" }, { "rds", "DescribeDBInstances" },
  { "ec2", "DescribeInstances" }, { "ec2", "RunInstances" }, { "ec2", "CreateTags" },
  { "ec2", "DescribeSecurityGroups" }, { "ec2", "DescribeSpotPriceHistory" },
  { "sdb", "PutAttributes" }, { "sdb", "Select" }, { "sdb", "BatchDeleteAttributes" },
  { "sns", "SetTopicAttributes" }, { "autoscaling", "PutScalingPolicy" },
  { "ses", "GetSendQuota" }, { "rds", "DescribeReservedDBInstances" },
}
local RANDOM_SHAPES = {
  { "s3", "Tagging" }, { "s3", "AccessControlPolicy" }, { "s3", "Delete" },
  { "s3", "ListObjectsV2Output" }, { "s3", "LifecycleConfiguration" },
  { "s3", "NotificationConfiguration" }, { "route53", "ChangeBatch" },
  { "cloudfront", "DistributionConfig" }, { "s3", "ReplicationConfiguration" },
}
-- A 1 MB DescribeInstances answer: AWS's example instance, repeated.
local INSTANCE = [==[
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <dnsName>ec2-54-194-252-215.eu-west-1.compute.amazonaws.com</dnsName>
          <keyName>my_keypair</keyName>
          <amiLaunchIndex>0</amiLaunchIndex>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement><availabilityZone>eu-west-1c</availabilityZone><groupName/><tenancy>default</tenancy></placement>
          <monitoring><state>disabled</state></monitoring>
          <subnetId>subnet-56f5f633</subnetId>
          <vpcId>vpc-11112222</vpcId>
          <privateIpAddress>192.168.1.88</privateIpAddress>
          <ipAddress>54.194.252.215</ipAddress>
          <sourceDestCheck>true</sourceDestCheck>
          <groupSet><item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item></groupSet>
          <architecture>x86_64</architecture>
          <rootDeviceType>ebs</rootDeviceType>
          <rootDeviceName>/dev/xvda</rootDeviceName>
          <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-1234567890abcdef0</volumeId><status>attached</status><attachTime>2015-12-22T10:44:09.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>
          <virtualizationType>hvm</virtualizationType>
          <tagSet><item><key>Name</key><value>Server_1</value></item></tagSet>
          <hypervisor>xen</hypervisor>
          <ebsOptimized>false</ebsOptimized>
          <cpuOptions><coreCount>1</coreCount><threadsPerCore>1</threadsPerCore></cpuOptions>
        </item>
]==]
local BIG_COUNT = math.ceil(2 ^ 20 / #INSTANCE)
local BIG = '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse'
  .. ' xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
  .. '<reservationSet><item><reservationId>r-1</reservationId><ownerId>1</ownerId>'
  .. '<instancesSet>' .. INSTANCE:rep(BIG_COUNT) .. '</instancesSet></item>'
  .. '</reservationSet></DescribeInstancesResponse>'

local SEEDS = tonumber(os.getenv("AWS_QUERY_SPEC_SEEDS") or "") or 12

local function request_of(case)
  local svc = svc_of(case[1])
  local op = assert(svc:operation(case[2]))
  return svc, op
end

describe("lambda.aws query and ec2 against botocore #unit", function()
  local cases = {}
  local function add(c) cases[#cases + 1] = c; return #cases end
  local at = {}
  for i, b in ipairs(BUILDS) do
    at["build" .. i] = add({ kind = "build", service = b[1], operation = b[2], params = b[3] })
  end
  for i, p in ipairs(PARSES) do
    at["parse" .. i] = add({ kind = "parse", service = p[1], operation = p[2], body = p[3] })
  end
  for i, e in ipairs(ERRORS) do
    at["error" .. i] = add({ kind = "parse_error", service = e[1], operation = e[2],
      status = e[3], body = e[4] })
  end
  for i, e in ipairs(ENCODES) do
    at["encode" .. i] = add({ kind = "xml_encode", service = e[1], shape = e[2],
      value = e[3], root_name = e[4], xml_namespace = e[5] })
  end
  at.route53 = add({ kind = "build", service = "route53", operation = "ChangeResourceRecordSets",
    params = { HostedZoneId = "Z1", ChangeBatch = ENCODES[6][3] } })
  for i, d in ipairs(DECODES) do
    at["decode" .. i] = add({ kind = "xml_decode", service = d[1], shape = d[2], body = d[3] })
  end
  for _, o in ipairs(RANDOM_OPS) do
    for seed = 1, SEEDS do
      add({ kind = "random_build", service = o[1], operation = o[2], seed = seed })
      add({ kind = "random_parse", service = o[1], operation = o[2], seed = seed,
        pretty = seed % 2 == 0 })
    end
  end
  for _, s in ipairs(RANDOM_SHAPES) do
    for seed = 1, SEEDS do
      add({ kind = "random_xml", service = s[1], shape = s[2], seed = seed })
    end
  end
  at.big = add({ kind = "parse", service = "ec2", operation = "DescribeInstances", body = BIG })
  local answers = S.oracle(cases)

  for i, b in ipairs(BUILDS) do
    it(("builds %s %s as botocore does"):format(b[1], b[2]), function()
      local svc, op = request_of(b)
      local want = answers[at["build" .. i]]
      local req = P_of(svc).build(svc, op, S.from_wire(b[3]))
      assert.equal(want.method, req.method)
      assert.equal(want.url_path, req.path)
      assert.same({}, req.query)
      assert.equal(want.headers["Content-Type"], req.headers["content-type"])
      assert.equal(want.body, req.body)
      assert.equal(S.from_wire(want.host_prefix), req.host_prefix)
    end)
  end

  for i, p in ipairs(PARSES) do
    it(("parses %s %s as botocore does"):format(p[1], p[2]), function()
      local svc, op = request_of(p)
      local value, err = P_of(svc).parse(svc, op, { status = 200, headers = {}, body = p[3] })
      assert.is_nil(err)
      assert.is_not_nil(next(value))
      S.same(S.from_wire(answers[at["parse" .. i]]), value)
    end)
  end

  for i, e in ipairs(ERRORS) do
    it(("reads %s %s's %d error as botocore does"):format(e[1], e[2], e[3]), function()
      local svc, op = request_of(e)
      local got = P_of(svc).parse_error(svc, op, { status = e[3], headers = {}, body = e[4] })
      local want = S.from_wire(answers[at["error" .. i]])
      assert.equal(want.code, got.code)
      assert.equal(want.message ~= "" and want.message or nil, got.message)
      assert.equal(want.request_id, got.request_id)
      S.same(want.fields, got.fields, "fields")
    end)
  end

  for i, e in ipairs(ENCODES) do
    it(("writes %s %s as botocore does"):format(e[1], e[2]), function()
      local svc = svc_of(e[1])
      local text = xml_body.encode(svc, e[2], S.from_wire(e[3]), e[4], e[5])
      assert.equal(answers[at["encode" .. i]], text)
    end)
  end

  it("writes an input's body members only, as botocore's rest-xml serializer", function()
    local svc, op = request_of({ "route53", "ChangeResourceRecordSets" })
    local params = { HostedZoneId = "Z1", ChangeBatch = S.from_wire(ENCODES[6][3]) }
    local text = xml_body.encode(svc, op.input.shape, params, op.input.locationName,
      op.input.xmlNamespace)
    assert.equal(answers[at.route53].body, text)
  end)

  for i, d in ipairs(DECODES) do
    it(("reads %s %s as botocore does"):format(d[1], d[2]), function()
      local svc = svc_of(d[1])
      local value, err = xml_body.decode(svc, d[2], d[3])
      assert.is_nil(err)
      S.same(S.from_wire(answers[at["decode" .. i]]), value)
    end)
  end

  it("agrees with botocore on random inputs and answers", function()
    local counts, failures = {}, {}
    local function count(kind, ok, what)
      local c = counts[kind] or { 0, 0 }
      counts[kind] = c
      c[1], c[2] = c[1] + (ok and 1 or 0), c[2] + 1
      if not ok and #failures < 10 then failures[#failures + 1] = what end
    end
    for i, c in ipairs(cases) do
      local a = answers[i]
      local label = ("%s %s %s seed %s"):format(c.kind, c.service, c.operation or c.shape,
        tostring(c.seed))
      if c.kind == "random_build" then
        local svc, op = request_of({ c.service, c.operation })
        local req = P_of(svc).build(svc, op, S.from_wire(a.params))
        count(svc.protocol .. " build", req.body == a.expected.body,
          label .. ":\n  " .. req.body .. "\n  " .. a.expected.body)
      elseif c.kind == "random_parse" then
        local svc, op = request_of({ c.service, c.operation })
        local value, err = P_of(svc).parse(svc, op, { status = 200, headers = {}, body = a.body })
        local d = err and tostring(err) or S.diff(S.from_wire(a.expected), value)
        count(svc.protocol .. " parse", d == nil, label .. ": " .. tostring(d))
      elseif c.kind == "random_xml" then
        local svc = svc_of(c.service)
        local text = xml_body.encode(svc, c.shape, S.from_wire(a.value), c.shape)
        count("xml encode", text == a.encoded, label .. ":\n  " .. text .. "\n  " .. a.encoded)
        local value, err = xml_body.decode(svc, c.shape, a.body)
        local d = err and tostring(err) or S.diff(S.from_wire(a.decoded), value)
        count("xml decode", d == nil, label .. ": " .. tostring(d))
      end
    end
    local report = {}
    for kind, c in pairs(counts) do
      report[#report + 1] = ("%s %d/%d"):format(kind, c[1], c[2])
    end
    table.sort(report)
    print("\n  agreement with botocore: " .. table.concat(report, ", "))
    assert.equal(6, #report)
    assert(#failures == 0, table.concat(failures, "\n"))
  end)

  it("parses a 1 MB DescribeInstances answer in a fraction of a second, as botocore", function()
    local svc, op = request_of({ "ec2", "DescribeInstances" })
    collectgarbage()
    local t0 = os.clock()
    local value = assert(ec2.parse(svc, op, { status = 200, headers = {}, body = BIG }))
    local took = os.clock() - t0
    print(("\n  %d KB DescribeInstances (%d instances): ec2.parse %.0f ms")
      :format(#BIG // 1024, BIG_COUNT, took * 1000))
    assert.equal(BIG_COUNT, #value.Reservations[1].Instances)
    S.same(S.from_wire(answers[at.big]), value)
    assert.is_true(took < 1.0)
  end)

  it("raises on a caller's wrong types and unknown members", function()
    local svc = svc_of("sns")
    local op = svc:operation("Publish")
    assert.error_matches(function() query.build(svc, op, { Message = 5 }) end,
      "Publish%.Message: a string expected, got integer")
    assert.error_matches(function() query.build(svc, op, { Mesage = "x" }) end,
      "Mesage is not a member")
    local e = svc_of("ec2")
    assert.error_matches(function()
      ec2.build(e, e:operation("DescribeInstances"), { MaxResults = 1.5 })
    end, "MaxResults: an integer expected, got float")
    assert.error_matches(function()
      ec2.build(e, e:operation("DescribeInstances"), { InstanceIds = { x = 1 } })
    end, "a list %(a sequence%) expected")
  end)

  it("returns an error value for an answer that is not XML or not the shape", function()
    local svc = svc_of("iam")
    local op = svc:operation("ListUsers")
    local v, err = query.parse(svc, op, { status = 200, headers = {}, body = "<ListUsersResponse>" })
    assert.is_nil(v)
    assert.equal("xml", err.kind)
    assert.equal("DecodeError", err.code)
    v, err = query.parse(svc, op, { status = 200, headers = {}, body =
      "<R><ListUsersResult><IsTruncated>true</IsTruncated><Users><member><CreateDate>soon</CreateDate></member></Users></ListUsersResult></R>" })
    assert.is_nil(v)
    assert.equal("DecodeError", err.code)
    assert.matches('"soon" is not a timestamp', err.message)
  end)
end)
