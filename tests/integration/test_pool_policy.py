"""Warm pool policy (issue 4, "Pool policy"): idle TTL eviction, the server-wide
environment cap (--max-environments), provisioned pre-warm, reserved and
account concurrency with exact 429 counts under parallel load.

The fixture is tests/fixtures/functions/limits-probe (see its docstring).
"""
import json
import os
import signal
import threading
import time
import unittest

from emu import (EmuServer, invoke_parallel, pid_alive, provided_function, report_for, serve_for_class,
                 wait_until)

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")


def limits_function(**overrides):
    return provided_function("limits-probe", **overrides)


class PoolTestCase(unittest.TestCase):
    emu = None

    def invoke(self, name, event=None, **kw):
        return self.emu.invoke(name, json.dumps(event or {}).encode(),
                               headers={"X-Amz-Log-Type": "Tail"}, **kw)

    def report(self, r):
        report = report_for(r.log_tail() or "", r.header("x-amzn-RequestId"))
        self.assertIsNotNone(report, f"no REPORT line in the log tail:\n{r.log_tail()}")
        return report

    def assertOk(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        return r.json()

    def assertCold(self, r):
        self.assertOk(r)
        self.assertIsNotNone(self.report(r)["init"], f"expected a cold start:\n{r.log_tail()}")
        return r.json()["pid"]

    def assertWarm(self, r):
        self.assertOk(r)
        self.assertIsNone(self.report(r)["init"], f"expected a warm start:\n{r.log_tail()}")
        return r.json()["pid"]

    def assertThrottled(self, r, reason):
        self.assertEqual(r.status, 429, r)
        self.assertEqual((r.header("x-amzn-ErrorType") or "").split(":")[0],
                         "TooManyRequestsException", r)
        body = r.json()
        self.assertEqual(body.get("Reason"), reason, body)
        self.assertEqual(body.get("message", body.get("Message")), "Rate Exceeded.", body)
        self.assertIsNone(r.header("Retry-After"), r)  # Lambda sends none with a throttle

    def stats(self, name):
        r = self.emu.request("GET", f"/_emu/functions/{name}")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def environments(self, name):
        return self.stats(name)["Environments"]

    def in_background(self, name, event):
        """Starts invoke(name, event) on a thread; returns (thread, result list)."""
        out = []
        t = threading.Thread(target=lambda: out.append(self.invoke(name, event)))
        t.start()
        return t, out

    def wait_busy(self, name, n=1):
        self.assertTrue(wait_until(lambda: self.environments(name)["Busy"] >= n, 10),
                        f"{name} never had {n} busy environment(s): {self.stats(name)}")


class IdleTtlTest(PoolTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "ttl": limits_function(),
            "ttl-provisioned": limits_function(ProvisionedConcurrency=1),
        }, args=["--idle-ttl", "1"])

    def test_idle_environment_is_stopped_after_the_ttl_and_the_next_invoke_is_cold(self):
        self.assertCold(self.invoke("ttl"))
        pid = self.assertWarm(self.invoke("ttl"))  # reused well inside the TTL
        self.assertEqual(self.environments("ttl")["Idle"], 1)
        self.assertTrue(wait_until(lambda: self.environments("ttl")["Idle"] == 0, 5),
                        f"still idle after the TTL: {self.stats('ttl')}")
        self.assertTrue(wait_until(lambda: not pid_alive(pid), 5), "the evicted runtime lives on")
        time.sleep(0.5)
        self.assertNotEqual(self.assertCold(self.invoke("ttl")), pid)
        stats = self.stats("ttl")
        self.assertEqual((stats["ColdStarts"], stats["WarmStarts"]), (2, 1), stats)

    def test_provisioned_environments_are_not_evicted(self):
        self.assertTrue(wait_until(lambda: self.environments("ttl-provisioned")["Idle"] == 1, 10))
        pid = self.assertWarm(self.invoke("ttl-provisioned"))
        time.sleep(2.5)
        self.assertEqual(self.environments("ttl-provisioned")["Idle"], 1)
        self.assertEqual(self.assertWarm(self.invoke("ttl-provisioned")), pid)


class MaxEnvironmentsTest(PoolTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "one": limits_function(Timeout=10),
            "two": limits_function(Timeout=10),
        }, args=["--max-environments", "1"])

    def test_idle_environment_of_another_function_is_reclaimed(self):
        self.assertOk(self.invoke("one"))
        one = self.assertWarm(self.invoke("one"))
        self.assertCold(self.invoke("two"))
        self.assertEqual(self.environments("one")["Idle"], 0, self.stats("one"))
        self.assertEqual(self.environments("two")["Idle"], 1, self.stats("two"))
        self.assertTrue(wait_until(lambda: not pid_alive(one), 5), "the reclaimed runtime lives on")
        self.assertNotEqual(self.assertCold(self.invoke("one")), one)
        self.assertEqual(self.environments("two")["Idle"], 0, self.stats("two"))

    def test_busy_environment_at_the_cap_means_429(self):
        t, out = self.in_background("one", {"sleep": 2})
        try:
            self.wait_busy("one")
            r = self.invoke("two")
            self.assertThrottled(r, "ConcurrentInvocationLimitExceeded")
            # The same function cannot start a second environment either.
            self.assertThrottled(self.invoke("one"), "ConcurrentInvocationLimitExceeded")
        finally:
            t.join(30)
        self.assertOk(out[0])
        self.assertEqual(self.stats("two")["Throttles"], 1)
        # Once it is idle again, it is reclaimed for the other function.
        self.assertOk(self.invoke("two"))


