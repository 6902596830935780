"""Microseconds per botocore SigV4Auth.add_auth of the request
bench/aws_sign.lua signs. usage: python3 bench/botocore_sign.py [N]"""
import sys
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token")
auth = SigV4Auth(creds, "dynamodb", "eu-west-1")
body = b'{"TableName":"users","Key":{"id":{"S":"u-42"}}}'
started = time.process_time()
for _ in range(n):
    req = AWSRequest(method="POST", url="https://dynamodb.eu-west-1.amazonaws.com/",
                     data=body, headers={
                         "content-type": "application/x-amz-json-1.0",
                         "x-amz-target": "DynamoDB_20120810.GetItem"})
    auth.add_auth(req)
print("us_per_sign=%.2f" % ((time.process_time() - started) / n * 1e6))
