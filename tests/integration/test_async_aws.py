"""Asynchronous invocation's AWS destinations with --aws-endpoint-url (issue 13, item 3): SQS,
SNS, EventBridge and S3 destinations and dead-letter queues are sent to the endpoint the way the
SDKs send them, SigV4-signed (tests/lib/fake_aws.py checks every signature with botocore's own
signer and refuses a bad one), with Lambda's invocation record; a send that fails is counted
(DestinationDeliveryFailures) and kept in the state directory with the reason.
"""
import json
import os
import time
import unittest

from emu import EmuServer, probe_function, wait_until
from fake_aws import FakeAws

REGION_ACCOUNT = "us-east-1:000000000000"
EVENT_BUS = f"arn:aws:events:{REGION_ACCOUNT}:event-bus/default"
QUEUE = f"arn:aws:sqs:{REGION_ACCOUNT}:failures"
TOPIC = f"arn:aws:sns:{REGION_ACCOUNT}:dead-letters"
BUCKET = "arn:aws:s3:::failed-events"
RECORD_KEYS = ["version", "timestamp", "requestContext", "requestPayload", "responseContext",
               "responsePayload"]


def destinations(on_success=None, on_failure=None, retries=0):
    config = {"MaximumRetryAttempts": retries, "DestinationConfig": {}}
    if on_success:
        config["DestinationConfig"]["OnSuccess"] = {"Destination": on_success}
    if on_failure:
        config["DestinationConfig"]["OnFailure"] = {"Destination": on_failure}
    return config


class AsyncAwsDestinationsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.aws = FakeAws().start()
        functions = {
            "to-events": probe_function(EventInvokeConfig=destinations(on_success=EVENT_BUS)),
            "to-sqs": probe_function(EventInvokeConfig=destinations(on_failure=QUEUE),
                                     DeadLetterConfig={"TargetArn": TOPIC}),
            "to-s3": probe_function(EventInvokeConfig=destinations(on_failure=BUCKET)),
        }
        cls.emu = EmuServer(functions=functions,
                            args=["--aws-endpoint-url", cls.aws.url, "--async-retry-delays", "0.1"],
                            env={"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                                 "AWS_SESSION_TOKEN": ""})
        cls.emu.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        cls.aws.stop()

    def event(self, name, payload):
        r = self.emu.invoke(name, payload, headers={"X-Amz-Invocation-Type": "Event"})
        self.assertEqual(r.status, 202, r)
        return r.header("x-amzn-RequestId")

    def message_for(self, service, request_id, timeout=15):
        def find():
            for m in self.aws.messages(service):
                if request_id in m["body"] or m.get("attributes", {}).get("RequestID") == request_id:
                    return m
            return None
        self.assertTrue(wait_until(lambda: find() is not None, timeout),
                        f"no {service} message for {request_id}: {self.aws.messages()}")
        return find()

    def async_view(self, name):
        view = json.loads(self.emu.request("GET", "/_emu/async").body)
        return next((f for f in view["Functions"] if f["FunctionName"] == name), None)

    def test_success_record_goes_to_eventbridge_as_lambda_sends_it(self):
        rid = self.event("to-events", {"hello": "bus"})
        m = self.message_for("events", rid)
        self.assertEqual(m["operation"], "PutEvents")
        self.assertEqual(m["source"], "lambda")
        self.assertEqual(m["detail_type"], "Lambda Function Invocation Result - Success")
        self.assertIn(f"arn:aws:lambda:{REGION_ACCOUNT}:function:to-events:$LATEST",
                      m["resources"])
        record = json.loads(m["body"])
        self.assertEqual(list(record), RECORD_KEYS)
        self.assertEqual(record["requestContext"], {
            "requestId": rid,
            "functionArn": f"arn:aws:lambda:{REGION_ACCOUNT}:function:to-events:$LATEST",
            "condition": "Success", "approximateInvokeCount": 1})
        self.assertEqual(record["requestPayload"], {"hello": "bus"})
        self.assertEqual(record["responseContext"],
                         {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(record["responsePayload"], {"hello": "bus"})

    def test_failure_goes_to_sqs_and_the_event_to_the_sns_dead_letter_topic(self):
        payload = {"error": "it broke", "errorType": "Custom.Failure"}
        rid = self.event("to-sqs", payload)
        m = self.message_for("sqs", rid)
        self.assertEqual(m["operation"], "SendMessage")
        self.assertTrue(m["target"].endswith("/000000000000/failures"), m["target"])
        record = json.loads(m["body"])
        self.assertEqual(list(record), RECORD_KEYS)
        self.assertEqual(record["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(record["requestContext"]["approximateInvokeCount"], 1)
        self.assertEqual(record["responseContext"],
                         {"statusCode": 200, "executedVersion": "$LATEST",
                          "functionError": "Unhandled"})
        self.assertEqual(record["responsePayload"]["errorType"], "Custom.Failure")
        # The dead-letter message: the event itself, with Lambda's three attributes.
        dlq = self.message_for("sns", rid)
        self.assertEqual(dlq["operation"], "Publish")
        self.assertEqual(dlq["target"], TOPIC)
        self.assertEqual(json.loads(dlq["body"]), payload)
        self.assertEqual(dlq["attributes"],
                         {"RequestID": rid, "ErrorCode": "200", "ErrorMessage": "it broke"})
        self.assertEqual(dlq["attribute_types"]["ErrorCode"], "Number")
        view = self.async_view("to-sqs")
        self.assertGreaterEqual(view["AsyncEventsDropped"], 1)
        self.assertGreaterEqual(view["DeadLettered"], 1)

    def test_failure_record_goes_to_s3_under_lambdas_key(self):
        rid = self.event("to-s3", {"error": "s3 please"})
        m = self.message_for("s3", rid)
        self.assertEqual(m["bucket"], "failed-events")
        self.assertTrue(m["object_key"].startswith("aws/lambda/async/to-s3/"), m["object_key"])
        self.assertEqual(json.loads(m["body"])["requestContext"]["requestId"], rid)

    def test_a_failed_send_is_counted_and_kept_with_the_reason(self):
        before = self.async_view("to-sqs") or {"DestinationDeliveryFailures": 0}
        self.aws.fail_next(2)  # the record and the dead-letter message
        rid = self.event("to-sqs", {"error": "nowhere to go"})

        def kept():
            body = json.loads(self.emu.request("GET", "/_emu/async/records").body)
            return [r for r in body["Records"] if r["RequestId"] == rid]
        self.assertTrue(wait_until(lambda: len(kept()) == 2, 15), kept())
        by_kind = {r["Kind"]: r for r in kept()}
        self.assertEqual(by_kind["destination"]["Destination"], QUEUE)
        self.assertIn("HTTP 400", by_kind["destination"]["Reason"])
        self.assertEqual(by_kind["destination"]["Body"]["requestContext"]["requestId"], rid)
        self.assertEqual(by_kind["dead-letter"]["Body"], {"error": "nowhere to go"})
        view = self.async_view("to-sqs")
        self.assertEqual(view["DestinationDeliveryFailures"],
                         before["DestinationDeliveryFailures"] + 1)
        self.assertGreaterEqual(view["DeadLetterErrors"], 1)
        metrics = self.emu.request("GET", "/metrics").body.decode()
        self.assertIn('lambda_emu_DestinationDeliveryFailures{function="to-sqs"}', metrics)

    def test_no_request_was_refused_for_its_signature(self):
        time.sleep(0.2)
        refused = [r for r in self.aws.rejected
                   if "Signature" in r[1] or "Expired" in r[1] or "Skewed" in r[1]]
        self.assertEqual(refused, [])


class AwsEndpointFlagTest(unittest.TestCase):
    def test_an_endpoint_with_a_path_is_refused_at_start(self):
        import subprocess
        import tempfile
        from emu import emu_binary
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "lambda-emu.yaml")
            with open(config, "w") as f:
                json.dump({"Functions": {"f": probe_function()}}, f)
            p = subprocess.run([emu_binary(), "serve", "--ephemeral", "--port", "0", "--config",
                                config, "--log-dir", os.path.join(tmp, "logs"),
                                "--aws-endpoint-url", "http://localhost:4566/some/path"],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--aws-endpoint-url", p.stderr)


if __name__ == "__main__":
    unittest.main()
