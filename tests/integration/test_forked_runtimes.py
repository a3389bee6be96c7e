"""Issue 15, item 2: forked runtimes (`serve --no-fork-runtimes` turns them off).

A Python runtime starts in a spare sandbox that a runtime template forked: the
interpreter is up and lambda-emu's runtime client loaded, and the function's
init (the handler's import) runs when a cold start takes the spare, in that
environment, as after exec. These tests compare what a function sees in a
forked runtime with what it sees in an exec'd one (another server, same code,
--no-fork-runtimes), and check that forked environments share nothing: each
has its own PID and mount namespaces, cgroup, /tmp, variables, request stream,
module state and randomness; threads started at import run; init errors,
init timeouts, timeouts and memory limits behave as before; templates and
spares go with the server, also after kill -9.
"""

import os
import signal
import unittest

from emu import EmuServer, invoke_parallel, pid_alive, report_for, serve_for_class, wait_until
from runtime_support import CodeDirs, function
from sandbox_probes import BROKEN, HOG, SLOW_INIT, children, cmdline

PY = "python3.11"
VIEW_COMMAND = ["/var/runtime/bootstrap.py"]  # after the interpreter's path

# Everything that exec'd and forked runtimes must agree on, at import time.
PROBE = """
    import os
    import random
    import resource
    import signal
    import sys
    import threading
    import time

    import __main__

    STATE = {"n": 0}
    ROLL = random.random()
    URANDOM = os.urandom(8).hex()
    INIT_TMP = sorted(os.listdir("/tmp"))
    STARTED = []
    threading.Thread(target=lambda: STARTED.append(threading.get_ident()), daemon=True).start()
    time.sleep(0.01)

    def limits():
        names = ("RLIMIT_NOFILE", "RLIMIT_CORE", "RLIMIT_NPROC", "RLIMIT_MEMLOCK", "RLIMIT_STACK",
                 "RLIMIT_FSIZE")
        return {n: list(resource.getrlimit(getattr(resource, n))) for n in names}

    def view():
        with open("/proc/self/cmdline", "rb") as f:
            cmdline = f.read().decode().split("\\0")[:-1]
        with open("/proc/self/status") as f:
            status = dict(line.rstrip("\\n").split(":\\t", 1) for line in f if ":\\t" in line)
        env = dict(os.environ)
        for per_environment in ("AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_STREAM_NAME",
                                "_X_AMZN_TRACE_ID", "LAMBDA_EMU_INSTANCE"):
            env.pop(per_environment, None)
        return {
            "argv": sys.argv,
            "orig_argv": sys.orig_argv,
            "executable": sys.executable,
            "prefix": [sys.prefix, sys.exec_prefix, sys.base_prefix],
            "path": sys.path,
            "flags": list(sys.flags),
            "main_file": getattr(__main__, "__file__", None),
            "env": env,
            "cwd": os.getcwd(),
            "ids": [os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups()],
            "umask": os.umask(0o022),
            "limits": limits(),
            "cmdline": cmdline,
            "sigpipe": str(signal.getsignal(signal.SIGPIPE)),
            "sigint": str(signal.getsignal(signal.SIGINT)),
            "blocked": status.get("SigBlk"),
            "ignored": status.get("SigIgn"),
            "caps": status.get("CapEff"),
            "stdout": [type(sys.stdout).__name__, sys.__stdout__.encoding,
                       sys.__stdout__.line_buffering, sys.__stderr__.line_buffering],
            "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
            "ppid": os.getppid(),
        }

    def handler(event, context):
        STATE["n"] += 1
        if event.get("write"):
            with open("/tmp/" + event["write"], "w") as f:
                f.write("x")
        time.sleep(event.get("sleep", 0))
        out = {
            "n": STATE["n"],
            "roll": ROLL,
            "urandom": URANDOM,
            "thread_ran": len(STARTED),
            "init_tmp": INIT_TMP,
            "tmp": sorted(os.listdir("/tmp")),
            "pidns": os.readlink("/proc/self/ns/pid"),
            "mntns": os.readlink("/proc/self/ns/mnt"),
            "cgroup": open("/proc/self/cgroup").read(),
            "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
            "api": os.environ["AWS_LAMBDA_RUNTIME_API"],
            "pid": os.getpid(),
        }
        if event.get("view"):
            out["view"] = view()
        return out
"""

SLOW = """
    import time
    COUNT = {"n": 0}

    def handler(event, context):
        COUNT["n"] += 1
        time.sleep(event.get("sleep", 0))
        return COUNT["n"]
"""

FLAGS = """
    import sys

    def handler(event, context):
        return {"dont_write_bytecode": sys.flags.dont_write_bytecode,
                "warnoptions": sys.warnoptions}
"""


