"""Issue 16, item 2: memory power tuning (docs/insight.md).

`lambda-emu tune` runs the examples/power-tuning functions for real, at several memory sizes,
each with the memory limit and CPU share Lambda gives it: the CPU-bound function's duration must
fall as memory rises, the memory-bound one must be flagged out of memory at the sizes that cannot
hold it, and tune.json and chart.svg are written. POST /_emu/tune runs the same thing inside a
server, one run at a time, with AWS-shaped errors. The arithmetic (percentiles, the picks) is
unit-tested in tests/unit/tune.
"""

import json
import os
import socket
import shutil
import subprocess
import tempfile
import time
import unittest

from emu import EXAMPLES, emu_binary, wait_until
from test_sam_serve import SamServer

# The CPU share follows memory through the cgroup v1 cpu controller, the
# memory limit through the memory one.
CGROUPS = (os.geteuid() == 0 and os.access("/sys/fs/cgroup/memory", os.W_OK)
           and os.access("/sys/fs/cgroup/cpu", os.W_OK))
PROJECT = os.path.join(EXAMPLES, "power-tuning")


def tune(*args, cwd=PROJECT, timeout=600):
    return subprocess.run([emu_binary(), "tune", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@unittest.skipUnless(CGROUPS, "needs root and writable cgroup v1 memory and cpu")
class TuneCommandTest(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="lambda-emu-tune-")
        self.addCleanup(shutil.rmtree, self.out, True)

    def test_cpu_bound_function_gets_faster_as_memory_rises(self):
        # About 60 ms of CPU at 1,769 MB: more than a smaller size's quota of each 100 ms
        # period (29 ms at 512 MB), so the smaller sizes are throttled.
        r = tune("CpuBoundFunction", "-e", "events/cpu.json", "--memory", "1769,128,512",
                 "--runs", "2", "--output", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.out, "tune.json")) as f:
            result = json.load(f)
        sizes = [s["MemorySize"] for s in result["Results"]]
        self.assertEqual(sizes, [128, 512, 1769])  # sorted
        for s in result["Results"]:
            self.assertEqual(s["Status"], "ok", s)
            self.assertEqual(s["Invocations"], 2)
            self.assertIsNotNone(s["ColdStart"]["InitDurationMs"])
            self.assertGreater(s["CostPerInvocationUsd"], 0)
            self.assertAlmostEqual(s["CostPerMillionUsd"], s["CostPerInvocationUsd"] * 1e6,
                                   places=3)
        p50 = [s["DurationMs"]["P50"] for s in result["Results"]]
        # CPU in proportion to memory: 128 MB has 1/4 of 512's share and 512 under a third of
        # 1769's; a loaded machine narrows the gaps, so only half of each is asked for.
        self.assertGreater(p50[0], 2 * p50[1], p50)
        self.assertGreater(p50[1], 1.5 * p50[2], p50)
        self.assertEqual(result["Fastest"], 1769)
        self.assertIn(result["Cheapest"], sizes)
        self.assertIn(result["Balanced"], sizes)
        self.assertEqual(result["FunctionName"], "CpuBoundFunction")
        self.assertEqual(result["Runs"], 2)
        # The table on stdout, the progress on stderr.
        self.assertIn("128 MB", r.stdout)
        self.assertIn("fastest", r.stdout)
        self.assertIn("1769 MB: cold start", r.stderr)
        with open(os.path.join(self.out, "chart.svg")) as f:
            svg = f.read()
        self.assertTrue(svg.startswith("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        self.assertEqual(svg.count("<polyline"), 2)
        self.assertIn(">fastest</text>", svg)

    def test_memory_bound_function_is_flagged_out_of_memory_at_small_sizes(self):
        r = tune("MemoryBoundFunction", "-e", "events/memory.json", "--memory", "128,256,512",
                 "--runs", "2", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        result = json.loads(r.stdout)
        by_size = {s["MemorySize"]: s for s in result["Results"]}
        for mb in (128, 256):  # it holds 300 MB
            self.assertEqual(by_size[mb]["Status"], "out-of-memory", by_size[mb])
            self.assertEqual(by_size[mb]["Error"], "Runtime.OutOfMemory")
            self.assertEqual(by_size[mb]["Invocations"], 0)  # its other runs were skipped
        self.assertEqual(by_size[512]["Status"], "ok", by_size[512])
        self.assertGreaterEqual(by_size[512]["MaxMemoryUsedMb"], 300)
        self.assertEqual(result["Cheapest"], 512)
        self.assertEqual(result["Fastest"], 512)
        self.assertIn("128 MB: out-of-memory (Runtime.OutOfMemory)", r.stderr)

    def test_no_size_running_fine_exits_1(self):
        r = tune("MemoryBoundFunction", "-e", "events/memory.json", "--memory", "128",
                 "--runs", "1")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("out-of-memory", r.stdout)


class TuneUsageTest(unittest.TestCase):
    def test_usage_errors_exit_2_with_the_reason(self):
        cases = [
            (["CpuBoundFunction", "--memory", "128,lots"], "'lots' is not a size in MB"),
            (["CpuBoundFunction", "--memory", "64"], "outside Lambda's 128-10240 MB"),
            (["NoSuchFunction"], "no function 'NoSuchFunction'"),
            (["CpuBoundFunction", "--event-json", "{nope"], "the event is not valid JSON"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = tune(*args, timeout=60)
                self.assertEqual(r.returncode, 2, r)
                self.assertIn(message, r.stderr)
        r = tune("CpuBoundFunction", "--runs", "0", timeout=60)
        self.assertEqual(r.returncode, 2)


class TuneApiTest(unittest.TestCase):
    """POST /_emu/tune in a running server; the dashboard starts runs this way."""

    @classmethod
    def setUpClass(cls):
        cls.emu = SamServer(PROJECT)
        cls.emu.start()

    @classmethod
    def tearDownClass(cls):
        code = cls.emu.stop()
        cls.emu.__exit__(None, None, None)
        assert code == 0, f"lambda-emu exited with {code}"

    def post(self, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.emu.request("POST", "/_emu/tune", data)

    def finished(self, run_id):
        def done():
            view = self.emu.request("GET", "/_emu/tune/" + run_id).json()
            return view if view["Status"] != "running" else None
        return wait_until(done, timeout=300, interval=0.2)

    def test_a_run_tunes_the_function_without_touching_its_own_figures(self):
        r = self.post({"FunctionName": "CpuBoundFunction", "Event": {"rounds": 2000},
                       "MemorySizes": [1024, 128], "Runs": 2})
        self.assertEqual(r.status, 202, r)
        started = r.json()
        self.assertEqual(started["Status"], "running")
        self.assertEqual(started["Progress"], {"Done": 0, "Total": 6})
        run_id = started["Id"]

        # One at a time.
        busy = self.post({"FunctionName": "CpuBoundFunction"})
        self.assertEqual(busy.status, 409, busy)
        self.assertEqual(busy.header("x-amzn-ErrorType"), "ResourceConflictException")

        view = self.finished(run_id)
        self.assertIsNotNone(view, "the run did not end")
        self.assertEqual(view["Status"], "done", view)
        self.assertEqual(view["Progress"], {"Done": 6, "Total": 6})
        result = view["Result"]
        self.assertEqual([s["MemorySize"] for s in result["Results"]], [128, 1024])
        self.assertTrue(all(s["Status"] == "ok" for s in result["Results"]), result)
        self.assertIsNotNone(result["Balanced"])

        chart = self.emu.request("GET", f"/_emu/tune/{run_id}/chart.svg")
        self.assertEqual(chart.status, 200)
        self.assertEqual(chart.header("content-type"), "image/svg+xml")
        self.assertIn(b"<polyline", chart.body)
        runs = self.emu.request("GET", "/_emu/tune").json()["Runs"]
        self.assertIn(run_id, [run["Id"] for run in runs])

        # Its invocations are in the dashboard's feed, marked; the function's own
        # counters and environments are not the run's.
        feed = self.emu.request("GET", "/_emu/invocations?function=CpuBoundFunction").json()
        tuned = [v for v in feed["Invocations"] if v["TuningRun"] == run_id]
        self.assertEqual(len(tuned), 6)
        self.assertEqual(sorted({v["MemorySizeMb"] for v in tuned}), [128, 1024])
        self.assertEqual(sum(v["ColdStart"] for v in tuned), 2)
        own = self.emu.request("GET", "/_emu/functions/CpuBoundFunction").json()
        self.assertEqual(own["Invocations"], 0)

    def test_bad_requests_are_aws_shaped(self):
        cases = [
            (b"{not json", 400, "InvalidRequestContentException"),
            ({"Runs": 2}, 400, "InvalidParameterValueException"),
            ({"FunctionName": "nope"}, 404, "ResourceNotFoundException"),
            ({"FunctionName": "CpuBoundFunction", "MemorySizes": [100]}, 400,
             "InvalidParameterValueException"),
            ({"FunctionName": "CpuBoundFunction", "MemorySizes": "128"}, 400,
             "InvalidParameterValueException"),
            ({"FunctionName": "CpuBoundFunction", "Runs": 0}, 400,
             "InvalidParameterValueException"),
        ]
        for body, status, error_type in cases:
            with self.subTest(body=body):
                r = self.post(body)
                self.assertEqual(r.status, status, r)
                self.assertEqual(r.header("x-amzn-ErrorType"), error_type)
        self.assertEqual(self.emu.request("GET", "/_emu/tune/tune-999").status, 404)


class TuneShutdownTest(unittest.TestCase):
    """SIGTERM while a tuning run is in progress and a dashboard's stream is open: the run
    stops, the stream ends, and the server exits 0 at once (neither is a request in progress
    that the graceful shutdown would wait for)."""

    def test_server_stops_promptly_during_a_run_with_a_stream_open(self):
        emu = SamServer(PROJECT)
        emu.start()
        try:
            r = emu.request("POST", "/_emu/tune", json.dumps(
                {"FunctionName": "CpuBoundFunction", "Event": {"rounds": 20000},
                 "MemorySizes": [128, 256], "Runs": 500}).encode())
            self.assertEqual(r.status, 202, r)
            stream = socket.create_connection(("127.0.0.1", emu.port), timeout=10)
            stream.sendall(b"GET /_emu/events HTTP/1.1\r\nHost: x\r\n\r\n")
            head = stream.recv(65536)
            self.assertTrue(head.startswith(b"HTTP/1.1 200 OK\r\n"), head[:200])
            run_path = "/_emu/tune/" + r.json()["Id"]
            self.assertTrue(wait_until(
                lambda: emu.request("GET", run_path).json()["Progress"]["Done"] >= 3, timeout=60),
                "the run made no progress")
            self.assertEqual(emu.request("GET", run_path).json()["Status"], "running")
            started = time.monotonic()
            code = emu.stop(timeout=30)
            elapsed = time.monotonic() - started
            self.assertEqual(code, 0)
            self.assertLess(elapsed, 10, "the shutdown waited for the stream or the run")
            # The stream was ended by the server, not left hanging.
            stream.settimeout(5)
            rest = b""
            while True:
                chunk = stream.recv(65536)
                if not chunk:
                    break
                rest += chunk
            stream.close()
        finally:
            emu.__exit__(None, None, None)


if __name__ == "__main__":
    unittest.main()
