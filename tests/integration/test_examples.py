"""examples/ served from examples/lambda-emu.yaml, each invoked with its event.json."""

import json
import os
import shutil
import unittest

from emu import EXAMPLES, EmuServer
from runtime_support import lines_for


def event(folder):
    with open(os.path.join(EXAMPLES, folder, "event.json"), "rb") as f:
        return f.read()


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = EmuServer({})
        # Serve the real examples/lambda-emu.yaml (its Code paths are relative to it).
        cls.emu.config_path = os.path.join(EXAMPLES, "lambda-emu.yaml")
        cls.emu.start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            shutil.rmtree(cls.emu.tmp, ignore_errors=True)

    def ok(self, name, payload):
        r = self.emu.invoke(name, payload)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        return r

    def unhandled(self, name, payload):
        r = self.emu.invoke(name, payload)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        return r.json()

    def test_every_folder_is_registered_and_has_an_event(self):
        with open(os.path.join(EXAMPLES, "lambda-emu.yaml")) as f:
            config = f.read()
        with open(os.path.join(EXAMPLES, "README.md")) as f:
            readme = f.read()
        # sam-app is a whole SAM project (its own template.yaml), not one function;
        # testing holds test suites for the examples (docs/testing.md), no function.
        folders = sorted(d for d in os.listdir(EXAMPLES)
                         if os.path.isdir(os.path.join(EXAMPLES, d)) and d != "testing"
                         and not os.path.exists(os.path.join(EXAMPLES, d, "template.yaml")))
        self.assertEqual(len(folders), 6, folders)
        for folder in folders:
            with self.subTest(folder):
                self.assertIn("Code: ./%s\n" % folder, config)
                self.assertIn("`%s`" % folder, readme)
                json.loads(event(folder))

    def test_python_hello(self):
        r = self.ok("hello", event("python-hello"))
        body = r.json()
        self.assertEqual(body["message"], "Hello, Ada!")
        self.assertEqual(body["requestId"], r.header("x-amzn-RequestId"))

    def test_node_hello(self):
        body = self.ok("node-hello", event("node-hello")).json()
        self.assertEqual(body["message"], "Hello, Grace!")
        self.assertTrue(body["runtime"].startswith("v"))

    def test_node_callback(self):
        first = self.ok("node-callback", event("node-callback")).json()
        second = self.ok("node-callback", event("node-callback")).json()
        self.assertEqual(first["sum"], 10)
        self.assertEqual(first["functionName"], "node-callback")
        self.assertEqual(second["invocations"], first["invocations"] + 1)

    def test_provided_shell(self):
        r = self.ok("provided-shell", event("provided-shell"))
        self.assertEqual(r.json(), {"echo": json.loads(event("provided-shell")),
                                    "handler": "function.handler", "shell": "posix sh"})
        body = self.unhandled("provided-shell", {"fail": True})
        self.assertEqual(body["errorType"], "HandlerError")

    def test_python_api(self):
        body = self.ok("python-api", event("python-api")).json()
        self.assertEqual(body["statusCode"], 200)
        self.assertEqual(body["headers"]["Content-Type"], "application/json")
        self.assertEqual(json.loads(body["body"]),
                         {"path": "/items", "query": {"limit": "10"}, "method": "GET"})
        post = {"httpMethod": "POST", "path": "/items", "body": json.dumps({"name": "pen"})}
        body = self.ok("python-api", post).json()
        self.assertEqual(body["statusCode"], 201)
        self.assertEqual(json.loads(body["body"]), {"created": {"name": "pen"}, "path": "/items"})

    def test_python_errors_raise(self):
        body = self.unhandled("python-errors", event("python-errors"))
        self.assertEqual(body["errorType"], "PaymentDeclined")
        self.assertEqual(body["errorMessage"], "card declined")
        self.assertTrue(body["stackTrace"])

    def test_python_errors_timeout(self):
        body = self.unhandled("python-errors", {"action": "timeout"})
        self.assertEqual(body["errorType"], "Sandbox.Timedout")
        self.assertIn("Task timed out after 2.00 seconds", body["errorMessage"])

    def test_python_errors_exit(self):
        body = self.unhandled("python-errors", {"action": "exit"})
        self.assertEqual(body["errorType"], "Runtime.ExitError")
        self.assertIn("exit status 3", body["errorMessage"])

    def test_python_errors_memory_within_the_limit(self):
        self.assertEqual(self.ok("python-errors", {"action": "memory", "mb": 16}).json(),
                         {"allocatedMb": 16})

    def test_python_errors_print(self):
        r = self.ok("python-errors", {"action": "print", "lines": 2000})
        self.assertEqual(r.json(), {"printed": 2000})
        out = self.emu.wait_for_output("END RequestId: " + r.header("x-amzn-RequestId"))
        lines = lines_for(out, "python-errors")
        self.assertIn("line 0 of 2000", lines)
        self.assertIn("line 1999 of 2000", lines)
        # Printed lines come before the invoke's END line.
        end = lines.index("END RequestId: " + r.header("x-amzn-RequestId"))
        self.assertLess(lines.index("line 1999 of 2000"), end)


if __name__ == "__main__":
    unittest.main()
