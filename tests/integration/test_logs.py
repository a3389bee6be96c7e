"""Logs (issue 2 item 9): START/END/REPORT shapes, console prefix, per-function
log files, Max Memory Used as a real peak, Init Duration only on cold starts.
"""
import json
import math
import os
import re
import unittest
import uuid

from emu import EmuServer, probe_function, report_for, serve_for_class, wait_until


class LogsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "logger": probe_function(MemorySize=128,
                                     Environment={"PROBE_INIT_PRINT": "logger-init-line"}),
            "other": probe_function(MemorySize=256),
            "hungry": probe_function(MemorySize=512, Timeout=20),
            "coldcheck": probe_function(),
            "slowpoke": probe_function(Timeout=1),
        })

    def invoke(self, name, event, tail=True):
        headers = {"X-Amz-Log-Type": "Tail"} if tail else {}
        r = self.emu.invoke(name, json.dumps(event).encode(), headers=headers)
        self.assertEqual(r.status, 200, r)
        return r, r.header("x-amzn-RequestId")

    def wait_in_log_file(self, function, needle, timeout=10):
        from emu import wait_until

        def probe():
            try:
                text = self.emu.log_file(function)
            except FileNotFoundError:
                return None
            return text if needle in text else None
        text = wait_until(probe, timeout)
        self.assertIsNotNone(text, f"{needle!r} never reached logs/{function}.log")
        return text

    # -- exact line shapes (from Tail, which is the log verbatim) ------------------
    def test_start_end_report_lines_have_aws_shapes(self):
        r, rid = self.invoke("logger", {"print": 1})
        log = r.log_tail()
        self.assertRegex(log, re.compile(rf"^START RequestId: {rid} Version: \$LATEST$", re.M))
        self.assertRegex(log, re.compile(rf"^END RequestId: {rid}$", re.M))
        self.assertRegex(log, re.compile(rf"^REPORT RequestId: {rid}\tDuration: ", re.M))
        report = report_for(log, rid)
        self.assertIsNotNone(report, f"REPORT line does not match the AWS shape:\n{log!r}")

    def test_report_fields_are_consistent(self):
        r, rid = self.invoke("logger", {"sleep": 0.3})
        report = report_for(r.log_tail(), rid)
        self.assertIsNotNone(report, r.log_tail())
        duration = float(report["duration"])
        billed = int(report["billed"])
        self.assertGreaterEqual(duration, 295)
        self.assertLess(duration, 5000)
        # Billed Duration is the duration rounded up to the millisecond.
        self.assertGreaterEqual(billed, math.floor(duration))
        self.assertLessEqual(billed, math.ceil(duration) + 1)
        self.assertEqual(report["memory"], "128")

    def test_max_memory_used_is_measured_not_the_memory_size(self):
        r, rid = self.invoke("logger", {"echo": "small"})
        report = report_for(r.log_tail(), rid)
        used = int(report["max_memory"])
        self.assertGreater(used, 0)
        self.assertNotEqual(used, 128)
        self.assertLess(used, 128)

    def test_max_memory_used_reflects_a_real_allocation(self):
        r, rid = self.invoke("hungry", {"alloc_mb": 100})
        report = report_for(r.log_tail(), rid)
        self.assertIsNotNone(report, r.log_tail())
        self.assertEqual(report["memory"], "512")
        self.assertGreaterEqual(int(report["max_memory"]), 95, report)
        self.assertLess(int(report["max_memory"]), 512, report)

    def test_init_duration_only_on_the_cold_start(self):
        r1, rid1 = self.invoke("coldcheck", {"n": 1})
        r2, rid2 = self.invoke("coldcheck", {"n": 2})
        cold, warm = report_for(r1.log_tail(), rid1), report_for(r2.log_tail(), rid2)
        self.assertIsNotNone(cold["init"], r1.log_tail())
        self.assertGreater(float(cold["init"]), 0)
        self.assertLess(float(cold["init"]), 10000)
        self.assertIsNone(warm["init"], r2.log_tail())

    # -- console -------------------------------------------------------------------
    def test_console_lines_are_prefixed_with_the_function_name(self):
        marker = f"console-marker-{uuid.uuid4()}"
        _, rid = self.invoke("logger", {"stderr": marker, "print": 1}, tail=False)
        out = self.emu.wait_for_output(f"REPORT RequestId: {rid}")
        self.emu.wait_for_output(marker)
        out = self.emu.stdout()
        for needle in (f"START RequestId: {rid}", marker, f"END RequestId: {rid}",
                       f"REPORT RequestId: {rid}"):
            line = next((l for l in out.splitlines() if needle in l), None)
            self.assertIsNotNone(line, f"{needle!r} not on the console:\n{out}")
            self.assertIn("logger", line[:line.index(needle)],
                          f"console line lacks the function-name prefix: {line!r}")

    def test_function_output_is_not_mixed_into_server_stderr(self):
        marker = f"stdout-only-{uuid.uuid4()}"
        self.invoke("other", {"stderr": marker}, tail=False)
        self.emu.wait_for_output(marker)
        self.assertNotIn(marker, self.emu.stderr())

    def test_init_output_is_logged_before_the_first_start(self):
        self.invoke("logger", {"n": 0})
        text = self.wait_in_log_file("logger", "START RequestId:")
        self.assertIn("logger-init-line", text)
        self.assertLess(text.index("logger-init-line"), text.index("START RequestId:"))

    # -- per-function log files ----------------------------------------------------
    def test_log_file_holds_the_invocation_in_order(self):
        marker = f"file-marker-{uuid.uuid4()}"
        _, rid = self.invoke("logger", {"stderr": marker}, tail=False)
        text = self.wait_in_log_file("logger", f"REPORT RequestId: {rid}")
        start = text.index(f"START RequestId: {rid} Version: $LATEST")
        self.assertLess(start, text.index(marker))
        self.assertLess(text.index(marker), text.index(f"END RequestId: {rid}"))
        self.assertLess(text.index(f"END RequestId: {rid}"), text.index(f"REPORT RequestId: {rid}"))
        self.assertIsNotNone(report_for(text, rid), "REPORT in the log file must keep its tabs")

    def test_log_files_are_per_function(self):
        _, rid = self.invoke("other", {"print": 1}, tail=False)
        self.wait_in_log_file("other", f"REPORT RequestId: {rid}")
        try:
            self.assertNotIn(rid, self.emu.log_file("logger"))
        except FileNotFoundError:
            pass

    def test_a_function_that_never_ran_has_no_log_file_open(self):
        functions = {f"idle-{i}": probe_function() for i in range(40)}
        with EmuServer(functions) as emu:
            fds = os.listdir(f"/proc/{emu.proc.pid}/fd")
            self.assertLess(len(fds), 40, "every registered function holds a descriptor")
            self.assertFalse(os.path.exists(os.path.join(emu.tmp, "logs", "idle-0.log")))
            r = emu.invoke("idle-0", b"{}")
            self.assertEqual(r.status, 200, r)
            rid = r.header("x-amzn-RequestId")
            self.assertTrue(wait_until(
                lambda: os.path.exists(os.path.join(emu.tmp, "logs", "idle-0.log")) and
                f"REPORT RequestId: {rid}" in emu.log_file("idle-0"), 10))

    def test_timeout_still_writes_end_and_report(self):
        r = self.emu.invoke("slowpoke", b'{"sleep": 5}')
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        rid = r.header("x-amzn-RequestId")
        text = self.wait_in_log_file("slowpoke", f"REPORT RequestId: {rid}")
        self.assertIn(f"START RequestId: {rid}", text)
        self.assertIn(f"END RequestId: {rid}", text)


if __name__ == "__main__":
    unittest.main()
