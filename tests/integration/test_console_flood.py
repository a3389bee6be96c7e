"""Console output never blocks the server (issue 12 item 2).

Before: with the server's stdout not read (a paused terminal, a full CI pipe),
a function printing 20 MB filled the log writer's buffer and the io thread
waited for it: other functions timed out late or not at all, /metrics hung.
Now the console alone waits (bounded backlog, then dropped with a marker),
the log files keep everything, and one function's flood is cut on the console
past --console-log-limit.
"""
import re
import threading
import time
import unittest

from emu import EmuServer, probe_function, wait_until

FLOOD_MB = 20
FLOOD_LINES = FLOOD_MB * 1_000_000 // 100


def count_flood_lines(text):
    return len(re.findall(r"^flood \d{7} x{85}$", text, re.M))


class UnreadConsoleTest(unittest.TestCase):
    """stdout is a pipe the test does not read until the end."""

    def setUp(self):
        self.emu = EmuServer({
            "flood": probe_function(Timeout=120, MemorySize=256),
            "quick": probe_function(),
            "timer": probe_function(Timeout=3),
        }, stdout_pipe=True, args=["--console-log-limit", "0"])
        self.emu.start()
        self.console = bytearray()
        self.reader = None

    def tearDown(self):
        # On a build with the bug the server is stuck until its stdout is read.
        self.read_console()
        self.emu.__exit__(None, None, None)
        if self.reader:
            self.reader.join(10)

    def read_console(self):
        if self.reader:
            return

        def drain():
            while True:
                chunk = self.emu.proc.stdout.read1(1 << 16)
                if not chunk:
                    return
                self.console.extend(chunk)
        self.reader = threading.Thread(target=drain, daemon=True)
        self.reader.start()

    def timed(self, fn):
        start = time.monotonic()
        try:
            result = fn()
        except Exception as e:  # a timeout on a stuck server
            result = e
        return result, time.monotonic() - start

    def test_a_function_flooding_an_unread_console_does_not_stall_the_server(self):
        # Warm environments first: the figures below are not cold starts.
        self.assertEqual(self.emu.invoke("quick", {"warm": 1}).status, 200)
        self.assertEqual(self.emu.invoke("timer", {"warm": 1}).status, 200)

        flood = {}
        flooder = threading.Thread(target=lambda: flood.update(
            r=self.emu.invoke("flood", {"flood_mb": FLOOD_MB}, timeout=120)), daemon=True)
        flooder.start()
        # The flood is under way once its lines reach the log file; a second
        # later the console's pipe and any buffer in front of it are full.
        started = wait_until(lambda: self.log_has("flood", "flood 0000000 "), timeout=30)
        self.assertTrue(started, "the flood never got going")
        time.sleep(1)

        timer = {}

        def run_timer():
            timer["r"], timer["seconds"] = self.timed(
                lambda: self.emu.invoke("timer", {"sleep": 10}, timeout=30))
        timer_thread = threading.Thread(target=run_timer, daemon=True)
        timer_thread.start()

        for i in range(5):
            r, seconds = self.timed(lambda: self.emu.invoke("quick", {"i": i}, timeout=10))
            self.assertFalse(isinstance(r, Exception), f"quick invoke {i} failed: {r!r}")
            self.assertEqual(r.status, 200, r)
            # Generous: the bug gives 10 s and more (or no answer at all).
            self.assertLess(seconds, 2.0, f"quick invoke {i} took {seconds:.1f} s")

        r, seconds = self.timed(lambda: self.emu.request("GET", "/metrics", timeout=10))
        self.assertFalse(isinstance(r, Exception), f"/metrics failed: {r!r}")
        self.assertEqual(r.status, 200)
        self.assertLess(seconds, 2.0)

        timer_thread.join(40)
        self.assertFalse(isinstance(timer.get("r"), Exception), timer)
        self.assertEqual(timer["r"].header("X-Amz-Function-Error"), "Unhandled")
        self.assertIn("Task timed out after 3.00 seconds", timer["r"].body.decode())
        self.assertLess(timer["seconds"], 8.0, "the 3 s timeout fired late")

        flooder.join(120)
        self.assertEqual(flood["r"].status, 200, flood)
        # The log file has every line, and END follows the last of them.
        log = self.emu.log_file("flood")
        self.assertEqual(count_flood_lines(log), FLOOD_LINES)
        done = log.index(f"flood done {FLOOD_LINES}")
        rid = flood["r"].header("x-amzn-RequestId")
        self.assertLess(done, log.index(f"END RequestId: {rid}"))

        metrics = self.emu.request("GET", "/metrics").body.decode()
        dropped = re.search(r'^lambda_emu_console_dropped_lines_total\{reason="unread"\} (\d+)$',
                            metrics, re.M)
        self.assertIsNotNone(dropped, metrics)
        self.assertGreater(int(dropped.group(1)), 0)

        # Once the console is read again it says what it did not show.
        self.read_console()
        marker = re.compile(
            r"lambda-emu: (\d+) lines \([\d.]+ [MK]B\) of function output were not shown: the "
            r"console was not being read; the log files have them \((.+)\)")
        found = wait_until(lambda: marker.search(self.console.decode(errors="replace")),
                           timeout=30)
        self.assertIsNotNone(found, self.console[-2000:])
        self.assertGreater(int(found.group(1)), 0)
        self.assertTrue(found.group(2).endswith("logs"), found.group(2))
        # What was shown plus what was dropped is the whole flood.
        shown = count_flood_lines(self.console.decode(errors="replace").replace("[flood] ", ""))
        self.assertLess(shown, FLOOD_LINES)

    def log_has(self, function, needle):
        try:
            return needle in self.emu.log_file(function)
        except FileNotFoundError:
            return False


