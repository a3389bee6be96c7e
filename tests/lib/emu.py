"""Test harness: starts the real build/lambda-emu on port 0 and talks HTTP to it.

    with EmuServer({"hello": {"Runtime": "provided", "Handler": "x", "Code": path}}) as emu:
        r = emu.invoke("hello", b'{"a":1}')
        assert r.status == 200 and r.json() == {...}

The config is written as YAML-compatible JSON into a private temp dir; the
server's stdout (function logs) and stderr (server log) are captured to files
readable with emu.stdout() / emu.stderr().
"""

import atexit
import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(REPO, "tests", "fixtures")
EXAMPLES = os.path.join(REPO, "examples")


def emu_binary():
    path = os.environ.get("LAMBDA_EMU_BIN", os.path.join(REPO, "build", "lambda-emu"))
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"lambda-emu binary not found at {path}; build first")
    return path


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict with lower-case keys
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    def log_tail(self):
        value = self.header("X-Amz-Log-Result")
        return base64.b64decode(value).decode() if value else None

    def __repr__(self):
        return f"Response({self.status}, {self.headers}, {self.body[:300]!r})"


class EmuServer:
    """A lambda-emu process serving `functions` (a dict, as under `Functions:`)."""

    def __init__(self, functions=None, config=None, args=(), env=None, start_timeout=20,
                 popen_kwargs=None, stdout_pipe=False):
        """stdout_pipe: the server's stdout is a pipe (self.proc.stdout) that
        nobody reads until the test does: a console that is not being read."""
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-test-")
        # A test that stops the server with stop() alone (to read its output
        # afterwards) still leaves nothing in /tmp: the directory goes when the
        # test process exits, if __exit__ has not removed it before.
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            atexit.register(shutil.rmtree, self.tmp, True)
        if config is None:
            config = {"Functions": functions or {}}
        self.config_path = os.path.join(self.tmp, "config.yaml")
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=2)
        self.args = list(args)
        self.env = env
        self.start_timeout = start_timeout
        self.popen_kwargs = popen_kwargs or {}
        self.stdout_pipe = stdout_pipe
        self.proc = None
        self.port = None

    # -- lifecycle ---------------------------------------------------------
    def start(self):
        port_file = os.path.join(self.tmp, "port")
        self._out = subprocess.PIPE if self.stdout_pipe else open(
            os.path.join(self.tmp, "stdout"), "wb")
        self._err = open(os.path.join(self.tmp, "stderr"), "wb")
        cmd = [emu_binary(), "serve", "--config", self.config_path, "--port", "0",
               "--port-file", port_file, *self.args]
        # The default, --sandbox auto, unless the test file chose otherwise
        # (those that watch environments from the host set "none").
        if "--sandbox" not in self.args:
            cmd += ["--sandbox", os.environ.get("LAMBDA_EMU_TEST_SANDBOX", "auto")]
        if "--log-dir" not in self.args:
            cmd += ["--log-dir", os.path.join(self.tmp, "logs")]
        # Each server its own state directory (the default, .lambda-emu/state in
        # the working directory, would be shared by tests running in parallel).
        if "--state-dir" not in self.args and "--ephemeral" not in self.args:
            cmd += ["--state-dir", os.path.join(self.tmp, "state")]
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=self._err, env=env,
                                     **self.popen_kwargs)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lambda-emu exited with {self.proc.returncode}:\n{self.stderr()}")
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("lambda-emu did not write its port file:\n" + self.stderr())

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the server; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.stdout_pipe:
            self.proc.stdout.close()
        else:
            self._out.close()
        self._err.close()
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- output ------------------------------------------------------------
    def stdout(self):
        with open(os.path.join(self.tmp, "stdout"), "rb") as f:
            return f.read().decode(errors="replace")

    def stderr(self):
        with open(os.path.join(self.tmp, "stderr"), "rb") as f:
            return f.read().decode(errors="replace")

    def log_file(self, function):
        with open(os.path.join(self.tmp, "logs", f"{function}.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for_output(self, needle, timeout=10, stream="stdout"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.stdout() if stream == "stdout" else self.stderr()
            if needle in text:
                return text
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not in {stream}:\n{text}")

    # -- HTTP --------------------------------------------------------------
    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def invoke(self, name, payload=b"{}", headers=None, qualifier=None, timeout=60):
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload).encode()
        elif isinstance(payload, str):
            payload = payload.encode()
        path = f"/2015-03-31/functions/{name}/invocations"
        if qualifier:
            path += f"?Qualifier={qualifier}"
        return self.request("POST", path, payload, headers, timeout)

    def boto3_client(self):
        import boto3
        from botocore.config import Config
        return boto3.client(
            "lambda", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 0}, read_timeout=120))

    def aws_cli(self, *args, check=False):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
        return subprocess.run(["aws", "lambda", *args, "--endpoint-url", self.endpoint],
                              capture_output=True, text=True, env=env, check=check, timeout=120)


