"""Destinations and dead-letter queues of asynchronous invocation (issue 13, item 3).

The invocation record is compared whole, key order included, with the record AWS sends:
    {"version": "1.0", "timestamp": "YYYY-MM-DDTHH:MM:SS.mmmZ",
     "requestContext": {"requestId", "functionArn" (...:$LATEST), "condition",
                        "approximateInvokeCount"},
     "requestPayload": the event,
     "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                         "functionError": "Unhandled" (only after a failure)},
     "responsePayload": what the function returned, or its error}
for each condition (Success, RetriesExhausted, EventAgeExceeded), through a Lambda destination
(a sink function that prints its event) and through the records an SQS destination keeps in
the state directory without --aws-endpoint-url (GET /_emu/async/records). A dead-letter queue
gets the original event as the body.
"""
import datetime
import io
import json
import os
import unittest
import zipfile

from async_support import (APP, SINK, TIMESTAMP_RE, function_arn, function_view, invoke_event,
                           now_ms, ordered, records, sam_server_for_class, sink_records,
                           starts, wait_for, wait_idle)

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

OK_QUEUE = "arn:aws:sqs:us-east-1:000000000000:ok-queue"
FAILED_QUEUE = "arn:aws:sqs:us-east-1:000000000000:failed-queue"
DLQ = "arn:aws:sqs:us-east-1:000000000000:dead-letters"
TOPIC = "arn:aws:sns:us-east-1:000000000000:failures"
BUS = "arn:aws:events:us-east-1:000000000000:event-bus/default"

FUNCTIONS = SINK + f"""
ToLambda:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumRetryAttempts: 1
      DestinationConfig:
        OnSuccess: {{ Type: Lambda, Destination: !GetAtt Sink.Arn }}
        OnFailure: {{ Type: Lambda, Destination: !GetAtt Sink.Arn }}
ToQueue:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumRetryAttempts: 1
      DestinationConfig:
        OnSuccess: {{ Type: SQS, Destination: {OK_QUEUE} }}
        OnFailure: {{ Type: SQS, Destination: {FAILED_QUEUE} }}
ToTopicAndBus:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumRetryAttempts: 0
      DestinationConfig:
        OnSuccess: {{ Type: EventBridge, Destination: {BUS} }}
        OnFailure: {{ Type: SNS, Destination: {TOPIC} }}
Aliased:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    AutoPublishAlias: live
    EventInvokeConfig:
      DestinationConfig:
        OnSuccess: {{ Type: Lambda, Destination: !GetAtt Sink.Arn }}
WithDlq:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumRetryAttempts: 0
    DeadLetterQueue: {{ Type: SQS, TargetArn: {DLQ} }}
"""

# A retry delay longer than the maximum age: the first failure ends the event.
AGE_FUNCTIONS = SINK + f"""
AgeToLambda:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumEventAgeInSeconds: 60
      DestinationConfig:
        OnFailure: {{ Type: Lambda, Destination: !GetAtt Sink.Arn }}
AgeToQueue:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumEventAgeInSeconds: 60
      DestinationConfig:
        OnFailure: {{ Type: SQS, Destination: {FAILED_QUEUE} }}
"""


