"""Issue 14: each execution environment has Lambda's view from inside.

From inside a Python, a Node.js and a `provided` (shell bootstrap) function:
/var/task, /opt (layers merged in order), a private /tmp sized to
EphemeralStorage (ENOSPC when full, not charged to MemorySize), a PID namespace
(/proc shows only the environment's processes), the sandbox user, the
interpreter without the host's packages, the environment variables and rlimits
AWS records (/work/helpers/i14-facts.md), AWS_LAMBDA_EXEC_WRAPPER, a runtime
exiting 0, what survives a timeout, extensions, /opt/bootstrap; and the
fallback when the kernel refuses a namespace.

Code and layer directories are made with CodeDirs (mkdtemp: mode 0700, owned by
root), so every test also proves the sandbox user can read them.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

from emu import (EmuServer, emu_binary, invoke_parallel, pid_alive, report_for,
                 serve_for_class, wait_until, worker_pids)
from runtime_support import CodeDirs, function, lines_for
from sandbox_probes import children, cmdline

PY = "python3.11"
NODE = "nodejs20.x"

PATH_LANG = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
PATH_OS = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LD_LANG = ("/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:"
           "/var/task/lib:/opt/lib")
LD_OS = "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
NODE_PATH = ("/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:"
             "/var/runtime/node_modules:/var/runtime:/var/task")
XRAY = {
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    "_AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129",
    "_AWS_XRAY_DAEMON_PORT": "2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
}
SANDBOX_UID, SANDBOX_GID, SANDBOX_USER = 993, 990, "sbx_user1051"
# Node.js's global packages on the host (npm, corepack), next to its bin/.
HOST_NODE_MODULES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("node") or "/usr/bin/node"))),
    "lib", "node_modules")

# Lambda's rlimits (python3.12, 2025 record): soft, hard; -1 = unlimited.
RLIMITS = {
    "RLIMIT_NOFILE": (1024, 1024),
    "RLIMIT_NPROC": (742, 742),
    "RLIMIT_MEMLOCK": (65536, 65536),
    "RLIMIT_CORE": (10737418240, 10737418240),
    "RLIMIT_STACK": (8388608, -1),
}

# The Python probe runs the event's "code" with exec; `result` is the response.
# INIT is taken at import, so it shows the environment as the runtime found it.
PY_PROBE = """
    import os
    import sys

    INIT = {"tmp": sorted(os.listdir("/tmp")), "pid": os.getpid()}
    STATE = {"n": 0}

    def handler(event, context):
        scope = {"os": os, "sys": sys, "INIT": INIT, "STATE": STATE, "event": event}
        exec(event["code"], scope)
        return scope.get("result")
"""

# The Node probe: the event's "code" is the body of an async function.
NODE_PROBE = """
    const AsyncFunction = (async () => {}).constructor;
    exports.handler = async (event) => {
      const body = new AsyncFunction('require', 'process', 'event', event.code);
      return await body(require, process, event);
    };
"""

# A `provided` runtime in POSIX sh + curl: runs the event's base64 "sh" script
# and answers with its output (text). Its scratch files go to /tmp/.rt.
SH_BOOTSTRAP = """
    #!/bin/sh
    set -u
    api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
    dir=/tmp/.rt
    mkdir -p "$dir"
    while :; do
      curl -sS -D "$dir/headers" -o "$dir/event" "$api/invocation/next" || exit 1
      id=$(grep -i '^lambda-runtime-aws-request-id:' "$dir/headers" | cut -d: -f2 | tr -d ' \\r')
      sed 's/.*"sh": *"\\([A-Za-z0-9+/=]*\\)".*/\\1/' "$dir/event" | base64 -d > "$dir/script"
      sh "$dir/script" > "$dir/out" 2>&1
      curl -sS -o /dev/null -X POST --data-binary "@$dir/out" \\
           "$api/invocation/$id/response" || exit 1
    done
"""


def sh_event(script):
    return json.dumps({"sh": base64.b64encode(script.encode()).decode()})


def make_layers(code):
    """Two layers with the same file (bin/same): the later one must win."""
    first = code.make("layer-first", {"bin/same": "first\n", "only-first.txt": "1\n",
                                      "python/layer_mod.py": "WHO = 'first'\n"})
    second = code.make("layer-second", {"bin/same": "second\n", "only-second.txt": "2\n",
                                        "python/layer_mod.py": "WHO = 'second'\n",
                                        "wrapper.sh": """
                                            #!/bin/sh
                                            export WRAPPED_BY=wrapper
                                            export WRAPPER_ARGS="$*"
                                            exec "$@"
                                        """}, executable=("wrapper.sh",))
    return first, second


# Function code: attempt(path) creates a file and says "written" or the errno's name.
ATTEMPT_WRITE = """
import errno
def attempt(path):
    try:
        open(path, "w").close()
        return "written"
    except OSError as e:
        return errno.errorcode[e.errno]
