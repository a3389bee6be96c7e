"""The console a person reads: each line of a multi-line log entry on its own prefixed line,
colour on a terminal only, a summary per invocation, the debug-level request log, signals
(SIGHUP on a terminal stops, SIGUSR1 reloads), --watch ignoring what runtimes and editors
write, and the .lambda-emu/ hint.

Terminal behaviour is tested on a real pseudo-terminal: the server is the leader of a new
session whose controlling terminal is the pty, as when started from a shell window.
"""

import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import termios
import threading
import time
import unittest
import urllib.request

from emu import EmuServer, emu_binary, wait_until
from runtime_support import CodeDirs, function

ESC = "\x1b["
TRACEBACK_APP = """
def handler(event, context):
    print("first\\nsecond")
    if event.get("fail"):
        raise ValueError("bad input")
    return "ok"
"""
NODE_APP = """
export const handler = async () => {
  console.log("alpha\\nbeta");
  return "ok";
};
"""


def _become_terminal_owner():
    # Runs in the child after setsid(): the pty on stdin becomes the controlling terminal.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyServer:
    """lambda-emu serve with stdin, stdout and stderr on a pseudo-terminal it controls."""

    def __init__(self, config_path, args=(), env=None, cwd=None):
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-pty-")
        self.port_file = os.path.join(self.tmp, "port")
        cmd = [emu_binary(), "serve", "--ephemeral", "--config", config_path, "--port", "0",
               "--port-file", self.port_file, *args]
        if "--log-dir" not in args:
            cmd += ["--log-dir", os.path.join(self.tmp, "logs")]
        full_env = dict(os.environ)
        full_env.pop("NO_COLOR", None)
        full_env.update(env or {})
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=full_env,
                                     cwd=cwd, start_new_session=True,
                                     preexec_fn=_become_terminal_owner)
        os.close(slave)
        self._chunks = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        # A terminal that nobody reads fills up and blocks the writer: drain it.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        wait_until(lambda: self._port() or self.proc.poll() is not None, timeout=20)
        if self.proc.poll() is not None:
            raise RuntimeError("lambda-emu exited:\n" + self.text())
        self.port = self._port()

    def _port(self):
        try:
            with open(self.port_file) as f:
                return int(f.read().strip() or 0)
        except FileNotFoundError:
            return 0

    def _drain(self):
        # select() with a timeout, never a read that blocks: close() does not wake a blocked
        # read, and the terminal is only hung up once no one holds the master any more.
        fd = self.master
        while not self._closing.is_set():
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._chunks.append(data)

    def text(self):
        with self._lock:
            return b"".join(self._chunks).decode(errors="replace")

    def wait_for(self, needle, timeout=10):
        wait_until(lambda: needle in self.text(), timeout=timeout)
        return self.text()

    def invoke(self, name, payload):
        req = urllib.request.Request(
            "http://127.0.0.1:%d/2015-03-31/functions/%s/invocations" % (self.port, name),
            data=json.dumps(payload).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.headers["x-amzn-RequestId"], r.read()

    def hang_up(self):
        """Closes the terminal, as closing its window does."""
        self._close_master()

    def _close_master(self):
        if self.master is None:
            return
        self._closing.set()
        self._reader.join()
        os.close(self.master)
        self.master = None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close_master()
        shutil.rmtree(self.tmp, ignore_errors=True)


def read_text(path):
    with open(path, newline="") as f:  # newline="": keep the \r that joins an entry's lines
        return f.read()


def strip_colour(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def port_is_free(port):
    with socket.socket() as s:
        # Connections the server closed linger in TIME_WAIT; only a listener keeps the port.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        cls.py = cls.code.make("py", {"app.py": TRACEBACK_APP})
        cls.node = cls.code.make("node", {"index.mjs": NODE_APP})
        cls.config = os.path.join(cls.code.root, "config.yaml")
        with open(cls.config, "w") as f:
            json.dump({"Functions": {
                "py-fn": function(cls.py, "python3.12", "app.handler"),
                "node-fn": function(cls.node, "nodejs20.x", "index.handler"),
            }}, f)

    @classmethod
    def tearDownClass(cls):
        cls.code.cleanup()

    def pty_server(self, *args, env=None):
        server = PtyServer(self.config, args, env=env)
        self.addCleanup(server.stop)
        return server

    def test_terminal_gets_each_line_prefixed_and_coloured(self):
        server = self.pty_server()
        rid, _ = server.invoke("py-fn", {"fail": True})
        text = server.wait_for("REPORT RequestId: " + rid)
        lines = text.replace("\r\n", "\n").split("\n")
        plain = [strip_colour(line) for line in lines]
        # The traceback is one entry (joined with \r in the file); on screen every line of it
        # keeps the function's prefix, so the error type stays visible.
        error_at = plain.index("[py-fn] [ERROR] ValueError: bad input")
        self.assertEqual(plain[error_at + 1], "[py-fn] Traceback (most recent call last):")
        self.assertRegex(plain[error_at + 2], r'^\[py-fn\] \u00a0\u00a0File ".*app\.py", line 4')
        self.assertIn("[py-fn] first", plain)
        self.assertIn("[py-fn] second", plain)
        # The prefix has its own colour; errors are red; Lambda's platform lines are dimmed.
        error_line = lines[error_at]
        self.assertRegex(error_line, r"^\x1b\[[0-9;]+m\[py-fn\] \x1b\[0m\x1b\[31m\[ERROR\]")
        self.assertIn(ESC + "31m", lines[error_at + 1])
        start = next(line for line in lines if "START RequestId: " + rid in line)
        self.assertIn(ESC + "2mSTART RequestId: " + rid, start)
        # The log file keeps Lambda's format: the entry on one line, no escape codes.
        log = read_text(os.path.join(server.tmp, "logs", "py-fn.log"))
        self.assertIn("[ERROR] ValueError: bad input\rTraceback (most recent call last):\r", log)
        self.assertNotIn("\x1b", log)

    def test_node_multi_line_console_log_is_split_on_the_terminal(self):
        server = self.pty_server()
        rid, _ = server.invoke("node-fn", {})
        text = strip_colour(server.wait_for("REPORT RequestId: " + rid)).replace("\r\n", "\n")
        self.assertRegex(text, r"\n\[node-fn\] \S+\t%s\tINFO\talpha\n\[node-fn\] beta\n" % rid)

    def test_summary_per_invocation_cold_then_warm(self):
        server = self.pty_server()
        cold, _ = server.invoke("py-fn", {})
        warm, _ = server.invoke("py-fn", {})
        failed, _ = server.invoke("py-fn", {"fail": True})
        text = strip_colour(server.wait_for(failed + " warm ")).replace("\r\n", "\n")
        self.assertRegex(text, r"\n\[py-fn\] %s cold \(init [\d.]+ ms\) [\d.]+ ms, \d+ of 128 MB: "
                               r"Success\n" % cold)
        self.assertRegex(text, r"\n\[py-fn\] %s warm [\d.]+ ms, \d+ of 128 MB: Success\n" % warm)
        self.assertRegex(text, r"\n\[py-fn\] %s warm [\d.]+ ms, \d+ of 128 MB: Error ValueError\n"
                         % failed)
        # The summary is for people: it is not in the function's log file.
        log = read_text(os.path.join(server.tmp, "logs", "py-fn.log"))
        self.assertNotIn(cold + " cold", log)

    def test_no_color_flag_and_environment_variable(self):
        for args, env in [(("--no-color",), None), ((), {"NO_COLOR": "1"})]:
            with self.subTest(args=args, env=env):
                server = PtyServer(self.config, args, env=env)
                try:
                    rid, _ = server.invoke("py-fn", {"fail": True})
                    text = server.wait_for(rid + " cold")
                    self.assertIn("[py-fn] [ERROR] ValueError: bad input", text)
                    self.assertNotIn("\x1b", text)
                finally:
                    server.stop()

    def test_never_colour_into_a_pipe(self):
        with EmuServer(config=json.loads(read_text(self.config))) as emu:
            rid = emu.invoke("py-fn", {"fail": True}).header("x-amzn-RequestId")
            out = emu.wait_for_output(rid + " cold")
            self.assertIn("[py-fn] [ERROR] ValueError: bad input\n[py-fn] Traceback", out)
            self.assertNotIn("\x1b", out + emu.stderr())

    def test_log_level_debug_logs_every_request_and_warn_drops_the_summary(self):
        with EmuServer(config=json.loads(read_text(self.config)), args=["--log-level", "debug"]) as emu:
            rid = emu.invoke("py-fn", {}).header("x-amzn-RequestId")
            emu.wait_for_output(rid + " cold")
            emu.request("GET", "/2015-03-31/functions/nope/invocations")
            err = emu.wait_for_output("-> 404", stream="stderr")
            self.assertRegex(err, r"invoke api: POST /2015-03-31/functions/py-fn/invocations "
                                  r"-> 200 \([\d.]+ ms\)")
            self.assertRegex(err, r"runtime api \S+: GET /2018-06-01/runtime/invocation/next")
            self.assertRegex(err, r"runtime api \S+: POST /2018-06-01/runtime/invocation/%s/"
                                  r"response -> 202" % rid)
        with EmuServer(config=json.loads(read_text(self.config)), args=["--log-level", "warn"]) as emu:
            rid = emu.invoke("py-fn", {}).header("x-amzn-RequestId")
            emu.wait_for_output("REPORT RequestId: " + rid)
            time.sleep(0.2)  # the summary, were it written, follows REPORT in the same batch
            self.assertNotIn(rid + " cold", emu.stdout())
            self.assertNotIn("invoke api:", emu.stderr())


class SignalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        app = cls.code.make("py", {"app.py": TRACEBACK_APP})
        cls.config_doc = {"Functions": {"py-fn": function(app, "python3.12", "app.handler")}}
        cls.config = os.path.join(cls.code.root, "config.yaml")
        with open(cls.config, "w") as f:
            json.dump(cls.config_doc, f)

    @classmethod
    def tearDownClass(cls):
        cls.code.cleanup()

    def test_closing_the_terminal_stops_the_server_and_frees_its_port(self):
        server = PtyServer(self.config)
        self.addCleanup(server.stop)
        server.invoke("py-fn", {})
        port = server.port
        server.hang_up()
        self.assertEqual(server.proc.wait(15), 0)
        self.assertTrue(port_is_free(port))

    def test_sighup_without_a_terminal_reloads(self):
        emu = EmuServer(config=self.config_doc, popen_kwargs={"start_new_session": True}).start()
        self.addCleanup(emu.stop)
        emu.proc.send_signal(signal.SIGHUP)
        emu.wait_for_output("received SIGHUP, reloading", stream="stderr")
        emu.wait_for_output("config reloaded", stream="stderr")
        self.assertEqual(emu.invoke("py-fn", {}).status, 200)

    def test_sighup_ignored_under_nohup(self):
        emu = EmuServer(config=self.config_doc, popen_kwargs={
            "start_new_session": True,
            "preexec_fn": lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)}).start()
        self.addCleanup(emu.stop)
        emu.proc.send_signal(signal.SIGHUP)
        emu.proc.send_signal(signal.SIGUSR1)  # signals arrive in order: SIGUSR1 after SIGHUP
        emu.wait_for_output("received SIGUSR1, reloading", stream="stderr")
        self.assertIsNone(emu.proc.poll())
        self.assertNotIn("SIGHUP", emu.stderr())
        self.assertEqual(emu.invoke("py-fn", {}).status, 200)

    def test_reload_error_is_logged_once(self):
        emu = EmuServer(config=self.config_doc, args=["--watch"]).start()
        self.addCleanup(emu.stop)
        with open(emu.config_path, "w") as f:
            f.write("Functions:\n  py-fn:\n    Runtim: python3.12\n")
        emu.wait_for_output("config reload failed", stream="stderr")
        emu.proc.send_signal(signal.SIGUSR1)
        emu.wait_for_output("received SIGUSR1, reloading", stream="stderr")
        time.sleep(0.3)  # the reload runs right after the line that announces it
        self.assertEqual(emu.stderr().count("config reload failed"), 1, emu.stderr())
        self.assertEqual(emu.invoke("py-fn", {}).status, 200)


class WatchTest(unittest.TestCase):
    def test_one_drain_per_real_edit(self):
        code = CodeDirs()
        self.addCleanup(code.cleanup)
        app = code.make("py", {"app.py": 'def handler(event, context):\n    return "v1"\n'})
        # The log directory inside the watched code dir, as a careless --log-dir puts it.
        emu = EmuServer({"py-fn": function(app, "python3.12", "app.handler")},
                        args=["--watch", "--log-dir", os.path.join(app, ".lambda-emu")]).start()
        self.addCleanup(emu.stop)
        self.assertEqual(emu.invoke("py-fn", {}).json(), "v1")
        # What a cold start and an editor write next to the code is not a change.
        os.makedirs(os.path.join(app, "__pycache__"), exist_ok=True)
        for junk in ["__pycache__/app.cpython-311.pyc", ".app.py.swp", "app.py~", "4913",
                     ".#app.py"]:
            with open(os.path.join(app, junk), "w") as f:
                f.write("x")
        self.assertEqual(emu.invoke("py-fn", {}).json(), "v1")
        time.sleep(0.6)  # the watcher's 200 ms debounce, several times over
        self.assertNotIn("code changed", emu.stderr())
        with open(os.path.join(app, "app.py"), "w") as f:
            f.write('def handler(event, context):\n    return "v2"\n')
        emu.wait_for_output("function py-fn: code changed", stream="stderr")
        self.assertEqual(emu.invoke("py-fn", {}).json(), "v2")  # its cold start writes the log
        time.sleep(0.6)
        self.assertEqual(emu.stderr().count("code changed"), 1, emu.stderr())


class GitignoreHintTest(unittest.TestCase):
    def test_hint_names_the_default_log_dir_until_gitignore_does(self):
        folder = tempfile.mkdtemp(prefix="lambda-emu-hint-")
        self.addCleanup(shutil.rmtree, folder, True)
        with open(os.path.join(folder, "config.yaml"), "w") as f:
            f.write("Functions: {}\n")
        text = self._serve_default_log_dir(folder)
        self.assertIn("add .lambda-emu/ to .gitignore", text)
        with open(os.path.join(folder, ".gitignore"), "w") as f:
            f.write("node_modules/\n.lambda-emu/\n")
        self.assertNotIn(".gitignore", self._serve_default_log_dir(folder))

    def _serve_default_log_dir(self, folder):
        port_file = os.path.join(folder, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        out = os.path.join(folder, "out")
        with open(out, "wb") as sink:
            proc = subprocess.Popen([emu_binary(), "serve", "--ephemeral", "--config", "config.yaml", "--port",
                                     "0", "--port-file", port_file], cwd=folder, stdout=sink,
                                    stderr=sink)
            try:
                wait_until(lambda: os.path.exists(port_file) and read_text(port_file).strip(),
                           timeout=20)
            finally:
                proc.terminate()
                proc.wait(15)
        return read_text(out)


if __name__ == "__main__":
    unittest.main()
