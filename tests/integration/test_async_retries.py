"""Retries of asynchronous invocation (issue 13, item 2): a function error or timeout is retried
up to MaximumRetryAttempts (0, 1, 2; 2 by default) after the --async-retry-delays (scaled down
here to 0.3 s, then 0.6 s), with the same request id; the console says which attempt it is.

Attempts are counted from the START lines of the request id in the function's log; the delays
from the start times the function itself prints. Only lower bounds on the gaps: a retry never
comes early.
"""
import os
import re
import unittest

from async_support import (function_view, invoke_event, runs, sam_server_for_class, starts,
                           wait_for, wait_idle)

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

DELAYS = (0.3, 0.6)

FUNCTIONS = """
  Retry0:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.worker
      EventInvokeConfig:
        MaximumRetryAttempts: 0
  Retry1:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.worker
      EventInvokeConfig:
        MaximumRetryAttempts: 1
  Retry2:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.worker
      EventInvokeConfig:
        MaximumRetryAttempts: 2
  Default:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.worker
  Slow:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.worker
      Timeout: 1
      EventInvokeConfig:
        MaximumRetryAttempts: 1
"""


class AsyncRetriesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = sam_server_for_class(cls, FUNCTIONS, args=[
            "--async-retry-delays", ",".join(map(str, DELAYS)), "--no-cpu-limit"])

    def failing_event(self, function, message="always fails"):
        """Accepts an always-failing event, waits until the queue is done with it; returns
        (request id, [start times])."""
        request_id = invoke_event(self.emu, function, {"fail": message})
        wait_idle(self.emu, function)
        times = [t for _, t, _ in runs(self.emu, function, request_id)]
        self.assertEqual(len(times), starts(self.emu, function, request_id))
        return request_id, times

    def assertGapsAtLeast(self, times, delays):
        for i, delay in enumerate(delays):
            gap = times[i + 1] - times[i]
            self.assertGreaterEqual(gap, delay, f"retry {i + 1} came {gap:.3f} s after the "
                                                f"attempt before it; the delay is {delay} s")

    def test_maximum_retry_attempts_0_runs_once(self):
        _, times = self.failing_event("Retry0")
        self.assertEqual(len(times), 1)

    def test_maximum_retry_attempts_1_runs_twice_after_the_first_delay(self):
        _, times = self.failing_event("Retry1")
        self.assertEqual(len(times), 2)
        self.assertGapsAtLeast(times, DELAYS[:1])

    def test_maximum_retry_attempts_2_runs_three_times_after_each_delay(self):
        _, times = self.failing_event("Retry2")
        self.assertEqual(len(times), 3)
        self.assertGapsAtLeast(times, DELAYS)

    def test_default_is_two_retries(self):
        _, times = self.failing_event("Default")
        self.assertEqual(len(times), 3)
        self.assertGapsAtLeast(times, DELAYS)

    def test_retries_keep_the_request_id_and_the_console_names_the_attempt(self):
        request_id, _ = self.failing_event("Retry2", "numbered attempts")

        def summaries():
            return [line for line in self.emu.stdout().splitlines()
                    if line.startswith(f"[Retry2] {request_id} ")]
        wait_for(lambda: len(summaries()) >= 3, "three summary lines on the console")
        summaries = summaries()
        self.assertEqual(len(summaries), 3, self.emu.stdout()[-3000:])
        self.assertNotIn(" attempt ", summaries[0])
        self.assertIn(f"[Retry2] {request_id} attempt 2 warm ", summaries[1])
        self.assertIn(f"[Retry2] {request_id} attempt 3 warm ", summaries[2])
        # Every run saw the same event.
        self.assertEqual({str(e) for _, _, e in runs(self.emu, "Retry2", request_id)},
                         {str({"fail": "numbered attempts"})})

    def test_success_after_a_failure_stops_retrying(self):
        counter = os.path.join(self.emu.tmp, "counter-success-after-failure")
        request_id = invoke_event(self.emu, "Retry2", {"fail_first": 1, "counter": counter})
        wait_idle(self.emu, "Retry2")
        self.assertEqual(starts(self.emu, "Retry2", request_id), 2)
        log = self.emu.log_file("Retry2")
        reports = re.findall(rf"^REPORT RequestId: {request_id}\t.*$", log, re.M)
        self.assertEqual(len(reports), 2, log[-3000:])

    def test_a_timeout_is_retried_like_an_error(self):
        request_id = invoke_event(self.emu, "Slow", {"sleep": 3})
        wait_idle(self.emu, "Slow")
        self.assertEqual(starts(self.emu, "Slow", request_id), 2)
        self.assertEqual(function_view(self.emu, "Slow")["AsyncEventsDropped"], 1)

    def test_successful_event_runs_once(self):
        request_id = invoke_event(self.emu, "Retry2", {"n": 7})
        wait_idle(self.emu, "Retry2")
        self.assertEqual(starts(self.emu, "Retry2", request_id), 1)


if __name__ == "__main__":
    unittest.main()
