"""CLI (issue 2 items 2-3): --help, --port 0 + --port-file, loopback default,
clean shutdown on SIGTERM/SIGINT with no surviving worker, and config errors
that name the function, the key and the problem.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from emu import EmuServer, emu_binary, fixture, pid_alive, probe_function, wait_until, worker_pids

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

FLAGS = ("--config", "--host", "--port", "--port-file", "--region", "--account-id",
         "--log-level", "--log-dir")


def run_cli(*args, timeout=20):
    return subprocess.run([emu_binary(), *args], capture_output=True, text=True, timeout=timeout)


class HelpTest(unittest.TestCase):
    def test_serve_help_documents_every_flag(self):
        p = run_cli("serve", "--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        text = p.stdout + p.stderr
        for flag in FLAGS:
            with self.subTest(flag=flag):
                self.assertIn(flag, text)

    def test_top_level_help_lists_serve(self):
        p = run_cli("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("serve", p.stdout + p.stderr)

    def test_unknown_flag_fails(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as config:
            json.dump({"Functions": {}}, config)
            config.flush()
            p = run_cli("serve", "--ephemeral", "--config", config.name, "--port", "0", "--no-such-flag")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--no-such-flag", p.stdout + p.stderr)


class ConfigErrorTest(unittest.TestCase):
    """A bad config fails at start, before listening, with a precise message."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def start_with(self, config_text):
        path = os.path.join(self.tmp, "config.yaml")
        with open(path, "w") as f:
            f.write(config_text)
        port_file = os.path.join(self.tmp, "port")
        p = run_cli("serve", "--ephemeral", "--config", path, "--port", "0", "--port-file", port_file,
                    "--log-dir", os.path.join(self.tmp, "logs"))
        self.assertNotEqual(p.returncode, 0, f"started with a bad config:\n{config_text}")
        self.assertFalse(os.path.exists(port_file) and open(port_file).read().strip(),
                         "wrote a port file although the config is bad")
        return p.stdout + p.stderr

    def start_with_function(self, name, **fields):
        function = probe_function(**fields)
        for key in [k for k, v in fields.items() if v is None]:
            del function[key]
        return self.start_with(json.dumps({"Functions": {name: function}}))

    def assertMentions(self, message, *needles):
        for needle in needles:
            self.assertIn(str(needle), message)

    def test_unknown_function_key(self):
        message = self.start_with_function("fn-typo", Timeoutt=3)
        self.assertMentions(message, "fn-typo", "Timeoutt")

    def test_memory_size_below_range(self):
        message = self.start_with_function("fn-small", MemorySize=64)
        self.assertMentions(message, "fn-small", "MemorySize")
        self.assertTrue("64" in message or "128" in message, message)

    def test_memory_size_above_range(self):
        message = self.start_with_function("fn-big", MemorySize=20000)
        self.assertMentions(message, "fn-big", "MemorySize")
        self.assertTrue("20000" in message or "10240" in message, message)

    def test_memory_size_not_a_number(self):
        message = self.start_with_function("fn-nan", MemorySize="lots")
        self.assertMentions(message, "fn-nan", "MemorySize")

    def test_timeout_out_of_range(self):
        for value in (0, 901):
            with self.subTest(value=value):
                message = self.start_with_function("fn-timeout", Timeout=value)
                self.assertMentions(message, "fn-timeout", "Timeout")
                self.assertTrue(str(value) in message or "900" in message, message)

    def test_timeout_not_a_number(self):
        message = self.start_with_function("fn-timeout-text", Timeout="soon")
        self.assertMentions(message, "fn-timeout-text", "Timeout")

    def test_missing_code_directory(self):
        missing = os.path.join(self.tmp, "no-such-code-dir")
        message = self.start_with_function("fn-nocode", Code=missing)
        self.assertMentions(message, "fn-nocode", "Code", "no-such-code-dir")

    def test_missing_relative_code_directory(self):
        message = self.start_with_function("fn-relative", Code="./missing-relative")
        self.assertMentions(message, "fn-relative", "Code", "missing-relative")

    def test_unknown_runtime(self):
        message = self.start_with_function("fn-cobol", Runtime="cobol9")
        self.assertMentions(message, "fn-cobol", "Runtime", "cobol9")

    def test_negative_reserved_concurrency(self):
        message = self.start_with_function("fn-reserved", ReservedConcurrentExecutions=-1)
        self.assertMentions(message, "fn-reserved", "ReservedConcurrentExecutions")

    def test_invalid_function_name(self):
        message = self.start_with_function("bad name!")
        self.assertMentions(message, "bad name!")

    def test_unknown_top_level_key(self):
        message = self.start_with(json.dumps({"Functions": {}, "Fuctions": {}}))
        self.assertMentions(message, "Fuctions")

    def test_unparseable_yaml(self):
        self.start_with("Functions: {hello: [unclosed\n")

    def test_corrupt_zip_code(self):
        bad_zip = os.path.join(self.tmp, "broken.zip")
        with open(bad_zip, "wb") as f:
            f.write(b"PK\x03\x04 this is not really a zip archive")
        message = self.start_with_function("fn-zip", Code=bad_zip)
        self.assertMentions(message, "fn-zip", "broken.zip")

    def test_missing_config_file(self):
        p = run_cli("serve", "--ephemeral", "--config", os.path.join(self.tmp, "absent.yaml"), "--port", "0")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("absent.yaml", p.stdout + p.stderr)

    def test_bad_log_level(self):
        path = os.path.join(self.tmp, "ok.yaml")
        with open(path, "w") as f:
            json.dump({"Functions": {"ok": probe_function()}}, f)
        p = run_cli("serve", "--ephemeral", "--config", path, "--port", "0", "--log-level", "loudest")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("loudest", p.stdout + p.stderr)


