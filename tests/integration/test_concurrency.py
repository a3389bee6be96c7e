"""Concurrency (issue 2 item 8): parallel invokes run in parallel environments,
reserved concurrency caps a function with 429 TooManyRequestsException, and the
server keeps serving through bursts.
"""
import os
import json
import threading
import time
import unittest

from emu import invoke_parallel, probe_function, serve_for_class, worker_pids

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

SLEEP = 2.0


def payload(**event):
    return json.dumps(event).encode()


class ParallelInvokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "parallel": probe_function(Timeout=30),
            "burst": probe_function(Timeout=30),
            "capped": probe_function(Timeout=30, ReservedConcurrentExecutions=2),
            "neighbour": probe_function(Timeout=30),
        })

    def test_parallel_invokes_run_in_parallel_in_distinct_environments(self):
        n = 5
        started = time.monotonic()
        results = invoke_parallel(self.emu, "parallel", [payload(sleep=SLEEP, pid=True)] * n)
        wall = time.monotonic() - started
        for r, _ in results:
            self.assertNotIsInstance(r, Exception)
            self.assertEqual(r.status, 200, r)
            self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        pids = {r.json()["pid"] for r, _ in results}
        self.assertEqual(len(pids), n, "each concurrent invoke needs its own environment")
        # Serialized would take n * SLEEP = 10 s; parallel takes about one SLEEP.
        self.assertLess(wall, SLEEP * n * 0.7, f"took {wall:.1f}s: invokes were serialized")
        # The environments stay warm: sequential invokes reuse them, no new processes.
        for _ in range(3):
            r = self.emu.invoke("parallel", payload(pid=True))
            self.assertIn(r.json()["pid"], pids)

    def test_reserved_concurrency_throttles_the_excess_with_429(self):
        results = invoke_parallel(self.emu, "capped", [payload(sleep=3, pid=True)] * 5)
        statuses = sorted(r.status for r, _ in results)
        self.assertEqual(statuses, [200, 200, 429, 429, 429], results)
        for r, seconds in results:
            if r.status != 429:
                continue
            self.assertEqual((r.header("x-amzn-ErrorType") or "").split(":")[0],
                             "TooManyRequestsException", r)
            body = r.json()
            self.assertEqual(body.get("Reason"),
                             "ReservedFunctionConcurrentInvocationLimitExceeded", body)
            self.assertEqual(body.get("message", body.get("Message")), "Rate Exceeded.", body)
            self.assertEqual(body.get("Type"), "User", body)
            self.assertIsNone(r.header("Retry-After"), r)  # Lambda sends none with a throttle
            self.assertLess(seconds, 2.5, "a throttled invoke is rejected at once, not queued")
        # The cap is released when invokes finish: the function keeps serving.
        r = self.emu.invoke("capped", payload(echo="after"))
        self.assertEqual(r.status, 200, r)

    def test_reserved_concurrency_of_one_function_does_not_cap_another(self):
        hold = threading.Thread(target=self.emu.invoke, args=("capped", payload(sleep=3)))
        hold.start()
        try:
            results = invoke_parallel(self.emu, "neighbour", [payload(sleep=1, pid=True)] * 4)
            self.assertEqual([r.status for r, _ in results], [200] * 4, results)
            self.assertEqual(len({r.json()["pid"] for r, _ in results}), 4)
        finally:
            hold.join(30)

    def test_burst_of_quick_invokes_all_succeed_and_server_survives(self):
        n = 20
        bodies = [payload(i=i) for i in range(n)]
        results = invoke_parallel(self.emu, "burst", bodies)
        for body, (r, _) in zip(bodies, results):
            self.assertNotIsInstance(r, Exception)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body, body, "responses must not be crossed between invokes")
        self.assertIsNone(self.emu.proc.poll(), "server died")
        self.assertEqual(self.emu.invoke("burst", b'{"again":1}').body, b'{"again":1}')

    def test_concurrent_tails_each_hold_only_their_own_invocation(self):
        results = invoke_parallel(self.emu, "parallel", [payload(print=3, sleep=0.5)] * 3,
                                  headers={"X-Amz-Log-Type": "Tail"})
        ids = [r.header("x-amzn-RequestId") for r, _ in results]
        self.assertEqual(len(set(ids)), 3)
        for (r, _), own in zip(results, ids):
            log = r.log_tail()
            self.assertIn(f"START RequestId: {own}", log)
            self.assertIn(f"REPORT RequestId: {own}", log)
            self.assertEqual(log.count("probe line 2"), 1, log)
            for other in ids:
                if other != own:
                    self.assertNotIn(other, log)

    def test_worker_processes_are_children_of_the_server(self):
        r = self.emu.invoke("parallel", payload(pid=True))
        self.assertIn(r.json()["pid"], worker_pids(self.emu.proc.pid))


class ReservedConcurrencyZeroTest(unittest.TestCase):
    """ReservedConcurrentExecutions: 0 is valid on AWS and disables a function."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "disabled": probe_function(ReservedConcurrentExecutions=0),
            "enabled": probe_function(),
        })

    def test_reserved_concurrency_zero_throttles_every_invoke(self):
        for _ in range(2):
            r = self.emu.invoke("disabled", b"{}")
            self.assertEqual(r.status, 429, r)
            self.assertEqual(r.json().get("Reason"),
                             "ReservedFunctionConcurrentInvocationLimitExceeded", r)
        self.assertEqual(self.emu.invoke("enabled", b'{"a":1}').body, b'{"a":1}')


if __name__ == "__main__":
    unittest.main()
