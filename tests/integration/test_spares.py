"""Issue 15, item 1: spare sandboxes (--spare-sandboxes N|auto).

A spare is `lambda-emu __spare` (run by lambda-emu-spare, beside the server's
binary, else by lambda-emu itself): a child of the server that has joined a fresh
cgroup and, sandboxed, sits in its own namespaces with the shared half of an
environment's view built. A cold start hands one the function and it becomes
the environment. These tests watch spares from the host (their pids, cgroups
and the server's /metrics) and from inside the functions they become: each
environment still has its own PID and mount namespaces, cgroup, /tmp,
variables and module state; the function's memory limit, init errors and
timeouts behave as without spares; spares go when the server stops or dies.
"""

import os
import shutil
import signal
import tempfile
import time
import unittest

from emu import (EmuServer, emu_binary, invoke_parallel, pid_alive, report_for, serve_for_class,
                 wait_until)
from runtime_support import CodeDirs, function
from sandbox_probes import BROKEN, HOG, SLOW_INIT, children, cmdline

PY = "python3.11"
SPARE_CMDLINE = ["lambda-emu", "__spare"]

PROBE = """
    import os
    import time

    STATE = {"n": 0}
    INIT_TMP = sorted(os.listdir("/tmp"))

    def handler(event, context):
        STATE["n"] += 1
        if event.get("write"):
            with open("/tmp/" + event["write"], "w") as f:
                f.write("x")
        time.sleep(event.get("sleep", 0))
        return {
            "n": STATE["n"],
            "init_tmp": INIT_TMP,
            "tmp": sorted(os.listdir("/tmp")),
            "pidns": os.readlink("/proc/self/ns/pid"),
            "mntns": os.readlink("/proc/self/ns/mnt"),
            "cgroup": open("/proc/self/cgroup").read(),
            "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
            "api": os.environ["AWS_LAMBDA_RUNTIME_API"],
            "pid": os.getpid(),
            "ppid": os.getppid(),
            "uid": os.getuid(),
            "cwd": os.getcwd(),
            "tmpdir": os.environ.get("TMPDIR"),
            "policy": os.sched_getscheduler(0),
        }
"""


def spare_pids(server_pid):
    """The server's children that are spares, ready or become an environment's init."""
    return {p for p in children(server_pid) if cmdline(p) == SPARE_CMDLINE}


def runs_a_function(spare):
    """Whether something other than the spare's own prestarted runtime (a copy of the
    spare until it execs) runs under it: then it is an environment's init."""
    return any(cmdline(c) != SPARE_CMDLINE for c in children(spare))


def ready_spares(server_pid):
    """Spares that are no environment yet."""
    return {p for p in spare_pids(server_pid) if not runs_a_function(p)}


def spare_metrics(emu):
    text = emu.request("GET", "/metrics").body.decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("lambda_emu_spare_sandboxes "):
            out["ready"] = int(line.split()[1])
        elif line.startswith("lambda_emu_spare_sandbox_events_total{"):
            event = line.split('event="')[1].split('"')[0]
            out[event] = int(line.split()[1])
    return out


def memory_cgroup(pid):
    """pid's cgroup in the memory hierarchy (v1), or its v2 cgroup."""
    unified = None
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "memory" in controllers.split(","):
                return path
            if controllers == "":
                unified = path
    return unified