class ProvisionedConcurrencyTest(PoolTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "warm": limits_function(ProvisionedConcurrency=2, Timeout=10),
            "on-demand": limits_function(),
        })
        # Before any invoke (the tests run in any order).
        get = lambda name: cls.emu.request("GET", f"/_emu/functions/{name}").json()  # noqa: E731
        wait_until(lambda: get("warm")["Environments"]["Idle"] == 2, 15)
        cls.before_any_invoke = {name: get(name) for name in ("warm", "on-demand")}
        # Log lines reach the file a few milliseconds after the state changes.
        def warm_log():
            try:
                return cls.emu.log_file("warm")
            except FileNotFoundError:
                return ""
        wait_until(lambda: warm_log().count("Initialization Type: provisioned-concurrency") >= 2, 5)
        cls.log_before_any_invoke = warm_log()

    def setUp(self):
        self.assertTrue(wait_until(lambda: self.environments("warm")["Idle"] >= 2, 15),
                        f"provisioned environments never came up: {self.stats('warm')}")

    def test_provisioned_environments_are_ready_before_any_invoke(self):
        stats = self.before_any_invoke["warm"]
        self.assertEqual(stats["Environments"], {"Starting": 0, "Idle": 2, "Busy": 0}, stats)
        self.assertEqual(stats["ProvisionedConcurrency"], 2)
        self.assertEqual(stats["ProvisionedInits"], 2, stats)
        self.assertEqual((stats["Invocations"], stats["ColdStarts"]), (0, 0), stats)
        on_demand = self.before_any_invoke["on-demand"]
        self.assertEqual(on_demand["Environments"], {"Starting": 0, "Idle": 0, "Busy": 0})
        # Provisioned init is reported once per environment, at start.
        self.assertEqual(self.log_before_any_invoke.count(
            "Initialization Type: provisioned-concurrency"), 2, self.log_before_any_invoke)

    def test_first_invoke_is_warm_and_sees_provisioned_concurrency(self):
        r = self.invoke("warm", {"env": True})
        self.assertWarm(r)
        env = r.json()["env"]
        self.assertEqual(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "provisioned-concurrency")
        r = self.invoke("on-demand", {"env": True})
        self.assertCold(r)
        self.assertEqual(r.json()["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand")

    def test_parallel_invokes_beyond_provisioned_start_on_demand_environments(self):
        results = invoke_parallel(self.emu, "warm", [json.dumps({"sleep": 1}).encode()] * 3,
                                  headers={"X-Amz-Log-Type": "Tail"})
        inits = sorted(self.report(r)["init"] is not None for r, _ in results)
        self.assertEqual(inits, [False, False, True], [r.log_tail() for r, _ in results])

    def test_killed_provisioned_environment_is_replaced(self):
        before = self.stats("warm")["ProvisionedInits"]
        pid = self.assertWarm(self.invoke("warm"))
        os.kill(pid, signal.SIGKILL)
        self.assertTrue(wait_until(lambda: self.stats("warm")["ProvisionedInits"] == before + 1
                                   and self.environments("warm")["Idle"] == 2, 15),
                        f"not replaced: {self.stats('warm')}")
        pids = {self.assertWarm(self.invoke("warm"))}
        t, out = self.in_background("warm", {"sleep": 1})
        self.wait_busy("warm")
        pids.add(self.assertWarm(self.invoke("warm")))
        t.join(30)
        pids.add(self.assertWarm(out[0]))
        self.assertNotIn(pid, pids)


class ProvisionedInitFailureTest(PoolTestCase):
    """A provisioned function whose environments cannot start is retried
    after 1, 2, 4 ... s, not in a loop, and its invokes still get the error."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "init-exit": provided_function("init-exit", ProvisionedConcurrency=2),
            "no-exec": provided_function("no-exec", ProvisionedConcurrency=1),
            "healthy": limits_function(),
        })

    def test_failing_provisioned_environments_are_retried_with_backoff(self):
        def failures(name, error_type):
            try:
                return self.emu.log_file(name).count("Status: error\tError Type: " + error_type)
            except FileNotFoundError:
                return 0

        def init_exits():
            return failures("init-exit", "Runtime.ExitError")

        # Round 1 at start (2 environments), round 2 one second later: a retry happens ...
        self.assertTrue(wait_until(lambda: init_exits() >= 2, 15), "no first round")
        self.assertTrue(wait_until(lambda: init_exits() >= 4, 10), "never retried")
        # ... and round 3 waits 2 s more, where a loop would have spawned again at once.
        time.sleep(1)
        self.assertEqual(init_exits(), 4, self.emu.log_file("init-exit"))
        self.assertIn(failures("no-exec", "Runtime.InvalidEntrypoint"), (1, 2, 3))
        self.assertIn("fork/exec", self.emu.log_file("no-exec"))

        r = self.invoke("init-exit")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["errorType"], "Runtime.ExitError", r.json())
        r = self.invoke("no-exec")
        self.assertEqual(r.json()["errorType"], "Runtime.InvalidEntrypoint", r.json())
        self.assertIn("permission denied", r.json()["errorMessage"])
        self.assertOk(self.invoke("healthy"))


class ReservedConcurrencyTest(PoolTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "reserved": limits_function(ReservedConcurrentExecutions=3, Timeout=30),
            "zero": limits_function(ReservedConcurrentExecutions=0),
            "shared": limits_function(Timeout=30),
        }, args=["--account-concurrency", "4"])

    def test_reserved_three_of_eight_parallel_invokes_run(self):
        results = invoke_parallel(self.emu, "reserved", [json.dumps({"sleep": 2}).encode()] * 8)
        for r, _ in results:
            self.assertNotIsInstance(r, Exception)
        statuses = sorted(r.status for r, _ in results)
        self.assertEqual(statuses, [200] * 3 + [429] * 5, results)
        for r, _ in results:
            if r.status == 429:
                self.assertThrottled(r, "ReservedFunctionConcurrentInvocationLimitExceeded")
            else:
                self.assertOk(r)
        self.assertEqual(self.stats("reserved")["Throttles"], 5)

    def test_reserved_zero_throttles_every_invoke(self):
        for _ in range(3):
            self.assertThrottled(self.invoke("zero"),
                                 "ReservedFunctionConcurrentInvocationLimitExceeded")
        stats = self.stats("zero")
        self.assertEqual((stats["Throttles"], stats["Invocations"]), (3, 0), stats)
        self.assertEqual(self.environments("zero"), {"Starting": 0, "Idle": 0, "Busy": 0})

    def test_reservation_leaves_the_rest_of_the_account_to_other_functions(self):
        account = self.emu.request("GET", "/_emu/functions").json()["Account"]
        self.assertEqual(account["ConcurrentExecutions"], 4)
        self.assertEqual(account["UnreservedConcurrentExecutions"], 1)
        # 4 - 3 reserved = 1 for everyone else: of 3 parallel invokes one runs.
        results = invoke_parallel(self.emu, "shared", [json.dumps({"sleep": 2}).encode()] * 3)
        statuses = sorted(r.status for r, _ in results)
        self.assertEqual(statuses, [200, 429, 429], results)
        for r, _ in results:
            if r.status == 429:
                self.assertThrottled(r, "ConcurrentInvocationLimitExceeded")

    def test_reserved_function_runs_its_three_while_the_unreserved_one_runs(self):
        t, out = self.in_background("shared", {"sleep": 2})
        try:
            self.wait_busy("shared")
            results = invoke_parallel(self.emu, "reserved", [json.dumps({"sleep": 1}).encode()] * 3)
            self.assertEqual([r.status for r, _ in results], [200] * 3, results)
        finally:
            t.join(30)
        self.assertOk(out[0])


class ReservationBeyondTheAccountTest(PoolTestCase):
    """ReservedConcurrentExecutions larger than --account-concurrency cannot be
    honoured (AWS refuses a reservation that leaves the unreserved pool below
    its minimum): the server must refuse the config, or at least never run
    more than the account limit and never report a negative unreserved pool."""

    def test_reservation_larger_than_the_account_is_refused_or_capped(self):
        emu = EmuServer({"r": limits_function(ReservedConcurrentExecutions=5, Timeout=30),
                         "other": limits_function()},
                        args=["--account-concurrency", "4"])
        try:
            emu.start()
        except RuntimeError as e:
            self.assertIn("ReservedConcurrentExecutions", str(e))
            emu.__exit__(None, None, None)
            return
        self.emu = emu
        self.addCleanup(emu.__exit__, None, None, None)
        account = emu.request("GET", "/_emu/functions").json()["Account"]
        self.assertGreaterEqual(account["UnreservedConcurrentExecutions"], 0, account)
        results = invoke_parallel(emu, "r", [json.dumps({"sleep": 2}).encode()] * 5)
        ok = sum(1 for r, _ in results if r.status == 200)
        self.assertLessEqual(ok, 4, f"{ok} concurrent executions with an account limit of 4")


if __name__ == "__main__":
    unittest.main()