"""


class ProbeMixin:
    def run_py(self, name, code, **event):
        event["code"] = code
        r = self.emu.invoke(name, event)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r.body[:3000])
        return r.json()

    def run_node(self, name, code, **event):
        event["code"] = code
        r = self.emu.invoke(name, event)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r.body[:3000])
        return r.json()

    def run_sh(self, name, script):
        r = self.emu.invoke(name, sh_event(script))
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r.body[:3000])
        return r.body.decode()


class PythonViewTest(ProbeMixin, unittest.TestCase):
    """A Python function's filesystem, processes, user, environment and limits."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.addClassCleanup(cls.code.cleanup)
        cls.layers = make_layers(cls.code)
        app = cls.code.make("py", {"app.py": PY_PROBE, "data/note.txt": "in the code\n"})
        cls.app = app
        imports = cls.code.make("py-imports", {"app.py": """
            import requests

            def handler(event, context):
                return "unreachable"
        """})
        layers = list(cls.layers)

        def py(**kw):
            spec = function(app, PY, "app.handler", timeout=kw.pop("timeout", 10),
                            env=kw.pop("env", None))
            spec["Layers"] = layers
            spec.update(kw)
            return spec

        cls.emu = serve_for_class(cls, {
            "py": py(env={"FN_MARK": "py"}),
            "py-other": py(env={"OTHER_SECRET": "s3cr3t-" + uuid.uuid4().hex}),
            "py-pair": py(),
            "py-fill": py(timeout=120, MemorySize=128),
            "py-timeout": py(timeout=1),
            "py-imports": function(imports, PY, "app.handler"),
        }, args=["--sandbox", "namespaces"])

    # -- /var/task ----------------------------------------------------------
    def test_var_task_is_the_code_directory_read_only(self):
        out = self.run_py("py", ATTEMPT_WRITE + """
result = {"ls": sorted(os.listdir("/var/task")), "cwd": os.getcwd(),
          "note": open("/var/task/data/note.txt").read(),
          "file": __import__("app").__file__ if "app" in sys.modules else None,
          "write": attempt("/var/task/new.txt"),
          "write_data": attempt("/var/task/data/note.txt")}
""")
        self.assertEqual(out["ls"], ["app.py", "data"])
        self.assertEqual(out["cwd"], "/var/task")
        self.assertEqual(out["note"], "in the code\n")
        self.assertEqual(out["file"], "/var/task/app.py")
        self.assertEqual(out["write"], "EROFS")
        self.assertEqual(out["write_data"], "EROFS")
        self.assertFalse(os.path.exists(os.path.join(self.app, "new.txt")))

    def test_lambda_directories_are_root_owned_as_on_lambda(self):
        # AWS records /var/task, /opt and /tmp as uid 0, gid 0 (i14-facts §3).
        out = self.run_py("py", """
result = {p: [os.stat(p).st_uid, os.stat(p).st_gid, oct(os.stat(p).st_mode & 0o7777)]
          for p in ("/var/task", "/opt", "/tmp")}
""")
        self.assertEqual(out["/tmp"][2], "0o1777")
        self.assertEqual(out["/var/task"][2], "0o755")
        for path, (uid, gid, _) in out.items():
            with self.subTest(path=path):
                self.assertEqual((uid, gid), (0, 0), f"{path} owner seen from inside")

    # -- /opt ----------------------------------------------------------------
    def test_opt_merges_layers_in_order_later_wins(self):
        out = self.run_py("py", """
import errno
try:
    open("/opt/new", "w")
    write = "written"
except OSError as e:
    write = errno.errorcode[e.errno]
import layer_mod
result = {"ls": sorted(os.listdir("/opt")), "same": open("/opt/bin/same").read(),
          "first": open("/opt/only-first.txt").read(),
          "second": open("/opt/only-second.txt").read(), "write": write,
          "layer_mod": [layer_mod.WHO, layer_mod.__file__]}
""")
        self.assertEqual(out["same"], "second\n")
        self.assertEqual(out["first"], "1\n")
        self.assertEqual(out["second"], "2\n")
        self.assertEqual(out["write"], "EROFS")
        self.assertEqual(out["layer_mod"], ["second", "/opt/python/layer_mod.py"])
        for name in ("bin", "only-first.txt", "only-second.txt", "python", "wrapper.sh"):
            self.assertIn(name, out["ls"])

    # -- the rest of the filesystem -------------------------------------------
    def test_host_filesystem_is_read_only_and_dev_is_minimal(self):
        out = self.run_py("py", ATTEMPT_WRITE + """
result = {"writes": {p: attempt(p) for p in ("/etc/lambda-emu-x", "/lambda-emu-x",
                                              "/var/lambda-emu-x", "/usr/lambda-emu-x")},
          "passwd": open("/etc/os-release").read()[:20],
          "dev": sorted(os.listdir("/dev")),
          "shm": os.path.exists("/dev/shm")}
""")
        for path, outcome in out["writes"].items():
            with self.subTest(path=path):
                self.assertEqual(outcome, "EROFS")
        with open("/etc/os-release") as f:
            self.assertEqual(out["passwd"], f.read()[:20])
        for name in ("null", "zero", "full", "random", "urandom", "tty", "fd", "stdin",
                     "stdout", "stderr"):
            self.assertIn(name, out["dev"])
        self.assertFalse(out["shm"], out["dev"])
        self.assertLessEqual(set(out["dev"]), {"null", "zero", "full", "random", "urandom",
                                               "tty", "fd", "stdin", "stdout", "stderr",
                                               "ptmx", "pts"})

    # -- /tmp -----------------------------------------------------------------
    def test_tmp_is_empty_at_start_and_private_from_the_host(self):
        mark = "lambda-emu-iso-" + uuid.uuid4().hex
        host_file = os.path.join("/tmp", mark + "-host")
        with open(host_file, "w") as f:
            f.write("host\n")
        self.addCleanup(os.unlink, host_file)
        out = self.run_py("py", f"""
with open("/tmp/{mark}", "w") as f:
    f.write("inside")
result = {{"init_tmp": INIT["tmp"], "host_seen": os.path.exists("{host_file}"),
          "mine": open("/tmp/{mark}").read(), "tmpdir": os.environ.get("TMPDIR")}}
""")
        self.assertEqual(out["init_tmp"], [])
        self.assertFalse(out["host_seen"], "the host's /tmp is visible inside")
        self.assertEqual(out["mine"], "inside")
        self.assertIsNone(out["tmpdir"])
        self.assertFalse(os.path.exists(os.path.join("/tmp", mark)),
                         "a write to /tmp inside reached the host's /tmp")

    def test_tmp_of_two_environments_are_separate(self):
        code = """
import time
mark = "env-%d-%s" % (os.getpid(), event["n"])
open("/tmp/" + mark, "w").close()
time.sleep(1.5)
result = {"mark": mark, "ls": sorted(n for n in os.listdir("/tmp") if n.startswith("env-")),
          "api": os.environ["AWS_LAMBDA_RUNTIME_API"]}
"""
        results = invoke_parallel(self.emu, "py-pair",
                                  [{"code": code, "n": i} for i in range(2)])
        outs = []
        for r, _ in results:
            self.assertEqual(r.status, 200, r)
            outs.append(r.json())
        self.assertNotEqual(outs[0]["api"], outs[1]["api"], "not two environments")
        for out in outs:
            self.assertEqual(out["ls"], [out["mark"]])

    def test_full_tmp_is_enospc_near_ephemeral_storage_and_not_charged_to_memory(self):
        # 128 MB function, 512 MB /tmp (the default): fills it without being killed.
        out = self.run_py("py-fill", """
import errno
vfs = os.statvfs("/tmp")
written = 0
chunk = b"x" * (4 << 20)
err = None
try:
    with open("/tmp/fill", "wb") as f:
        while True:
            written += os.write(f.fileno(), chunk)
except OSError as e:
    err = errno.errorcode[e.errno]
# With /tmp still full, the function's own memory is all there: 96 MB of 128.
block = bytearray(96 << 20)
for i in range(0, len(block), 4096):
    block[i] = 1
del block
os.unlink("/tmp/fill")
after = open("/tmp/after", "w"); after.write("ok"); after.close(); os.unlink("/tmp/after")
result = {"size": vfs.f_blocks * vfs.f_frsize, "err": err, "written": written,
          "mem": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]}
""")
        mb = 1 << 20
        self.assertEqual(out["mem"], "128")
        self.assertEqual(out["err"], "ENOSPC")
        self.assertGreaterEqual(out["written"], 440 * mb, out)
        self.assertLessEqual(out["written"], 560 * mb, out)
        self.assertGreaterEqual(out["size"], 480 * mb, out)
        self.assertLessEqual(out["size"], 600 * mb, out)

    # -- processes -------------------------------------------------------------
    def test_proc_shows_only_the_environments_processes(self):
        out = self.run_py("py", """
import subprocess
def cmd(pid):
    with open("/proc/%s/cmdline" % pid, "rb") as f:
        return f.read().split(b"\\0")[0].decode(errors="replace")
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
ps = subprocess.run(["ps", "-e", "-o", "pid=,comm="], capture_output=True, text=True)
result = {"pids": pids, "me": os.getpid(), "ppid": os.getppid(), "cmd1": cmd(1),
          "init_pid": INIT["pid"], "ps": ps.stdout, "ps_err": ps.stderr}
""")
        self.assertEqual(out["me"], 2, "the runtime is PID 2")
        self.assertEqual(out["init_pid"], 2)
        self.assertEqual(out["ppid"], 1)
        self.assertEqual(out["pids"], [1, 2], out)
        self.assertNotIn("python", os.path.basename(out["cmd1"]), "PID 1 is not the runtime")
        ps_pids = sorted(int(line.split()[0]) for line in out["ps"].splitlines())
        self.assertEqual(len(ps_pids), 3, out["ps"] + out["ps_err"])  # init, runtime, ps
        self.assertEqual(ps_pids[:2], [1, 2], out["ps"])

    def test_another_functions_proc_environ_is_unreachable(self):
        other = self.run_py("py-other", "result = os.environ['OTHER_SECRET']")
        self.run_py("py", "result = 1")  # make sure py's environment is up
        host_pid = None
        for pid in worker_pids(self.emu.proc.pid):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if other.encode() in f.read():
                        host_pid = pid
                        break
            except OSError:
                continue
        self.assertIsNotNone(host_pid, "py-other's runtime not found on the host")
        out = self.run_py("py", f"""
import errno
outcome = "read"
try:
    data = open("/proc/{host_pid}/environ", "rb").read()
    outcome = "read: secret" if b"{other}" in data else "read: other process"
except OSError as e:
    outcome = errno.errorcode[e.errno]
leaks = []
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            if b"{other}" in open("/proc/%s/environ" % p, "rb").read():
                leaks.append(p)
        except OSError:
            pass
result = {{"outcome": outcome, "leaks": leaks}}
""")
        self.assertNotEqual(out["outcome"], "read: secret")
        self.assertIn(out["outcome"], ("ENOENT", "EACCES", "EPERM", "ESRCH",
                                       "read: other process"))
        self.assertEqual(out["leaks"], [])

    # -- user -----------------------------------------------------------------
    def test_runs_as_the_sandbox_user(self):
        out = self.run_py("py", """
import getpass, pwd
result = {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
          "user": getpass.getuser(), "pw": pwd.getpwuid(os.getuid()).pw_name}
""")
        self.assertNotEqual(out["uid"], 0)
        self.assertEqual(out["uid"], SANDBOX_UID)
        self.assertEqual(out["euid"], SANDBOX_UID)
        self.assertEqual(out["gid"], SANDBOX_GID)
        self.assertEqual(out["user"], SANDBOX_USER)
        self.assertEqual(out["pw"], SANDBOX_USER)
        # Not in the host's /etc/passwd: the view's own.
        with open("/etc/passwd") as f:
            self.assertNotIn(SANDBOX_USER, f.read())

    # -- the interpreter -------------------------------------------------------
    def test_interpreter_is_under_var_lang(self):
        out = self.run_py("py", "result = [sys.executable, os.path.realpath(sys.executable)]")
        self.assertEqual(out[0], "/var/lang/bin/python3.11")

    def test_host_site_packages_are_not_importable(self):
        out = self.run_py("py", """
found = {}
for name in ("boto3", "requests"):
    try:
        __import__(name)
        found[name] = "imported"
    except ImportError as e:
        found[name] = type(e).__name__
result = found
""")
        self.assertEqual(out, {"boto3": "ModuleNotFoundError", "requests": "ModuleNotFoundError"})

    def test_handler_importing_a_host_package_is_import_module_error(self):
        r = self.emu.invoke("py-imports", {})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        body = r.json()
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError", body)
        self.assertIn("requests", body["errorMessage"])

    # -- environment and limits ------------------------------------------------
    def test_environment_variables_are_lambdas(self):
        env = self.run_py("py", "result = dict(os.environ)")
        expected = dict(XRAY, LAMBDA_TASK_ROOT="/var/task", LAMBDA_RUNTIME_DIR="/var/runtime",
                        PWD="/var/task", SHLVL="0", PATH=PATH_LANG, LD_LIBRARY_PATH=LD_LANG,
                        PYTHONPATH="/var/runtime", AWS_EXECUTION_ENV="AWS_Lambda_python3.11",
                        FN_MARK="py")
        for key, value in expected.items():
            with self.subTest(key=key):
                self.assertEqual(env.get(key), value)
        for key in ("HOME", "TMPDIR", "NODE_PATH", "USER", "LOGNAME", "SHELL"):
            with self.subTest(absent=key):
                self.assertNotIn(key, env)

    def test_rlimits_are_lambdas(self):
        out = self.run_py("py", """
import resource
result = {n: resource.getrlimit(getattr(resource, n))
          for n in ("RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_MEMLOCK", "RLIMIT_CORE",
                    "RLIMIT_STACK", "RLIMIT_FSIZE")}
""")
        check_rlimits(self, out)
        self.assertEqual(out["RLIMIT_FSIZE"], [-1, -1], "a full /tmp is ENOSPC, not SIGXFSZ")

    # -- timeout ---------------------------------------------------------------
    def test_timeout_keeps_tmp_and_resets_the_runtime(self):
        mark = uuid.uuid4().hex
        out = self.run_py("py-timeout", f"""
open("/tmp/keep", "w").write("{mark}")
STATE["n"] = 42
result = STATE["n"]
""")
        self.assertEqual(out, 42)
        r = self.emu.invoke("py-timeout", {"code": "import time; time.sleep(5)"})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "Sandbox.Timedout", r.body)
        r = self.emu.invoke("py-timeout", {"code": """
result = {"file": open("/tmp/keep").read(), "n": STATE["n"],
          "api": os.environ["AWS_LAMBDA_RUNTIME_API"]}
"""})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r.body)
        self.assertEqual(r.json()["file"], mark, "/tmp did not survive the timeout")
        self.assertEqual(r.json()["n"], 0, "module globals were not reset")
        request_id = r.header("x-amzn-RequestId")
        text = self.emu.wait_for_output(f"REPORT RequestId: {request_id}")
        report = report_for(text, request_id)
        self.assertIsNotNone(report, text[-2000:])
        self.assertIsNotNone(report["init"], "no Init Duration after the re-initialisation")


