"""tests/lib/fake_aws.py, the fake AWS endpoint the async-destination tests send to (issue 13).

Checked two ways: real boto3 clients (sqs, sns, events, s3 with endpoint_url=fake.url) must be
served as AWS serves them, bad signatures refused as AWS refuses them; and lambda-emu's own C++
DestinationClient (run from the unit-test binary, test DestinationClientFakeAws.*) must get each
of its four operations accepted by the fake's botocore signature check and recorded intact.
"""
import hashlib
import json
import os
import subprocess
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from emu import emu_binary
from fake_aws import FakeAws, sqs_md5_of_attributes


def client(fake, service, secret="test", token=None, region="us-east-1"):
    return boto3.client(
        service, endpoint_url=fake.url, region_name=region, aws_access_key_id="test",
        aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))


class FakeAwsServesBoto3(unittest.TestCase):
    def setUp(self):
        self.fake = FakeAws().start()
        self.addCleanup(self.fake.stop)

    def test_sqs_send_message_is_recorded_with_attributes(self):
        sqs = client(self.fake, "sqs", region="eu-west-1")
        url = f"{self.fake.url}/000000000000/dlq"
        attributes = {"RequestID": {"DataType": "String", "StringValue": "r-1"},
                      "ErrorMessage": {"DataType": "String", "StringValue": "boom é"}}
        answer = sqs.send_message(QueueUrl=url, MessageBody='{"a": 1}',
                                  MessageAttributes=attributes)
        self.assertEqual(answer["MD5OfMessageBody"], hashlib.md5(b'{"a": 1}').hexdigest())
        self.assertEqual(answer["MD5OfMessageAttributes"], sqs_md5_of_attributes(attributes))
        self.assertTrue(answer["MessageId"])
        [message] = self.fake.wait_for(1)
        self.assertEqual(message["service"], "sqs")
        self.assertEqual(message["operation"], "SendMessage")
        self.assertEqual(message["target"], url)
        self.assertEqual(message["region"], "eu-west-1")
        self.assertEqual(message["body"], '{"a": 1}')
        self.assertEqual(message["attributes"], {"RequestID": "r-1", "ErrorMessage": "boom é"})

    def test_sqs_md5_of_attributes_is_the_length_prefixed_encoding(self):
        # Name, type, transport byte 1 (String) and value, each length-prefixed (big-endian).
        digest = hashlib.md5()
        digest.update(b"\x00\x00\x00\x01k" + b"\x00\x00\x00\x06String" + b"\x01" +
                      b"\x00\x00\x00\x01v")
        self.assertEqual(sqs_md5_of_attributes({"k": {"DataType": "String", "StringValue": "v"}}),
                         digest.hexdigest())

    def test_sns_publish_is_recorded_with_attributes(self):
        sns = client(self.fake, "sns")
        topic = "arn:aws:sns:us-east-1:000000000000:topic"
        answer = sns.publish(TopicArn=topic, Message='{"b": "x y&z"}', MessageAttributes={
            "RequestID": {"DataType": "String", "StringValue": "r-2"},
            "ErrorCode": {"DataType": "Number", "StringValue": "429"}})
        self.assertTrue(answer["MessageId"])
        [message] = self.fake.wait_for(1, service="sns")
        self.assertEqual((message["operation"], message["target"]), ("Publish", topic))
        self.assertEqual(message["body"], '{"b": "x y&z"}')
        self.assertEqual(message["attributes"], {"RequestID": "r-2", "ErrorCode": "429"})
        self.assertEqual(message["attribute_types"], {"RequestID": "String", "ErrorCode": "Number"})

    def test_events_put_events_is_recorded(self):
        events = client(self.fake, "events")
        bus = "arn:aws:events:us-east-1:000000000000:event-bus/default"
        answer = events.put_events(Entries=[{
            "Source": "lambda", "DetailType": "Lambda Function Invocation Result - Success",
            "Detail": '{"c": 3}', "EventBusName": bus, "Resources": ["arn:x"]}])
        self.assertEqual(answer["FailedEntryCount"], 0)
        self.assertTrue(answer["Entries"][0]["EventId"])
        [message] = self.fake.wait_for(1, service="events")
        self.assertEqual(message["target"], bus)
        self.assertEqual(message["detail_type"], "Lambda Function Invocation Result - Success")
        self.assertEqual(message["source"], "lambda")
        self.assertEqual(message["resources"], ["arn:x"])
        self.assertEqual(message["body"], '{"c": 3}')

    def test_s3_put_object_is_recorded_and_readable(self):
        s3 = client(self.fake, "s3")
        key = "aws/lambda/async/fn/2024/01/02/2024-01-02T03.04.05-id"
        answer = s3.put_object(Bucket="failures", Key=key, Body=b'{"d": 4}')
        self.assertEqual(answer["ETag"], '"%s"' % hashlib.md5(b'{"d": 4}').hexdigest())
        [message] = self.fake.wait_for(1, service="s3")
        self.assertEqual((message["bucket"], message["object_key"]), ("failures", key))
        self.assertEqual(message["target"], f"failures/{key}")
        self.assertEqual(message["body"], '{"d": 4}')
        self.assertEqual(s3.get_object(Bucket="failures", Key=key)["Body"].read(), b'{"d": 4}')

    def test_session_token_requests_are_accepted(self):
        sqs = client(self.fake, "sqs", token="session-token")
        sqs.send_message(QueueUrl=f"{self.fake.url}/000000000000/q", MessageBody="x")
        [message] = self.fake.wait_for(1)
        self.assertEqual(message["headers"]["x-amz-security-token"], "session-token")

    def test_a_wrong_secret_gets_signature_does_not_match(self):
        for service, call in [
            ("sqs", lambda c: c.send_message(QueueUrl=f"{self.fake.url}/0/q", MessageBody="x")),
            ("sns", lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:0:t", Message="x")),
            ("events", lambda c: c.put_events(Entries=[{"Source": "s", "DetailType": "d",
                                                        "Detail": "{}"}])),
            ("s3", lambda c: c.put_object(Bucket="b", Key="k", Body=b"x")),
        ]:
            with self.subTest(service=service):
                with self.assertRaises(ClientError) as caught:
                    call(client(self.fake, service, secret="wrong"))
                self.assertEqual(caught.exception.response["Error"]["Code"],
                                 "SignatureDoesNotMatch")
                self.assertEqual(
                    caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(self.fake.messages(), [])
        self.assertEqual(len(self.fake.rejected), 4)

    def test_unsigned_requests_are_refused(self):
        import urllib.request
        request = urllib.request.Request(self.fake.url + "/", data=b"{}", method="POST", headers={
            "X-Amz-Target": "AmazonSQS.SendMessage",
            "Content-Type": "application/x-amz-json-1.0"})
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        self.assertEqual(caught.exception.code, 403)
        self.assertEqual(self.fake.messages(), [])

    def test_a_request_signed_long_ago_is_refused(self):
        from unittest import mock
        import datetime
        stale = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - \
            datetime.timedelta(minutes=20)
        with mock.patch("botocore.auth.get_current_datetime", return_value=stale):
            with self.assertRaises(ClientError) as caught:
                client(self.fake, "sqs").send_message(QueueUrl=f"{self.fake.url}/0/q",
                                                      MessageBody="x")
        self.assertEqual(caught.exception.response["Error"]["Code"], "RequestExpired")
        self.assertEqual(self.fake.messages(), [])

    def test_fail_next_answers_each_services_error_then_recovers(self):
        sqs = client(self.fake, "sqs")
        self.fake.fail_next(2)
        for _ in range(2):
            with self.assertRaises(ClientError) as caught:
                sqs.send_message(QueueUrl=f"{self.fake.url}/000000000000/q", MessageBody="x")
            self.assertEqual(caught.exception.response["Error"]["Code"],
                             "AWS.SimpleQueueService.NonExistentQueue")
        sqs.send_message(QueueUrl=f"{self.fake.url}/000000000000/q", MessageBody="x")

        self.fake.fail_next(1, status=404, code="NotFound", message="Topic does not exist")
        with self.assertRaises(ClientError) as caught:
            client(self.fake, "sns").publish(TopicArn="arn:aws:sns:us-east-1:0:t", Message="x")
        self.assertEqual(caught.exception.response["Error"]["Code"], "NotFound")
        self.assertEqual(caught.exception.response["Error"]["Message"], "Topic does not exist")

        self.fake.fail_next(1, status=200, code="InternalFailure")
        answer = client(self.fake, "events").put_events(
            Entries=[{"Source": "lambda", "DetailType": "d", "Detail": "{}"}])
        self.assertEqual(answer["FailedEntryCount"], 1)
        self.assertEqual(answer["Entries"][0]["ErrorCode"], "InternalFailure")

        self.fake.fail_next(1)
        with self.assertRaises(ClientError) as caught:
            client(self.fake, "s3").put_object(Bucket="b", Key="k", Body=b"x")
        self.assertEqual(caught.exception.response["Error"]["Code"], "NoSuchBucket")
        self.assertEqual(len(self.fake.messages()), 1)

    def test_wait_for_times_out_with_what_arrived(self):
        started = time.monotonic()
        with self.assertRaises(AssertionError) as caught:
            self.fake.wait_for(1, timeout=0.2)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn("0 of 1 messages", str(caught.exception))

    def test_context_manager_stops_the_server(self):
        with FakeAws() as fake:
            url = fake.url
            client(fake, "sqs").send_message(QueueUrl=f"{url}/0/q", MessageBody="x")
        import urllib.request
        with self.assertRaises(OSError):
            urllib.request.urlopen(url + "/", timeout=2)


class LambdaEmuDestinationClientAgainstFakeAws(unittest.TestCase):
    """The C++ aws::DestinationClient, end to end, verified by botocore in the fake."""

    def test_every_operation_is_accepted_and_recorded_intact(self):
        unit_tests = os.path.join(os.path.dirname(emu_binary()), "tests", "unit_tests")
        if not os.access(unit_tests, os.X_OK):
            self.skipTest(f"{unit_tests} not built")
        with FakeAws() as fake:
            run = subprocess.run(
                [unit_tests, "--gtest_filter=DestinationClientFakeAws.*"],
                env={**os.environ, "LAMBDA_EMU_FAKE_AWS_URL": fake.url},
                capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("[  PASSED  ] 1 test", run.stdout)
            self.assertNotIn("SKIPPED", run.stdout)
            by_service = {m["service"]: m for m in fake.messages()}
            self.assertEqual(sorted(by_service), ["events", "s3", "sns", "sqs"])
            attributes = {"RequestID": "cpp-request-1", "ErrorCode": "200",
                          "ErrorMessage": "boom: x=1&y=2 + é / ~"}

            sqs = by_service["sqs"]
            self.assertEqual(sqs["target"], f"{fake.url}/000000000000/cpp-dlq")
            self.assertEqual(sqs["region"], "us-east-1")
            self.assertEqual(json.loads(sqs["body"]),
                             {"from": "cpp", "service": "sqs", "text": "a b&c=d é"})
            self.assertEqual(sqs["attributes"], attributes)
            self.assertEqual(sqs["attribute_types"], {"RequestID": "String", "ErrorCode": "Number",
                                                      "ErrorMessage": "String"})
            self.assertEqual(sqs["headers"]["x-amz-target"], "AmazonSQS.SendMessage")

            sns = by_service["sns"]
            self.assertEqual(sns["target"], "arn:aws:sns:eu-west-1:000000000000:cpp-topic")
            self.assertEqual(sns["region"], "eu-west-1")
            self.assertEqual(json.loads(sns["body"]),
                             {"from": "cpp", "service": "sns", "text": "a b&c=d +%"})
            self.assertEqual(sns["attributes"], attributes)
            self.assertEqual(sns["attribute_types"]["ErrorCode"], "Number")

            events = by_service["events"]
            self.assertEqual(events["target"],
                             "arn:aws:events:us-east-1:000000000000:event-bus/default")
            self.assertEqual(events["source"], "lambda")
            self.assertEqual(events["detail_type"], "Lambda Function Invocation Result - Success")
            self.assertEqual(events["resources"][1], events["target"])
            self.assertEqual(json.loads(events["body"]), {"from": "cpp", "service": "events"})

            s3 = by_service["s3"]
            self.assertEqual(s3["bucket"], "cpp-failures")
            self.assertEqual(s3["object_key"],
                             "aws/lambda/async/cpp-fn/2024/01/02/"
                             "2024-01-02T03.04.05-0f6c1a4e-6a48-4d9b-9c1e-2f3a4b5c6d7e")
            self.assertEqual(s3["region"], "eu-central-1")
            self.assertEqual(json.loads(s3["body"]), {"from": "cpp", "service": "s3"})

            # The one sent with a wrong secret was refused by the signature check.
            self.assertEqual([r[0] for r in fake.rejected], ["sqs"])
            self.assertIn("SignatureDoesNotMatch", fake.rejected[0][1])


if __name__ == "__main__":
    unittest.main()