def zip_of(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


class RecordAssertions(unittest.TestCase):
    emu = None

    def error_payload(self, function, event, request_id):
        """What the function's error looks like, from a synchronous invoke of the same event,
        with the request id of the asynchronous one."""
        r = self.emu.invoke(function, event)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        error = json.loads(r.body)
        self.assertIn("requestId", error)
        error["requestId"] = request_id
        return error

    def assertRecord(self, text, *, request_id, function, condition, count, event, response,
                     failed, accepted_ms):
        """text (JSON) is exactly the invocation record AWS sends, key order included."""
        record = json.loads(text)
        timestamp = record.get("timestamp", "")
        self.assertRegex(timestamp, TIMESTAMP_RE)
        at = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp() * 1000
        self.assertTrue(accepted_ms - 1000 <= at <= now_ms() + 1000,
                        f"timestamp {timestamp} is not between the 202 and now")
        response_context = {"statusCode": 200, "executedVersion": "$LATEST"}
        if failed:
            response_context["functionError"] = "Unhandled"
        expected = {
            "version": "1.0",
            "timestamp": timestamp,
            "requestContext": {
                "requestId": request_id,
                "functionArn": function_arn(function),
                "condition": condition,
                "approximateInvokeCount": count,
            },
            "requestPayload": event,
            "responseContext": response_context,
            "responsePayload": response,
        }
        self.assertEqual(ordered(text), ordered(expected), f"\nrecord:   {text}\nexpected: "
                                                           f"{json.dumps(expected)}")

    def sink_record(self, request_id):
        """The record the sink printed for request_id, as text."""
        def find():
            for text in sink_records(self.emu):
                if json.loads(text)["requestContext"]["requestId"] == request_id:
                    return text
            return None
        return wait_for(find, f"the sink's record of {request_id}")

    def stored_record(self, destination, request_id):
        """(the stored record as ordered pairs, its Body as JSON text) for request_id."""
        def find():
            r = records(self.emu, destination)
            for pairs in dict(ordered(r.body))["Records"]:
                if dict(pairs)["RequestId"] == request_id:
                    return pairs
            return None
        pairs = wait_for(find, f"a record for {destination} of {request_id}")
        return pairs


def body_text(pairs):
    """The Body of a stored record (ordered pairs) back as JSON text, key order intact."""
    def back(value):
        if isinstance(value, list) and all(isinstance(p, tuple) for p in value) and value:
            return {k: back(v) for k, v in value}
        if isinstance(value, list):
            return [back(v) for v in value]
        return value
    return json.dumps(back(dict(pairs)["Body"]))


class DestinationsTest(RecordAssertions):
    @classmethod
    def setUpClass(cls):
        cls.emu = sam_server_for_class(cls, FUNCTIONS,
                                       args=["--async-retry-delays", "0.2", "--no-cpu-limit"])

    def test_success_record_through_a_lambda_destination(self):
        event = {"n": 1, "a": "first key is n, not a"}
        accepted = now_ms()
        request_id = invoke_event(self.emu, "ToLambda", event)
        self.assertRecord(self.sink_record(request_id), request_id=request_id,
                          function="ToLambda", condition="Success", count=1, event=event,
                          response={"ok": 1}, failed=False, accepted_ms=accepted)

    def test_success_after_a_retry_counts_two_invokes(self):
        counter = os.path.join(self.emu.tmp, "counter-lambda-retry")
        event = {"fail_first": 1, "counter": counter, "n": 2}
        accepted = now_ms()
        request_id = invoke_event(self.emu, "ToLambda", event)
        self.assertRecord(self.sink_record(request_id), request_id=request_id,
                          function="ToLambda", condition="Success", count=2, event=event,
                          response={"ok": 2}, failed=False, accepted_ms=accepted)

    def test_retries_exhausted_record_through_a_lambda_destination(self):
        event = {"fail": "always fails (lambda destination)"}
        accepted = now_ms()
        request_id = invoke_event(self.emu, "ToLambda", event)
        text = self.sink_record(request_id)
        wait_idle(self.emu, "ToLambda")
        self.assertEqual(starts(self.emu, "ToLambda", request_id), 2)
        self.assertRecord(text, request_id=request_id, function="ToLambda",
                          condition="RetriesExhausted", count=2, event=event,
                          response=self.error_payload("ToLambda", event, request_id),
                          failed=True, accepted_ms=accepted)

    def test_the_destination_function_gets_the_record_as_an_event_of_its_own(self):
        request_id = invoke_event(self.emu, "ToLambda", {"n": 3})
        self.sink_record(request_id)
        wait_idle(self.emu, "Sink")
        sink = function_view(self.emu, "Sink")
        self.assertGreaterEqual(sink["AsyncEventsReceived"], 1)
        self.assertEqual(sink["AsyncEventsDropped"], 0)

    def test_record_of_an_alias_names_the_alias(self):
        """SAM puts the EventInvokeConfig of a function with AutoPublishAlias on the alias."""
        event = {"n": 8}
        accepted = now_ms()
        r = self.emu.request("POST", "/2015-03-31/functions/Aliased/invocations?Qualifier=live",
                             json.dumps(event), {"X-Amz-Invocation-Type": "Event"})
        self.assertEqual(r.status, 202, r)
        request_id = r.header("x-amzn-RequestId")
        text = self.sink_record(request_id)
        executed = self.emu.invoke("Aliased", {"n": 0}, qualifier="live").header(
            "X-Amz-Executed-Version")
        record = json.loads(text)
        self.assertEqual(record["requestContext"]["functionArn"],
                         function_arn("Aliased", "live"))
        self.assertEqual(record["responseContext"]["executedVersion"], executed)
        self.assertEqual(record["responsePayload"], {"ok": 8})
        self.assertGreaterEqual(now_ms(), accepted)

    def test_put_function_event_invoke_config_on_an_api_function(self):
        """A function made with CreateFunction gets its settings from
        PutFunctionEventInvokeConfig; its destination may be a function of the template."""
        client = self.emu.boto3_client()
        client.create_function(
            FunctionName="ApiWorker", Runtime="python3.12", Handler="index.worker",
            Role="arn:aws:iam::000000000000:role/lambda-role",
            Code={"ZipFile": zip_of({"index.py": APP})})
        self.addCleanup(client.delete_function, FunctionName="ApiWorker")
        for retries in (1, 0):
            client.put_function_event_invoke_config(
                FunctionName="ApiWorker", MaximumRetryAttempts=retries,
                DestinationConfig={"OnFailure": {"Destination": function_arn("Sink", None)}})
            event = {"fail": f"api function, {retries} retries"}
            request_id = invoke_event(self.emu, "ApiWorker", event)
            record = json.loads(self.sink_record(request_id))
            wait_idle(self.emu, "ApiWorker")
            self.assertEqual(record["requestContext"], {
                "requestId": request_id, "functionArn": function_arn("ApiWorker"),
                "condition": "RetriesExhausted", "approximateInvokeCount": retries + 1})
            self.assertEqual(starts(self.emu, "ApiWorker", request_id), retries + 1)

    def assertStoredRecord(self, pairs, *, destination, kind, function, request_id, condition):
        keys = [k for k, _ in pairs]
        self.assertEqual(keys, ["Seq", "Kind", "Destination", "FunctionName", "RequestId",
                                "Condition", "CreatedAt", "Reason", "Body"])
        r = dict(pairs)
        self.assertEqual((r["Kind"], r["Destination"], r["FunctionName"], r["RequestId"],
                          r["Condition"]), (kind, destination, function, request_id, condition))
        self.assertRegex(r["CreatedAt"], TIMESTAMP_RE)
        self.assertIn("--aws-endpoint-url", r["Reason"])

    def test_success_record_kept_for_an_sqs_destination(self):
        event = {"n": 4, "nested": {"z": 1, "a": 2}}
        accepted = now_ms()
        request_id = invoke_event(self.emu, "ToQueue", event)
        pairs = self.stored_record(OK_QUEUE, request_id)
        self.assertStoredRecord(pairs, destination=OK_QUEUE, kind="destination",
                                function="ToQueue", request_id=request_id, condition="Success")
        self.assertRecord(body_text(pairs), request_id=request_id, function="ToQueue",
                          condition="Success", count=1, event=event, response={"ok": 4},
                          failed=False, accepted_ms=accepted)

    def test_retries_exhausted_record_kept_for_an_sqs_destination(self):
        event = {"fail": "always fails (sqs destination)"}
        accepted = now_ms()
        request_id = invoke_event(self.emu, "ToQueue", event)
        pairs = self.stored_record(FAILED_QUEUE, request_id)
        self.assertStoredRecord(pairs, destination=FAILED_QUEUE, kind="destination",
                                function="ToQueue", request_id=request_id,
                                condition="RetriesExhausted")
        self.assertRecord(body_text(pairs), request_id=request_id, function="ToQueue",
                          condition="RetriesExhausted", count=2, event=event,
                          response=self.error_payload("ToQueue", event, request_id),
                          failed=True, accepted_ms=accepted)
        # Filtered by destination: nothing of the other queue.
        for other in dict(ordered(records(self.emu, OK_QUEUE).body))["Records"]:
            self.assertEqual(dict(other)["Destination"], OK_QUEUE)

    def test_sns_and_eventbridge_destinations_are_kept_too(self):
        ok_id = invoke_event(self.emu, "ToTopicAndBus", {"n": 5})
        failed_id = invoke_event(self.emu, "ToTopicAndBus", {"fail": "to the topic"})
        bus = dict(self.stored_record(BUS, ok_id))
        topic = dict(self.stored_record(TOPIC, failed_id))
        self.assertEqual((bus["Condition"], topic["Condition"]), ("Success", "RetriesExhausted"))
        self.assertEqual(dict(dict(topic["Body"])["requestContext"])["approximateInvokeCount"], 1)

    def test_dead_letter_queue_gets_the_original_event(self):
        event = {"fail": "to the dead-letter queue", "b": [1, {"y": 2, "x": 1}]}
        before = function_view(self.emu, "WithDlq") or {"DeadLettered": 0}
        request_id = invoke_event(self.emu, "WithDlq", event)
        pairs = self.stored_record(DLQ, request_id)
        self.assertStoredRecord(pairs, destination=DLQ, kind="dead-letter", function="WithDlq",
                                request_id=request_id, condition="RetriesExhausted")
        self.assertEqual(ordered(body_text(pairs)), ordered(event))
        wait_idle(self.emu, "WithDlq")
        self.assertEqual(starts(self.emu, "WithDlq", request_id), 1)
        after = function_view(self.emu, "WithDlq")
        self.assertEqual(after["DeadLettered"], before["DeadLettered"] + 1)
        self.assertEqual(after["DeadLetterErrors"], 0)

    def test_a_successful_event_is_not_dead_lettered(self):
        request_id = invoke_event(self.emu, "WithDlq", {"n": 6})
        wait_idle(self.emu, "WithDlq")
        kept = [dict(p)["RequestId"] for p in dict(ordered(records(self.emu, DLQ).body))["Records"]]
        self.assertNotIn(request_id, kept)


class EventAgeExceededTest(RecordAssertions):
    """MaximumEventAgeInSeconds 60 and a retry delay of 120 s: the retry would come after the
    event expired, so the first failure ends it with EventAgeExceeded (one invoke)."""

    @classmethod
    def setUpClass(cls):
        cls.emu = sam_server_for_class(cls, AGE_FUNCTIONS,
                                       args=["--async-retry-delays", "120", "--no-cpu-limit"])

    def test_event_age_exceeded_record_through_a_lambda_destination(self):
        event = {"fail": "too old to retry (lambda)"}
        accepted = now_ms()
        request_id = invoke_event(self.emu, "AgeToLambda", event)
        text = self.sink_record(request_id)
        wait_idle(self.emu, "AgeToLambda")
        self.assertEqual(starts(self.emu, "AgeToLambda", request_id), 1)
        self.assertRecord(text, request_id=request_id, function="AgeToLambda",
                          condition="EventAgeExceeded", count=1, event=event,
                          response=self.error_payload("AgeToLambda", event, request_id),
                          failed=True, accepted_ms=accepted)
        wait_idle(self.emu, "AgeToLambda")
        view = function_view(self.emu, "AgeToLambda")
        self.assertEqual((view["WaitingForRetry"], view["AsyncEventsDropped"]), (0, 1))

    def test_event_age_exceeded_record_kept_for_an_sqs_destination(self):
        event = {"fail": "too old to retry (sqs)"}
        accepted = now_ms()
        request_id = invoke_event(self.emu, "AgeToQueue", event)
        pairs = self.stored_record(FAILED_QUEUE, request_id)
        self.assertEqual(dict(pairs)["Condition"], "EventAgeExceeded")
        self.assertRecord(body_text(pairs), request_id=request_id, function="AgeToQueue",
                          condition="EventAgeExceeded", count=1, event=event,
                          response=self.error_payload("AgeToQueue", event, request_id),
                          failed=True, accepted_ms=accepted)


if __name__ == "__main__":
    unittest.main()