def check_rlimits(test, got):
    for name, (soft, hard) in RLIMITS.items():
        with test.subTest(rlimit=name):
            got_soft, got_hard = got[name]
            test.assertEqual(got_soft, soft)
            if hard == -1:
                # Raising a hard limit needs CAP_SYS_RESOURCE: at most the server's.
                test.assertTrue(got_hard == -1 or got_hard >= soft, got[name])
            else:
                test.assertEqual(got_hard, hard)


class PythonRuntimeProcessTest(ProbeMixin, unittest.TestCase):
    """AWS_LAMBDA_EXEC_WRAPPER (present, missing) and a runtime exiting 0."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.addClassCleanup(cls.code.cleanup)
        layers = list(make_layers(cls.code))
        app = cls.code.make("py", {"app.py": PY_PROBE})

        def py(env=None):
            spec = function(app, PY, "app.handler", env=env)
            spec["Layers"] = layers
            return spec

        cls.emu = serve_for_class(cls, {
            "wrapped": py({"AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrapper.sh"}),
            "no-wrapper": py({"AWS_LAMBDA_EXEC_WRAPPER": "/opt/does-not-exist"}),
            "exits": py(),
        }, args=["--sandbox", "namespaces"])

    def test_exec_wrapper_runs_the_runtime(self):
        out = self.run_py("wrapped", """
