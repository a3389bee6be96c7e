"""Asynchronous invocation's queue (issue 13, items 1, 5 and 6): throttled events wait and then
run (none dropped), the admin view GET /_emu/async and the Prometheus metrics, the deprecated
InvokeAsync, the 1 MB event limit (413, nothing queued), and restart recovery: events accepted
by a server stopped with SIGKILL all run after a restart on the same --state-dir.

Retries: test_async_retries.py; destinations and DLQs: test_async_destinations.py; schedules:
test_async_schedules.py; the kill -9 fault test with 2,000 events: test_async_durability.py.
"""
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import unittest

from async_support import (async_view, function_view, invoke_event, records, runs, sam_server,
                           sam_server_for_class, starts, wait_for, wait_idle)
from emu import pid_alive, wait_until, worker_pids

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

EVENT_LIMIT = 1048576

FUNCTIONS = """
Worker:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
Single:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    ReservedConcurrentExecutions: 1
Retrying:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumRetryAttempts: 1
    DeadLetterQueue: { Type: SQS, TargetArn: arn:aws:sqs:us-east-1:000000000000:dlq }
"""


def json_string_of_size(n):
    """A JSON document of exactly n bytes: a string."""
    return b'"' + b"x" * (n - 2) + b'"'


class AsyncQueueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A retry waits 2 s: long enough to look at it in GET /_emu/async.
        cls.emu = sam_server_for_class(cls, FUNCTIONS,
                                       args=["--async-retry-delays", "2", "--no-cpu-limit"])

    def test_throttled_events_wait_then_all_run(self):
        """Reserved concurrency 1, its one environment held by a synchronous invoke for 3 s:
        the 5 events are throttled, back off, and all run afterwards, one at a time."""
        before = function_view(self.emu, "Single") or {"AsyncEventsDropped": 0}
        holder = threading.Thread(target=self.emu.invoke, args=("Single", {"sleep": 3}))
        holder.start()
        wait_for(lambda: runs(self.emu, "Single"), "the synchronous invoke to start")
        held_until = time.time() + 1.5
        ids = [invoke_event(self.emu, "Single", {"n": i, "sleep": 0.1}) for i in range(5)]
        seen_throttled = False
        while time.time() < held_until:
            view = function_view(self.emu, "Single")
            seen_throttled = seen_throttled or view["Throttled"]
            self.assertEqual(view["AsyncEventsDropped"], before["AsyncEventsDropped"])
            time.sleep(0.02)
        holder.join(30)
        wait_idle(self.emu, "Single", timeout=60)
        self.assertTrue(seen_throttled, "GET /_emu/async never showed the lane throttled")
        started = {rid: t for rid, t, _ in runs(self.emu, "Single") if rid in ids}
        self.assertEqual(sorted(started), sorted(ids), "not every event ran")
        for rid in ids:
            self.assertEqual(len(runs(self.emu, "Single", rid)), 1, f"{rid} ran more than once")
        # One at a time: each started at least 0.1 s (its sleep) after the one before.
        times = sorted(started.values())
        for a, b in zip(times, times[1:]):
            self.assertGreaterEqual(b - a, 0.1)
        view = function_view(self.emu, "Single")
        self.assertEqual(view["AsyncEventsDropped"], before["AsyncEventsDropped"])

    def test_admin_view_shows_an_event_waiting_for_its_retry(self):
        request_id = invoke_event(self.emu, "Retrying", {"fail": "retry me"})
        view = wait_for(lambda: (lambda v: v if v and v["WaitingForRetry"] == 1 else None)(
            function_view(self.emu, "Retrying")), "the event to wait for its retry")
        self.assertEqual(view["Queued"], 1)
        self.assertEqual(view["InFlight"], 0)
        self.assertGreater(view["OldestEventAgeMs"], 0)
        retry = view["Retrying"][0]
        self.assertEqual(set(retry), {"RequestId", "Qualifier", "ApproximateInvokeCount",
                                      "NextAttemptAt", "NextAttemptInMs"})
        self.assertEqual((retry["RequestId"], retry["Qualifier"], retry["ApproximateInvokeCount"]),
                         (request_id, "$LATEST", 1))
        self.assertRegex(retry["NextAttemptAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        # The retry is due 2 s + 1 ms after the failure (the +1 keeps it from
        # coming early on a clock that rounds down): read within that
        # millisecond, it is 2001 ms away.
        self.assertTrue(0 < retry["NextAttemptInMs"] <= 2001, retry)
        wait_idle(self.emu, "Retrying")
        view = function_view(self.emu, "Retrying")
        self.assertEqual((view["Queued"], view["WaitingForRetry"], view["Retrying"]), (0, 0, []))
        self.assertGreaterEqual(view["DeadLettered"], 1)

    def test_admin_view_and_metrics_count_received_succeeded_dropped(self):
        before = function_view(self.emu, "Worker") or {
            "AsyncEventsReceived": 0, "Succeeded": 0, "AsyncEventsDropped": 0}
        for i in range(3):
            invoke_event(self.emu, "Worker", {"n": i})
        invoke_event(self.emu, "Worker", {"fail": "dropped: no retries left, no destination",
                                          "n": 9})
        # Worker retries twice after 2 s each: wait for the failure to run out.
        wait_idle(self.emu, "Worker", timeout=30)
        view = function_view(self.emu, "Worker")
        self.assertEqual(view["AsyncEventsReceived"] - before["AsyncEventsReceived"], 4)
        self.assertEqual(view["Succeeded"] - before["Succeeded"], 3)
        self.assertEqual(view["AsyncEventsDropped"] - before["AsyncEventsDropped"], 1)
        self.assertGreaterEqual(view["AsyncEventAge"]["count"], 6)  # 3 + 3 attempts
        whole = self.emu.request("GET", "/_emu/async").json()
        self.assertEqual((whole["Durable"], whole["RetryDelaysSeconds"], whole["SendsToAws"]),
                         (True, [2], False))

        metrics = self.emu.request("GET", "/metrics").body.decode()

        def sample(name):
            m = re.search(rf'^{name}{{function="Worker"}} (\S+)$', metrics, re.M)
            self.assertIsNotNone(m, f"{name} for Worker not in /metrics")
            return float(m.group(1))

        self.assertEqual(sample("lambda_emu_AsyncEventsReceived"), view["AsyncEventsReceived"])
        self.assertEqual(sample("lambda_emu_AsyncEventsDropped"), view["AsyncEventsDropped"])
        self.assertEqual(sample("lambda_emu_DestinationDeliveryFailures"), 0)
        self.assertEqual(sample("lambda_emu_DeadLetterErrors"), 0)
        self.assertEqual(sample("lambda_emu_async_queue_depth"), 0)
        self.assertEqual(sample("lambda_emu_AsyncEventAge_count"), view["AsyncEventAge"]["count"])
        for family in ("AsyncEventsReceived", "AsyncEventsDropped", "DestinationDeliveryFailures",
                       "DeadLetterErrors"):
            self.assertIn(f"# TYPE lambda_emu_{family} counter", metrics)
        self.assertIn("# TYPE lambda_emu_AsyncEventAge histogram", metrics)

    def test_invoke_async_queues_an_event(self):
        r = self.emu.request("POST", "/2014-11-13/functions/Worker/invoke-async",
                             b'{"n": 42, "via": "InvokeAsync"}')
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json(), {"Status": 202})
        request_id = r.header("x-amzn-RequestId")
        self.assertTrue(request_id)
        ran = wait_for(lambda: runs(self.emu, "Worker", request_id), "the InvokeAsync event")
        self.assertEqual(ran[0][2], {"n": 42, "via": "InvokeAsync"})

    def assertTooLarge(self, r, size):
        self.assertEqual(r.status, 413, r)
        self.assertEqual(r.header("x-amzn-ErrorType"), "RequestEntityTooLargeException")
        self.assertIn(f"{size} byte payload is too large for the Event invocation type "
                      f"(limit {EVENT_LIMIT} bytes)", r.body.decode())

    def test_event_over_1_mb_is_413_and_nothing_is_queued(self):
        before = function_view(self.emu, "Worker") or {"AsyncEventsReceived": 0}
        big = json_string_of_size(EVENT_LIMIT + 1)
        r = self.emu.invoke("Worker", big, headers={"X-Amz-Invocation-Type": "Event"})
        self.assertTooLarge(r, EVENT_LIMIT + 1)
        r = self.emu.request("POST", "/2014-11-13/functions/Worker/invoke-async", big)
        self.assertTooLarge(r, EVENT_LIMIT + 1)
        after = function_view(self.emu, "Worker") or {"AsyncEventsReceived": 0}
        self.assertEqual(after["AsyncEventsReceived"], before["AsyncEventsReceived"])
        # Exactly the limit is accepted, and runs.
        request_id = invoke_event(self.emu, "Worker", json_string_of_size(EVENT_LIMIT))
        # (its RUN line is longer than a log line may be: count its START)
        wait_for(lambda: starts(self.emu, "Worker", request_id) == 1, "the 1 MB event to run")
        wait_idle(self.emu, "Worker")
        self.assertEqual(starts(self.emu, "Worker", request_id), 1)


class EphemeralQueueTest(unittest.TestCase):
    def test_ephemeral_queue_says_so_and_runs_events(self):
        emu = sam_server(FUNCTIONS, args=["--ephemeral", "--no-cpu-limit"])
        self.addCleanup(emu.__exit__, None, None, None)
        self.assertIn("the event queue is in memory only", emu.stderr())
        self.assertFalse(emu.request("GET", "/_emu/async").json()["Durable"])
        request_id = invoke_event(emu, "Worker", {"n": 1})
        wait_for(lambda: runs(emu, "Worker", request_id), "the event to run")

    def test_reset_zeroes_the_async_counters(self):
        emu = sam_server(FUNCTIONS, args=["--ephemeral", "--no-cpu-limit"])
        self.addCleanup(emu.__exit__, None, None, None)
        request_id = invoke_event(emu, "Worker", {"n": 1})
        wait_for(lambda: runs(emu, "Worker", request_id), "the event to run")
        wait_idle(emu, "Worker")
        self.assertEqual(function_view(emu, "Worker")["AsyncEventsReceived"], 1)
        self.assertEqual(emu.request("POST", "/_emu/reset").status, 200)
        view = function_view(emu, "Worker")
        self.assertEqual((view["AsyncEventsReceived"], view["Succeeded"],
                          view["AsyncEventAge"]["count"]), (0, 0, 0))
        self.assertIn('lambda_emu_AsyncEventsReceived{function="Worker"} 0',
                      emu.request("GET", "/metrics").body.decode())


RECOVERY_FUNCTIONS = """
Slow:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    ReservedConcurrentExecutions: 1
    Events:
      Kick:
        Type: Schedule
        Properties:
          Schedule: rate(1 day)
          Input: '{"kicked": true}'
Flaky:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumRetryAttempts: 1
Doomed:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    EventInvokeConfig:
      MaximumRetryAttempts: 0
    DeadLetterQueue: { Type: SQS, TargetArn: arn:aws:sqs:us-east-1:000000000000:doomed-dlq }
"""


class RestartRecoveryTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lambda-emu-async-recovery-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state")
        self.servers = []

    def server(self, retry_delays="2"):
        emu = sam_server(RECOVERY_FUNCTIONS, args=["--state-dir", self.state, "--no-cpu-limit",
                                                   "--async-retry-delays", retry_delays])
        self.servers.append(emu)
        self.addCleanup(emu.__exit__, None, None, None)
        return emu

    def kill(self, emu):
        """SIGKILL, as a crash: no shutdown at all. Its workers lose their Runtime API and go."""
        workers = worker_pids(emu.proc.pid)
        self.assertEqual(emu.stop(signal.SIGKILL), -signal.SIGKILL)
        wait_until(lambda: not any(map(pid_alive, workers)), 10)

    def ran_ids(self, path):
        try:
            with open(path) as f:
                return {line.split()[0] for line in f}
        except FileNotFoundError:
            return set()

    def accept_then_stop(self, stop):
        """Queues 6 slow events (one runs at a time), stops the server with stop(server) once
        the first started, restarts on the same state dir; every event runs there."""
        out = os.path.join(self.dir, "ran")
        first = self.server()
        ids = [str(i) for i in range(6)]
        for i in ids:
            invoke_event(first, "Slow", {"id": i, "append": out, "sleep": 0.5})
        wait_for(lambda: self.ran_ids(out), "the first event to start")
        stop(first)
        self.assertLess(len(self.ran_ids(out)), len(ids), "all ran before the stop")

        second = self.server()
        self.assertIn("queued again", second.stderr())
        wait_for(lambda: self.ran_ids(out) >= set(ids), "every event after the restart")
        wait_idle(second, "Slow")

    def test_events_accepted_before_a_sigkill_run_after_the_restart(self):
        self.accept_then_stop(self.kill)

    def test_events_unfinished_at_a_sigterm_run_after_the_restart(self):
        self.accept_then_stop(lambda emu: self.assertEqual(emu.stop(signal.SIGTERM), 0))

    def test_a_fired_schedule_answered_202_runs_after_a_sigkill(self):
        """The fire endpoint answers 202 only once the event is durable, as Invoke does."""
        out = os.path.join(self.dir, "ran")
        first = self.server()
        invoke_event(first, "Slow", {"id": "busy", "append": out, "sleep": 1})
        wait_for(lambda: self.ran_ids(out), "the busy event to start")
        r = first.request("POST", "/_emu/schedules/Kick/fire")
        self.assertEqual(r.status, 202, r)
        request_id = r.json()["RequestId"]
        self.kill(first)
        self.assertEqual(runs(first, "Slow", request_id), [])

        second = self.server()
        ran = wait_for(lambda: runs(second, "Slow", request_id), "the fired event after restart")
        self.assertEqual(ran[0][2], {"kicked": True})

    def test_kept_records_are_listed_again_after_the_restart(self):
        first = self.server()
        request_id = invoke_event(first, "Doomed", {"fail": "kept in the state dir"})
        kept = wait_for(lambda: records(first).json()["Records"], "the dead-letter record")
        self.assertEqual(kept[0]["RequestId"], request_id)
        # (SIGTERM: the record is listed as soon as it is made, a moment before its commit)
        self.assertEqual(first.stop(), 0)
        second = self.server()
        self.assertEqual(records(second).json()["Records"], kept)
        self.assertEqual(async_view(second)["StoredRecords"], 1)

    def test_an_event_waiting_for_its_retry_is_retried_after_the_restart(self):
        first = self.server(retry_delays="1.5")
        request_id = invoke_event(first, "Flaky", {"fail": "fails twice"})
        wait_for(lambda: (function_view(first, "Flaky") or {}).get("WaitingForRetry") == 1,
                 "the event to wait for its retry")
        self.kill(first)

        second = self.server(retry_delays="1.5")
        view = function_view(second, "Flaky")
        self.assertEqual([r["RequestId"] for r in view["Retrying"]], [request_id])
        self.assertEqual(view["Retrying"][0]["ApproximateInvokeCount"], 1)
        wait_idle(second, "Flaky")
        # The retry ran here, once, as attempt 2 with the same request id.
        self.assertEqual(len(runs(second, "Flaky", request_id)), 1)
        wait_for(lambda: f"[Flaky] {request_id} attempt 2 " in second.stdout(),
                 "the console summary of attempt 2")


if __name__ == "__main__":
    unittest.main()
