"""Invoke API (DESIGN.md §2): addressing, headers, payload validation, API errors.

Starts the real lambda-emu with the probe runtime and talks HTTP to it.
"""
import base64
import http.client
import json
import re
import unittest
import time
import uuid

from emu import probe_function, serve_for_class

ACCOUNT = "000000000000"
REGION = "us-east-1"
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:probe"
MAX_SYNC_PAYLOAD = 6_291_456
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def json_string_of_size(n):
    """A valid JSON document (a string) of exactly n bytes."""
    return b'"' + b"x" * (n - 2) + b'"'


class InvokeApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {"probe": probe_function(), "dry-only": probe_function()})

    # -- helpers -----------------------------------------------------------
    def assertApiError(self, r, status, error_type):
        self.assertEqual(r.status, status, r)
        # botocore reads the type from the header; AWS may append ":<url>".
        header = r.header("x-amzn-ErrorType")
        self.assertIsNotNone(header, f"no x-amzn-ErrorType header: {r}")
        self.assertEqual(header.split(":")[0], error_type, r)
        body = r.json()
        self.assertIsInstance(body, dict, r)
        self.assertEqual(body.get("Type"), "User", r)
        message = body.get("message", body.get("Message"))
        self.assertIsInstance(message, str, r)
        self.assertTrue(message, r)
        self.assertIsNotNone(r.header("x-amzn-RequestId"), r)
        return message

    def assertEchoed(self, r, payload):
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        self.assertEqual(r.body, payload)

    # -- addressing ----------------------------------------------------------
    def test_invoke_by_name_returns_function_bytes(self):
        payload = b'{"echo": "by-name", "n": [1, 2, 3]}'
        self.assertEchoed(self.emu.invoke("probe", payload), payload)

    def test_invoke_by_full_arn(self):
        payload = b'{"echo":"full-arn"}'
        self.assertEchoed(self.emu.invoke(ARN, payload), payload)

    def test_invoke_by_full_arn_percent_encoded_as_sdks_send_it(self):
        payload = b'{"echo":"encoded-arn"}'
        self.assertEchoed(self.emu.invoke(ARN.replace(":", "%3A"), payload), payload)

    def test_invoke_by_full_arn_with_latest_qualifier(self):
        payload = b'{"echo":"arn-latest"}'
        r = self.emu.invoke(ARN + ":%24LATEST", payload)
        self.assertEchoed(r, payload)
        self.assertEqual(r.header("X-Amz-Executed-Version"), "$LATEST")

    def test_invoke_by_partial_arn(self):
        payload = b'{"echo":"partial-arn"}'
        self.assertEchoed(self.emu.invoke(f"{ACCOUNT}:function:probe", payload), payload)

    def test_invoke_by_name_colon_latest(self):
        payload = b'{"echo":"name-latest"}'
        r = self.emu.invoke("probe:$LATEST", payload)
        self.assertEchoed(r, payload)
        self.assertEqual(r.header("X-Amz-Executed-Version"), "$LATEST")

    def test_invoke_with_qualifier_query_latest(self):
        payload = b'{"echo":"query-latest"}'
        for qualifier in ("$LATEST", "%24LATEST"):
            with self.subTest(qualifier=qualifier):
                r = self.emu.invoke("probe", payload, qualifier=qualifier)
                self.assertEchoed(r, payload)
                self.assertEqual(r.header("X-Amz-Executed-Version"), "$LATEST")

    def test_unknown_function_is_404_resource_not_found(self):
        r = self.emu.invoke("no-such-function", b"{}")
        message = self.assertApiError(r, 404, "ResourceNotFoundException")
        self.assertTrue(
            message.startswith(f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}"
                               ":function:no-such-function"), message)

    def test_unknown_function_by_arn_is_404(self):
        r = self.emu.invoke(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:nope", b"{}")
        self.assertApiError(r, 404, "ResourceNotFoundException")

    def test_unknown_qualifier_in_name_is_404(self):
        for name in ("probe:7", "probe:prod"):
            with self.subTest(name=name):
                message = self.assertApiError(self.emu.invoke(name, b"{}"), 404,
                                              "ResourceNotFoundException")
                self.assertIn("probe", message)

    def test_unknown_qualifier_in_query_is_404(self):
        r = self.emu.invoke("probe", b"{}", qualifier="42")
        self.assertApiError(r, 404, "ResourceNotFoundException")

    def test_malformed_function_name_is_400(self):
        # (A name of 65+ characters is well-formed for Invoke: 404, test_invoke_validation.)
        for name in ("bad%20name", "bad!name", "probe:bad:qualifier:parts"):
            with self.subTest(name=name):
                r = self.emu.invoke(name, b"{}")
                self.assertEqual(r.status, 400, r)
                error_type = (r.header("x-amzn-ErrorType") or "").split(":")[0]
                self.assertIn(error_type, ("ValidationException", "InvalidParameterValueException"),
                              r)

    # -- payload validation ----------------------------------------------------
    def test_non_json_payload_is_400_invalid_request_content(self):
        for payload in (b"not json", b'{"a":', b"{'single': 'quotes'}"):
            with self.subTest(payload=payload):
                r = self.emu.invoke("probe", payload)
                message = self.assertApiError(r, 400, "InvalidRequestContentException")
                self.assertTrue(message.startswith("Could not parse request body into json"),
                                message)

    def test_json_scalars_and_arrays_are_valid_payloads(self):
        for payload in (b'"a string"', b"[1,2,3]", b"42", b"null", b"true"):
            with self.subTest(payload=payload):
                self.assertEchoed(self.emu.invoke("probe", payload), payload)

    def test_empty_payload_is_accepted(self):
        r = self.emu.invoke("probe", b"")
        self.assertEqual(r.status, 200, r)

    def test_unicode_payload_round_trips_byte_for_byte(self):
        payload = json.dumps({"echo": "héllo wörld ✓ 😀"}, ensure_ascii=False).encode()
        self.assertEchoed(self.emu.invoke("probe", payload), payload)

    def test_payload_at_limit_is_accepted(self):
        payload = json_string_of_size(MAX_SYNC_PAYLOAD)
        r = self.emu.invoke("probe", payload)
        self.assertEchoed(r, payload)

    def test_payload_over_limit_is_413_request_too_large(self):
        r = self.emu.invoke("probe", json_string_of_size(MAX_SYNC_PAYLOAD + 1))
        self.assertApiError(r, 413, "RequestTooLargeException")

    def test_server_still_serves_after_oversized_payload(self):
        try:
            self.emu.invoke("probe", json_string_of_size(MAX_SYNC_PAYLOAD + 100_000))
        except (OSError, http.client.HTTPException):
            pass  # whether the 413 is readable is test_payload_over_limit_is_413_...
        payload = b'{"echo":"after-413"}'
        self.assertEchoed(self.emu.invoke("probe", payload), payload)

    def test_five_megabyte_payload_round_trips(self):
        payload = json.dumps({"blob": "0123456789abcdef" * (5 * 65536)}).encode()
        self.assertEchoed(self.emu.invoke("probe", payload), payload)

    # -- invocation types and headers -------------------------------------------
    def test_dry_run_is_204_with_empty_body_and_runs_nothing(self):
        r = self.emu.invoke("dry-only", b'{"echo":"dry"}',
                            headers={"X-Amz-Invocation-Type": "DryRun"})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        time.sleep(0.5)
        # Nothing ran: no console line of that function, no START in its log file.
        self.assertNotIn("dry-only", self.emu.stdout())
        try:
            self.assertNotIn("START", self.emu.log_file("dry-only"))
        except FileNotFoundError:
            pass

    def test_dry_run_of_unknown_function_is_404(self):
        r = self.emu.invoke("nope", b"{}", headers={"X-Amz-Invocation-Type": "DryRun"})
        self.assertApiError(r, 404, "ResourceNotFoundException")

    def test_explicit_request_response_type_is_200(self):
        payload = b'{"echo":"rr"}'
        r = self.emu.invoke("probe", payload,
                            headers={"X-Amz-Invocation-Type": "RequestResponse"})
        self.assertEchoed(r, payload)

    def test_success_carries_executed_version_and_request_id(self):
        r = self.emu.invoke("probe", b'{"env":true}')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Executed-Version"), "$LATEST")
        request_id = r.header("x-amzn-RequestId")
        self.assertRegex(request_id or "", UUID_RE)
        # The id the caller sees is the id the runtime was given.
        self.assertEqual(r.json()["headers"]["lambda-runtime-aws-request-id"], request_id)

    def test_request_ids_are_unique_per_invoke(self):
        ids = {self.emu.invoke("probe", b"{}").header("x-amzn-RequestId") for _ in range(5)}
        self.assertEqual(len(ids), 5)

    def test_function_error_is_200_with_unhandled_header(self):
        r = self.emu.invoke("probe", b'{"error":"boom","errorType":"ValueError"}')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled")
        self.assertEqual(r.header("X-Amz-Executed-Version"), "$LATEST")
        body = r.json()
        self.assertEqual(body["errorMessage"], "boom")
        self.assertEqual(body["errorType"], "ValueError")

    # -- Tail ---------------------------------------------------------------------
    def test_log_type_tail_returns_base64_log_of_this_invoke(self):
        r = self.emu.invoke("probe", b'{"print":2}', headers={"X-Amz-Log-Type": "Tail"})
        self.assertEqual(r.status, 200, r)
        request_id = r.header("x-amzn-RequestId")
        log = base64.b64decode(r.header("X-Amz-Log-Result")).decode()
        self.assertIn(f"START RequestId: {request_id} Version: $LATEST", log)
        self.assertIn("probe line 0\n", log)
        self.assertIn("probe line 1\n", log)
        self.assertIn(f"END RequestId: {request_id}", log)
        self.assertIn(f"REPORT RequestId: {request_id}\tDuration: ", log)
        self.assertLess(log.index("START"), log.index("probe line 0"))
        self.assertLess(log.index("probe line 1"), log.index("END RequestId"))
        self.assertLess(log.index("END RequestId"), log.index("REPORT RequestId"))

    def test_tail_contains_no_other_invocation(self):
        first = self.emu.invoke("probe", b'{"print":1}').header("x-amzn-RequestId")
        r = self.emu.invoke("probe", b'{"print":1}', headers={"X-Amz-Log-Type": "Tail"})
        log = r.log_tail()
        self.assertNotIn(first, log)
        self.assertIn(r.header("x-amzn-RequestId"), log)

    def test_tail_is_at_most_4kb_and_keeps_the_end(self):
        r = self.emu.invoke("probe", b'{"print":2000}', headers={"X-Amz-Log-Type": "Tail"})
        self.assertEqual(r.status, 200, r)
        raw = base64.b64decode(r.header("X-Amz-Log-Result"))
        self.assertLessEqual(len(raw), 4096)
        self.assertGreater(len(raw), 3000)
        log = raw.decode(errors="replace")
        self.assertIn(f"REPORT RequestId: {r.header('x-amzn-RequestId')}", log)
        self.assertIn("probe line 1999", log)
        self.assertNotIn("probe line 0\n", log)

    def test_no_log_result_without_tail(self):
        for headers in ({}, {"X-Amz-Log-Type": "None"}):
            with self.subTest(headers=headers):
                r = self.emu.invoke("probe", b"{}", headers=headers)
                self.assertEqual(r.status, 200, r)
                self.assertIsNone(r.header("X-Amz-Log-Result"))

    def test_tail_on_function_error(self):
        r = self.emu.invoke("probe", b'{"error":"tail-err"}', headers={"X-Amz-Log-Type": "Tail"})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled")
        self.assertIn(f"END RequestId: {r.header('x-amzn-RequestId')}", r.log_tail())

    # -- Client context -----------------------------------------------------------
    def test_client_context_is_decoded_for_the_runtime(self):
        context = {"client": {"installation_id": "i-1", "app_title": "t"},
                   "custom": {"tenant": "acme", "n": 5}, "env": {"platform": "linux"}}
        encoded = base64.b64encode(json.dumps(context).encode()).decode()
        r = self.emu.invoke("probe", b'{"env":true}', headers={"X-Amz-Client-Context": encoded})
        self.assertEqual(r.status, 200, r)
        received = r.json()["headers"].get("lambda-runtime-client-context")
        self.assertIsNotNone(received, r.json()["headers"])
        self.assertEqual(json.loads(received), context)

    def test_client_context_that_is_not_base64_json_is_400(self):
        for value in ("%%%not-base64%%%", base64.b64encode(b"not json").decode()):
            with self.subTest(value=value):
                r = self.emu.invoke("probe", b"{}", headers={"X-Amz-Client-Context": value})
                self.assertEqual(r.status, 400, r)
                self.assertIsNotNone(r.header("x-amzn-ErrorType"), r)

    def test_client_context_over_3583_bytes_is_400(self):
        context = {"custom": {"pad": "p" * 3000}}
        encoded = base64.b64encode(json.dumps(context).encode()).decode()
        self.assertGreater(len(encoded), 3583)
        r = self.emu.invoke("probe", b"{}", headers={"X-Amz-Client-Context": encoded})
        self.assertEqual(r.status, 400, r)
        self.assertIsNotNone(r.header("x-amzn-ErrorType"), r)

    # -- transport robustness -----------------------------------------------------
    def test_unknown_route_is_404_and_server_survives(self):
        r = self.emu.request("GET", "/2015-03-31/nothing-here")
        self.assertEqual(r.status, 404, r)
        self.assertEchoed(self.emu.invoke("probe", b'{"ok":1}'), b'{"ok":1}')

    def test_get_on_invocations_is_rejected(self):
        r = self.emu.request("GET", "/2015-03-31/functions/probe/invocations")
        self.assertGreaterEqual(r.status, 400, r)
        self.assertLess(r.status, 500, r)

    def test_keep_alive_connection_serves_several_invokes(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=30)
        try:
            for i in range(3):
                body = json.dumps({"i": i, "tag": str(uuid.uuid4())}).encode()
                conn.request("POST", "/2015-03-31/functions/probe/invocations", body=body)
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                self.assertEqual(r.read(), body)
        finally:
            conn.close()


class InvokeApiRegionTest(unittest.TestCase):
    """--region and --account-id shape every ARN the server prints or checks."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(
            cls, {"probe": probe_function()},
            args=["--region", "eu-west-3", "--account-id", "123456789012"])

    def test_not_found_message_uses_configured_region_and_account(self):
        r = self.emu.invoke("ghost", b"{}")
        self.assertEqual(r.status, 404, r)
        body = r.json()
        message = body.get("Message", body.get("message"))
        self.assertTrue(message.startswith(
            "Function not found: arn:aws:lambda:eu-west-3:123456789012:function:ghost"), message)

    def test_full_arn_with_configured_region_and_account_resolves(self):
        r = self.emu.invoke("arn:aws:lambda:eu-west-3:123456789012:function:probe", b'{"x":1}')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b'{"x":1}')

    def test_runtime_sees_configured_region_and_arn(self):
        r = self.emu.invoke("probe", b'{"env":true}')
        self.assertEqual(r.status, 200, r)
        data = r.json()
        self.assertEqual(data["env"].get("AWS_REGION"), "eu-west-3")
        self.assertTrue(data["headers"].get("lambda-runtime-invoked-function-arn", "").startswith(
            "arn:aws:lambda:eu-west-3:123456789012:function:probe"), data["headers"])


if __name__ == "__main__":
    unittest.main()