result = {"by": os.environ.get("WRAPPED_BY"), "args": os.environ.get("WRAPPER_ARGS"),
          "exe": sys.executable, "pid": os.getpid()}
""")
        self.assertEqual(out["by"], "wrapper")
        self.assertTrue(out["args"], out)
        self.assertIn("python", out["args"])
        self.assertEqual(out["pid"], 2, "the wrapper exec's the runtime in its place")

    def test_missing_exec_wrapper_is_exit_status_127(self):
        r = self.emu.invoke("no-wrapper", {"code": "result = 1"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        request_id = r.header("x-amzn-RequestId")
        self.assertEqual(r.json(), {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                            "exit status 127"})

    def test_handler_exit_0_is_exit_without_a_reason(self):
        for code in ("os._exit(0)", "sys.exit(0)"):
            with self.subTest(code=code):
                r = self.emu.invoke("exits", {"code": code})
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
                request_id = r.header("x-amzn-RequestId")
                self.assertEqual(r.json(), {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited without "
                                    "providing a reason"})
                # The next invoke gets a fresh runtime.
                self.assertEqual(self.run_py("exits", "result = 7"), 7)


class HostPackagesTest(ProbeMixin, unittest.TestCase):
    """--host-packages lets functions import the interpreter's installed packages."""

    @classmethod
    def setUpClass(cls):
        try:
            import requests  # noqa: F401 - only whether the host has it
        except ImportError:
            raise unittest.SkipTest("the host's Python has no requests")
        cls.code = CodeDirs()
        cls.addClassCleanup(cls.code.cleanup)
        app = cls.code.make("py", {"app.py": PY_PROBE})
        cls.emu = serve_for_class(cls, {"py": function(app, PY, "app.handler", timeout=10)},
                                  args=["--sandbox", "namespaces", "--host-packages"])

    def test_host_site_packages_importable_with_the_flag(self):
        out = self.run_py("py", "import requests\nresult = [requests.__name__, os.getuid()]")
        self.assertEqual(out, ["requests", SANDBOX_UID])


