"""Debugging (issue 17, "Daily use"): `serve --debug` / `invoke --debug` start runtimes under
their debugger (Node.js's inspector, pdb over TCP, debugpy when the interpreter has it), suspend
timeouts, keep one environment per function (further invokes wait for it), and the banner says
where each debugger listens. See docs/debugging.md.

Each test talks to the debugger the way a person's tool would: pdb over a plain TCP
connection (`nc`), the inspector over HTTP and a WebSocket (VS Code, Chrome), debugpy over the
Debug Adapter Protocol (VS Code).
"""
import base64
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import textwrap
import threading
import time
import unittest

from emu import EmuServer, emu_binary, parse_reports, probe_function

TIMEOUT = 30  # seconds any one wait may take before the test fails (not a timing assertion)


def free_port():
    """A free port below the ephemeral range. One picked by binding port 0 would be free again
    once returned, and the server's own listeners (each environment's Runtime API) bind port 0:
    the kernel could hand them that port before the debugger binds it."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    for _ in range(1000):
        port = random.randint(max(1024, low - 16000), low - 2)  # -2: room for port + 1
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def connect(port, deadline=TIMEOUT):
    """A TCP connection to 127.0.0.1:port, retried while the debugger is not listening yet."""
    end = time.monotonic() + deadline
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


def read_until(sock, needle):
    data = b""
    while needle not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise AssertionError(f"connection closed before {needle!r}; got {data!r}")
        data += chunk
    return data.decode(errors="replace")


def write_code(root, files):
    folder = tempfile.mkdtemp(dir=root)
    for name, text in files.items():
        with open(os.path.join(folder, name), "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
    return folder


def python_with_debugpy():
    """An interpreter that can import debugpy (Debian's python3-debugpy is for /usr/bin's)."""
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and subprocess.run([candidate, "-c", "import debugpy"],
                                        capture_output=True).returncode == 0:
            return candidate
    return None


class WebSocket:
    """Just enough of RFC 6455 to send the inspector one command and read its answer."""

    def __init__(self, url):
        host_port, path = url[len("ws://"):].split("/", 1)
        host, port = host_port.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = read_until(self.sock, b"\r\n\r\n")
        if " 101 " not in head.split("\r\n")[0]:
            raise AssertionError(f"no WebSocket upgrade: {head!r}")

    def send(self, message):
        data = json.dumps(message).encode()
        mask = os.urandom(4)
        header = bytes([0x81])  # FIN, text
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        else:
            header += bytes([0x80 | 126]) + len(data).to_bytes(2, "big")
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise AssertionError("the inspector closed the WebSocket")
            data += chunk
        return data

    def receive(self):
        first, second = self._exactly(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(self._exactly(2), "big")
        elif length == 127:
            length = int.from_bytes(self._exactly(8), "big")
        payload = self._exactly(length)
        return json.loads(payload) if first & 0x0F == 1 else None

    def call(self, message_id, method):
        self.send({"id": message_id, "method": method})
        while True:
            message = self.receive()
            if message and message.get("id") == message_id:
                return message

    def close(self):
        self.sock.close()


class DapClient:
    """The few Debug Adapter Protocol requests VS Code sends to attach to debugpy."""

    def __init__(self, port):
        self.sock = connect(port)
        self.seq = 0
        self.buffer = b""

    def request(self, command, arguments=None):
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command,
                           "arguments": arguments or {}}).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def message(self):
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = int(head.split(b":")[1])
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return json.loads(body)

    def wait_for(self, predicate):
        while True:
            message = self.message()
            if predicate(message):
                return message

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("debugpy closed the connection")
        self.buffer += chunk

    def close(self):
        self.sock.close()


class DebugTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="lambda-emu-debug-")

    @classmethod
    def tearDownClass(cls):
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            shutil.rmtree(cls.root, ignore_errors=True)

    def write_config(self, functions, interpreters=None):
        config = {"Functions": functions}
        if interpreters:
            config["Interpreters"] = interpreters
        path = os.path.join(tempfile.mkdtemp(dir=self.root), "config.yaml")
        with open(path, "w") as f:
            json.dump(config, f)
        return path

    def start_invoke(self, config, *args, event="{}"):
        return subprocess.Popen(
            [emu_binary(), "invoke", "--config", config, "--event-json", event, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish(self, proc):
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            self.fail(f"invoke did not finish:\n{err.decode(errors='replace')}")
        return proc.returncode, out, err.decode(errors="replace")

    def test_invoke_python_stops_at_the_handler_under_pdb_over_tcp(self):
        # Timeout 1 and a handler that sleeps 1.5 s: under --debug the timeout is not enforced.
        code = write_code(self.root, {"app.py": """
            import time

            def handler(event, context):
                \"\"\"A docstring: the first stop is the line after it.\"\"\"
                time.sleep(1.5)
                return {"got": event["n"]}
            """})
        config = self.write_config({"hello": {"Runtime": "python3.11", "Handler": "app.handler",
                                              "Code": code, "Timeout": 1}})
        port = free_port()
        proc = self.start_invoke(config, "--debug", "--debug-python", "pdb",
                                 "--debug-port", str(port), event='{"n": 7}')
        try:
            with connect(port) as conn:
                prompt = read_until(conn, b"(Pdb) ")
                self.assertIn("handler()", prompt)
                self.assertIn("-> time.sleep(1.5)", prompt)
                conn.sendall(b"p event\n")
                self.assertIn("{'n': 7}", read_until(conn, b"(Pdb) "))
                conn.sendall(b"c\n")
                status, out, err = self.finish(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(status, 0, err)
        self.assertEqual(json.loads(out), {"got": 7})
        self.assertIn(f"debugger: pdb on 127.0.0.1:{port}", err)
        self.assertIn("Timeout not enforced", err)
        reports = parse_reports(err)
        self.assertEqual(len(reports), 1, err)
        self.assertGreater(float(reports[0]["duration"]), 1000, err)
        self.assertNotIn("Task timed out", err)

    def test_serve_pdb_stops_at_every_invoke_and_q_detaches(self):
        code = write_code(self.root, {"app.py": """
            def handler(event, context):
                return event["n"] * 2
            """})
        port = free_port()
        functions = {"hello": {"Runtime": "python3.11", "Handler": "app.handler", "Code": code}}
        with EmuServer(functions, args=["--debug-python", "pdb", "--debug-port", str(port)]) as emu:
            results = {}

            def invoke(n):
                results[n] = emu.invoke("hello", {"n": n})

            first = threading.Thread(target=invoke, args=(1,))
            first.start()
            with connect(port) as conn:
                self.assertIn("-> return event[\"n\"] * 2", read_until(conn, b"(Pdb) "))
                conn.sendall(b"c\n")
                first.join(TIMEOUT)
                self.assertFalse(first.is_alive())
                # Same environment, same connection: the handler's breakpoint holds.
                second = threading.Thread(target=invoke, args=(2,))
                second.start()
                read_until(conn, b"(Pdb) ")
                self.assertTrue(second.is_alive())
                conn.sendall(b"p event\n")
                self.assertIn("{'n': 2}", read_until(conn, b"(Pdb) "))
                conn.sendall(b"q\n")  # detaches: the invocation finishes, no BdbQuit
                second.join(TIMEOUT)
            self.assertFalse(second.is_alive())
            self.assertEqual((results[1].status, results[1].json()), (200, 2), results[1])
            self.assertEqual((results[2].status, results[2].json()), (200, 4), results[2])
            self.assertIsNone(results[2].header("X-Amz-Function-Error"), results[2])

    def test_invoke_python_with_debugpy_waits_for_a_client(self):
        interpreter = python_with_debugpy()
        if not interpreter:
            self.skipTest("no Python here can import debugpy (Debian: python3-debugpy)")
        code = write_code(self.root, {"app.py": """
            def handler(event, context):
                return {"debugged": event["n"]}
            """})
        config = self.write_config(
            {"hello": {"Runtime": "python3.11", "Handler": "app.handler", "Code": code,
                       "MemorySize": 512}},
            interpreters={"python3.11": interpreter})
        port = free_port()
        proc = self.start_invoke(config, "--debug-port", str(port), event='{"n": 5}')
        try:
            # What VS Code's "Remote Attach" does: a breakpoint set before configurationDone
            # holds, because the runtime waited for the client before loading the handler.
            dap = DapClient(port)
            try:
                dap.request("initialize", {"adapterID": "debugpy", "clientID": "lambda-emu-test",
                                           "linesStartAt1": True, "columnsStartAt1": True,
                                           "pathFormat": "path"})
                dap.wait_for(lambda m: m.get("command") == "initialize")
                dap.request("attach", {"justMyCode": True})
                dap.wait_for(lambda m: m.get("event") == "initialized")
                breakpoints = dap.request("setBreakpoints", {
                    "source": {"path": os.path.join(code, "app.py")}, "breakpoints": [{"line": 2}]})
                answer = dap.wait_for(lambda m: m.get("request_seq") == breakpoints)
                self.assertTrue(answer["body"]["breakpoints"][0]["verified"], answer)
                dap.request("configurationDone")
                stopped = dap.wait_for(lambda m: m.get("event") == "stopped")
                self.assertEqual(stopped["body"]["reason"], "breakpoint", stopped)
                thread = stopped["body"]["threadId"]
                trace = dap.request("stackTrace", {"threadId": thread})
                frames = dap.wait_for(lambda m: m.get("request_seq") == trace)["body"]["stackFrames"]
                self.assertEqual((frames[0]["name"], frames[0]["line"]), ("handler", 2), frames)
                self.assertIsNone(proc.poll())  # stopped at the breakpoint, not finished
                dap.request("continue", {"threadId": thread})
                status, out, err = self.finish(proc)
            finally:
                dap.close()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(status, 0, err)
        self.assertEqual(json.loads(out), {"debugged": 5})
        self.assertIn(f"debugger: debugpy on 127.0.0.1:{port}", err)
        self.assertNotIn("frozen modules", err)

    def test_serve_starts_node_under_its_inspector_and_waits_for_it(self):
        code = write_code(self.root, {"index.js": """
            exports.handler = async (event) => ({ inspected: event.n });
            """})
        port = free_port()
        functions = {"hello": {"Runtime": "nodejs20.x", "Handler": "index.handler",
                               "Code": code, "Timeout": 1}}
        with EmuServer(functions, args=["--debug", "--debug-port", str(port)]) as emu:
            self.assertIn(f"debugger: Node.js inspector on ws://127.0.0.1:{port}", emu.stderr())
            result = {}
            invoker = threading.Thread(
                target=lambda: result.setdefault("r", emu.invoke("hello", {"n": 3})))
            invoker.start()
            # The runtime is waiting for a debugger: the invoke must not have finished.
            connect(port).close()
            self.assertTrue(invoker.is_alive())
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            conn.request("GET", "/json/list")
            targets = json.loads(conn.getresponse().read())
            conn.close()
            self.assertEqual(len(targets), 1, targets)
            self.assertIn("bootstrap.mjs", targets[0]["url"])
            ws = WebSocket(targets[0]["webSocketDebuggerUrl"])
            try:
                self.assertNotIn("error", ws.call(1, "Runtime.enable"))
                self.assertNotIn("error", ws.call(2, "Runtime.runIfWaitingForDebugger"))
                invoker.join(TIMEOUT)
            finally:
                ws.close()
            self.assertFalse(invoker.is_alive())
            r = result["r"]
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {"inspected": 3})
            self.assertIn("Debugger listening on ws://127.0.0.1:%d" % port,
                          emu.wait_for_output("Debugger attached"))

    def test_serve_keeps_one_environment_per_function_and_queues_invokes(self):
        # The probe runtime (provided) has no debugger of its own; under --debug it still
        # gets its port in LAMBDA_EMU_DEBUG_PORT, no timeout, and one environment.
        port = free_port()
        functions = {"probe": probe_function(Timeout=1)}
        with EmuServer(functions, args=["--debug-port", str(port)]) as emu:
            results = [None, None]

            def call(i):
                results[i] = emu.invoke("probe", {"sleep": 1.5, "pid": True},
                                        headers={"X-Amz-Log-Type": "Tail"})

            threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(2 * TIMEOUT)
            for r in results:
                self.assertEqual(r.status, 200, r)
                self.assertIsNone(r.header("X-Amz-Function-Error"), r)
            self.assertEqual(results[0].json()["pid"], results[1].json()["pid"])
            cold = [r for r in results if parse_reports(r.log_tail())[0]["init"] is not None]
            self.assertEqual(len(cold), 1, [r.log_tail() for r in results])

            env = emu.invoke("probe", {"env": True}).json()["env"]
            self.assertEqual(env.get("LAMBDA_EMU_DEBUG_PORT"), str(port))
            self.assertEqual(env.get("LAMBDA_EMU_DEBUGGER"), "none")
            self.assertIn(f"debugger: port {port} is the bootstrap's", emu.stderr())

    def test_banner_gives_each_debugged_function_its_own_port(self):
        node = write_code(self.root, {"index.js": "exports.handler = async () => 1;\n"})
        python = write_code(self.root, {"app.py": "def handler(e, c):\n    return 1\n"})
        functions = {
            "a-node": {"Runtime": "nodejs20.x", "Handler": "index.handler", "Code": node},
            "b-python": {"Runtime": "python3.11", "Handler": "app.handler", "Code": python},
            "c-python": {"Runtime": "python3.11", "Handler": "app.handler", "Code": python},
        }
        # Defaults: Node.js counts from 9229, the others from 5678 (nothing listens until
        # an environment starts, so these ports need not be free).
        with EmuServer(functions, args=["--debug", "--debug-python", "pdb"]) as emu:
            banner = emu.stderr()
        self.assertIn("inspector on ws://127.0.0.1:9229", banner)
        self.assertIn("pdb on 127.0.0.1:5678", banner)
        self.assertIn("pdb on 127.0.0.1:5679", banner)
        self.assertLess(banner.index("5678"), banner.index("5679"))
        # --debug-function: only that one, on the first port.
        with EmuServer(functions, args=["--debug-function", "c-python", "--debug-port", "7000",
                                        "--debug-python", "pdb", "--debug-function", "nope"]) as emu:
            banner = emu.stderr()
        self.assertEqual(banner.count("debugger: "), 1, banner)
        self.assertIn("pdb on 127.0.0.1:7000", banner)
        self.assertIn("--debug-function nope: no such function", banner)
        # Without --debug: no debugger, timeouts as configured.
        with EmuServer(functions) as emu:
            self.assertNotIn("debugger:", emu.stderr())


if __name__ == "__main__":
    unittest.main()