class SandboxedSparesTest(unittest.TestCase):
    """Three spares kept ready, the sandbox on (the default)."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        probe = cls.code.make("probe", {"app.py": PROBE})
        functions = {
            "probe": function(probe, PY, "app.handler", timeout=10),
            "probe-b": function(probe, PY, "app.handler", timeout=10),
            "probe-c": function(probe, PY, "app.handler", timeout=10),
            "probe-d": function(probe, PY, "app.handler", timeout=10),
            "probe-large": function(probe, PY, "app.handler", timeout=10, memory=1769),
            "hog": function(cls.code.make("hog", {"app.py": HOG}), PY, "app.handler",
                            memory=128, timeout=10),
            "broken": function(cls.code.make("broken", {"app.py": BROKEN}), PY, "app.handler"),
            "slow-init": function(cls.code.make("slow", {"app.py": SLOW_INIT}), PY,
                                  "app.handler", timeout=3),
        }
        cls.emu = serve_for_class(cls, functions,
                                  args=["--spare-sandboxes", "3", "--no-fork-runtimes", "--sandbox", "auto",
                                        "--init-timeout", "3"])
        if "namespaces" not in cls.emu.stderr():
            raise unittest.SkipTest("the kernel refuses namespaces here")

    @classmethod
    def tearDownClass(cls):
        cls.code.cleanup()

    def wait_ready(self, count=3):
        self.assertTrue(wait_until(lambda: spare_metrics(self.emu).get("ready") == count
                                   and len(ready_spares(self.emu.proc.pid)) == count,
                                   timeout=20), (spare_metrics(self.emu), self.emu.stderr()[-2000:]))

    def test_spares_wait_in_cgroups_of_their_own(self):
        self.wait_ready()
        pids = ready_spares(self.emu.proc.pid)
        paths = {memory_cgroup(p) for p in pids}
        self.assertEqual(len(paths), 3, paths)
        for path in paths:
            self.assertIn("/spare-", path)
        # Each sits in namespaces of its own, not the server's.
        own = os.readlink(f"/proc/{self.emu.proc.pid}/ns/mnt")
        for pid in pids:
            self.assertNotEqual(os.readlink(f"/proc/{pid}/ns/mnt"), own)
            self.assertNotEqual(os.readlink(f"/proc/{pid}/ns/pid_for_children"),
                                os.readlink(f"/proc/{self.emu.proc.pid}/ns/pid"))

    def test_spares_run_the_static_program_beside_the_server(self):
        self.wait_ready()
        beside = os.path.join(os.path.dirname(os.path.realpath(emu_binary())), "lambda-emu-spare")
        for pid in ready_spares(self.emu.proc.pid):
            self.assertEqual(os.readlink(f"/proc/{pid}/exe"), beside)
            self.assertEqual(cmdline(pid), SPARE_CMDLINE)

    def test_ready_spares_take_only_idle_cpu_and_environments_run_as_usual(self):
        # As root, a spare that is ready, and its prestarted runtime process,
        # run SCHED_IDLE: making spares never takes CPU time that a cold start
        # wants. Once an environment, both are back to SCHED_OTHER.
        # (Without root, SCHED_IDLE could not be left: SCHED_BATCH.)
        waiting = os.SCHED_IDLE if os.geteuid() == 0 else os.SCHED_BATCH
        self.wait_ready()
        before = ready_spares(self.emu.proc.pid)
        for pid in before:
            self.assertEqual(os.sched_getscheduler(pid), waiting, pid)
            for child in children(pid):
                self.assertEqual(os.sched_getscheduler(child), waiting, child)
        r = self.emu.invoke("probe-d", {})  # this test's only invoke of it: a cold start
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["policy"], os.SCHED_OTHER)
        became = [p for p in before if runs_a_function(p)]
        self.assertEqual(len(became), 1)
        self.assertEqual(os.sched_getscheduler(became[0]), os.SCHED_OTHER)

    def test_a_cold_start_becomes_a_ready_spare(self):
        self.wait_ready()
        before = ready_spares(self.emu.proc.pid)
        taken = spare_metrics(self.emu).get("taken", 0)
        r = self.emu.invoke("probe-b", {"sleep": 0})
        self.assertEqual(r.status, 200, r)
        out = r.json()
        # The runtime runs under one of the spares that were ready, as its init.
        became = [p for p in before if runs_a_function(p)]
        self.assertEqual(len(became), 1, (before, {p: children(p) for p in before}))
        runtime = children(became[0])
        self.assertTrue(any("python" in " ".join(cmdline(c)) for c in runtime),
                        [cmdline(c) for c in runtime])
        self.assertEqual(spare_metrics(self.emu)["taken"], taken + 1)
        # Inside: Lambda's view, as from a spawned environment.
        self.assertEqual(out["ppid"], 1)
        self.assertEqual(out["uid"], 993)
        self.assertEqual(out["cwd"], "/var/task")
        self.assertIsNone(out["tmpdir"])
        self.assertEqual(out["init_tmp"], [])
        # The spare's cgroup is the environment's: the function's memory limit.
        self.assertIn("/spare-", memory_cgroup(became[0]))
        request_id = r.header("X-Amzn-RequestId")
        report = wait_until(lambda: report_for(self.emu.stdout(), request_id))
        self.assertIsNotNone(report and report["init"], report)
        # And the thread makes another one.
        self.wait_ready()

    def test_spares_killed_while_ready_are_passed_over(self):
        self.wait_ready()
        before = spare_metrics(self.emu)
        warnings = self.emu.stderr().count("could not be used")
        killed = ready_spares(self.emu.proc.pid)
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in killed), timeout=10))
        r = self.emu.invoke("probe-c", {})  # this test's only invoke of it: a cold start
        self.assertEqual(r.status, 200, r)
        after = spare_metrics(self.emu)
        # All three dead ones were passed over (no Launch into a dead spare, no
        # warning); the start happened on demand, and the thread makes new ones.
        self.assertEqual(after["failed"], before.get("failed", 0) + 3, after)
        self.assertEqual(after["missed"], before.get("missed", 0) + 1, after)
        self.assertEqual(self.emu.stderr().count("could not be used"), warnings)
        self.wait_ready()

    def test_a_larger_function_raises_the_spares_limit(self):
        # A spare waits under a small limit; a 1,769 MB function's must be raised
        # (memory+swap first on cgroup v1, or the kernel refuses it).
        self.wait_ready()
        before = ready_spares(self.emu.proc.pid)
        r = self.emu.invoke("probe-large", {})
        self.assertEqual(r.status, 200, r)
        became = [p for p in before if runs_a_function(p)]
        self.assertEqual(len(became), 1, self.emu.stderr()[-2000:])
        self.assertNotIn("could not be used", self.emu.stderr())
        path = memory_cgroup(became[0])
        v1 = f"/sys/fs/cgroup/memory{path}/memory.limit_in_bytes"
        if os.path.exists(v1):
            with open(v1) as f:
                self.assertEqual(int(f.read()), 1769 << 20)

    def test_environments_from_spares_share_nothing(self):
        self.wait_ready()
        # Three at once: three environments, each from a spare.
        first = [r for r, _ in invoke_parallel(self.emu, "probe", [
            {"write": f"file-{i}", "sleep": 0.5} for i in range(3)])]
        for r in first:
            self.assertEqual(r.status, 200, r)
        results = [r.json() for r in first]
        for key in ("pidns", "mntns", "cgroup", "stream", "api"):
            self.assertEqual(len({out[key] for out in results}), 3, (key, results))
        for out in results:
            self.assertEqual(out["n"], 1, out)
            self.assertEqual(out["init_tmp"], [], out)
            self.assertEqual(len(out["tmp"]), 1, out)  # its own file only
        # Warm again: module state and /tmp are each environment's own.
        again = invoke_parallel(self.emu, "probe", [{"sleep": 0.5} for _ in range(3)])
        by_ns = {out["pidns"]: out for out in results}
        for r, _ in again:
            out = r.json()
            self.assertEqual(out["n"], 2, out)
            self.assertEqual(out["tmp"], by_ns[out["pidns"]]["tmp"], out)

    def test_the_memory_limit_is_the_functions(self):
        self.wait_ready()
        r = self.emu.invoke("hog")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "Runtime.OutOfMemory", r.body)

    def test_init_errors_and_init_timeouts_are_reported_as_before(self):
        self.wait_ready()
        r = self.emu.invoke("broken")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["errorType"], "Runtime.ImportModuleError", r.body)
        r = self.emu.invoke("slow-init")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "Runtime.InitTimeout", r.body)


class UnsandboxedSparesTest(unittest.TestCase):
    """--sandbox none: a spare only joins its cgroup, and execs the runtime itself."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        probe = cls.code.make("probe", {"app.py": PROBE})
        cls.emu = serve_for_class(cls, {"probe": function(probe, PY, "app.handler", timeout=10)},
                                  args=["--spare-sandboxes", "1", "--sandbox", "none"])

    @classmethod
    def tearDownClass(cls):
        cls.code.cleanup()

    def test_the_spare_execs_the_runtime_in_place(self):
        self.assertTrue(wait_until(lambda: spare_metrics(self.emu).get("ready") == 1
                                   and len(ready_spares(self.emu.proc.pid)) == 1,
                                   timeout=20), self.emu.stderr()[-2000:])
        (spare,) = ready_spares(self.emu.proc.pid)
        self.assertIn("/spare-", memory_cgroup(spare))
        r = self.emu.invoke("probe")
        self.assertEqual(r.status, 200, r)
        out = r.json()
        self.assertEqual(out["pid"], spare)  # the same process, now the runtime
        self.assertEqual(out["policy"], os.SCHED_OTHER)  # not the waiting spare's
        self.assertIn("python", " ".join(cmdline(spare)))
        self.assertTrue(out["tmpdir"] and out["tmpdir"].endswith("/tmp"), out)
        self.assertEqual(spare_metrics(self.emu)["taken"], 1)