class ConsoleLogLimitTest(unittest.TestCase):
    """One function's flood is cut on the console, with a marker; the file has it all."""

    def test_flood_past_the_limit_is_cut_with_a_marker_and_the_file_keeps_it(self):
        with EmuServer({"flood": probe_function(Timeout=60, MemorySize=256),
                        "chatty": probe_function()},
                       args=["--console-log-limit", "1"]) as emu:
            r = emu.invoke("chatty", {"print": 200})
            self.assertEqual(r.status, 200)
            r = emu.invoke("flood", {"flood_mb": 5}, timeout=60)
            self.assertEqual(r.status, 200)
            rid = r.header("x-amzn-RequestId")
            end = f"[flood] END RequestId: {rid}"
            console = wait_until(lambda: end in emu.stdout() and emu.stdout(), timeout=20)
            self.assertTrue(console, emu.stdout()[-2000:])

            self.assertEqual(count_flood_lines(emu.log_file("flood")), 50_000)
            shown = count_flood_lines(console.replace("[flood] ", ""))
            self.assertGreater(shown, 0)
            self.assertLess(shown, 50_000)
            marker = re.compile(
                r"^\[flood\] lambda-emu: (\d+) lines \([\d.]+ [MK]B\) of this function's output "
                r"were not shown \(more than 1 MB a second; see --console-log-limit\); "
                r"(\S+flood\.log) has them$", re.M)
            markers = [m for m in marker.finditer(console)]
            self.assertTrue(markers, console[-3000:])
            # Every line is either shown or counted in a marker.
            shown += "[flood] flood done 50000\n" in console
            self.assertEqual(shown + sum(int(m.group(1)) for m in markers), 50_000 + 1)
            # The marker comes before the invocation's END line.
            self.assertLess(markers[-1].start(), console.index(end))

            # A function printing a normal amount is never cut.
            for i in range(200):
                self.assertIn(f"[chatty] probe line {i}\n", console)
            self.assertNotIn("[chatty] lambda-emu:", console)

            metrics = emu.request("GET", "/metrics").body.decode()
            limited = re.search(
                r'^lambda_emu_console_dropped_lines_total\{reason="limit"\} (\d+)$', metrics, re.M)
            self.assertIsNotNone(limited, metrics)
            self.assertEqual(int(limited.group(1)), sum(int(m.group(1)) for m in markers))


if __name__ == "__main__":
    unittest.main()
