"""`lambda-emu generate-event SERVICE EVENT [options]` through the real binary:
every required event prints one JSON document with the fields AWS documents
and the options applied; --help at each level lists what is available; an
unknown service, event or option exits 2 and names the valid choices.
"""
import base64
import gzip
import hashlib
import json
import subprocess
import time
import unittest
import uuid

from emu import emu_binary

# The events lambda-emu must have, with SAM CLI's option names and defaults.
SAM_EVENTS = {
    ("alb", "request"): {
        "body": '{"test":"body"}', "method": "POST", "path": "path/to/resource",
        "account-id": "123456789012", "dns-suffix": "us-east-2.elb.amazonaws.com"},
    ("apigateway", "authorizer"): {
        "account-id": "123456789012", "partition": "aws", "region": "us-east-1",
        "stage": "prod", "method": "POST", "resource": "{proxy+}", "restApiId": "example"},
    ("apigateway", "request-authorizer"): {
        "account-id": "123456789012", "partition": "aws", "region": "us-east-1",
        "stage": "test", "method": "GET", "resource": "request", "restApiId": "abcdef123"},
    ("apigateway", "aws-proxy"): {
        "body": '{"test":"body"}', "stage": "prod", "method": "POST", "resource": "/{proxy+}",
        "path": "path/to/resource", "account-id": "123456789012",
        "dns-suffix": "us-east-1.amazonaws.com"},
    ("apigateway", "http-api-proxy"): {
        "body": '{"test":"body"}', "stage": "$default", "method": "POST",
        "path": "path/to/resource", "account-id": "123456789012",
        "dns-suffix": "us-east-1.amazonaws.com"},
    ("cloudwatch", "logs"): {},
    ("cloudwatch", "scheduled-event"): {
        "account-id": "123456789012", "partition": "aws", "region": "us-east-1",
        "rule": "ExampleRule"},
    ("dynamodb", "update"): {
        "account-id": "123456789012", "partition": "aws", "region": "us-east-1",
        "table": "ExampleTableWithStream"},
    ("kinesis", "get-records"): {
        "region": "us-east-1", "partition": "aws",
        "sequence": "49545115243490985018280067714973144582180062593244200961",
        "data": "Hello, this is a test 123.", "partition-key": "partitionKey-03"},
    ("s3", "put"): {
        "region": "us-east-1", "partition": "aws", "bucket": "example-bucket", "key": "test/key"},
    ("s3", "delete"): {
        "region": "us-east-1", "partition": "aws", "bucket": "example-bucket", "key": "test/key"},
    ("sns", "notification"): {
        "account-id": "123456789012", "partition": "aws", "region": "us-east-1",
        "topic": "ExampleTopic", "subject": "example subject", "message": "example message"},
    ("sqs", "receive-message"): {
        "partition": "aws", "region": "us-east-1", "account-id": "123456789012",
        "queue-name": "MyQueue", "body": "Hello from SQS!"},
    ("eventbridge", "event"): {
        "account-id": "123456789012", "region": "us-east-1",
        "source": "com.mycompany.myapp", "detail-type": "myDetailType",
        "detail": '{"key1":"value1","key2":"value2"}'},
}


def run_cli(*args, timeout=20):
    return subprocess.run([emu_binary(), *args], capture_output=True, text=True, timeout=timeout)


def generate(service, event, **options):
    args = ["generate-event", service, event]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    p = run_cli(*args)
    if p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}: {p.stderr}")
    return json.loads(p.stdout)


def b64(value):
    return base64.b64decode(value, validate=True).decode()


def is_uuid(value):
    return str(uuid.UUID(value)) == value


def recent_ms(value):
    return abs(time.time() * 1000 - value) < 120_000