class SandboxUserTest(ProbeMixin, unittest.TestCase):
    """--sandbox-user UID:GID runs functions as that user instead of sbx_user1051; and
    without --sandbox (auto, the default) this machine gets the namespaces."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.addClassCleanup(cls.code.cleanup)
        app = cls.code.make("py", {"app.py": PY_PROBE})
        cls.emu = serve_for_class(cls, {"py": function(app, PY, "app.handler", timeout=10)},
                                  args=["--sandbox", "auto", "--sandbox-user", "2345:2346"])

    def test_functions_run_as_the_given_uid_and_gid(self):
        out = self.run_py("py", """
open("/tmp/mine", "w").close()
st = os.stat("/tmp/mine")
result = [os.getuid(), os.getgid(), st.st_uid, st.st_gid, os.listdir("/var/task")]
""")
        self.assertEqual(out, [2345, 2346, 2345, 2346, ["app.py"]])

    def test_auto_is_the_default_and_says_namespaces(self):
        stderr = self.emu.stderr()
        self.assertIn("sandbox: namespaces", stderr)
        self.assertNotIn("sandbox: off", stderr)
        out = self.run_py("py", "result = [os.getpid(), os.environ['LAMBDA_TASK_ROOT']]")
        self.assertEqual(out, [2, "/var/task"])


class NodeViewTest(ProbeMixin, unittest.TestCase):
    """A Node.js function: the same view, Node's variables, the wrapper, exit 0."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.addClassCleanup(cls.code.cleanup)
        layers = list(make_layers(cls.code))
        app = cls.code.make("node", {"index.js": NODE_PROBE, "data/note.txt": "node code\n"})
        cls.app = app

        def node(env=None, timeout=10):
            spec = function(app, NODE, "index.handler", timeout=timeout, env=env)
            spec["Layers"] = layers
            return spec

        cls.emu = serve_for_class(cls, {
            "node": node(),
            "node-wrapped": node({"AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrapper.sh"}),
            "node-no-wrapper": node({"AWS_LAMBDA_EXEC_WRAPPER": "/opt/does-not-exist"}),
            "node-timeout": node(timeout=1),
        }, args=["--sandbox", "namespaces"])

    def test_view_from_node(self):
        mark = "lambda-emu-iso-node-" + uuid.uuid4().hex
        out = self.run_node("node", f"""
const fs = require('fs');
const attempt = (p) => {{ try {{ fs.writeFileSync(p, 'x'); return 'written'; }}
                         catch (e) {{ return e.code; }} }};
fs.writeFileSync('/tmp/{mark}', 'inside');
return {{
  task: fs.readdirSync('/var/task').sort(), cwd: process.cwd(),
  same: fs.readFileSync('/opt/bin/same', 'utf8'),
  writeTask: attempt('/var/task/x'), writeOpt: attempt('/opt/x'), writeEtc: attempt('/etc/x'),
  tmp: fs.readFileSync('/tmp/{mark}', 'utf8'),
  pids: fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).map(Number).sort((a, b) => a - b),
  pid: process.pid, uid: process.getuid(), gid: process.getgid(),
  execPath: process.execPath, env: process.env,
}};
""")
        self.assertEqual(out["task"], ["data", "index.js"])
        self.assertEqual(out["cwd"], "/var/task")
        self.assertEqual(out["same"], "second\n")
        self.assertEqual([out["writeTask"], out["writeOpt"], out["writeEtc"]], ["EROFS"] * 3)
        self.assertEqual(out["tmp"], "inside")
        self.assertFalse(os.path.exists(os.path.join("/tmp", mark)))
        self.assertEqual(out["pid"], 2)
        self.assertEqual(out["pids"], [1, 2])
        self.assertEqual((out["uid"], out["gid"]), (SANDBOX_UID, SANDBOX_GID))
        self.assertEqual(out["execPath"], "/var/lang/bin/node")
        env = out["env"]
        expected = dict(XRAY, LAMBDA_TASK_ROOT="/var/task", LAMBDA_RUNTIME_DIR="/var/runtime",
                        PWD="/var/task", SHLVL="0", PATH=PATH_LANG, LD_LIBRARY_PATH=LD_LANG,
                        NODE_PATH=NODE_PATH, AWS_EXECUTION_ENV="AWS_Lambda_nodejs20.x")
        for key, value in expected.items():
            with self.subTest(key=key):
                self.assertEqual(env.get(key), value)
        for key in ("HOME", "TMPDIR", "PYTHONPATH"):
            with self.subTest(absent=key):
                self.assertNotIn(key, env)

    def test_node_rlimits(self):
        out = self.run_node("node", r"""
const { execFileSync } = require('child_process');
// /proc/self/limits of a child: the limits are inherited unchanged.
return execFileSync('cat', ['/proc/self/limits'], { encoding: 'utf8' });
""")
        check_rlimits(self, parse_proc_limits(out))

    def test_host_global_node_modules_not_visible(self):
        # Node.js resolves bare names from its globalPaths too ($HOME/.node_modules,
        # $PREFIX/lib/node): inside they are missing or empty, and npm's global
        # packages do not resolve.
        out = self.run_node("node", """
const fs = require('fs');
const globals = {};
const nodePath = (process.env.NODE_PATH || '').split(':');
for (const p of require('module').globalPaths.filter((g) => !nodePath.includes(g))) {
  try { globals[p] = fs.readdirSync(p); } catch (e) { globals[p] = e.code; }
}
const resolved = [];
for (const name of ['npm', 'corepack']) {
  try { resolved.push(require.resolve(name)); } catch (e) { /* hidden */ }
}
return { globals, resolved };
""")
        self.assertEqual(out["resolved"], [])
        self.assertTrue(out["globals"], "no globalPaths beyond NODE_PATH")
        for path, listing in out["globals"].items():
            with self.subTest(path=path):
                self.assertIn(listing, ([], "ENOENT"))

    def test_node_exec_wrapper(self):
        out = self.run_node("node-wrapped", """
return { by: process.env.WRAPPED_BY ?? null, args: process.env.WRAPPER_ARGS ?? null,
         pid: process.pid };
""")
        self.assertEqual(out["by"], "wrapper")
        self.assertIn("node", out["args"])
        self.assertEqual(out["pid"], 2)

    def test_node_missing_exec_wrapper_is_exit_status_127(self):
        r = self.emu.invoke("node-no-wrapper", {"code": "return 1;"})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        request_id = r.header("x-amzn-RequestId")
        self.assertEqual(r.json(), {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                            "exit status 127"})

    def test_node_process_exit_0_is_exit_without_a_reason(self):
        r = self.emu.invoke("node", {"code": "process.exit(0);"})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        request_id = r.header("x-amzn-RequestId")
        self.assertEqual(r.json(), {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited without providing "
                            "a reason"})
        self.assertEqual(self.run_node("node", "return 7;"), 7)


    def test_node_timeout_keeps_tmp_and_resets_the_runtime(self):
        mark = uuid.uuid4().hex
        out = self.run_node("node-timeout", f"""
require('fs').writeFileSync('/tmp/keep', '{mark}');
globalThis.isoCount = 42;
return globalThis.isoCount;
""")
        self.assertEqual(out, 42)
        r = self.emu.invoke("node-timeout",
                            {"code": "await new Promise((r) => setTimeout(r, 5000));"})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "Sandbox.Timedout", r.body)
        out = self.run_node("node-timeout", """
return { file: require('fs').readFileSync('/tmp/keep', 'utf8'),
         count: globalThis.isoCount ?? 0 };
""")
        self.assertEqual(out, {"file": mark, "count": 0})


