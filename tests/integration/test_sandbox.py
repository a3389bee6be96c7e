"""Sandbox (issue 2 item 6): the worker's environment variables, cwd, private
TMPDIR, process group, and isolation from the server's own environment.
"""
import json
import os
import shutil
import tempfile
import unittest
import zipfile

from emu import EmuServer, fixture, invoke_parallel, probe_function, serve_for_class

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

CODE = os.path.realpath(fixture("functions", "probe"))


class SandboxEnvironmentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(
            cls,
            {
                "sandboxed": probe_function(
                    Handler="probe.handler", MemorySize=256, Timeout=7,
                    Environment={"GREETING": "hi", "WITH_SPACES": "a b  c=d",
                                 "UNICODE": "héllo ✓", "NUMBER": 42}),
                "nested-vars": probe_function(
                    Environment={"Variables": {"STAGE": "test", "EMPTY": ""}}),
                "isolated": probe_function(Timeout=10),
            },
            env={"LAMBDA_EMU_TEST_LEAK_CHECK": "server-only"})
        r = cls.emu.invoke("sandboxed", b'{"env": true}')
        if r.status != 200:
            raise AssertionError(f"env probe failed: {r}")
        cls.info = r.json()
        cls.env = cls.info["env"]

    def test_reserved_lambda_variables_are_set(self):
        expected = {
            "AWS_LAMBDA_FUNCTION_NAME": "sandboxed",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/sandboxed",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "_HANDLER": "probe.handler",
            "TZ": ":UTC",
        }
        for key, value in expected.items():
            with self.subTest(key=key):
                self.assertEqual(self.env.get(key), value)

    def test_presence_only_variables_are_set(self):
        for key in ("AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_RUNTIME_DIR",
                    "LANG", "PATH", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                    "AWS_SESSION_TOKEN"):
            with self.subTest(key=key):
                self.assertTrue(self.env.get(key), f"{key} missing or empty")

    def test_runtime_api_points_at_a_loopback_port(self):
        host, port = self.env["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
        self.assertEqual(host, "127.0.0.1")
        self.assertTrue(0 < int(port) < 65536)

    def test_task_root_and_cwd_are_the_code_directory(self):
        self.assertEqual(os.path.realpath(self.env.get("LAMBDA_TASK_ROOT", "")), CODE)
        self.assertEqual(os.path.realpath(self.info["cwd"]), CODE)

    def test_function_variables_are_passed_verbatim(self):
        self.assertEqual(self.env.get("GREETING"), "hi")
        self.assertEqual(self.env.get("WITH_SPACES"), "a b  c=d")
        self.assertEqual(self.env.get("UNICODE"), "héllo ✓")
        self.assertEqual(self.env.get("NUMBER"), "42")

    def test_environment_variables_form_is_accepted(self):
        r = self.emu.invoke("nested-vars", b'{"env": true}')
        self.assertEqual(r.status, 200, r)
        env = r.json()["env"]
        self.assertEqual(env.get("STAGE"), "test")
        self.assertEqual(env.get("EMPTY"), "")
        self.assertNotIn("Variables", env)

    def test_server_environment_does_not_leak_into_workers(self):
        self.assertNotIn("LAMBDA_EMU_TEST_LEAK_CHECK", self.env)

    def test_tmpdir_is_a_private_writable_directory(self):
        tmpdir = self.env.get("TMPDIR")
        self.assertTrue(tmpdir, "TMPDIR not set")
        self.assertNotEqual(os.path.realpath(tmpdir), "/tmp")
        self.assertTrue(os.path.isdir(tmpdir), tmpdir)
        self.assertTrue(os.access(tmpdir, os.W_OK), tmpdir)

    def test_each_environment_has_its_own_tmpdir_and_process_group(self):
        results = invoke_parallel(self.emu, "isolated", [b'{"env":true,"sleep":1}'] * 2)
        infos = [r.json() for r, _ in results]
        self.assertNotEqual(infos[0]["pid"], infos[1]["pid"])
        self.assertNotEqual(infos[0]["env"]["TMPDIR"], infos[1]["env"]["TMPDIR"])
        self.assertNotEqual(infos[0]["pgid"], infos[1]["pgid"])
        self.assertNotEqual(infos[0]["env"]["AWS_LAMBDA_RUNTIME_API"],
                            infos[1]["env"]["AWS_LAMBDA_RUNTIME_API"],
                            "each environment has its own Runtime API endpoint")

    def test_worker_runs_in_its_own_process_group(self):
        self.assertNotEqual(self.info["pgid"], os.getpgid(self.emu.proc.pid))

    def test_bootstrap_is_executed_from_the_code_directory(self):
        self.assertEqual(os.path.realpath(self.info["argv"][0]),
                         os.path.join(CODE, "bootstrap"))


class CodeAndDefaultsTest(unittest.TestCase):
    """Code may be a .zip (unpacked per function, exec bits kept); MemorySize and
    Timeout default to 128 MB and 3 s."""

    @classmethod
    def setUpClass(cls):
        cls.zip_dir = tempfile.mkdtemp(prefix="lambda-emu-zip-")
        cls.addClassCleanup(shutil.rmtree, cls.zip_dir, True)
        cls.zip_path = os.path.join(cls.zip_dir, "probe.zip")
        with zipfile.ZipFile(cls.zip_path, "w") as z:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o100755 << 16  # a regular file, rwxr-xr-x
            with open(os.path.join(CODE, "bootstrap"), "rb") as f:
                z.writestr(info, f.read())
            z.writestr("data/hello.txt", "hello from the zip\n")
        minimal = {"Runtime": "provided", "Handler": "bootstrap", "Code": CODE}
        cls.emu = serve_for_class(cls, {"zipped": probe_function(Code=cls.zip_path),
                                        "minimal": minimal})

    def test_zip_code_is_unpacked_and_runs(self):
        r = self.emu.invoke("zipped", b'{"env": true}')
        self.assertEqual(r.status, 200, r)
        info = r.json()
        root = info["env"]["LAMBDA_TASK_ROOT"]
        self.assertEqual(os.path.realpath(info["cwd"]), os.path.realpath(root))
        with open(os.path.join(root, "data", "hello.txt")) as f:
            self.assertEqual(f.read(), "hello from the zip\n")
        self.assertEqual(self.emu.invoke("zipped", b'{"z":1}').body, b'{"z":1}')

    def test_memory_size_and_timeout_defaults(self):
        r = self.emu.invoke("minimal", b'{"env": true}')
        self.assertEqual(r.status, 200, r)
        info = r.json()
        self.assertEqual(info["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128")
        deadline = int(info["headers"]["lambda-runtime-deadline-ms"])
        self.assertGreater(deadline, info["received_ms"] + 3000 - 2000)
        self.assertLess(deadline, info["received_ms"] + 3000 + 500)


class ReservedVariablesTest(unittest.TestCase):
    """A function's own variables may not override the reserved ones: lambda-emu
    either refuses the config (naming the key) or keeps the reserved value."""

    def test_function_cannot_override_reserved_variables(self):
        emu = EmuServer({"sneaky": probe_function(Environment={
            "AWS_LAMBDA_FUNCTION_NAME": "evil", "AWS_LAMBDA_RUNTIME_API": "10.0.0.1:1"})})
        try:
            try:
                emu.start()
            except RuntimeError as refused:
                self.assertIn("AWS_LAMBDA_", str(refused))
                self.assertIn("sneaky", str(refused))
                return
            r = emu.invoke("sneaky", b'{"env": true}', timeout=30)
            self.assertEqual(r.status, 200, r)
            env = r.json()["env"]
            self.assertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], "sneaky")
            self.assertNotEqual(env["AWS_LAMBDA_RUNTIME_API"], "10.0.0.1:1")
        finally:
            emu.__exit__(None, None, None)


if __name__ == "__main__":
    unittest.main()