class EventShapeTest(unittest.TestCase):
    def test_every_required_event_prints_one_json_document(self):
        for (service, event) in SAM_EVENTS:
            with self.subTest(service=service, event=event):
                p = run_cli("generate-event", service, event)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIsInstance(json.loads(p.stdout), dict)

    def test_aws_proxy(self):
        e = generate("apigateway", "aws-proxy", body="hello", stage="dev", method="PUT",
                     path="orders/7", account_id="111122223333",
                     dns_suffix="eu-west-1.amazonaws.com")
        for field in ("resource", "path", "httpMethod", "headers", "multiValueHeaders",
                      "queryStringParameters", "multiValueQueryStringParameters",
                      "pathParameters", "stageVariables", "requestContext", "body",
                      "isBase64Encoded"):
            self.assertIn(field, e)
        self.assertEqual(e["path"], "/orders/7")
        self.assertEqual(e["httpMethod"], "PUT")
        self.assertEqual(e["resource"], "/{proxy+}")
        self.assertEqual(e["pathParameters"], {"proxy": "orders/7"})
        self.assertTrue(e["isBase64Encoded"])
        self.assertEqual(b64(e["body"]), "hello")
        self.assertTrue(e["headers"]["Host"].endswith(".execute-api.eu-west-1.amazonaws.com"))
        c = e["requestContext"]
        self.assertEqual(c["accountId"], "111122223333")
        self.assertEqual(c["stage"], "dev")
        self.assertEqual(c["path"], "/dev/orders/7")
        self.assertEqual(c["httpMethod"], "PUT")
        self.assertTrue(is_uuid(c["requestId"]))
        self.assertTrue(recent_ms(c["requestTimeEpoch"]))
        for field in ("resourceId", "resourcePath", "requestTime", "identity", "apiId",
                      "domainName", "protocol"):
            self.assertIn(field, c)

    def test_http_api_proxy(self):
        e = generate("apigateway", "http-api-proxy", body="x", method="GET", path="/items")
        self.assertEqual(e["version"], "2.0")
        self.assertEqual(e["routeKey"], "$default")
        self.assertEqual(e["rawPath"], "/items")
        self.assertEqual(b64(e["body"]), "x")
        self.assertTrue(e["isBase64Encoded"])
        c = e["requestContext"]
        self.assertEqual(c["http"]["method"], "GET")
        self.assertEqual(c["http"]["path"], "/items")
        self.assertEqual(c["stage"], "$default")
        self.assertEqual(c["accountId"], "123456789012")
        self.assertTrue(recent_ms(c["timeEpoch"]))
        for field in ("rawQueryString", "headers", "queryStringParameters"):
            self.assertIn(field, e)
        staged = generate("apigateway", "http-api-proxy", stage="prod", path="items")
        self.assertEqual(staged["rawPath"], "/prod/items")

    def test_authorizers(self):
        e = generate("apigateway", "authorizer", restApiId="abc123", stage="v1", method="GET",
                     resource="pets", region="eu-west-1", account_id="111122223333")
        self.assertEqual(e["type"], "TOKEN")
        self.assertIn("authorizationToken", e)
        self.assertEqual(e["methodArn"],
                         "arn:aws:execute-api:eu-west-1:111122223333:abc123/v1/GET/pets")
        r = generate("apigateway", "request-authorizer")
        self.assertEqual(r["type"], "REQUEST")
        self.assertEqual(r["methodArn"],
                         "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request")
        self.assertEqual(r["httpMethod"], "GET")
        self.assertEqual(r["resource"], "/request")
        self.assertEqual(r["requestContext"]["apiId"], "abcdef123")
        self.assertTrue(is_uuid(r["requestContext"]["requestId"]))
        for field in ("headers", "queryStringParameters", "pathParameters", "stageVariables"):
            self.assertIn(field, r)

    def test_alb_request(self):
        e = generate("alb", "request", method="GET", path="lambda", body="b",
                     account_id="111122223333")
        self.assertEqual(e["httpMethod"], "GET")
        self.assertEqual(e["path"], "/lambda")
        self.assertEqual(b64(e["body"]), "b")
        self.assertTrue(e["isBase64Encoded"])
        self.assertRegex(e["requestContext"]["elb"]["targetGroupArn"],
                         r"^arn:aws:elasticloadbalancing:us-east-2:111122223333:targetgroup/")
        self.assertIn("headers", e)
        self.assertIn("queryStringParameters", e)

    def test_sqs_receive_message(self):
        e = generate("sqs", "receive-message", queue_name="jobs", body="work",
                     region="eu-west-1")
        r = e["Records"][0]
        self.assertEqual(r["body"], "work")
        self.assertEqual(r["md5OfBody"], hashlib.md5(b"work").hexdigest())
        self.assertEqual(r["eventSource"], "aws:sqs")
        self.assertEqual(r["eventSourceARN"], "arn:aws:sqs:eu-west-1:123456789012:jobs")
        self.assertEqual(r["awsRegion"], "eu-west-1")
        self.assertTrue(is_uuid(r["messageId"]))
        self.assertTrue(recent_ms(int(r["attributes"]["SentTimestamp"])))
        for field in ("receiptHandle", "attributes", "messageAttributes"):
            self.assertIn(field, r)

    def test_sns_notification(self):
        e = generate("sns", "notification", topic="orders", subject="s", message="m")
        r = e["Records"][0]
        self.assertEqual(r["EventSource"], "aws:sns")
        sns = r["Sns"]
        self.assertEqual(sns["TopicArn"], "arn:aws:sns:us-east-1:123456789012:orders")
        self.assertTrue(r["EventSubscriptionArn"].startswith(sns["TopicArn"] + ":"))
        self.assertEqual((sns["Subject"], sns["Message"], sns["Type"]), ("s", "m", "Notification"))
        self.assertTrue(is_uuid(sns["MessageId"]))
        for field in ("Timestamp", "Signature", "SigningCertUrl", "UnsubscribeUrl",
                      "MessageAttributes"):
            self.assertIn(field, sns)

    def test_s3_put_and_delete(self):
        e = generate("s3", "put", bucket="photos", key="2024/my cat.jpg", region="eu-west-1")
        r = e["Records"][0]
        self.assertEqual(r["eventName"], "ObjectCreated:Put")
        self.assertEqual(r["eventSource"], "aws:s3")
        self.assertEqual(r["awsRegion"], "eu-west-1")
        self.assertEqual(r["s3"]["bucket"]["name"], "photos")
        self.assertEqual(r["s3"]["bucket"]["arn"], "arn:aws:s3:::photos")
        self.assertEqual(r["s3"]["object"]["key"], "2024/my+cat.jpg")
        for field in ("size", "eTag", "sequencer"):
            self.assertIn(field, r["s3"]["object"])
        d = generate("s3", "delete", bucket="b")["Records"][0]
        self.assertEqual(d["eventName"], "ObjectRemoved:Delete")
        self.assertEqual(d["s3"]["object"]["key"], "test/key")

    def test_dynamodb_update(self):
        e = generate("dynamodb", "update", table="Orders", region="eu-west-1")
        names = [r["eventName"] for r in e["Records"]]
        self.assertEqual(names, ["INSERT", "MODIFY", "REMOVE"])
        for r in e["Records"]:
            self.assertEqual(r["eventSource"], "aws:dynamodb")
            self.assertTrue(r["eventSourceARN"].startswith(
                "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/stream/"))
            for field in ("Keys", "SequenceNumber", "SizeBytes", "StreamViewType",
                          "ApproximateCreationDateTime"):
                self.assertIn(field, r["dynamodb"])

    def test_kinesis_get_records(self):
        e = generate("kinesis", "get-records", data="payload", partition_key="pk",
                     sequence="123")
        r = e["Records"][0]
        self.assertEqual(b64(r["kinesis"]["data"]), "payload")
        self.assertEqual(r["kinesis"]["partitionKey"], "pk")
        self.assertEqual(r["kinesis"]["sequenceNumber"], "123")
        self.assertEqual(r["eventID"], "shardId-000000000000:123")
        self.assertEqual(r["eventSource"], "aws:kinesis")
        self.assertTrue(recent_ms(r["kinesis"]["approximateArrivalTimestamp"] * 1000))

    def test_cloudwatch_scheduled_event(self):
        e = generate("cloudwatch", "scheduled-event", rule="Nightly", account_id="111122223333")
        self.assertEqual(e["detail-type"], "Scheduled Event")
        self.assertEqual(e["source"], "aws.events")
        self.assertEqual(e["account"], "111122223333")
        self.assertEqual(e["resources"], ["arn:aws:events:us-east-1:111122223333:rule/Nightly"])
        self.assertTrue(is_uuid(e["id"]))
        self.assertEqual(e["detail"], {})

    def test_cloudwatch_logs_data_is_gzip_base64(self):
        e = generate("cloudwatch", "logs")
        payload = json.loads(gzip.decompress(base64.b64decode(e["awslogs"]["data"])))
        self.assertEqual(payload["messageType"], "DATA_MESSAGE")
        for field in ("owner", "logGroup", "logStream", "subscriptionFilters"):
            self.assertIn(field, payload)
        self.assertEqual(len(payload["logEvents"]), 2)
        self.assertTrue(recent_ms(payload["logEvents"][0]["timestamp"]))

    def test_eventbridge_event(self):
        e = generate("eventbridge", "event", source="shop", detail_type="OrderPlaced",
                     detail='{"orderId": 7}')
        self.assertEqual((e["source"], e["detail-type"]), ("shop", "OrderPlaced"))
        self.assertEqual(e["detail"], {"orderId": 7})
        self.assertTrue(is_uuid(e["id"]))
        p = run_cli("generate-event", "eventbridge", "event", "--detail", "{nope")
        self.assertEqual(p.returncode, 2)

    def test_ids_and_times_are_fresh(self):
        first = generate("apigateway", "aws-proxy")["requestContext"]["requestId"]
        second = generate("apigateway", "aws-proxy")["requestContext"]["requestId"]
        self.assertNotEqual(first, second)
        a = generate("sqs", "receive-message")["Records"][0]["messageId"]
        b = generate("sqs", "receive-message")["Records"][0]["messageId"]
        self.assertNotEqual(a, b)