def parse_proc_limits(text):
    """/proc/PID/limits as {RLIMIT_NAME: [soft, hard]} for the limits we check."""
    names = {"Max open files": "RLIMIT_NOFILE", "Max processes": "RLIMIT_NPROC",
             "Max locked memory": "RLIMIT_MEMLOCK", "Max core file size": "RLIMIT_CORE",
             "Max stack size": "RLIMIT_STACK", "Max file size": "RLIMIT_FSIZE"}
    out = {}
    for line in text.splitlines():
        for label, name in names.items():
            if line.startswith(label):
                soft, hard = line[len(label):].split()[:2]
                out[name] = [-1 if v == "unlimited" else int(v) for v in (soft, hard)]
    return out


class ProvidedViewTest(ProbeMixin, unittest.TestCase):
    """A `provided` shell bootstrap: the view, its environment (no AWS_EXECUTION_ENV,
    no PWD/SHLVL), /opt/bootstrap from a layer, extensions."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.addClassCleanup(cls.code.cleanup)
        first, second = make_layers(cls.code)
        cls.app = cls.code.make("sh", {"bootstrap": SH_BOOTSTRAP, "data/note.txt": "sh\n"})
        layer_bootstrap = cls.code.make("layer-bootstrap", {"bootstrap": SH_BOOTSTRAP})
        no_bootstrap = cls.code.make("no-bootstrap", {"README": "code without a bootstrap\n"})
        extension = cls.code.make("layer-ext", {"extensions/iso-ext": """
            #!/bin/sh
            echo "iso-ext: started uid=$(id -u) cwd=$(pwd) pid=$$"
            echo "iso-ext: to stderr" >&2
            echo "iso-ext: env LAMBDA_TASK_ROOT=${LAMBDA_TASK_ROOT:-}" \\
                 "AWS_LAMBDA_FUNCTION_NAME=${AWS_LAMBDA_FUNCTION_NAME:-} PATH=${PATH:-}"
            exec sleep 600
        """}, executable=("extensions/iso-ext",))

        def provided(code, layers):
            return {"Runtime": "provided.al2023", "Handler": "bootstrap", "Code": code,
                    "MemorySize": 128, "Timeout": 10, "Layers": layers}

        cls.emu = serve_for_class(cls, {
            "sh": provided(cls.app, [first, second]),
            "sh-layer-bootstrap": provided(no_bootstrap, [layer_bootstrap]),
            "sh-ext": provided(cls.app, [extension]),
        }, args=["--sandbox", "namespaces"])

    def test_view_from_a_provided_runtime(self):
        mark = "lambda-emu-iso-sh-" + uuid.uuid4().hex
        out = self.run_sh("sh", f"""
