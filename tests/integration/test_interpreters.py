"""Which interpreter runs a function, and what it says when that is not the version the
function's Runtime names: python3.x with python3.x or python3 (and one warning), `Interpreters:`
mappings, and for Python and Node.js the banner warning, the log line and the note on a failed
import (docs/runtimes.md)."""

import os
import shutil
import subprocess
import sys
import unittest

from emu import EmuServer, wait_until
from runtime_support import CodeDirs, function, lines_for

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

# The runtime named after the Python running these tests.
HOST_RUNTIME = "python%d.%d" % sys.version_info[:2]


WHICH_APP = """
import platform
import sys

def handler(event, context):
    with open("/proc/self/cmdline", "rb") as f:
        argv0 = f.read().split(b"\\0")[0].decode()
    return {"argv0": argv0, "executable": sys.executable, "version": platform.python_version()}
"""


class InterpreterChoiceTest(unittest.TestCase):
    """python3.x runs with python3.x when it is installed, else with python3 and one warning;
    `Interpreters:` picks another. Either way the worker is spawned by absolute path."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.app = cls.code.make("which", {"app.py": WHICH_APP})
        probe = subprocess.run(["python3", "-c", "import sys, platform; "
                                "print(sys.executable); print(platform.python_version())"],
                               check=True, capture_output=True, text=True).stdout.split()
        cls.python3, cls.python3_version = probe

    @classmethod
    def tearDownClass(cls):
        cls.code.cleanup()

    def test_missing_version_runs_with_python3_and_warns_once(self):
        if shutil.which("python3.14"):
            self.skipTest("python3.14 is installed here")
        functions = {name: function(self.app, "python3.14", "app.handler") for name in ("a", "b")}
        with EmuServer(functions) as emu:
            for name in ("a", "b"):
                r = emu.invoke(name, b"{}")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json(), {"argv0": self.python3, "executable": self.python3,
                                            "version": self.python3_version})
            warning = (f"python3.14 is not installed; running python3.14 functions with python3, "
                       f"Python {self.python3_version} ({self.python3})")
            self.assertEqual(emu.stderr().count(warning), 1, emu.stderr())

    def test_interpreters_mapping_chooses_the_interpreter(self):
        config = {"Interpreters": {"python3.13": sys.executable},
                  "Functions": {"mapped": function(self.app, "python3.13", "app.handler")}}
        with EmuServer(config=config) as emu:
            r = emu.invoke("mapped", b"{}")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["argv0"], sys.executable)
            self.assertNotIn("not installed", emu.stderr())


@unittest.skipUnless(sys.version_info[:2] < (3, 12), "needs a Python older than 3.12")
class InterpreterVersionTest(unittest.TestCase):
    """A python3.12 function run by an older Python (here: the one running the tests, pinned
    under Interpreters) says so in the banner, in its log and in the errorMessage of a failed
    import; the same code under its own version's runtime name gets AWS's message unchanged."""

    SOURCE = "type Number = int  # PEP 695: Python 3.12 syntax\n\ndef handler(event, context):\n" \
             "    return 1\n"

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.app = cls.code.make("pep695", {"app.py": cls.SOURCE})
        cls.version = "%d.%d.%d" % sys.version_info[:3]
        config = {"Interpreters": {"python3.12": sys.executable, HOST_RUNTIME: sys.executable},
                  "Functions": {"asks-312": function(cls.app, "python3.12", "app.handler"),
                                "asks-host": function(cls.app, HOST_RUNTIME, "app.handler")}}
        cls.emu = EmuServer(config=config).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        cls.code.cleanup()

    def init_error(self, name):
        r = self.emu.invoke(name)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        body = r.json()
        self.assertEqual(body["errorType"], "Runtime.UserCodeSyntaxError", body)
        return body["errorMessage"]

    def test_syntax_error_names_the_interpreter_that_ran_it(self):
        self.assertEqual(self.init_error("asks-312"),
                         "Syntax error in module 'app': invalid syntax (app.py, line 1) "
                         f"(lambda-emu ran this python3.12 function with Python {self.version})")
        out = self.emu.wait_for_output("lambda-emu: python3.12 is run by")
        self.assertEqual(
            lines_for(out, "asks-312").count(
                f"lambda-emu: python3.12 is run by Python {self.version} here; code that needs "
                "Python 3.12 may fail to load"), 1, out)

    def test_matching_version_keeps_aws_message(self):
        message = "Syntax error in module 'app': invalid syntax (app.py, line 1)"
        self.assertEqual(self.init_error("asks-host"), message)
        logged = wait_until(lambda: [line for line in lines_for(self.emu.stdout(), "asks-host")
                                     if line.startswith("[ERROR]") or "lambda-emu:" in line])
        self.assertTrue(logged, self.emu.stdout())  # its init error is in the log...
        self.assertFalse(any("lambda-emu:" in line for line in logged), logged)  # ...alone

    def test_banner_warns_for_the_mismatched_function_only(self):
        lines = self.emu.stderr().splitlines()
        at = [i for i, line in enumerate(lines) if line.startswith("  asks-312 ")]
        self.assertEqual(len(at), 1, lines)
        self.assertEqual(
            lines[at[0] + 1],
            f"      warning: python3.12 runs on Python {self.version} here, not Python 3.12; "
            "code that needs Python 3.12 fails to load (install Python 3.12, or map python3.12 "
            "to it under Interpreters: in a lambda-emu config file)")
        self.assertEqual(sum("warning: python" in line for line in lines), 1, lines)


class NodeVersionTest(unittest.TestCase):
    """Every nodejs*.x runs on the one `node` found: a runtime naming another major says so in
    the banner, in its log and in the errorMessage of a failed import; the runtime naming the
    node that runs it keeps AWS's message."""

    @classmethod
    def setUpClass(cls):
        cls.node = subprocess.run(["node", "-p", "process.versions.node"], check=True,
                                  capture_output=True, text=True).stdout.strip()
        major = cls.node.split(".")[0]
        cls.own = f"nodejs{major}.x"
        cls.other = "nodejs22.x" if major != "22" else "nodejs20.x"
        cls.code = CodeDirs()
        app = cls.code.make("needs-package", {"index.js": """
            const missing = require('not-a-real-package-xyz');
            exports.handler = async () => missing;
        """})
        cls.emu = EmuServer({"other-node": function(app, cls.other, "index.handler"),
                             "own-node": function(app, cls.own, "index.handler")}).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        cls.code.cleanup()

    def import_error(self, name):
        r = self.emu.invoke(name)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        body = r.json()
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError", body)
        first_line = body["errorMessage"].split("\n")[0]
        self.assertEqual(first_line, "Error: Cannot find module 'not-a-real-package-xyz'", body)
        return body["errorMessage"]

    def test_import_error_names_the_node_that_ran_it(self):
        message = self.import_error("other-node")
        self.assertTrue(message.endswith(
            f" (lambda-emu ran this {self.other} function with Node.js {self.node})"), message)
        out = self.emu.wait_for_output(f"lambda-emu: {self.other} is run by")
        self.assertIn(f"lambda-emu: {self.other} is run by Node.js {self.node} here; code that "
                      f"needs Node.js {self.other[6:-2]} may fail to load",
                      lines_for(out, "other-node"))

    def test_own_major_keeps_aws_message(self):
        message = self.import_error("own-node")
        # Both functions load the same code, so the same require stack: Node's message whole, and
        # for the other major that message plus the note. (Not assertNotIn "lambda-emu": the
        # stack names the code's folder, /tmp/lambda-emu-code-*.)
        self.assertNotIn("(lambda-emu ran this", message)
        self.assertEqual(self.import_error("other-node"),
                         f"{message} (lambda-emu ran this {self.other} function with "
                         f"Node.js {self.node})")
        logged = wait_until(lambda: [line for line in lines_for(self.emu.stdout(), "own-node")
                                     if "Uncaught Exception" in line or "lambda-emu:" in line])
        self.assertTrue(logged, self.emu.stdout())  # its init error is in the log...
        self.assertFalse(any("lambda-emu:" in line for line in logged), logged)  # ...alone

    def test_banner_warns_for_the_other_major_only(self):
        lines = self.emu.stderr().splitlines()
        at = [i for i, line in enumerate(lines) if line.startswith("  other-node ")]
        self.assertEqual(len(at), 1, lines)
        major = self.other[6:-2]
        self.assertEqual(
            lines[at[0] + 1],
            f"      warning: {self.other} runs on Node.js {self.node} here, not Node.js {major}; "
            + (f"code that needs Node.js {major} fails to load"
               if int(major) > int(self.own[6:-2]) else f"behaviour may differ from Node.js {major}")
            + f" (install Node.js {major}, or map {self.other} to it under Interpreters: in a "
            "lambda-emu config file)")
        self.assertEqual(sum("warning: nodejs" in line for line in lines), 1, lines)


if __name__ == "__main__":
    unittest.main()
