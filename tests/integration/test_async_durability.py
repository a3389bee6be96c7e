"""The fault test of the durable event queue (issue 13): 2,000 Event invokes from several client
threads; the server is killed with SIGKILL after about 1,000 of them got their 202; a new server
on the same --state-dir takes the rest. Every event that got a 202 must run at least once (the
function appends the event's id to a file); none may be accepted and then lost. Events whose
request was cut by the kill (no answer) are sent again, as a client would; running twice is
allowed (at-least-once), and counted. The function runs one event at a time, slower than they
come, so most events accepted before the kill are still queued when it comes.
"""
import http.client
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest

from async_support import function_view, sam_server
from emu import pid_alive, wait_until, worker_pids

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

EVENTS = 2000
KILL_AFTER = 1000
CLIENTS = 8
# One at a time, 5 ms each: the events run slower than they are accepted, so a backlog of
# accepted events not yet run is in the state directory when the server is killed.
RUN_S = 0.005

FUNCTIONS = """
Recorder:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.worker
    ReservedConcurrentExecutions: 1
"""


class Sender:
    """CLIENTS threads sending the events of `ids` to emu, one keep-alive connection each.
    accepted: ids answered 202. A thread stops at its first failed request (the server is
    gone); that id is neither accepted nor refused: in doubt."""

    def __init__(self, emu, ids, out_path, stop_after=None):
        self.emu = emu
        self.todo = list(ids)
        self.out_path = out_path
        self.stop_after = stop_after
        self.lock = threading.Lock()
        self.accepted = []
        self.failures = []  # (id, what), for the message when a fresh server refuses
        self.enough = threading.Event()

    def next_id(self):
        with self.lock:
            return self.todo.pop() if self.todo else None

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=30)
        try:
            while True:
                event_id = self.next_id()
                if event_id is None:
                    return
                body = json.dumps({"id": event_id, "append": self.out_path, "sleep": RUN_S})
                try:
                    conn.request("POST", "/2015-03-31/functions/Recorder/invocations", body,
                                 {"X-Amz-Invocation-Type": "Event"})
                    r = conn.getresponse()
                    r.read()
                except (OSError, http.client.HTTPException) as e:
                    with self.lock:
                        self.failures.append((event_id, repr(e)))
                    return
                with self.lock:
                    if r.status == 202:
                        self.accepted.append(event_id)
                        if self.stop_after and len(self.accepted) >= self.stop_after:
                            self.enough.set()
                    else:
                        self.failures.append((event_id, r.status))
                        return
        finally:
            conn.close()

    def start(self):
        self.threads = [threading.Thread(target=self.run) for _ in range(CLIENTS)]
        for t in self.threads:
            t.start()
        return self

    def join(self):
        for t in self.threads:
            t.join(60)


class KillNineTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lambda-emu-async-kill9-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.out = os.path.join(self.dir, "ran")

    def server(self):
        emu = sam_server(FUNCTIONS, args=["--state-dir", os.path.join(self.dir, "state"),
                                          "--no-cpu-limit"])
        self.addCleanup(emu.__exit__, None, None, None)
        return emu

    def ran(self):
        """{event id: times it ran}"""
        counts = {}
        try:
            with open(self.out) as f:
                for line in f:
                    event_id = line.split()[0]
                    counts[event_id] = counts.get(event_id, 0) + 1
        except FileNotFoundError:
            pass
        return counts

    def test_every_accepted_event_runs_after_a_kill_9(self):
        started = time.monotonic()
        ids = [f"e{i:04d}" for i in range(EVENTS)]
        first = self.server()
        sender = Sender(first, ids, self.out, stop_after=KILL_AFTER).start()
        self.assertTrue(sender.enough.wait(60), "no 1,000 202s in 60 s")
        workers = worker_pids(first.proc.pid)
        os.kill(first.proc.pid, signal.SIGKILL)
        sender.join()
        first.stop()
        wait_until(lambda: not any(map(pid_alive, workers)), 10)
        accepted = set(sender.accepted)
        ran_before_restart = self.ran()
        self.assertGreaterEqual(len(accepted), KILL_AFTER)
        self.assertLess(len(accepted), EVENTS, "every event was accepted before the kill")

        second = self.server()
        rest = [i for i in ids if i not in accepted]
        sender2 = Sender(second, rest, self.out).start()
        sender2.join()
        self.assertEqual(sender2.failures, [], "the restarted server refused events")
        self.assertEqual(len(sender2.accepted), len(rest))

        def all_ran():
            return set(self.ran()) >= set(ids)
        finished = wait_until(all_ran, timeout=45, interval=0.2)
        counts = self.ran()
        lost = sorted(accepted - set(counts))
        self.assertEqual(lost, [], f"{len(lost)} event(s) accepted before the kill never ran")
        self.assertTrue(finished, f"{len(set(ids) - set(counts))} event(s) never ran")
        wait_until(lambda: (function_view(second, "Recorder") or {}).get("Queued") == 0, 10)
        self.assertEqual(function_view(second, "Recorder")["Queued"], 0)
        twice = sum(1 for n in counts.values() if n > 1)
        print(f"\nkill -9 after {len(accepted)} 202s ({len(ran_before_restart)} had run); "
              f"{len(counts)} of {EVENTS} ran, {twice} more than once; "
              f"{time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    unittest.main()