def worker_pids(server_pid):
    """All live descendants of server_pid (from /proc), for leak checks."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, ValueError):
            continue
    out, todo = [], [server_pid]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            out.append(child)
            todo.append(child)
    return out


# -- helpers for the core server tests (fixtures under tests/fixtures/functions) --
import re as _re
import threading as _threading

PROBE = fixture("functions", "probe", "bootstrap")

# REPORT RequestId: ID\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
# Max Memory Used: 41 MB[\tInit Duration: 95.12 ms][\tStatus: timeout ...]  (AWS ends the
# line with a tab, and adds Status / Error Type fields after a failure)
REPORT_RE = _re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-fA-F-]{36})\tDuration: (?P<duration>\d+\.\d{2}) ms"
    r"\tBilled Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB"
    r"\tMax Memory Used: (?P<max_memory>\d+) MB"
    r"(?:\tInit Duration: (?P<init>\d+\.\d{2}) ms)?"
    r"(?P<extra>(?:\t[A-Z][A-Za-z ]*: [^\t\n]+)*)\t?$", _re.MULTILINE)


def provided_function(name, **overrides):
    """Config for a `provided` function whose code is tests/fixtures/functions/<name>."""
    config = {"Runtime": "provided", "Handler": "bootstrap", "Code": fixture("functions", name),
              "MemorySize": 128, "Timeout": 3}
    config.update(overrides)
    return config


def probe_function(**overrides):
    """Config for the configurable probe runtime (see its bootstrap for the events)."""
    return provided_function("probe", **overrides)


def parse_reports(text):
    """Every REPORT line in text, as dicts of strings (init is None when absent)."""
    return [m.groupdict() for m in REPORT_RE.finditer(text)]


def report_for(text, request_id):
    """The REPORT line of request_id in text, parsed; None when absent."""
    for report in parse_reports(text):
        if report["id"] == request_id:
            return report
    return None


def pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_until(predicate, timeout=10, interval=0.05):
    """Polls predicate until it is truthy (returns its value) or timeout (returns None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value or None
        time.sleep(interval)


def invoke_parallel(emu, name, payloads, headers=None):
    """Invokes name once per payload, all at the same moment, from threads.

    Returns [(Response, seconds)] in payload order; an exception is stored in
    place of a Response when the request itself failed."""
    results = [None] * len(payloads)
    barrier = _threading.Barrier(len(payloads))

    def run(i, payload):
        barrier.wait()
        start = time.monotonic()
        try:
            r = emu.invoke(name, payload, headers=headers)
        except Exception as e:  # noqa: BLE001 - reported to the caller
            r = e
        results[i] = (r, time.monotonic() - start)

    threads = [_threading.Thread(target=run, args=(i, p)) for i, p in enumerate(payloads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def serve_for_class(test_class, functions=None, **kwargs):
    """Starts an EmuServer shared by test_class's tests.

    Class cleanup stops it with SIGTERM and fails (as a class-cleanup error) if
    it did not exit 0 or if any of its worker processes survived it, so every
    scenario also checks for a clean shutdown (and for sanitizer aborts at exit)."""
    return start_for_class(test_class, EmuServer(functions, **kwargs))


def start_for_class(test_class, emu):
    """Starts `emu` (not yet started) for test_class's tests, with serve_for_class's cleanup."""
    def stop_and_check():
        try:
            workers = worker_pids(emu.proc.pid) if emu.proc.poll() is None else []
            code = emu.stop()
            if code != 0:
                raise AssertionError(f"lambda-emu exited with {code} on SIGTERM:\n"
                                     f"{emu.stderr()[-3000:]}")
            if workers and not wait_until(lambda: not any(map(pid_alive, workers)), 5):
                raise AssertionError("worker processes survived the server: "
                                     f"{[p for p in workers if pid_alive(p)]}")
        finally:
            emu.__exit__(None, None, None)

    emu.start()
    test_class.addClassCleanup(stop_and_check)
    return emu


def serve_config_error(test, directory, name, text):
    """Writes `text` to DIRECTORY/NAME, runs `serve --config` on it, and asserts what a bad
    config must do: exit code 2, never listen, exactly one `lambda-emu: error: ` line on
    stderr. Returns that line."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    port_file = os.path.join(directory, "port")
    p = subprocess.run([emu_binary(), "serve", "--ephemeral", "--config", path, "--port", "0",
                        "--port-file", port_file, "--log-dir", os.path.join(directory, "logs")],
                       capture_output=True, text=True, timeout=30)
    test.assertEqual(p.returncode, 2, p.stderr)
    test.assertFalse(os.path.exists(port_file), "listened although the config is bad")
    errors = [line for line in p.stderr.splitlines() if line.startswith("lambda-emu: error: ")]
    test.assertEqual(len(errors), 1, p.stderr)
    return errors[0]
