"""Graceful shutdown (issue 12 item 6): SIGTERM answers everyone.

Regression: SIGTERM with 50 invokes in flight dropped all 50 connections.
Now the server stops accepting at once, lets what is in flight finish within
--shutdown-grace (default 5 s), and answers what is still running after it
with a 500 ServiceException before it exits.
"""
import json
import signal
import socket
import threading
import time
import unittest

from emu import EmuServer, probe_function, wait_until

IN_FLIGHT = 50


def admitted(emu, name):
    """Invocations in flight: running, or waiting for an environment."""
    r = emu.request("GET", f"/_emu/functions/{name}")
    return r.json()["ConcurrentExecutions"] if r.status == 200 else 0


def running(emu, name):
    """Invocations delivered to their runtime."""
    r = emu.request("GET", f"/_emu/functions/{name}")
    return r.json()["Environments"]["Busy"] if r.status == 200 else 0


def start_invokes(emu, name, payload, n):
    results = [None] * n

    def run(i):
        try:
            results[i] = emu.invoke(name, json.dumps(payload).encode(), timeout=60)
        except Exception as e:  # noqa: BLE001 - reported by the test
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return results, threads


class GracefulShutdownTest(unittest.TestCase):
    def serve(self, *args):
        emu = EmuServer({"slow": probe_function(Timeout=60)}, args=list(args)).start()
        self.addCleanup(emu.__exit__, None, None, None)
        return emu

    def test_invocations_in_flight_finish_and_are_answered(self):
        # Those still waiting for a start are in flight too: the grace is
        # long enough for all of them on a loaded machine.
        emu = self.serve("--shutdown-grace", "60")
        results, threads = start_invokes(emu, "slow", {"sleep": 1.5}, IN_FLIGHT)
        self.assertTrue(wait_until(lambda: admitted(emu, "slow") == IN_FLIGHT, 30),
                        "the invokes were not all admitted")
        emu.proc.send_signal(signal.SIGTERM)
        # New connections are refused from now on.
        self.assertTrue(wait_until(lambda: not self.connects(emu.port), 2),
                        "the server still accepts connections after SIGTERM")
        for t in threads:
            t.join(30)
        for r in results:
            self.assertNotIsInstance(r, Exception)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {"sleep": 1.5})
        self.assertEqual(emu.proc.wait(10), 0)
        self.assertIn("waiting up to 60.0 s for 50 invocation(s)", emu.stderr())

    def test_invocations_past_the_grace_get_an_error_answer(self):
        emu = self.serve("--shutdown-grace", "1")
        results, threads = start_invokes(emu, "slow", {"sleep": 30}, 5)
        self.assertTrue(wait_until(lambda: running(emu, "slow") == 5, 30))
        started = time.monotonic()
        emu.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(30)
        self.assertEqual(emu.proc.wait(10), 0)
        self.assertLess(time.monotonic() - started, 8, "the grace period was not kept")
        for r in results:
            self.assertNotIsInstance(r, Exception)
            self.assertEqual(r.status, 500, r)
            self.assertEqual(r.header("x-amzn-ErrorType"), "ServiceException", r)
            self.assertIn("shutting down", r.json().get("message", r.json().get("Message", "")))
        self.assertIn("still running after 1.0 s are stopped", emu.stderr())

    def test_a_second_signal_stops_at_once(self):
        emu = self.serve("--shutdown-grace", "60")
        results, threads = start_invokes(emu, "slow", {"sleep": 30}, 2)
        self.assertTrue(wait_until(lambda: running(emu, "slow") == 2, 30))
        emu.proc.send_signal(signal.SIGINT)
        self.assertTrue(wait_until(lambda: "again to stop now" in emu.stderr(), 5))
        emu.proc.send_signal(signal.SIGINT)
        self.assertEqual(emu.proc.wait(10), 0)
        for t in threads:
            t.join(30)
        self.assertEqual([r.status for r in results], [500, 500], results)

    def test_an_idle_server_exits_at_once(self):
        emu = self.serve()
        self.assertEqual(emu.invoke("slow").status, 200)
        started = time.monotonic()
        emu.proc.send_signal(signal.SIGTERM)
        self.assertEqual(emu.proc.wait(10), 0)
        self.assertLess(time.monotonic() - started, 3)

    @staticmethod
    def connects(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False


if __name__ == "__main__":
    unittest.main()
