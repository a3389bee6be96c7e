"""Runtime API per environment (DESIGN.md §3), seen from real runtimes.

The probe runtime reports what the Runtime API answered it; a second, curl-based
runtime checks that any correct client works; the test also calls an
environment's Runtime API directly for stale request ids.
"""
import base64
import http.client
import json
import os
import shutil
import tempfile
import time
import unittest

from emu import (PROBE, pid_alive, probe_function, provided_function, report_for,
                 serve_for_class, wait_until)

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

MAX_RESPONSE = 6_291_556
TIMEOUT_S = 5


def runtime_call(api, method, path, body=None, headers=None):
    host, port = api.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, "/2018-06-01" + path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


class RuntimeApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.markers = tempfile.mkdtemp(prefix="lambda-emu-markers-")
        cls.addClassCleanup(shutil.rmtree, cls.markers, True)
        once = lambda name: {"INIT_FAIL_ONCE_MARKER": os.path.join(cls.markers, name),  # noqa: E731
                             "PROBE_PATH": PROBE}
        cls.emu = serve_for_class(cls, {
            "probe": probe_function(Timeout=TIMEOUT_S),
            "curl-echo": provided_function("curl-echo"),
            "init-error": provided_function("init-error", Environment=once("exit")),
            "init-error-hang": provided_function(
                "init-error", Environment=dict(once("hang"), INIT_ERROR_THEN="hang")),
            "init-error-always": provided_function("init-error"),
            # Its own function: after an oversized error its runtime sleeps instead of
            # asking for the next event.
            "big-error": probe_function(Timeout=TIMEOUT_S),
        })

    def invoke_json(self, payload, name="probe", **kw):
        r = self.emu.invoke(name, json.dumps(payload).encode(), **kw)
        self.assertEqual(r.status, 200, r)
        return r

    def recorded(self):
        """What the (warm) probe environment recorded from earlier events."""
        return self.invoke_json({"last": True}).json()["recorded"]

    # -- /next ----------------------------------------------------------------
    def test_next_carries_request_id_deadline_arn_and_trace_headers(self):
        r = self.invoke_json({"env": True})
        data = r.json()
        headers = data["headers"]
        self.assertEqual(headers.get("lambda-runtime-aws-request-id"), r.header("x-amzn-RequestId"))
        deadline = int(headers["lambda-runtime-deadline-ms"])
        # Deadline = now + timeout, as epoch milliseconds.
        self.assertGreater(deadline, data["received_ms"] + TIMEOUT_S * 1000 - 2000)
        self.assertLess(deadline, data["received_ms"] + TIMEOUT_S * 1000 + 500)
        self.assertEqual(headers.get("lambda-runtime-invoked-function-arn"),
                         "arn:aws:lambda:us-east-1:000000000000:function:probe")
        self.assertTrue(headers.get("lambda-runtime-trace-id"), headers)
        self.assertIn("Root=", headers["lambda-runtime-trace-id"])

    def test_next_body_is_the_payload_bytes(self):
        payload = b'{ "spacing" :  "kept",\n "n": 1.50 }'
        r = self.emu.invoke("probe", payload)
        self.assertEqual(r.body, payload)

    def test_client_context_header_is_decoded_json(self):
        context = {"custom": {"k": "v"}, "env": {"locale": "en"}, "client": {}}
        r = self.invoke_json({"env": True}, headers={
            "X-Amz-Client-Context": base64.b64encode(json.dumps(context).encode()).decode()})
        self.assertEqual(json.loads(r.json()["headers"]["lambda-runtime-client-context"]), context)

    # -- /response --------------------------------------------------------------
    def test_response_is_accepted_with_202_status_ok(self):
        self.invoke_json({"echo": "record-me"})
        last = self.recorded()["last_response"]
        self.assertEqual(last["status"], 202)
        self.assertEqual(json.loads(last["body"]), {"status": "OK"})

    def test_response_for_unknown_request_id_is_400_invalid_request_id(self):
        r = self.invoke_json({"bad_id": True})
        bad = r.json()["bad_id_result"]
        self.assertEqual(bad["status"], 400, bad)
        body = json.loads(bad["body"])
        self.assertEqual(body.get("errorType"), "InvalidRequestID", body)
        self.assertEqual(body.get("errorMessage"), "Invalid request ID", body)

    def test_stale_request_id_is_400_for_response_and_error(self):
        r = self.invoke_json({"env": True})
        api = r.json()["env"]["AWS_LAMBDA_RUNTIME_API"]
        stale = r.header("x-amzn-RequestId")
        # A later invoke on the same environment makes the first id stale for certain (a
        # second answer to the invoke just answered, before /next, is a 403 instead).
        self.assertEqual(self.invoke_json({"pid": True}).json()["pid"], r.json()["pid"])
        for route in ("response", "error"):
            with self.subTest(route=route):
                status, body = runtime_call(api, "POST", f"/runtime/invocation/{stale}/{route}",
                                            b'{"late": true}')
                self.assertEqual(status, 400, body)
                self.assertEqual(json.loads(body).get("errorType"), "InvalidRequestID", body)
        # The environment is still healthy.
        self.assertEqual(self.emu.invoke("probe", b'{"after":"stale"}').body, b'{"after":"stale"}')

    def test_unknown_request_id_while_idle_is_400(self):
        api = self.invoke_json({"env": True}).json()["env"]["AWS_LAMBDA_RUNTIME_API"]
        status, body = runtime_call(api, "POST", "/runtime/invocation/"
                                    "11111111-2222-3333-4444-555555555555/response", b"{}")
        self.assertEqual(status, 400, body)
        self.assertEqual(json.loads(body).get("errorType"), "InvalidRequestID", body)

    def test_second_response_is_403_invalid_state_transition(self):
        r = self.invoke_json({"respond_twice": True})
        self.assertEqual(r.json(), {"first": True})
        self.assertIsNone(r.header("X-Amz-Function-Error"))
        recorded = self.recorded()
        self.assertEqual(recorded["first_response"]["status"], 202, recorded)
        second = recorded["second_response"]
        self.assertEqual(second["status"], 403, second)
        self.assertEqual(second["body"].get("errorType"), "InvalidStateTransition", second)

    def test_response_at_size_limit_is_delivered(self):
        r = self.invoke_json({"big_response": MAX_RESPONSE})
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        self.assertEqual(len(r.body), MAX_RESPONSE)
        self.assertEqual(r.body[:3], b'"aa')

    def test_response_over_size_limit_is_413_and_caller_gets_response_size_too_large(self):
        def recorded_lines():
            return [l for l in self.emu.stdout().splitlines()
                    if "probe-recorded big_response" in l]
        before = len(recorded_lines())
        r = self.invoke_json({"big_response": MAX_RESPONSE + 1})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json(), {
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": "Response payload size exceeded maximum allowed payload size "
                            "(6291556 bytes)."})
        # What the runtime itself got back from its oversized POST.
        self.assertTrue(wait_until(lambda: len(recorded_lines()) > before, 10),
                        self.emu.stdout())
        line = recorded_lines()[before]
        self.assertIn("status=413", line)
        self.assertIn("RequestEntityTooLarge", line)
        # And the function still works afterwards.
        self.assertEqual(self.emu.invoke("probe", b'{"after":"413"}').body, b'{"after":"413"}')

    def recorded_line(self, name, before):
        """The runtime's record of `name` after the first `before` ones, parsed."""
        def lines():
            return [l for l in self.emu.stdout().splitlines() if f"probe-recorded {name} " in l]
        self.assertTrue(wait_until(lambda: len(lines()) > before, 10), self.emu.stdout()[-3000:])
        line = lines()[before]
        status = int(line.split("status=")[1].split()[0])
        return status, json.loads(line.split(" body=", 1)[1])

    def count_recorded(self, name):
        return sum(f"probe-recorded {name} " in l for l in self.emu.stdout().splitlines())

    # Issue 12 item 9: a second /next while the first waits got the second-answer message
    # ("a response or error was already sent"). Lambda's runtime interface emulator words a
    # refused transition "State transition from X to Y failed for runtime. Error: WHY".
    def test_concurrent_next_is_403_invalid_state_transition_concurrent_modification(self):
        before = self.count_recorded("second_next")
        self.assertEqual(self.invoke_json({"second_next": True}).json(),
                         {"second_next": "started"})
        status, body = self.recorded_line("second_next", before)
        self.assertEqual(status, 403, body)
        self.assertEqual(body, {
            "errorType": "InvalidStateTransition",
            "errorMessage": "State transition from Ready to Ready failed for runtime. "
                            "Error: Concurrent state modification"})
        # The first /next still gets the next event.
        self.assertEqual(self.emu.invoke("probe", b'{"after":"next"}').body, b'{"after":"next"}')

    def test_next_before_answering_is_403_invalid_state_transition(self):
        before = self.count_recorded("next_while_running")
        r = self.invoke_json({"next_while_running": True})
        self.assertEqual(r.json(), {"next_while_running": 403})
        status, body = self.recorded_line("next_while_running", before)
        self.assertEqual(status, 403, body)
        self.assertEqual(body, {
            "errorType": "InvalidStateTransition",
            "errorMessage": "State transition from Running to Ready failed for runtime. "
                            "Error: State transition is not allowed"})

    # Issue 12 item 9: an error body over the limit got 413, but the invocation stayed
    # open until the runtime exited or timed out (here: Sandbox.Timedout after 5 s).
    def test_error_over_size_limit_fails_the_invoke_at_once_with_response_size_too_large(self):
        before = self.count_recorded("big_error")
        started = time.monotonic()
        r = self.invoke_json({"big_error": 10 << 20, "then_sleep": 30}, name="big-error")
        elapsed = time.monotonic() - started
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json(), {
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": "Response payload size exceeded maximum allowed payload size "
                            "(6291556 bytes)."})
        self.assertLess(elapsed, TIMEOUT_S - 1, "failed only when the runtime timed out")
        status, body = self.recorded_line("big_error", before)
        self.assertEqual(status, 413, body)
        self.assertEqual(body.get("errorType"), "RequestEntityTooLarge", body)

    # -- /error -------------------------------------------------------------------
    def test_error_is_accepted_and_caller_gets_the_runtime_body(self):
        r = self.invoke_json({"error": "it broke", "errorType": "Custom.Failure"})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled")
        self.assertEqual(r.json(), {"errorMessage": "it broke", "errorType": "Custom.Failure",
                                    "stackTrace": ["probe line 1", "probe line 2"]})
        recorded = self.recorded()
        self.assertEqual(recorded["error"]["status"], 202, recorded)

    def test_environment_is_reused_after_a_function_error(self):
        pid = self.invoke_json({"pid": True}).json()["pid"]
        self.invoke_json({"error": "handled by runtime"})
        self.assertEqual(self.invoke_json({"pid": True}).json()["pid"], pid)

    # -- /init/error ----------------------------------------------------------------
    def assertInitErrorInvoke(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        body = r.json()
        self.assertEqual(body.get("errorType"), "Probe.InitFailed", body)
        self.assertEqual(body.get("errorMessage"), "probe init failed: no config", body)

    def test_init_error_fails_the_invoke_with_runtime_body_then_next_invoke_is_cold(self):
        started = time.monotonic()
        self.assertInitErrorInvoke(self.emu.invoke("init-error", b'{"x":1}'))
        self.assertLess(time.monotonic() - started, 10)
        r = self.emu.invoke("init-error", b'{"x":2}', headers={"X-Amz-Log-Type": "Tail"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b'{"x":2}')
        report = report_for(r.log_tail(), r.header("x-amzn-RequestId"))
        self.assertIsNotNone(report, r.log_tail())
        self.assertIsNotNone(report["init"], "second start must be cold")

    def test_init_error_from_a_runtime_that_keeps_running_is_killed(self):
        self.assertInitErrorInvoke(self.emu.invoke("init-error-hang", b"{}"))
        # Wait for this function's own line: the console is written on its own thread, and
        # other tests' init-error functions print the same text.
        out = self.emu.wait_for_output("[init-error-hang] init-error: pid=")
        line = [l for l in out.splitlines() if "[init-error-hang] init-error: pid=" in l]
        self.assertTrue(line, out)
        pid = int(line[0].split("init-error: pid=")[1].split()[0])
        self.assertTrue(wait_until(lambda: not pid_alive(pid), 10),
                        f"runtime {pid} survived its init error")
        r = self.emu.invoke("init-error-hang", b'{"ok":true}')
        self.assertEqual(r.body, b'{"ok":true}')

    def test_repeated_init_errors_never_hang_or_break_the_server(self):
        for _ in range(3):
            self.assertInitErrorInvoke(self.emu.invoke("init-error-always", b"{}"))
        self.assertEqual(self.emu.invoke("probe", b'{"alive":1}').body, b'{"alive":1}')

    # -- direct calls -----------------------------------------------------------------
    def test_unknown_runtime_route_is_404(self):
        api = self.invoke_json({"env": True}).json()["env"]["AWS_LAMBDA_RUNTIME_API"]
        status, _ = runtime_call(api, "GET", "/runtime/no-such-route")
        self.assertEqual(status, 404)

    def test_runtime_api_listens_on_loopback(self):
        api = self.invoke_json({"env": True}).json()["env"]["AWS_LAMBDA_RUNTIME_API"]
        host, port = api.rsplit(":", 1)
        self.assertEqual(host, "127.0.0.1")
        self.assertNotEqual(int(port), self.emu.port)

    # -- another runtime client -----------------------------------------------------------
    def test_curl_runtime_client_echoes(self):
        for payload in (b'{"from":"curl"}', b'[1,2,3]'):
            with self.subTest(payload=payload):
                r = self.emu.invoke("curl-echo", payload)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.body, payload)

    def test_curl_runtime_client_posts_large_response_with_expect_continue(self):
        payload = json.dumps({"blob": "z" * (2 << 20)}).encode()
        r = self.emu.invoke("curl-echo", payload, timeout=60)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        self.assertEqual(r.body, payload)


if __name__ == "__main__":
    unittest.main()
