"""Enforced limits (issue 4, "Limits that are really enforced"): memory in
cgroup v1 mode and in the RSS-watching fallback (--cgroups none), the real
peak in Max Memory Used, CPU in proportion to memory, the pids limit, rlimits,
/tmp against EphemeralStorage, process-tree kills on timeout, init timeouts.

The fixture is tests/fixtures/functions/limits-probe (see its docstring).
cgroup v2 is covered by tests/unit/sandbox/cgroup_test.cc on a fake tree.
"""
import json
import os
import re
import shutil
import tempfile
import threading
import time
import unittest

from emu import (fixture, pid_alive, provided_function, report_for, serve_for_class,
                 wait_until, worker_pids)

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

V1_AVAILABLE = os.access("/sys/fs/cgroup/memory", os.W_OK) and os.geteuid() == 0
# A hog that grows slowly enough for the fallback's 50 ms RSS sampling to see
# it near the limit (about 200 MB/s).
GENTLE_HOG = {"hog": True, "step_mb": 2, "step_sleep": 0.01}


def host_burn(seconds):
    """CPU seconds per wall second this (uncapped) test process gets spinning."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    x = 0
    while time.monotonic() - wall0 < seconds:
        for _ in range(2000):
            x += 1
    return (time.process_time() - cpu0) / (time.monotonic() - wall0)


def burn_side_by_side(emu, first, second, seconds=2.0):
    """Burns `seconds` in functions first and second (None: skip) while this
    process burns too, so all see the same load; returns (r1, r2, host rate)."""
    results = {}

    def run(name):
        r = emu.invoke(name, json.dumps({"burn": seconds}).encode())
        results[name] = r.json() if r.status == 200 else r

    # Warm first: the cap applies after init.
    for name in filter(None, (first, second)):
        emu.invoke(name, b"{}")
    threads = [threading.Thread(target=run, args=(n,)) for n in filter(None, (first, second))]
    for t in threads:
        t.start()
    host = host_burn(seconds)
    for t in threads:
        t.join(60)
    return results.get(first), results.get(second), host


def limits_function(**overrides):
    return provided_function("limits-probe", **overrides)


class LimitsTestCase(unittest.TestCase):
    emu = None

    def invoke(self, name, event, tail=True, **kw):
        headers = {"X-Amz-Log-Type": "Tail"} if tail else {}
        return self.emu.invoke(name, json.dumps(event).encode(), headers=headers, **kw)

    def report(self, r):
        report = report_for(r.log_tail() or "", r.header("x-amzn-RequestId"))
        self.assertIsNotNone(report, f"no REPORT line in the log tail:\n{r.log_tail()}")
        return report

    def assertOk(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        return r.json()

    def assertFunctionError(self, r, error_type):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        body = r.json()
        self.assertEqual(body.get("errorType"), error_type, body)
        return body

    def stats(self, name):
        r = self.emu.request("GET", f"/_emu/functions/{name}")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def assertWithin10Percent(self, measured, truth, what):
        self.assertLessEqual(abs(measured - truth), 0.10 * truth,
                             f"{what}: reported {measured} MB, truth {truth:.1f} MB")

    # -- shared scenarios, run in each memory mode ---------------------------
    def check_memory_hog_killed_at_the_limit(self, hog_event):
        bystander = self.assertOk(self.invoke("bystander", {}))["pid"]
        self.assertOk(self.invoke("hog", {}))  # warm: the kill must come from the limit
        r = self.invoke("hog", hog_event, timeout=60)
        request_id = r.header("x-amzn-RequestId")
        body = self.assertFunctionError(r, "Runtime.OutOfMemory")
        self.assertEqual(
            body.get("errorMessage"),
            f"RequestId: {request_id} Error: Runtime exited with error: signal: killed", body)
        self.assertIn("hog at", r.log_tail(), "the hog never ran")
        self.assertNotIn("survived_mb", r.body.decode())
        report = self.report(r)
        self.assertEqual(report["memory"], "128")
        self.assertWithin10Percent(int(report["max_memory"]), 128, "Max Memory Used of the hog")

        # The server and the other function are untouched (same warm environment).
        r = self.invoke("bystander", {})
        self.assertEqual(self.assertOk(r)["pid"], bystander)
        self.assertIsNone(self.report(r)["init"], "the bystander's environment was restarted")
        # The hog's next invoke works, in a new environment (a cold start).
        r = self.invoke("hog", {"alloc_mb": 16})
        self.assertOk(r)
        self.assertIsNotNone(self.report(r)["init"], "the next invoke after an OOM kill is cold")

        stats = self.stats("hog")
        self.assertEqual(stats["OomKills"], 1, stats)
        self.assertEqual(stats["ErrorsByType"].get("Runtime.OutOfMemory"), 1, stats)
        metrics = self.emu.request("GET", "/metrics").body.decode()
        self.assertIn('lambda_emu_oom_kills_total{function="hog"} 1\n', metrics)
        self.assertIn('lambda_emu_oom_kills_total{function="bystander"} 0\n', metrics)

    def check_peak_memory_is_within_10_percent_of_the_truth(self, step_sleep=0):
        # The truth is what the process holds when its allocation peaks: its
        # anonymous memory (the touched pages plus the interpreter's own).
        # The difference between two allocations cancels that baseline.
        # `step_sleep`: without cgroups the peak is sampled every 50 ms, so
        # the allocation must grow slowly enough for the samples to see it
        # (a loaded machine, or ASan, delays the sampler).
        readings = {}
        for name, mb in (("peak-small", 40), ("peak-large", 200)):
            r = self.invoke(name, {"alloc_mb": mb, "step_mb": 8, "step_sleep": step_sleep})
            result = self.assertOk(r)
            self.assertEqual(result["allocated_mb"], mb)
            measured = int(self.report(r)["max_memory"])
            readings[name] = measured
            if mb >= 200:
                self.assertWithin10Percent(measured, result["anon_kb"] / 1024,
                                           f"{name} holding {mb} MB ({result})")
        self.assertWithin10Percent(readings["peak-large"] - readings["peak-small"], 160,
                                   f"difference between 200 MB and 40 MB allocations {readings}")

    def check_timeout_kills_grandchildren(self, mode):
        r = self.invoke("sleeper", {"grandchild": mode, "sleep": 30})
        self.assertFunctionError(r, "Sandbox.Timedout")
        tail = r.log_tail()
        runtime = int(re.search(r"limits-probe: pid=(\d+) request=", tail).group(1))
        grandchild = int(re.search(r"grandchild pid=(\d+)", tail).group(1))
        for pid, what in ((runtime, "runtime"), (grandchild, f"grandchild ({mode})")):
            self.assertTrue(wait_until(lambda: not pid_alive(pid), 5),
                            f"the {what} {pid} survived the timeout")
        # Nothing left under the server either (a zombie the server has not
        # reaped yet, on a loaded machine, is dead already).
        def survivors():
            return [p for p in worker_pids(self.emu.proc.pid)
                    if p in (runtime, grandchild) and pid_alive(p)]
        wait_until(lambda: not survivors(), 5)
        self.assertEqual(survivors(), [])
        r = self.invoke("sleeper", {})
        self.assertOk(r)
        self.assertIsNotNone(self.report(r)["init"])


@unittest.skipUnless(V1_AVAILABLE, "needs root and a writable cgroup v1 memory hierarchy")
class CgroupV1LimitsTest(LimitsTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "hog": limits_function(MemorySize=128, Timeout=30),
            "bystander": limits_function(MemorySize=128),
            "peak-small": limits_function(MemorySize=512, Timeout=20),
            "peak-large": limits_function(MemorySize=512, Timeout=20),
            "cpu-small": limits_function(MemorySize=128, Timeout=10),
            "cpu-large": limits_function(MemorySize=1769, Timeout=10),
            "sleeper": limits_function(Timeout=1),
            "forker": limits_function(MemorySize=1024, Timeout=30),
            "tmp": limits_function(MemorySize=1024, Timeout=30),
        }, args=["--cgroups", "v1"])

    def test_server_says_it_uses_cgroup_v1(self):
        self.assertRegex(self.emu.stderr(), r"resource control: cgroup v1 \(memory at \S+, pids, cpu\)")

    def test_server_points_at_favordynmods_only_when_no_mount_has_it(self):
        with open("/proc/mounts") as f:
            mounts = [line.split() for line in f]
        tuned = any(m[2] in ("cgroup", "cgroup2") and "favordynmods" in m[3].split(",")
                    for m in mounts)
        hinted = "favordynmods` on any cgroup mount removes the wait" in self.emu.stderr()
        self.assertEqual(hinted, not tuned, self.emu.stderr())

    def test_memory_hog_is_killed_at_the_limit(self):
        # The kernel enforces the limit, so even a fast hog is caught at it.
        self.check_memory_hog_killed_at_the_limit({"hog": True, "step_mb": 8})

    def test_peak_memory_is_within_10_percent_of_the_truth(self):
        self.check_peak_memory_is_within_10_percent_of_the_truth()

    def test_cpu_is_capped_in_proportion_to_memory(self):
        # 128 MB is 128/1769 of a vCPU: a 7,236 us CFS quota per 100 ms; 1,769 MB is one vCPU.
        small, large, host = burn_side_by_side(self.emu, "cpu-small", "cpu-large")
        self.assertEqual(small["cpu_cgroup"]["quota_us"], "7236", small)
        self.assertEqual(small["cpu_cgroup"]["period_us"], "100000", small)
        self.assertEqual(large["cpu_cgroup"]["quota_us"], "100000", large)
        self.assertGreater(small["cpu_cgroup"]["nr_throttled"], 0, small)
        # The cap holds however busy the machine is (0.07 CPU-s per s, generously 0.15).
        self.assertLess(small["cpu_s"], 0.15 * small["wall_s"], small)
        if host < 0.3:
            return  # the machine is too busy for an uncapped burn to stand out
        self.assertLess(small["cpu_s"], 0.6 * large["cpu_s"], (small, large, host))

    def test_default_pids_limit_contains_a_fork_bomb(self):
        r = self.invoke("forker", {"fork": 2000}, timeout=90)
        result = self.assertOk(r)
        self.assertLess(result["forked"], 1024, result)
        self.assertGreater(result["forked"], 900, result)
        self.assertIn("Resource temporarily unavailable", result["error"] or "", result)
        self.assertOk(self.invoke("bystander", {}))

    def test_rlimits_nofile_1024_and_no_core_dumps(self):
        result = self.assertOk(self.invoke("bystander", {"rlimits": True}))
        self.assertEqual(result["nofile"][0], 1024, result)
        self.assertEqual(result["core"], [0, 0], result)

    def test_timeout_kills_grandchildren_in_the_process_group(self):
        self.check_timeout_kills_grandchildren("pgroup")

    def test_timeout_kills_grandchildren_that_left_the_process_group(self):
        # setsid() escapes the process group, not the cgroup.
        self.check_timeout_kills_grandchildren("setsid")

    def test_tmp_is_limited_to_ephemeral_storage(self):
        # EphemeralStorage defaults to 512 MB: 600 MB must not fit in /tmp.
        r = self.invoke("tmp", {"tmp_mb": 600}, timeout=120)
        if r.header("X-Amz-Function-Error"):
            return  # the environment was stopped for it: also a way to enforce the limit
        result = r.json()
        self.assertLessEqual(result["written_mb"], 512 * 1.1,
                             f"wrote {result['written_mb']} MB into a 512 MB /tmp: {result}")


@unittest.skipUnless(V1_AVAILABLE, "needs root and a writable cgroup v1 memory hierarchy")
class PidsLimitFlagTest(LimitsTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "forker": limits_function(MemorySize=512, Timeout=30),
            "bystander": limits_function(),
        }, args=["--cgroups", "v1", "--pids-limit", "32"])

    def test_fork_bomb_is_contained_and_the_server_keeps_serving(self):
        before = self.assertOk(self.invoke("bystander", {}))["pid"]
        r = self.invoke("forker", {"fork": 500})
        result = self.assertOk(r)
        self.assertLess(result["forked"], 32, result)
        self.assertGreater(result["forked"], 16, result)
        self.assertIn("Resource temporarily unavailable", result["error"] or "", result)
        # Nothing else is disturbed; the forker's own environment still answers.
        self.assertEqual(self.assertOk(self.invoke("bystander", {}))["pid"], before)
        self.assertEqual(self.assertOk(self.invoke("forker", {}))["pid"], result["pid"])
        live = worker_pids(self.emu.proc.pid)
        self.assertLess(len(live), 64, f"{len(live)} worker processes")


@unittest.skipUnless(V1_AVAILABLE, "needs root and a writable cgroup v1 cpu hierarchy")
class NoCpuLimitTest(LimitsTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {"cpu-small": limits_function(MemorySize=128, Timeout=10)},
                                  args=["--cgroups", "v1", "--no-cpu-limit"])

    def test_no_cpu_limit_leaves_a_small_function_uncapped(self):
        small, _, host = burn_side_by_side(self.emu, "cpu-small", None)
        self.assertEqual(small["cpu_cgroup"]["quota_us"], "-1", small)
        self.assertEqual(small["cpu_cgroup"]["nr_throttled"], 0, small)
        if host >= 0.3:
            # As much CPU as an uncapped process next to it, generously.
            self.assertGreater(small["cpu_s"], 0.5 * host * small["wall_s"], (small, host))


class NoCgroupsFallbackTest(LimitsTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "hog": limits_function(MemorySize=128, Timeout=30),
            "bystander": limits_function(MemorySize=128),
            "peak-small": limits_function(MemorySize=512, Timeout=20),
            "peak-large": limits_function(MemorySize=512, Timeout=20),
            "sleeper": limits_function(Timeout=1),
        }, args=["--cgroups", "none"])

    def test_server_says_it_watches_rss(self):
        self.assertIn("resource control: none (--cgroups none): memory is watched by sampling RSS",
                      self.emu.stderr())
        self.assertNotIn("favordynmods", self.emu.stderr())  # no cgroups, nothing to tune

    def test_memory_hog_is_killed_at_the_limit(self):
        self.check_memory_hog_killed_at_the_limit(GENTLE_HOG)

    def test_peak_memory_is_within_10_percent_of_the_truth(self):
        self.check_peak_memory_is_within_10_percent_of_the_truth(step_sleep=0.12)

    def test_timeout_kills_grandchildren_in_the_process_group(self):
        self.check_timeout_kills_grandchildren("pgroup")


class InitTimeoutTest(LimitsTestCase):
    @classmethod
    def setUpClass(cls):
        cls.marker_dir = tempfile.mkdtemp(prefix="limits-init-")
        cls.addClassCleanup(shutil.rmtree, cls.marker_dir, True)
        cls.marker = os.path.join(cls.marker_dir, "hung-once")
        cls.emu = serve_for_class(cls, {
            "hangs-once": limits_function(Environment={"Variables": {"LIMITS_HANG_ONCE": cls.marker}}),
            "hangs-always": provided_function("init-hang"),
            "slow-init": limits_function(Environment={"Variables": {"LIMITS_INIT_SLEEP": "0.5"}}),
        }, args=["--init-timeout", "1"])

    def test_init_timeout_fails_the_invoke_and_the_next_invoke_starts_again(self):
        started = time.monotonic()
        r = self.invoke("hangs-once", {})
        elapsed = time.monotonic() - started
        request_id = r.header("x-amzn-RequestId")
        body = self.assertFunctionError(r, "Runtime.InitTimeout")
        self.assertIn(request_id, body.get("errorMessage", ""), body)
        self.assertGreater(elapsed, 0.9)
        self.assertLess(elapsed, 8, "--init-timeout 1 was not applied")
        out = self.emu.wait_for_output("hanging in init, pid=")
        hung = int(re.search(r"hanging in init, pid=(\d+)", out).group(1))
        self.assertTrue(wait_until(lambda: not pid_alive(hung), 5), "the hung runtime survived")
        self.assertTrue(os.path.exists(self.marker))

        r = self.invoke("hangs-once", {})
        self.assertOk(r)
        self.assertNotEqual(r.json()["pid"], hung)
        self.assertIsNotNone(self.report(r)["init"], "the retry is a cold start")
        stats = self.stats("hangs-once")
        self.assertEqual(stats["Invocations"], 2, stats)
        self.assertEqual(stats["ErrorsByType"], {"Runtime.InitTimeout": 1}, stats)
        # Neither invoke found a warm environment.
        self.assertEqual(stats["WarmStarts"], 0, stats)

    def test_a_runtime_that_always_hangs_fails_every_invoke_with_a_new_environment(self):
        pids = set()
        for _ in range(2):
            r = self.invoke("hangs-always", {})
            self.assertFunctionError(r, "Runtime.InitTimeout")
            m = re.search(r"init-hang: pid=(\d+)", r.log_tail() or "")
            self.assertIsNotNone(m, r.log_tail())
            pids.add(int(m.group(1)))
        self.assertEqual(len(pids), 2, "each invoke must start a new environment")
        for pid in pids:
            self.assertTrue(wait_until(lambda: not pid_alive(pid), 5))

    def test_init_within_the_timeout_succeeds(self):
        r = self.invoke("slow-init", {})
        self.assertOk(r)
        self.assertGreaterEqual(float(self.report(r)["init"]), 500)


if __name__ == "__main__":
    unittest.main()
