"""boto3 against lambda-emu: the real SDK's invoke, its parsed fields, and the
error classes it raises (issue 2 item 10).
"""
import base64
import json
import threading
import unittest
import uuid

from emu import probe_function, serve_for_class


class Boto3InvokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "probe": probe_function(),
            "short": probe_function(Timeout=1),
            "single": probe_function(Timeout=30, ReservedConcurrentExecutions=1),
        })
        cls.client = cls.emu.boto3_client()

    def invoke(self, **kw):
        kw.setdefault("FunctionName", "probe")
        return self.client.invoke(**kw)

    # -- success -------------------------------------------------------------------
    def test_invoke_returns_payload_status_and_version(self):
        payload = json.dumps({"echo": "boto3", "n": 1}).encode()
        resp = self.invoke(Payload=payload)
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", resp)
        self.assertNotIn("LogResult", resp)
        self.assertEqual(resp["Payload"].read(), payload)

    def test_request_id_matches_the_runtime_request_id(self):
        resp = self.invoke(Payload=b'{"env": true}')
        seen = json.loads(resp["Payload"].read())["headers"]["lambda-runtime-aws-request-id"]
        self.assertEqual(resp["ResponseMetadata"]["RequestId"], seen)

    def test_invoke_without_payload(self):
        resp = self.invoke()
        self.assertEqual(resp["StatusCode"], 200)

    def test_function_name_forms(self):
        for name, qualifier in (("arn:aws:lambda:us-east-1:000000000000:function:probe", None),
                                ("arn:aws:lambda:us-east-1:000000000000:function:probe:$LATEST",
                                 None),
                                ("000000000000:function:probe", None),
                                ("probe:$LATEST", None),
                                ("probe", "$LATEST")):
            with self.subTest(name=name, qualifier=qualifier):
                kw = {"FunctionName": name, "Payload": b'{"form":1}'}
                if qualifier:
                    kw["Qualifier"] = qualifier
                resp = self.client.invoke(**kw)
                self.assertEqual(resp["StatusCode"], 200)
                self.assertEqual(resp["Payload"].read(), b'{"form":1}')

    def test_log_type_tail_returns_log_result(self):
        resp = self.invoke(Payload=b'{"print": 1}', LogType="Tail")
        log = base64.b64decode(resp["LogResult"]).decode()
        request_id = resp["ResponseMetadata"]["RequestId"]
        self.assertIn(f"START RequestId: {request_id} Version: $LATEST", log)
        self.assertIn("probe line 0", log)
        self.assertIn(f"END RequestId: {request_id}", log)
        self.assertIn(f"REPORT RequestId: {request_id}", log)

    def test_client_context_reaches_the_runtime(self):
        context = {"custom": {"from": "boto3"}}
        resp = self.invoke(Payload=b'{"env": true}',
                           ClientContext=base64.b64encode(json.dumps(context).encode()).decode())
        headers = json.loads(resp["Payload"].read())["headers"]
        self.assertEqual(json.loads(headers["lambda-runtime-client-context"]), context)

    def test_dry_run_is_204(self):
        resp = self.invoke(InvocationType="DryRun")
        self.assertEqual(resp["StatusCode"], 204)

    def test_five_megabyte_payload_round_trips(self):
        payload = json.dumps({"blob": "b" * (5 << 20)}).encode()
        resp = self.invoke(Payload=payload)
        self.assertEqual(resp["Payload"].read(), payload)

    # -- function errors ------------------------------------------------------------
    def test_function_error_is_reported_in_function_error(self):
        resp = self.invoke(Payload=b'{"error": "kaput", "errorType": "KeyError"}')
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp["FunctionError"], "Unhandled")
        body = json.loads(resp["Payload"].read())
        self.assertEqual((body["errorType"], body["errorMessage"]), ("KeyError", "kaput"))

    def test_timeout_is_function_error_sandbox_timedout(self):
        resp = self.invoke(FunctionName="short", Payload=b'{"sleep": 5}')
        self.assertEqual(resp["FunctionError"], "Unhandled")
        body = json.loads(resp["Payload"].read())
        self.assertEqual(body["errorType"], "Sandbox.Timedout")
        self.assertTrue(body["errorMessage"].endswith("Task timed out after 1.00 seconds"), body)

    def test_crash_is_function_error_runtime_exit_error(self):
        resp = self.invoke(Payload=b'{"exit": 7}')
        self.assertEqual(resp["FunctionError"], "Unhandled")
        body = json.loads(resp["Payload"].read())
        self.assertEqual(body["errorType"], "Runtime.ExitError")
        self.assertTrue(body["errorMessage"].endswith("exit status 7"), body)

    # -- API errors as boto3 exceptions -----------------------------------------------
    def assertErrorResponse(self, response, code, status):
        self.assertEqual(response["Error"]["Code"], code)
        self.assertTrue(response["Error"]["Message"], response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status)
        self.assertTrue(response["ResponseMetadata"].get("RequestId"), response)

    def test_unknown_function_raises_resource_not_found(self):
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException) as cm:
            self.invoke(FunctionName="does-not-exist", Payload=b"{}")
        response = cm.exception.response
        self.assertErrorResponse(response, "ResourceNotFoundException", 404)
        self.assertTrue(response["Error"]["Message"].startswith(
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist"),
            response["Error"])
        self.assertEqual(response.get("Type"), "User")

    def test_unknown_qualifier_raises_resource_not_found(self):
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.invoke(Qualifier="99", Payload=b"{}")

    def test_invalid_json_raises_invalid_request_content(self):
        with self.assertRaises(self.client.exceptions.InvalidRequestContentException) as cm:
            self.invoke(Payload=b"{not json")
        self.assertErrorResponse(cm.exception.response, "InvalidRequestContentException", 400)
        self.assertTrue(cm.exception.response["Error"]["Message"].startswith(
            "Could not parse request body into json"), cm.exception.response["Error"])

    def test_oversized_payload_raises_request_too_large(self):
        payload = b'"' + b"x" * 6_291_456 + b'"'
        with self.assertRaises(self.client.exceptions.RequestTooLargeException) as cm:
            self.invoke(Payload=payload)
        self.assertErrorResponse(cm.exception.response, "RequestTooLargeException", 413)

    def test_malformed_name_raises_a_client_error(self):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            self.invoke(FunctionName="not a valid name!", Payload=b"{}")
        response = cm.exception.response
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertIn(response["Error"]["Code"],
                      ("ValidationException", "InvalidParameterValueException"))

    # -- Invoke API fidelity (issue 11) -------------------------------------------------
    def test_malformed_qualifier_raises_validation_exception_with_lambda_message(self):
        # Lambda's model declares no ValidationException, so botocore raises its base
        # ClientError with the code and message.
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            self.invoke(Qualifier="v1.2", Payload=b"{}")
        self.assertIs(type(cm.exception), ClientError)
        self.assertErrorResponse(cm.exception.response, "ValidationException", 400)
        self.assertEqual(
            cm.exception.response["Error"]["Message"],
            "1 validation error detected: Value 'v1.2' at 'qualifier' failed to satisfy "
            r"constraint: Member must satisfy regular expression pattern: "
            r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+")

    def test_several_violations_raise_one_validation_exception(self):
        from botocore.exceptions import ClientError
        name, qualifier = "a" * 257, "q" * 129
        with self.assertRaises(ClientError) as cm:
            self.invoke(FunctionName=name, Qualifier=qualifier, Payload=b"{}")
        self.assertErrorResponse(cm.exception.response, "ValidationException", 400)
        self.assertEqual(
            cm.exception.response["Error"]["Message"],
            f"2 validation errors detected: Value '{name}' at 'functionName' failed to satisfy "
            "constraint: Member must have length less than or equal to 256; "
            f"Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must have "
            "length less than or equal to 128")

    def test_arn_of_another_region_raises_resource_not_found(self):
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException) as cm:
            self.invoke(FunctionName="arn:aws:lambda:eu-west-1:000000000000:function:probe",
                        Payload=b"{}")
        self.assertErrorResponse(cm.exception.response, "ResourceNotFoundException", 404)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Functions from 'eu-west-1' are not reachable in this region "
                         "('us-east-1')")

    def test_long_name_and_latest_published_raise_resource_not_found(self):
        arn = "arn:aws:lambda:us-east-1:000000000000:function:"
        for kw, qualified in (({"FunctionName": "n" * 100}, arn + "n" * 100 + ":$LATEST"),
                              ({"Qualifier": "$LATEST.PUBLISHED"},
                               arn + "probe:$LATEST.PUBLISHED")):
            with self.subTest(**kw):
                with self.assertRaises(self.client.exceptions.ResourceNotFoundException) as cm:
                    self.invoke(Payload=b"{}", **kw)
                self.assertEqual(cm.exception.response["Error"]["Message"],
                                 "Function not found: " + qualified)

    def test_throttle_raises_too_many_requests_with_reason(self):
        marker = f"holding-the-only-slot-{uuid.uuid4()}"
        hold = threading.Thread(target=self.emu.invoke, args=(
            "single", json.dumps({"stderr": marker, "sleep": 3}).encode()))
        hold.start()
        try:
            self.emu.wait_for_output(marker)  # the only slot is now busy
            with self.assertRaises(self.client.exceptions.TooManyRequestsException) as cm:
                self.invoke(FunctionName="single", Payload=b"{}")
        finally:
            hold.join(30)
        response = cm.exception.response
        self.assertErrorResponse(response, "TooManyRequestsException", 429)
        self.assertEqual(response["Error"]["Message"], "Rate Exceeded.")
        self.assertEqual(response.get("Reason"),
                         "ReservedFunctionConcurrentInvocationLimitExceeded", response)
        # Lambda sends no Retry-After with a throttle (botocore would parse one into
        # retryAfterSeconds).
        self.assertNotIn("retryAfterSeconds", response)
        self.assertNotIn("retry-after", response["ResponseMetadata"]["HTTPHeaders"])
        # Once the slot is free the function works again.
        self.assertEqual(self.invoke(FunctionName="single", Payload=b"[]")["StatusCode"], 200)


if __name__ == "__main__":
    unittest.main()