class HelpTest(unittest.TestCase):
    def test_generate_event_help_lists_services(self):
        p = run_cli("generate-event", "--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        for service in {s for s, _ in SAM_EVENTS}:
            self.assertIn(service, p.stdout)

    def test_service_help_lists_events(self):
        for service in {s for s, _ in SAM_EVENTS}:
            with self.subTest(service=service):
                p = run_cli("generate-event", service, "--help")
                self.assertEqual(p.returncode, 0, p.stderr)
                for s, event in SAM_EVENTS:
                    if s == service:
                        self.assertIn(event, p.stdout)

    def test_event_help_lists_options_with_defaults(self):
        for (service, event), options in SAM_EVENTS.items():
            with self.subTest(service=service, event=event):
                p = run_cli("generate-event", service, event, "--help")
                self.assertEqual(p.returncode, 0, p.stderr)
                for name, default in options.items():
                    self.assertIn(f"--{name}", p.stdout)
                    self.assertIn(default, p.stdout)

    def test_top_level_help_lists_generate_event(self):
        p = run_cli("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("generate-event", p.stdout)


class UsageErrorTest(unittest.TestCase):
    def assert_usage_error(self, args, *expected):
        p = run_cli(*args)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(p.stdout, "")
        for text in expected:
            self.assertIn(text, p.stderr)

    def test_unknown_service_lists_services(self):
        self.assert_usage_error(["generate-event", "nope", "x"], "nope", "apigateway", "sqs",
                                "cloudwatch")

    def test_missing_service_lists_services(self):
        self.assert_usage_error(["generate-event"], "apigateway", "s3")

    def test_unknown_event_lists_events(self):
        self.assert_usage_error(["generate-event", "apigateway", "nope"], "nope", "aws-proxy",
                                "http-api-proxy", "authorizer", "request-authorizer")

    def test_missing_event_lists_events(self):
        self.assert_usage_error(["generate-event", "s3"], "put", "delete")

    def test_unknown_option_lists_options(self):
        self.assert_usage_error(["generate-event", "s3", "put", "--colour", "red"], "--colour",
                                "--bucket", "--key")


if __name__ == "__main__":
    unittest.main()
