"""Accounting and metrics (issue 4): after a scripted sequence of invokes the
JSON admin endpoint (/_emu/functions) and the Prometheus text (/metrics) hold
exact counts: invocations, cold and warm starts, errors by type, timeouts,
throttles, OOM kills, duration and init-duration histograms, concurrency and
environments by state. Init Duration is on exactly the invoke that waited.
"""
import os
import json
import re
import threading
import unittest

from emu import provided_function, report_for, serve_for_class, wait_until

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")


def limits_function(**overrides):
    return provided_function("limits-probe", **overrides)


def prometheus_samples(text):
    """{(name, frozenset(labels.items())): value} for every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
        if not m:
            raise AssertionError(f"not a Prometheus sample line: {line!r}")
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples[(m.group(1), frozenset(labels.items()))] = float(m.group(3))
    return samples


class MetricsAfterScriptedSequenceTest(unittest.TestCase):
    """The sequence, on function "m" (Timeout 1, ReservedConcurrentExecutions 1):
      1. ok       cold
      2. ok       warm
      3. error    warm  (LimitsError)
      4. timeout  warm  (Sandbox.Timedout; the environment is killed)
         + while 4 runs: one invoke throttled by the reservation (429)
      5. ok       cold  (a new environment after the timeout)
    → Invocations 5, ColdStarts 2, WarmStarts 3, Errors 2, Timeouts 1, Throttles 1.
    Function "idle" is never invoked and keeps zeros."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "m": limits_function(Timeout=1, ReservedConcurrentExecutions=1),
            "idle": limits_function(),
        })
        cls.responses = []
        cls.run_sequence()

    @classmethod
    def invoke(cls, event):
        r = cls.emu.invoke("m", json.dumps(event).encode(), headers={"X-Amz-Log-Type": "Tail"})
        cls.responses.append(r)
        return r

    @classmethod
    def run_sequence(cls):
        cls.invoke({})
        cls.invoke({})
        cls.invoke({"error": "scripted"})
        out = []
        t = threading.Thread(target=lambda: out.append(cls.invoke({"sleep": 5})))
        t.start()
        busy = wait_until(lambda: cls.emu.request("GET", "/_emu/functions/m").json()
                          ["ConcurrentExecutions"] == 1, 5)
        cls.concurrent_while_busy = busy
        cls.throttled = cls.emu.invoke("m", b"{}")
        t.join(30)
        cls.invoke({})
        cls.stats = cls.emu.request("GET", "/_emu/functions/m").json()
        cls.all_stats = cls.emu.request("GET", "/_emu/functions").json()
        cls.prometheus = cls.emu.request("GET", "/metrics")

    def test_sequence_ran_as_scripted(self):
        kinds = []
        for r in self.responses:
            self.assertEqual(r.status, 200, r)
            report = report_for(r.log_tail() or "", r.header("x-amzn-RequestId"))
            self.assertIsNotNone(report, r.log_tail())
            error = r.json().get("errorType") if r.header("X-Amz-Function-Error") else None
            kinds.append((error, report["init"] is not None))
        self.assertEqual(kinds, [(None, True), (None, False), ("LimitsError", False),
                                 ("Sandbox.Timedout", False), (None, True)])
        self.assertTrue(self.concurrent_while_busy)
        self.assertEqual(self.throttled.status, 429, self.throttled)

    def test_json_counters_are_exact(self):
        s = self.stats
        self.assertEqual(s["FunctionName"], "m")
        expected = {"Invocations": 5, "ColdStarts": 2, "WarmStarts": 3, "Errors": 2,
                    "Timeouts": 1, "Throttles": 1, "OomKills": 0, "ProvisionedInits": 0,
                    "ConcurrentExecutions": 0, "ReservedConcurrentExecutions": 1,
                    "ProvisionedConcurrency": 0}
        self.assertEqual({k: s[k] for k in expected}, expected, s)
        self.assertEqual(s["ErrorsByType"], {"LimitsError": 1, "Sandbox.Timedout": 1}, s)
        self.assertEqual(s["Environments"], {"Starting": 0, "Idle": 1, "Busy": 0}, s)
        self.assertEqual(s["Duration"]["count"], 5, s)
        self.assertEqual(s["InitDuration"]["count"], 2, s)
        # The timeout alone lasted about a second.
        self.assertGreater(s["Duration"]["sumMs"], 900, s)
        init_sum = sum(float(report_for(r.log_tail(), r.header("x-amzn-RequestId"))["init"])
                       for r in (self.responses[0], self.responses[4]))
        self.assertAlmostEqual(s["InitDuration"]["sumMs"], init_sum, delta=0.1)

    def test_list_holds_every_function_and_untouched_ones_are_zero(self):
        by_name = {f["FunctionName"]: f for f in self.all_stats["Functions"]}
        self.assertEqual(set(by_name), {"m", "idle"})
        self.assertEqual(by_name["m"]["Invocations"], 5)
        idle = by_name["idle"]
        for key in ("Invocations", "ColdStarts", "WarmStarts", "Errors", "Timeouts", "Throttles",
                    "OomKills", "ConcurrentExecutions"):
            self.assertEqual(idle[key], 0, (key, idle))
        self.assertEqual(idle["ErrorsByType"], {})
        self.assertIsNone(idle["ReservedConcurrentExecutions"])
        self.assertEqual(self.all_stats["Account"]["ConcurrentExecutions"], 1000)
        self.assertEqual(self.all_stats["Account"]["UnreservedConcurrentExecutions"], 999)

    def test_unknown_function_is_404(self):
        r = self.emu.request("GET", "/_emu/functions/nope")
        self.assertEqual(r.status, 404, r)
        self.assertEqual((r.header("x-amzn-ErrorType") or "").split(":")[0],
                         "ResourceNotFoundException", r)

    def test_prometheus_text_matches(self):
        r = self.prometheus
        self.assertEqual(r.status, 200, r)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/plain"), r)
        text = r.body.decode()
        samples = prometheus_samples(text)

        def value(name, **labels):
            key = (name, frozenset(labels.items()))
            self.assertIn(key, samples, f"missing {name}{labels}")
            return samples[key]

        for name, m, idle in (("lambda_emu_invocations_total", 5, 0),
                              ("lambda_emu_cold_starts_total", 2, 0),
                              ("lambda_emu_warm_starts_total", 3, 0),
                              ("lambda_emu_timeouts_total", 1, 0),
                              ("lambda_emu_throttles_total", 1, 0),
                              ("lambda_emu_oom_kills_total", 0, 0),
                              ("lambda_emu_concurrent_executions", 0, 0)):
            self.assertEqual(value(name, function="m"), m, name)
            self.assertEqual(value(name, function="idle"), idle, name)
            self.assertIn(f"# TYPE {name} ", text)
        self.assertEqual(value("lambda_emu_errors_total", function="m", type="LimitsError"), 1)
        self.assertEqual(value("lambda_emu_errors_total", function="m", type="Sandbox.Timedout"), 1)
        for state, n in (("starting", 0), ("idle", 1), ("busy", 0)):
            self.assertEqual(value("lambda_emu_environments", function="m", state=state), n)
        for hist, count in (("lambda_emu_duration_ms", 5), ("lambda_emu_init_duration_ms", 2)):
            self.assertIn(f"# TYPE {hist} histogram", text)
            self.assertEqual(value(hist + "_count", function="m"), count)
            self.assertEqual(value(hist + "_bucket", function="m", le="+Inf"), count)
            self.assertEqual(value(hist + "_count", function="idle"), 0)
            buckets = sorted((float(dict(labels)["le"]), v) for (name, labels), v in samples.items()
                             if name == hist + "_bucket" and dict(labels)["function"] == "m")
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), f"{hist} buckets are not cumulative")
        self.assertAlmostEqual(value("lambda_emu_duration_ms_sum", function="m"),
                               self.stats["Duration"]["sumMs"], delta=0.01 *
                               self.stats["Duration"]["sumMs"])


class MetricsDoNotMoveOnReadTest(unittest.TestCase):
    """Reading the metrics changes nothing; a single invoke is one cold start."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {"f": limits_function()})

    def test_exactly_one_cold_start_for_one_invoke(self):
        for _ in range(3):
            self.emu.request("GET", "/metrics")
            self.emu.request("GET", "/_emu/functions")
        self.assertEqual(self.emu.invoke("f").status, 200)
        s = self.emu.request("GET", "/_emu/functions/f").json()
        self.assertEqual((s["Invocations"], s["ColdStarts"], s["WarmStarts"]), (1, 1, 0), s)


if __name__ == "__main__":
    unittest.main()