class ListenTest(unittest.TestCase):
    def test_port_file_holds_the_bound_port_and_it_accepts_at_once(self):
        with EmuServer({"probe": probe_function()}) as emu:
            with open(os.path.join(emu.tmp, "port")) as f:
                self.assertRegex(f.read(), r"^\d+\s*$")
            socket.create_connection(("127.0.0.1", emu.port), timeout=5).close()
            self.assertEqual(emu.invoke("probe", b'{"a":1}').body, b'{"a":1}')

    def test_default_host_is_loopback_only(self):
        with EmuServer({"probe": probe_function()}) as emu:
            addresses = listening_addresses(emu.port)
            self.assertTrue(addresses, "port not found in /proc/net/tcp*")
            for address in addresses:
                self.assertIn(address, ("0100007F", "00000000000000000000000001000000"),
                              f"listening on a non-loopback address {address}")

    def test_explicit_host_and_log_level_are_accepted(self):
        for level in ("debug", "error"):
            with self.subTest(level=level):
                with EmuServer({"probe": probe_function()},
                               args=["--host", "127.0.0.1", "--log-level", level]) as emu:
                    self.assertEqual(emu.invoke("probe", b"[1]").body, b"[1]")

    def test_relative_code_is_resolved_against_the_config_file_not_the_cwd(self):
        emu = EmuServer({"rel": probe_function(Code="./code-next-to-config")})
        self.addCleanup(emu.__exit__, None, None, None)
        shutil.copytree(fixture("functions", "probe"), os.path.join(emu.tmp, "code-next-to-config"))
        emu.start()  # the test's cwd is tests/integration, not emu.tmp
        r = emu.invoke("rel", b'{"env": true}')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(os.path.realpath(r.json()["cwd"]),
                         os.path.realpath(os.path.join(emu.tmp, "code-next-to-config")))

    def test_hand_written_yaml_config(self):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-yaml-")
        self.addCleanup(shutil.rmtree, tmp, True)
        shutil.copytree(fixture("functions", "probe"), os.path.join(tmp, "probe-code"))
        config = os.path.join(tmp, "lambda-emu.yaml")
        with open(config, "w") as f:
            f.write("# comments are fine\n"
                    "Functions:\n"
                    "  yaml-fn:\n"
                    "    Runtime: provided.al2023\n"
                    "    Handler: bootstrap\n"
                    "    Code: ./probe-code\n"
                    "    MemorySize: 192\n"
                    "    Timeout: 4\n"
                    "    Environment: { GREETING: hi, COUNT: 3 }\n")
        port_file = os.path.join(tmp, "port")
        with open(os.path.join(tmp, "stderr"), "wb") as err:
            proc = subprocess.Popen([emu_binary(), "serve", "--ephemeral", "--config", config, "--port", "0",
                                     "--port-file", port_file, "--log-dir",
                                     os.path.join(tmp, "logs")],
                                    stdout=subprocess.DEVNULL, stderr=err)
        try:
            port = wait_until(lambda: os.path.exists(port_file) and open(port_file).read().strip()
                              or (proc.poll() is not None and "exited"), 20)
            self.assertNotEqual(port, "exited", open(os.path.join(tmp, "stderr")).read())
            self.assertIsNotNone(port, "no port file")
            import http.client
            conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
            conn.request("POST", "/2015-03-31/functions/yaml-fn/invocations", body=b'{"env":true}')
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            env = json.loads(resp.read())["env"]
            conn.close()
            self.assertEqual(env["GREETING"], "hi")
            self.assertEqual(env["COUNT"], "3")
            self.assertEqual(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "192")
        finally:
            proc.terminate()
            proc.wait(15)

    def test_port_in_use_fails_instead_of_hanging(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        self.addCleanup(busy.close)
        tmp = tempfile.mkdtemp(prefix="lambda-emu-cli-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "config.yaml")
        with open(path, "w") as f:
            json.dump({"Functions": {"ok": probe_function()}}, f)
        p = run_cli("serve", "--ephemeral", "--config", path, "--port", str(busy.getsockname()[1]),
                    "--log-dir", os.path.join(tmp, "logs"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(str(busy.getsockname()[1]), p.stdout + p.stderr)
        # ... and says which flag picks another port (the daily-use issue).
        self.assertIn("--port 0", p.stderr)

    def test_api_port_in_use_names_the_api_port_flag(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        self.addCleanup(busy.close)
        tmp = tempfile.mkdtemp(prefix="lambda-emu-cli-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "config.yaml")
        function = dict(probe_function(), Events={"Get": {"Type": "HttpApi",
                                                         "Properties": {"Path": "/x",
                                                                        "Method": "GET"}}})
        with open(path, "w") as f:
            json.dump({"Functions": {"ok": function}}, f)
        port = str(busy.getsockname()[1])
        p = run_cli("serve", "--ephemeral", "--config", path, "--port", "0", "--api-port", port,
                    "--log-dir", os.path.join(tmp, "logs"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(port, p.stderr)
        self.assertIn("--api-port 0", p.stderr)
        p = run_cli("start-api", "--config", path, "--invoke-port", "0", "--port", port,
                    "--log-dir", os.path.join(tmp, "logs"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("--port 0", p.stderr)

    def test_host_may_be_a_name(self):
        with EmuServer({"probe": probe_function()}, args=["--host", "localhost"]) as emu:
            self.assertEqual(emu.invoke("probe", b"[2]").body, b"[2]")
            self.assertIn("0100007F", listening_addresses(emu.port))

    def test_host_that_does_not_resolve_is_a_usage_error(self):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-cli-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "config.yaml")
        with open(path, "w") as f:
            json.dump({"Functions": {}}, f)
        p = run_cli("serve", "--ephemeral", "--config", path, "--host", "no-such-host.invalid", "--port", "0",
                    "--log-dir", os.path.join(tmp, "logs"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--host no-such-host.invalid", p.stderr)


def listening_addresses(port):
    """Local addresses (hex, as in /proc/net/tcp*) listening on port."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":
                found.append(address)
    return found


class ShutdownTest(unittest.TestCase):
    def start_busy_server(self):
        """A server with two warm environments, one of which has a grandchild."""
        emu = EmuServer({"probe": probe_function(Timeout=60)}).start()
        self.addCleanup(emu.__exit__, None, None, None)
        r = emu.invoke("probe", b'{"spawn_grandchild": true}')
        self.assertEqual(r.status, 200, r)
        results = []
        threads = [threading.Thread(target=lambda: results.append(
            emu.invoke("probe", b'{"sleep": 1, "pid": true}'))) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        text = emu.wait_for_output("probe-grandchild pid=")
        grandchild = int(re.search(r"probe-grandchild pid=(\d+)", text).group(1))
        workers = set(worker_pids(emu.proc.pid)) | {grandchild}
        workers |= {r.json()["pid"] for r in results}
        self.assertGreaterEqual(len(workers), 3, workers)
        self.assertTrue(all(pid_alive(p) for p in workers))
        return emu, workers

    def assertCleanShutdown(self, sig):
        emu, workers = self.start_busy_server()
        started = time.monotonic()
        code = emu.stop(sig=sig, timeout=15)
        self.assertLess(time.monotonic() - started, 10, "shutdown took too long")
        self.assertEqual(code, 0, f"exit code after {sig.name}:\n{emu.stderr()}")
        survivors = wait_until(lambda: not [p for p in workers if pid_alive(p)], 5)
        self.assertTrue(survivors, f"workers survived {sig.name}: "
                        f"{[p for p in workers if pid_alive(p)]}")

    def test_sigterm_shuts_down_cleanly_and_kills_every_worker(self):
        self.assertCleanShutdown(signal.SIGTERM)

    def test_sigint_shuts_down_cleanly_and_kills_every_worker(self):
        self.assertCleanShutdown(signal.SIGINT)

    def test_sigterm_during_an_invoke_does_not_hang_or_leak(self):
        emu = EmuServer({"probe": probe_function(Timeout=60)}).start()
        self.addCleanup(emu.__exit__, None, None, None)
        t = threading.Thread(target=lambda: self._swallow(emu.invoke, "probe", b'{"sleep": 30}'))
        t.start()
        text = emu.wait_for_output("probe: pid=")
        pid = int(re.search(r"probe: pid=(\d+)", text).group(1))
        started = time.monotonic()
        code = emu.stop(sig=signal.SIGTERM, timeout=15)
        self.assertLess(time.monotonic() - started, 10, "shutdown waited for the invoke")
        self.assertEqual(code, 0, emu.stderr())
        self.assertTrue(wait_until(lambda: not pid_alive(pid), 5), f"worker {pid} survived")
        t.join(15)

    @staticmethod
    def _swallow(fn, *args):
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - the connection may be cut at shutdown
            pass


if __name__ == "__main__":
    unittest.main()
