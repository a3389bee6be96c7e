"""Process outcomes mapped like AWS (DESIGN.md §2, §4): timeout, exit, signal,
init failures, unusable entrypoints, and warm reuse; after each failure the
next invoke works and is a cold start.
"""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

from emu import (PROBE, pid_alive, probe_function, provided_function, report_for,
                 serve_for_class, wait_until, worker_pids)

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")


class OutcomeTestCase(unittest.TestCase):
    def invoke(self, name, payload, **kw):
        if not isinstance(payload, bytes):
            payload = json.dumps(payload).encode()
        return self.emu.invoke(name, payload, **kw)

    def assertFunctionError(self, r, error_type, statuses=(200,)):
        self.assertIn(r.status, statuses, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        body = r.json()
        self.assertEqual(body.get("errorType"), error_type, body)
        return body

    def pid_of_request(self, request_id):
        """The probe's pid for request_id, from its `probe: pid=P request=ID` line."""
        text = self.emu.wait_for_output(f"request={request_id}")
        m = re.search(rf"probe: pid=(\d+) request={request_id}", text)
        self.assertIsNotNone(m, text)
        return int(m.group(1))

    def assertColdAndWorking(self, name, not_pid=None):
        r = self.invoke(name, {"pid": True}, headers={"X-Amz-Log-Type": "Tail"})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        report = report_for(r.log_tail(), r.header("x-amzn-RequestId"))
        self.assertIsNotNone(report, r.log_tail())
        self.assertIsNotNone(report["init"], f"expected a cold start:\n{r.log_tail()}")
        if not_pid is not None:
            self.assertNotEqual(r.json()["pid"], not_pid)
        return r.json()["pid"]

    def assertReaped(self, pid, timeout=10):
        """The environment's process is gone, zombie included (the server reaped it)."""
        self.assertTrue(wait_until(lambda: not os.path.exists(f"/proc/{pid}"), timeout),
                        f"process {pid} still exists (alive or unreaped zombie)")


class RuntimeFailureTest(OutcomeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "short": probe_function(Timeout=1),
            "crashy": probe_function(),
            "warm": probe_function(),
        })

    def test_timeout_is_sandbox_timedout_with_aws_message(self):
        started = time.monotonic()
        r = self.invoke("short", {"sleep": 6})
        elapsed = time.monotonic() - started
        request_id = r.header("x-amzn-RequestId")
        body = self.assertFunctionError(r, "Sandbox.Timedout")
        self.assertEqual(body, {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"})
        self.assertGreater(elapsed, 0.9)
        self.assertLess(elapsed, 5)

    def test_timeout_kills_the_whole_process_group_and_next_invoke_is_cold(self):
        r = self.invoke("short", {"spawn_grandchild": True, "sleep": 6})
        self.assertFunctionError(r, "Sandbox.Timedout")
        request_id = r.header("x-amzn-RequestId")
        pid = self.pid_of_request(request_id)
        text = self.emu.wait_for_output("probe-grandchild pid=")
        after = text[text.index(f"request={request_id}"):]
        grandchild = int(re.search(r"probe-grandchild pid=(\d+)", after).group(1))
        self.assertTrue(wait_until(lambda: not pid_alive(pid), 10), f"runtime {pid} survived")
        self.assertTrue(wait_until(lambda: not pid_alive(grandchild), 10),
                        f"grandchild {grandchild} survived the timeout")
        self.assertReaped(pid)
        self.assertColdAndWorking("short", not_pid=pid)

    def test_exit_status_is_runtime_exit_error(self):
        r = self.invoke("crashy", {"exit": 7})
        request_id = r.header("x-amzn-RequestId")
        body = self.assertFunctionError(r, "Runtime.ExitError")
        self.assertEqual(body, {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                            "exit status 7"})
        pid = self.pid_of_request(request_id)
        self.assertReaped(pid)
        self.assertColdAndWorking("crashy", not_pid=pid)

    def test_sigkill_is_runtime_exit_error_signal_killed(self):
        r = self.invoke("crashy", {"kill": 9})
        request_id = r.header("x-amzn-RequestId")
        body = self.assertFunctionError(r, "Runtime.ExitError")
        self.assertEqual(body["errorMessage"],
                         f"RequestId: {request_id} Error: Runtime exited with error: signal: killed")
        pid = self.pid_of_request(request_id)
        self.assertReaped(pid)
        self.assertColdAndWorking("crashy", not_pid=pid)

    def test_other_signals_are_reported_as_signals(self):
        r = self.invoke("crashy", {"kill": 11})
        body = self.assertFunctionError(r, "Runtime.ExitError")
        self.assertIn("Error: Runtime exited with error: signal: ", body["errorMessage"])
        self.assertColdAndWorking("crashy")

    def test_exit_after_responding_keeps_the_response_and_next_invoke_is_cold(self):
        r = self.invoke("crashy", {"respond_then_exit": 0})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        pid = r.json()["pid"]
        self.assertEqual(r.json()["responded"], True)
        self.assertColdAndWorking("crashy", not_pid=pid)
        self.assertReaped(pid)

    def test_warm_environment_is_reused_without_init_duration(self):
        pids, inits = [], []
        for _ in range(3):
            r = self.invoke("warm", {"pid": True}, headers={"X-Amz-Log-Type": "Tail"})
            self.assertEqual(r.status, 200, r)
            pids.append(r.json()["pid"])
            report = report_for(r.log_tail(), r.header("x-amzn-RequestId"))
            self.assertIsNotNone(report, r.log_tail())
            inits.append(report["init"])
        self.assertEqual(len(set(pids)), 1, pids)
        self.assertIsNotNone(inits[0], "first invoke must report Init Duration")
        self.assertEqual(inits[1:], [None, None])

    def test_server_keeps_serving_after_all_failures(self):
        for payload in ({"exit": 1}, {"kill": 9}, {"error": "x"}):
            self.invoke("crashy", payload)
        r = self.invoke("crashy", b'{"still":"here"}')
        self.assertEqual(r.body, b'{"still":"here"}')
        # Every dead environment was reaped: no zombie among the server's children.
        zombies = [p for p in worker_pids(self.emu.proc.pid) if not pid_alive(p)]
        self.assertEqual(zombies, [])


class InitFailureTest(OutcomeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.markers = tempfile.mkdtemp(prefix="lambda-emu-markers-")
        cls.addClassCleanup(shutil.rmtree, cls.markers, True)
        cls.emu = serve_for_class(cls, {
            "init-exit": provided_function("init-exit"),
            "init-hang": provided_function("init-hang", Timeout=1, Environment={
                "HANG_ONCE_MARKER": os.path.join(cls.markers, "hang"), "PROBE_PATH": PROBE}),
            "no-exec": provided_function("no-exec"),
            "no-bootstrap": provided_function("no-bootstrap"),
            "bad-interpreter": provided_function("bad-interpreter"),
            "healthy": probe_function(),
        })

    def test_exit_during_init_is_runtime_exit_error(self):
        started = time.monotonic()
        r = self.invoke("init-exit", {})
        self.assertLess(time.monotonic() - started, 10)
        request_id = r.header("x-amzn-RequestId")
        body = self.assertFunctionError(r, "Runtime.ExitError")
        self.assertEqual(body["errorMessage"],
                         f"RequestId: {request_id} Error: Runtime exited with error: exit status 3")
        # It does not poison the server: a second try fails the same way, promptly.
        r = self.invoke("init-exit", {})
        self.assertFunctionError(r, "Runtime.ExitError")

    def test_hang_in_init_is_a_timeout_not_a_hang_and_is_killed(self):
        started = time.monotonic()
        r = self.invoke("init-hang", {})
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 15)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertRegex(r.json().get("errorType", ""), r"(?i)time", r.json())
        text = self.emu.wait_for_output("init-hang: pid=")
        m = re.search(r"init-hang: pid=(\d+) grandchild=(\d+)", text)
        self.assertIsNotNone(m, text)
        for pid in map(int, m.groups()):
            self.assertTrue(wait_until(lambda: not pid_alive(pid), 10), f"{pid} survived")
        # The marker now exists: the next start runs the probe, cold.
        self.assertColdAndWorking("init-hang")

    def assertInvalidEntrypoint(self, name):
        for _ in range(2):  # the second try must fail the same way, not hang
            started = time.monotonic()
            r = self.invoke(name, {})
            self.assertLess(time.monotonic() - started, 10)
            body = self.assertFunctionError(r, "Runtime.InvalidEntrypoint")
            self.assertIn("bootstrap", body.get("errorMessage", ""), body)

    def test_non_executable_bootstrap_is_invalid_entrypoint(self):
        self.assertInvalidEntrypoint("no-exec")

    def test_missing_bootstrap_is_invalid_entrypoint(self):
        self.assertInvalidEntrypoint("no-bootstrap")

    def test_bootstrap_with_missing_interpreter_is_invalid_entrypoint(self):
        self.assertInvalidEntrypoint("bad-interpreter")

    def test_other_functions_are_unaffected_by_broken_ones(self):
        self.invoke("no-exec", {})
        self.invoke("init-exit", {})
        r = self.invoke("healthy", b'{"fine":true}')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b'{"fine":true}')


if __name__ == "__main__":
    unittest.main()