class SpareSizingTest(unittest.TestCase):
    def setUp(self):
        self.code = CodeDirs()
        self.addCleanup(self.code.cleanup)

    def test_none_keeps_no_spares(self):
        probe = self.code.make("probe", {"app.py": PROBE})
        with EmuServer({"probe": function(probe, PY, "app.handler")},
                       args=["--spare-sandboxes", "0"]) as emu:
            self.assertEqual(emu.invoke("probe", {}).status, 200)
            time.sleep(0.3)
            self.assertEqual(ready_spares(emu.proc.pid), set())
            self.assertNotIn("lambda_emu_spare_sandboxes",
                             emu.request("GET", "/metrics").body.decode())
            self.assertIn("spare sandboxes: none", emu.stderr())

    def test_auto_grows_with_cold_starts_and_shrinks_back(self):
        probe = self.code.make("probe", {"app.py": PROBE})
        functions = {f"p{i}": function(probe, PY, "app.handler") for i in range(5)}
        with EmuServer(functions, args=["--no-fork-runtimes"]) as emu:  # auto is the default
            self.assertIn("spare sandboxes: auto", emu.stderr())
            self.assertTrue(wait_until(lambda: spare_metrics(emu).get("ready") == 2, timeout=20))
            for i in range(5):
                self.assertEqual(emu.invoke(f"p{i}", {}).status, 200)
            # Five cold starts in the last 10 s: five kept ready.
            self.assertTrue(wait_until(lambda: spare_metrics(emu).get("ready") == 5, timeout=9),
                            spare_metrics(emu))
            # None since: back to two.
            self.assertTrue(wait_until(lambda: spare_metrics(emu).get("ready") == 2, timeout=20),
                            spare_metrics(emu))

    def test_a_replaced_or_missing_lambda_emu_spare_is_not_run(self):
        # lambda-emu and lambda-emu-spare as hard links in a directory of their
        # own (/proc/self/exe is then that path). A rebuild replaces the file:
        # a server that is running keeps making spares, from its own image.
        binary = os.path.realpath(emu_binary())
        lone = tempfile.mkdtemp(prefix="lone-", dir=os.path.dirname(binary))
        self.addCleanup(shutil.rmtree, lone, True)
        server, helper = os.path.join(lone, "lambda-emu"), os.path.join(lone, "lambda-emu-spare")
        os.link(binary, server)
        os.link(os.path.join(os.path.dirname(binary), "lambda-emu-spare"), helper)
        previous = os.environ.get("LAMBDA_EMU_BIN")
        os.environ["LAMBDA_EMU_BIN"] = server
        self.addCleanup(os.environ.__setitem__, "LAMBDA_EMU_BIN", previous or binary)
        probe = self.code.make("probe", {"app.py": PROBE})
        functions = {f"p{i}": function(probe, PY, "app.handler") for i in range(2)}

        def one_ready(emu, other_than=()):
            ready = set()

            def found():
                ready.clear()
                ready.update(ready_spares(emu.proc.pid) - set(other_than))
                return len(ready) == 1 and spare_metrics(emu).get("ready") == 1
            self.assertTrue(wait_until(found, timeout=20), emu.stderr()[-2000:])
            return ready.pop()

        with EmuServer(functions, args=["--spare-sandboxes", "1", "--no-fork-runtimes"]) as emu:
            first = one_ready(emu)
            self.assertEqual(os.readlink(f"/proc/{first}/exe"), helper)
            shutil.copy2(helper, helper + ".new")
            os.replace(helper + ".new", helper)  # a new file where the old one was
            self.assertEqual(emu.invoke("p0", {}).status, 200)
            second = one_ready(emu, other_than={first})
            self.assertEqual(os.readlink(f"/proc/{second}/exe"), server)
            self.assertEqual(cmdline(second), SPARE_CMDLINE)
            self.assertEqual(emu.invoke("p1", {}).status, 200)
            self.assertEqual(spare_metrics(emu)["taken"], 2)
            self.assertEqual(spare_metrics(emu).get("failed", 0), 0)

        # Without one beside it at all, the same from the start.
        os.unlink(helper)
        with EmuServer(functions, args=["--spare-sandboxes", "1", "--no-fork-runtimes"]) as emu:
            spare = one_ready(emu)
            self.assertEqual(os.readlink(f"/proc/{spare}/exe"), server)
            self.assertEqual(emu.invoke("p0", {}).status, 200)
            self.assertEqual(spare_metrics(emu)["taken"], 1)