def metrics(emu):
    text = emu.request("GET", "/metrics").body.decode()
    out = {}
    for line in text.splitlines():
        for name in ("lambda_emu_forked_runtime_spares", "lambda_emu_forked_runtime_starts_total",
                     "lambda_emu_spare_sandboxes"):
            if line.startswith(name + " "):
                out[name] = int(line.split()[1])
    return out


def forked_ready(emu):
    return metrics(emu).get("lambda_emu_forked_runtime_spares", 0)


def environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def template_pids(server):
    """The server's runtime templates: its children started as one (a runtime's command
    line, and LAMBDA_EMU_RUNTIME_TEMPLATE in the environment they started with)."""
    return {p for p in children(server) if "LAMBDA_EMU_RUNTIME_TEMPLATE=1" in environ(p)}


def sandboxed_or_skip(emu):
    text = emu.stderr()
    if "namespaces" not in text or "forked runtimes: Python" not in text:
        raise unittest.SkipTest("forked runtimes need the sandbox as root")


class ForkedRuntimeTest(unittest.TestCase):
    """Two spares of each kind kept ready; the sandbox on (the default)."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        probe = cls.code.make("probe", {"app.py": PROBE})
        slow = cls.code.make("slow", {"app.py": SLOW})
        functions = {
            "probe": function(probe, PY, "app.handler", timeout=10),
            "probe-cold": function(probe, PY, "app.handler", timeout=10),
            "probe-many": function(probe, PY, "app.handler", timeout=10),
            "hog": function(cls.code.make("hog", {"app.py": HOG}), PY, "app.handler",
                            memory=128, timeout=10),
            "broken": function(cls.code.make("broken", {"app.py": BROKEN}), PY, "app.handler"),
            "slow-init": function(cls.code.make("slow-init", {"app.py": SLOW_INIT}), PY,
                                  "app.handler", timeout=3),
            "slow": function(slow, PY, "app.handler", timeout=1),
            "flags": function(cls.code.make("flags", {"app.py": FLAGS}), PY, "app.handler",
                              env={"PYTHONDONTWRITEBYTECODE": "1",
                                   "PYTHONWARNINGS": "ignore::DeprecationWarning"}),
        }
        cls.emu = serve_for_class(cls, functions,
                                  args=["--spare-sandboxes", "2", "--init-timeout", "3"])
        sandboxed_or_skip(cls.emu)
        cls.plain = serve_for_class(cls, {"probe": functions["probe"]},
                                    args=["--spare-sandboxes", "2", "--no-fork-runtimes"])

    @classmethod
    def tearDownClass(cls):
        cls.code.cleanup()

    def wait_forked(self, count=4):
        # Two start-up environments (the flags function has its own): two kinds, two each.
        self.assertTrue(wait_until(lambda: forked_ready(self.emu) >= count, timeout=30),
                        (metrics(self.emu), self.emu.stderr()[-3000:]))

    def invoke_json(self, emu, name, payload):
        r = emu.invoke(name, payload)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r.body)
        return r.json()

    def test_a_cold_start_takes_a_forked_runtime(self):
        self.wait_forked()
        started = metrics(self.emu).get("lambda_emu_forked_runtime_starts_total", 0)
        r = self.emu.invoke("probe-cold", {"view": True})  # this test's only invoke of it
        self.assertEqual(r.status, 200, r)
        out = r.json()
        self.assertEqual(metrics(self.emu)["lambda_emu_forked_runtime_starts_total"], started + 1)
        # The runtime process shows the command it stands for, not the template's.
        self.assertEqual(out["view"]["cmdline"][1:], VIEW_COMMAND)
        self.assertEqual(out["view"]["ppid"], 1)
        self.assertEqual(out["thread_ran"], 1)
        # Init ran in the environment, and REPORT says how long it took.
        request_id = r.header("X-Amzn-RequestId")
        report = wait_until(lambda: report_for(self.emu.stdout(), request_id))
        self.assertIsNotNone(report and report["init"], report)

    def test_a_forked_runtime_looks_like_an_execd_one(self):
        self.wait_forked()
        forked = self.invoke_json(self.emu, "probe", {"view": True})["view"]
        execd = self.invoke_json(self.plain, "probe", {"view": True})["view"]
        for key in execd:
            if key in ("fds",):
                continue
            self.assertEqual(forked[key], execd[key], key)
        # Descriptors: the same standard streams; nothing of the template's left open.
        self.assertEqual(forked["fds"][:3], [0, 1, 2])
        self.assertEqual(len(forked["fds"]), len(execd["fds"]), (forked["fds"], execd["fds"]))

    def test_start_up_variables_get_a_template_of_their_own(self):
        self.wait_forked()
        out = self.invoke_json(self.emu, "flags", {})
        self.assertEqual(out["dont_write_bytecode"], 1)
        self.assertEqual(out["warnoptions"], ["ignore::DeprecationWarning"])

    def test_forked_environments_share_nothing(self):
        self.wait_forked()
        first = [r for r, _ in invoke_parallel(self.emu, "probe-many", [
            {"write": f"file-{i}", "sleep": 0.5} for i in range(3)])]
        for r in first:
            self.assertEqual(r.status, 200, r)
        results = [r.json() for r in first]
        for key in ("pidns", "mntns", "cgroup", "stream", "api", "roll", "urandom"):
            self.assertEqual(len({out[key] for out in results}), 3, (key, results))
        for out in results:
            self.assertEqual(out["n"], 1, out)
            self.assertEqual(out["init_tmp"], [], out)
            self.assertEqual(len(out["tmp"]), 1, out)
            self.assertEqual(out["thread_ran"], 1, out)
        again = invoke_parallel(self.emu, "probe-many", [{"sleep": 0.5} for _ in range(3)])
        by_ns = {out["pidns"]: out for out in results}
        for r, _ in again:
            out = r.json()
            self.assertEqual(out["n"], 2, out)
            self.assertEqual(out["tmp"], by_ns[out["pidns"]]["tmp"], out)
            self.assertEqual(out["roll"], by_ns[out["pidns"]]["roll"], out)

    def test_init_errors_timeouts_and_memory_limits_behave_as_before(self):
        self.wait_forked()
        r = self.emu.invoke("broken")
        self.assertEqual(r.json()["errorType"], "Runtime.ImportModuleError", r.body)
        r = self.emu.invoke("slow-init")
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "Runtime.InitTimeout", r.body)
        r = self.emu.invoke("hog")
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "Runtime.OutOfMemory", r.body)

    def test_a_timed_out_runtime_starts_again(self):
        # The restart after a timeout execs the runtime (init.h): module state starts over.
        self.wait_forked()
        self.assertEqual(self.invoke_json(self.emu, "slow", {}), 1)
        r = self.emu.invoke("slow", {"sleep": 3})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertIn("Task timed out", r.body.decode())
        self.assertEqual(self.invoke_json(self.emu, "slow", {}), 1)


class ForkedRuntimeOffTest(unittest.TestCase):
    def setUp(self):
        self.code = CodeDirs()
        self.addCleanup(self.code.cleanup)

    def test_no_fork_runtimes_execs_every_runtime(self):
        probe = self.code.make("probe", {"app.py": PROBE})
        with EmuServer({"probe": function(probe, PY, "app.handler")},
                       args=["--no-fork-runtimes"]) as emu:
            self.assertIn("forked runtimes: off (--no-fork-runtimes)", emu.stderr())
            r = emu.invoke("probe", {"view": True})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(metrics(emu).get("lambda_emu_forked_runtime_starts_total"), 0)
            self.assertEqual(metrics(emu).get("lambda_emu_forked_runtime_spares"), 0)

    def test_without_the_sandbox_runtimes_start_by_exec_and_it_says_why(self):
        probe = self.code.make("probe", {"app.py": PROBE})
        with EmuServer({"probe": function(probe, PY, "app.handler")},
                       args=["--sandbox", "none"]) as emu:
            self.assertIn("forked runtimes: off (they need the sandbox", emu.stderr())
            self.assertEqual(emu.invoke("probe", {}).status, 200)


class ForkedRuntimeCleanupTest(unittest.TestCase):
    def setUp(self):
        self.code = CodeDirs()
        self.addCleanup(self.code.cleanup)

    def start(self):
        probe = self.code.make("probe", {"app.py": PROBE})
        emu = EmuServer({"probe": function(probe, PY, "app.handler")},
                        args=["--spare-sandboxes", "2"]).start()
        self.addCleanup(emu.stop)
        sandboxed_or_skip(emu)
        self.assertTrue(wait_until(lambda: forked_ready(emu) == 2, timeout=30),
                        emu.stderr()[-2000:])
        self.assertEqual(emu.invoke("probe", {}).status, 200)
        templates = template_pids(emu.proc.pid)
        self.assertEqual(len(templates), 1, templates)
        self.assertEqual(cmdline(next(iter(templates)))[1:], VIEW_COMMAND)
        # The server's own (it adopts them), not those of servers that
        # other tests run alongside.
        spares = {p for p in children(emu.proc.pid)
                  if cmdline(p)[:3] == ["lambda-emu", "__spare", "forked"]}
        self.assertGreaterEqual(len(spares), 2)
        return emu, templates | spares

    def test_templates_and_spares_go_when_the_server_stops(self):
        emu, pids = self.start()
        emu.stop()
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in pids), timeout=10),
                        [(p, cmdline(p)) for p in pids if pid_alive(p)])

    def test_templates_and_spares_die_with_a_killed_server(self):
        emu, pids = self.start()
        os.kill(emu.proc.pid, signal.SIGKILL)
        emu.proc.wait()
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in pids), timeout=10),
                        [(p, cmdline(p)) for p in pids if pid_alive(p)])


if __name__ == "__main__":
    unittest.main()