echo "task=$(ls /var/task | tr '\\n' ' ')"
echo "same=$(cat /opt/bin/same)"
echo "uid=$(id -u) gid=$(id -g) user=$(id -un)"
echo "cwd=$(pwd)"
echo "pids=$(ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' ')"
echo "bootstrap=$(tr '\\0' ' ' < /proc/2/cmdline)"
touch /tmp/{mark} && echo "tmp=ok"
touch /var/task/x 2>/dev/null || echo "task_ro=yes"
touch /opt/x 2>/dev/null || echo "opt_ro=yes"
""")
        fields = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        self.assertEqual(fields.get("task", "").split(), ["bootstrap", "data"], out)
        self.assertEqual(fields.get("same"), "second", out)
        self.assertEqual(fields.get("uid"), f"{SANDBOX_UID} gid={SANDBOX_GID} user={SANDBOX_USER}")
        self.assertEqual(fields.get("cwd"), "/var/task")
        self.assertEqual(fields.get("bootstrap", "").split()[-1], "/var/task/bootstrap", out)
        self.assertEqual(fields.get("tmp"), "ok")
        self.assertEqual(fields.get("task_ro"), "yes")
        self.assertEqual(fields.get("opt_ro"), "yes")
        self.assertFalse(os.path.exists(os.path.join("/tmp", mark)))
        # init, bootstrap (sh), the script's sh, ls, grep, sort, tr: none outside.
        pids = [int(p) for p in fields.get("pids", "").split()]
        self.assertEqual(pids[:2], [1, 2], out)

    def test_provided_environment_is_lambdas(self):
        # The bootstrap's environment as exec'd (a shell would add PWD and SHLVL itself).
        out = self.run_sh("sh", "tr '\\0' '\\n' < /proc/2/environ")
        env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        expected = dict(XRAY, LAMBDA_TASK_ROOT="/var/task", LAMBDA_RUNTIME_DIR="/var/runtime",
                        PATH=PATH_OS, LD_LIBRARY_PATH=LD_OS)
        for key, value in expected.items():
            with self.subTest(key=key):
                self.assertEqual(env.get(key), value)
        for key in ("AWS_EXECUTION_ENV", "PWD", "SHLVL", "HOME", "TMPDIR", "PYTHONPATH",
                    "NODE_PATH"):
            with self.subTest(absent=key):
                self.assertNotIn(key, env)

    def test_provided_rlimits(self):
        check_rlimits(self, parse_proc_limits(self.run_sh("sh", "cat /proc/2/limits")))

    def test_bootstrap_from_a_layer(self):
        out = self.run_sh("sh-layer-bootstrap", """
echo "bootstrap=$(tr '\\0' ' ' < /proc/2/cmdline)"
echo "task=$(ls /var/task)"
""")
        self.assertIn("/opt/bootstrap", out)
        self.assertIn("task=README", out)

    def test_runtime_is_pid_2_with_an_extension(self):
        # PID 1 the sandbox's init, the runtime PID 2, extensions after it.
        out = self.run_sh("sh-ext", "echo $PPID; tr '\\0' ' ' < /proc/$PPID/cmdline")
        self.assertEqual(out.splitlines()[0], "2", out)
        self.assertIn("/var/task/bootstrap", out)

    def test_extensions_start_log_and_stop_with_the_environment(self):
        out = self.run_sh("sh-ext", """
ls /opt/extensions
for p in $(ls /proc | grep -E '^[0-9]+$'); do
  [ -r /proc/$p/cmdline ] || continue
  echo "proc $p $(tr '\\0' ' ' < /proc/$p/cmdline) uid=$(awk '/^Uid:/{print $2}' /proc/$p/status)"
done
""")
        self.assertIn("iso-ext", out.splitlines()[0], out)
        sleeps = [line for line in out.splitlines() if "sleep 600" in line]
        self.assertEqual(len(sleeps), 1, out)
        self.assertTrue(sleeps[0].endswith(f"uid={SANDBOX_UID}"), sleeps[0])
        text = self.emu.wait_for_output("iso-ext: to stderr")
        lines = lines_for(text, "sh-ext")
        started = [line for line in lines if line.startswith("iso-ext: started")]
        self.assertEqual(len(started), 1, lines)
        self.assertIn(f"uid={SANDBOX_UID} cwd=/var/task", started[0])
        # The extension's environment is the function's.
        env_line = [line for line in lines if line.startswith("iso-ext: env ")]
        self.assertEqual(env_line, [f"iso-ext: env LAMBDA_TASK_ROOT=/var/task "
                                    f"AWS_LAMBDA_FUNCTION_NAME=sh-ext PATH={PATH_OS}"])
        # On the host: the extension's sleep, a descendant of the server.
        host = [pid for pid in worker_pids(self.emu.proc.pid)
                if read_cmdline(pid) == ["sleep", "600"]]
        self.assertEqual(len(host), 1, "the extension's process on the host")
        r = self.emu.request("POST", "/_emu/reset?environments=stop")
        self.assertIn(r.status, (200, 204), r)
        self.assertTrue(wait_until(lambda: not pid_alive(host[0]), 10),
                        "the extension survived its environment")


def read_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [part.decode(errors="replace") for part in f.read().split(b"\0") if part]
    except OSError:
        return []



class FallbackTest(unittest.TestCase):
    """LAMBDA_EMU_REFUSE_NAMESPACES=mount|pid|user: --sandbox auto runs as --sandbox none
    with one warning; --sandbox namespaces refuses to start (exit 2)."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.addClassCleanup(cls.code.cleanup)
        cls.app = cls.code.make("py", {"app.py": PY_PROBE})

    def test_auto_falls_back_to_none_with_one_warning(self):
        for refused in ("mount", "pid", "user"):
            with self.subTest(refused=refused):
                functions = {"py": function(self.app, PY, "app.handler", timeout=10)}
                with EmuServer(functions, args=["--sandbox", "auto"],
                               env={"LAMBDA_EMU_REFUSE_NAMESPACES": refused}) as emu:
                    r = emu.invoke("py", {"code": """
result = {"uid": os.getuid(), "root": os.environ.get("LAMBDA_TASK_ROOT"),
          "tmpdir": os.environ.get("TMPDIR"), "cwd": os.getcwd(), "pid": os.getpid()}
"""})
                    self.assertEqual(r.status, 200, r)
                    self.assertIsNone(r.header("X-Amz-Function-Error"), r.body)
                    out = r.json()
                    stderr = emu.stderr()
                self.assertEqual(out["uid"], os.getuid(), "runs as the server's user")
                self.assertEqual(os.path.realpath(out["root"]), os.path.realpath(self.app))
                self.assertTrue(out["tmpdir"], out)
                self.assertNotEqual(os.path.realpath(out["tmpdir"]), "/tmp")
                self.assertNotEqual(out["pid"], 2)
                warnings = [line for line in stderr.splitlines() if "sandbox: off" in line]
                self.assertEqual(len(warnings), 1, stderr)
                self.assertIn(refused, warnings[0].lower())

    def test_namespaces_mode_refuses_to_start(self):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-iso-")
        self.addCleanup(shutil.rmtree, tmp, True)
        config = os.path.join(tmp, "config.yaml")
        with open(config, "w") as f:
            json.dump({"Functions": {"py": function(self.app, PY, "app.handler")}}, f)
        for refused in ("mount", "pid", "user"):
            with self.subTest(refused=refused):
                port_file = os.path.join(tmp, f"port-{refused}")
                p = subprocess.run(
                    [emu_binary(), "serve", "--ephemeral", "--config", config, "--port", "0",
                     "--port-file", port_file, "--log-dir", os.path.join(tmp, "logs"),
                     "--sandbox", "namespaces"],
                    capture_output=True, text=True, timeout=30,
                    env=dict(os.environ, LAMBDA_EMU_REFUSE_NAMESPACES=refused))
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertFalse(os.path.exists(port_file), "listened without namespaces")
                self.assertIn(refused, p.stderr.lower())
                self.assertIn("sandbox", p.stderr.lower())


