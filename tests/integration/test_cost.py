"""Issue 16, item 1: what invocations would cost on Lambda (docs/insight.md).

Every REPORT line can end with the invocation's GB-seconds and cost (--report-cost); each
function's billed duration, GB-seconds and cost add up in /_emu/functions and in /metrics;
provisioned concurrency costs its configured GB-seconds; --price-file replaces the built-in
prices, and a bad one stops the server with a message naming the key. The arithmetic itself is
unit-tested against Lambda's pricing page (tests/unit/metrics/pricing_test.cc); here the figures
are checked against the REPORT lines of real invocations.
"""

import base64
import json
import math
import os
import re
import subprocess
import tempfile
import time
import unittest

from emu import EmuServer, emu_binary, probe_function, wait_until

REPORT = re.compile(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: (\d+) ms\t"
                    r"Memory Size: (\d+) MB\tMax Memory Used: \d+ MB"
                    r"(?:\tInit Duration: ([\d.]+) ms)?"
                    r"(?P<rest>.*?)(?:\tGB-seconds: ([\d.]+)\tCost: ([\d.]+) USD)?$", re.M)

# Round prices, so that the expected figures are easy to state.
PRICES = {"region": "test-region-1", "as_of": "2026-01-01", "x86_gb_second": 0.00001,
          "arm_gb_second": 0.000008, "requests_per_million": 0.5,
          "x86_provisioned_gb_second": 0.000004}


def reports(log):
    return [m.groups() for m in REPORT.finditer(log)]


class CostTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lambda-emu-cost-")
        cls.price_file = os.path.join(cls.tmp, "prices.json")
        with open(cls.price_file, "w") as f:
            json.dump(PRICES, f)
        functions = {"x86": probe_function(MemorySize=512),
                     "arm": probe_function(MemorySize=1024, Architectures=["arm64"]),
                     "kept": probe_function(MemorySize=1024, ProvisionedConcurrency=1)}
        cls.emu = EmuServer(functions, args=["--report-cost", "--price-file", cls.price_file])
        cls.emu.start()

    @classmethod
    def tearDownClass(cls):
        code = cls.emu.stop()
        cls.emu.__exit__(None, None, None)
        assert code == 0, f"lambda-emu exited with {code}"

    def invoke(self, name, payload=b"{}"):
        r = self.emu.invoke(name, payload, headers={"X-Amz-Log-Type": "Tail"})
        self.assertEqual(r.status, 200, r)
        found = reports(base64.b64decode(r.header("x-amz-log-result")).decode())
        self.assertEqual(len(found), 1, r.header("x-amz-log-result"))
        return found[0]

    def cost_of(self, name):
        for f in self.emu.request("GET", "/_emu/functions").json()["Functions"]:
            if f["FunctionName"] == name:
                return f["Cost"]
        raise AssertionError(name)

    def test_report_lines_end_with_gb_seconds_and_cost(self):
        billed_total, gb_total, usd_total = 0, 0.0, 0.0
        for payload in (b"{}", b'{"sleep": 0.05}', b"{}"):
            billed, memory, init, _, gb_seconds, usd = self.invoke("x86", payload)
            self.assertEqual(memory, "512")
            # Lambda bills the init phase too (since August 2025).
            billed_ms = int(billed) + (math.ceil(float(init)) if init else 0)
            expected_gb = billed_ms / 1000 * 512 / 1024
            self.assertAlmostEqual(float(gb_seconds), expected_gb, places=6)
            self.assertAlmostEqual(float(usd), expected_gb * 0.00001 + 0.5e-6, places=10)
            billed_total += billed_ms
            gb_total += float(gb_seconds)
            usd_total += float(usd)
        cost = self.cost_of("x86")
        self.assertEqual(cost["BilledDurationMs"], billed_total)
        self.assertAlmostEqual(cost["GbSeconds"], gb_total, places=5)
        self.assertAlmostEqual(cost["RequestsUsd"], 3 * 0.5e-6, places=12)
        self.assertAlmostEqual(cost["TotalUsd"], usd_total, places=9)
        self.assertAlmostEqual(cost["PerInvocationUsd"], usd_total / 3, places=9)
        metrics = self.emu.request("GET", "/metrics").body.decode()
        sample = re.search(r'^lambda_emu_cost_usd_total\{function="x86"\} (\S+)$', metrics, re.M)
        self.assertIsNotNone(sample, metrics[:2000])
        self.assertAlmostEqual(float(sample[1]), usd_total, places=9)
        self.assertRegex(metrics, r'lambda_emu_gb_seconds_total\{function="x86"\} [\d.e-]+')
        self.assertRegex(metrics, r'lambda_emu_billed_duration_ms_total\{function="x86"\} '
                                  + str(billed_total) + r"\b")

    def test_arm64_has_its_own_price(self):
        billed, _, init, _, gb_seconds, usd = self.invoke("arm")
        billed_ms = int(billed) + (math.ceil(float(init)) if init else 0)
        self.assertAlmostEqual(float(usd), billed_ms / 1000 * 1.0 * 0.000008 + 0.5e-6, places=10)

    def test_provisioned_concurrency_costs_its_configured_time(self):
        def provisioned():
            return self.cost_of("kept")["ProvisionedGbSeconds"]

        first = provisioned()
        time.sleep(1.0)
        later = provisioned()
        # One 1,024 MB environment kept: one GB-second per second.
        self.assertGreater(later - first, 0.9)
        self.assertLess(later - first, 2.0)
        cost = self.cost_of("kept")
        self.assertAlmostEqual(cost["ProvisionedUsd"], cost["ProvisionedGbSeconds"] * 0.000004,
                               places=8)
        # An invocation on the provisioned environment: duration at the
        # provisioned-duration price (the built-in one: the file does not
        # name it), no Init Duration.
        self.assertTrue(wait_until(lambda: self.emu.request("GET", "/_emu/health").json()
                                   ["Functions"]["kept"].get("ProvisionedReady") == 1, 20))
        billed, _, init, _, gb_seconds, usd = self.invoke("kept")
        self.assertIsNone(init)
        self.assertAlmostEqual(float(usd), int(billed) / 1000 * 0.0000097222 + 0.5e-6, places=10)

    def test_the_prices_are_in_functions(self):
        prices = self.emu.request("GET", "/_emu/functions").json()["Prices"]
        self.assertEqual((prices["Region"], prices["AsOf"], prices["X86GbSecond"]),
                         ("test-region-1", "2026-01-01", 0.00001))
        # What the file did not name keeps the built-in price.
        self.assertEqual(prices["ArmProvisionedGbSecond"], 0.0000033334)
        self.assertEqual(prices["Source"], self.price_file)


class PriceFileErrorsTest(unittest.TestCase):
    def test_a_bad_price_file_stops_the_server(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "prices.json")
            with open(bad, "w") as f:
                f.write('{"x86_gb_secnd": 0.00001}')
            r = subprocess.run([emu_binary(), "invoke", "nothing", "--price-file", bad],
                               capture_output=True, text=True, timeout=60, cwd=tmp)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(f"--price-file {bad}: x86_gb_secnd: unknown key", r.stderr)

    def test_without_report_cost_the_report_line_is_lambdas(self):
        with EmuServer({"plain": probe_function()}) as emu:
            r = emu.invoke("plain", b"{}", headers={"X-Amz-Log-Type": "Tail"})
            log = base64.b64decode(r.header("x-amz-log-result")).decode()
            self.assertIn("REPORT RequestId:", log)
            self.assertNotIn("Cost:", log)
            # The figures are kept all the same.
            cost = emu.request("GET", "/_emu/functions").json()["Functions"][0]["Cost"]
            self.assertGreater(cost["TotalUsd"], 0)
            self.assertEqual(emu.stop(), 0)


if __name__ == "__main__":
    unittest.main()