class SpareCleanupTest(unittest.TestCase):
    def setUp(self):
        self.code = CodeDirs()
        self.addCleanup(self.code.cleanup)

    def start(self):
        probe = self.code.make("probe", {"app.py": PROBE})
        emu = EmuServer({"probe": function(probe, PY, "app.handler")},
                        args=["--spare-sandboxes", "4", "--no-fork-runtimes"]).start()
        self.addCleanup(emu.stop)
        # Ready as the server counts them (a spare that is still starting has its
        # command line already, but not yet its cgroup).
        self.assertTrue(wait_until(lambda: spare_metrics(emu).get("ready") == 4
                                   and len(ready_spares(emu.proc.pid)) == 4, timeout=20),
                        emu.stderr()[-2000:])
        # /proc's children lists can miss a process while others are being made: the
        # spares seen ready, and whatever is seen after one became an environment.
        pids = ready_spares(emu.proc.pid)
        cgroups = {memory_cgroup(p) for p in pids}
        self.assertEqual(emu.invoke("probe", {}).status, 200)
        pids |= spare_pids(emu.proc.pid)
        return emu, pids, cgroups

    def test_spares_go_when_the_server_stops(self):
        emu, pids, cgroups = self.start()
        self.assertGreaterEqual(len(pids), 4)
        emu.stop()
        for pid in pids:
            self.assertFalse(pid_alive(pid), (pid, cmdline(pid)))
        for path in cgroups:
            self.assertTrue(wait_until(
                lambda: not os.path.exists("/sys/fs/cgroup/memory" + path), timeout=10), path)

    def test_spares_die_with_a_killed_server(self):
        emu, pids, _ = self.start()
        os.kill(emu.proc.pid, signal.SIGKILL)
        emu.proc.wait()
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in pids), timeout=10),
                        [(p, cmdline(p)) for p in pids if pid_alive(p)])


if __name__ == "__main__":
    unittest.main()