NODE_WHO = """
import fs from 'fs';
export const handler = async () => {
  fs.writeFileSync('/tmp/mine-' + process.env.MARK, 'x');
  return {uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(),
          execPath: process.execPath, tmp: fs.readdirSync('/tmp'),
          pids: fs.readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p)).sort(),
          taskOwner: fs.statSync('/var/task').uid, task: fs.readdirSync('/var/task'),
          // Field 41 of /proc/self/stat: the scheduling policy (0 SCHED_OTHER).
          policy: Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[38]),
          caps: fs.readFileSync('/proc/self/status', 'utf8').split('\\n')
              .filter((l) => /^Cap(Inh|Prm|Eff|Amb):/.test(l)).join('\\n')};
};
"""


def chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid)


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("node"), "needs root to become nobody")
class NonRootServerTest(unittest.TestCase):
    """A server that is not root: a user namespace gives the same view (issue 14 item 2),
    mapping the server's uid to 993; /tmp is a tmpfs (no loop devices without root)."""

    def test_an_unprivileged_server_gives_the_same_view(self):
        code = CodeDirs()
        self.addCleanup(code.cleanup)
        app = code.make("node", {"index.mjs": NODE_WHO})
        nobody = 65534
        mark = uuid.uuid4().hex
        emu = EmuServer({"who": function(app, "nodejs20.x", "index.handler", timeout=10,
                                         env={"MARK": mark})},
                        args=["--sandbox", "namespaces", "--no-cpu-limit"],
                        env={"HOME": "/nonexistent", "PATH": "/usr/local/bin:/usr/bin:/bin"},
                        popen_kwargs={"user": nobody, "group": nobody, "extra_groups": []})
        chown_tree(emu.tmp, nobody, nobody)
        chown_tree(os.path.dirname(app), nobody, nobody)
        with emu:
            # From a spare sandbox, made while the server could not have left
            # SCHED_IDLE (no CAP_SYS_NICE): the runtime still runs SCHED_OTHER.
            self.assertTrue(wait_until(lambda: "\nlambda_emu_spare_sandboxes 2\n" in
                                       emu.request("GET", "/metrics").body.decode(), timeout=20))
            # A spare keeps its capabilities through its exec as ambient ones,
            # and drops them from its ambient and inheritable sets at once.
            spares = [p for p in children(emu.proc.pid)
                      if cmdline(p)[:2] == ["lambda-emu", "__spare"]]
            self.assertEqual(len(spares), 2, spares)
            for pid in spares:
                with open(f"/proc/{pid}/status") as f:
                    caps = dict(line.split(":\t", 1) for line in f if line.startswith("Cap"))
                self.assertEqual(caps["CapAmb"].strip(), "0000000000000000", caps)
                self.assertEqual(caps["CapInh"].strip(), "0000000000000000", caps)
                self.assertNotEqual(caps["CapEff"].strip(), "0000000000000000", caps)
            r = emu.invoke("who", {})
            self.assertEqual(r.status, 200, r)
            self.assertIsNone(r.header("X-Amz-Function-Error"), r.body)
            self.assertIn('lambda_emu_spare_sandbox_events_total{event="taken"} 1\n',
                          emu.request("GET", "/metrics").body.decode())
            out = r.json()
            stderr = emu.stderr()
        self.assertIn("namespaces: user, mount, PID", stderr)
        self.assertIn("/tmp on tmpfs", stderr)
        self.assertEqual((out["uid"], out["gid"]), (993, 990))
        self.assertEqual(out["cwd"], "/var/task")
        self.assertEqual(out["execPath"], "/var/lang/bin/node")
        self.assertEqual(out["tmp"], ["mine-" + mark])
        self.assertEqual(out["pids"], ["1", "2"])
        self.assertEqual(out["task"], ["index.mjs"])
        self.assertEqual(out["taskOwner"], 993, "the server's files are the sandbox user's")
        self.assertEqual(out["policy"], 0, "SCHED_OTHER")
        # The spare kept its capabilities through its exec as ambient ones;
        # the runtime has none.
        for line in out["caps"].splitlines():
            self.assertTrue(line.endswith("\t0000000000000000"), out["caps"])
        self.assertEqual(len(out["caps"].splitlines()), 4, out["caps"])
        self.assertFalse(os.path.exists("/tmp/mine-" + mark), "wrote the host's /tmp")


if __name__ == "__main__":
    unittest.main()
