"""Test helper for lambda-emu: start the real server for a test, invoke, assert, stop.

Standard library only (boto3 is used by `client()` when it is installed).

    from lambda_emu_testing import LambdaEmu

    with LambdaEmu(template="template.yaml") as emu:
        result = emu.invoke("HelloWorldFunction", {"name": "x"})
        assert result.status == 200 and result.json()["statusCode"] == 200
        emu.assert_cold_starts("HelloWorldFunction", 1)
        print(emu.log_for(result.request_id, "HelloWorldFunction"))

Each LambdaEmu runs `lambda-emu serve` on free ports (`--port 0`, `--api-port 0`)
with a private temporary directory for its port files, log files (`--log-dir`),
work directory (`--work-dir`) and captured output; `stop()` (or leaving the
`with` block) stops the server and removes that directory, so nothing is left
in /tmp. See docs/testing.md.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["LambdaEmu", "InvokeResult", "LambdaEmuError", "find_binary"]

_REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


class LambdaEmuError(RuntimeError):
    """The server could not be found, started, or did not become ready."""


def find_binary(binary=None):
    """The lambda-emu executable: `binary`, else $LAMBDA_EMU_BIN, else build/lambda-emu
    of the repository this package sits in, else `lambda-emu` on PATH."""
    candidates = [binary, os.environ.get("LAMBDA_EMU_BIN"),
                  os.path.join(_REPO, "build", "lambda-emu")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    if binary or os.environ.get("LAMBDA_EMU_BIN"):
        raise LambdaEmuError(f"lambda-emu not found or not executable: "
                             f"{binary or os.environ['LAMBDA_EMU_BIN']}")
    found = shutil.which("lambda-emu")
    if found:
        return found
    raise LambdaEmuError("lambda-emu not found: set LAMBDA_EMU_BIN, build it into "
                         f"{os.path.join(_REPO, 'build')}, or put it on PATH")


class InvokeResult:
    """One Invoke API answer: `status`, `payload` (bytes), `headers` (lower-case keys)."""

    def __init__(self, status, headers, payload):
        self.status = status
        self.headers = headers
        self.payload = payload

    @property
    def request_id(self):
        return self.headers.get("x-amzn-requestid")

    @property
    def function_error(self):
        """"Unhandled" when the function failed (the status is still 200), else None."""
        return self.headers.get("x-amz-function-error")

    @property
    def error_type(self):
        """The API error's type (e.g. "ResourceNotFoundException") when status >= 400."""
        return self.headers.get("x-amzn-errortype")

    @property
    def log_result(self):
        """The decoded X-Amz-Log-Result (asked for with log_type="Tail"), else None."""
        import base64
        value = self.headers.get("x-amz-log-result")
        return base64.b64decode(value).decode(errors="replace") if value else None

    def json(self):
        return json.loads(self.payload)

    def __repr__(self):
        return f"InvokeResult(status={self.status}, payload={self.payload[:200]!r})"


class LambdaEmu:
    """A lambda-emu server for one test or test session.

    Give exactly one of `template` (a SAM template) or `config` (a lambda-emu
    config file). `extra_args` are added to `lambda-emu serve`; `env` adds
    environment variables for the server (and so for the functions).
    `start()` returns once the server answers GET /_emu/health with 200
    (`wait_ready=False`: once it accepts connections).

    Not thread-safe: use one instance from one thread (the server itself takes
    concurrent invokes; `invoke()` opens a connection per call, so calling it
    from several threads at once is fine).
    """

    def __init__(self, template=None, config=None, extra_args=(), binary=None, env=None,
                 start_timeout=30, wait_ready=True):
        if (template is None) == (config is None):
            raise ValueError("give exactly one of template= or config=")
        self.template = os.path.abspath(template) if template else None
        self.config = os.path.abspath(config) if config else None
        self.extra_args = list(extra_args)
        self.binary = binary
        self.env = dict(env or {})
        self.start_timeout = start_timeout
        self.wait_ready = wait_ready
        self.root = None      # the private temporary directory
        self.process = None
        self.port = None
        self.api_port = None

    # -- lifecycle ----------------------------------------------------------
    def start(self):
        if self.process is not None:
            raise LambdaEmuError("already started")
        binary = find_binary(self.binary)
        self.root = tempfile.mkdtemp(prefix="lambda-emu-testing-")
        try:
            return self._start(binary)
        except BaseException:
            self.stop()
            raise

    def _start(self, binary):
        port_file = os.path.join(self.root, "port")
        api_port_file = os.path.join(self.root, "api-port")
        os.makedirs(self.work_dir)
        project = ["--template", self.template] if self.template else ["--config", self.config]
        command = [binary, "serve", "--ephemeral", *project, "--port", "0", "--port-file", port_file,
                   "--api-port", "0", "--api-port-file", api_port_file,
                   "--log-dir", self.log_dir, "--work-dir", self.work_dir, *self.extra_args]
        env = dict(os.environ)
        env.update(self.env)
        with open(os.path.join(self.root, "stdout"), "wb") as out, \
                open(os.path.join(self.root, "stderr"), "wb") as err:
            # The server's own template paths are relative to the template;
            # the working directory is the private one so nothing lands in
            # the caller's.
            self.process = subprocess.Popen(command, stdout=out, stderr=err, env=env,
                                            cwd=self.root, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        while self.port is None:
            if self.process.poll() is not None:
                raise LambdaEmuError(f"lambda-emu exited with {self.process.returncode}:\n"
                                     f"{self.server_output()}")
            if time.monotonic() > deadline:
                raise LambdaEmuError("lambda-emu did not start in "
                                     f"{self.start_timeout} s:\n{self.server_output()}")
            self.port = _read_port(port_file)
            if self.port is None:
                time.sleep(0.02)
        # The API port file is written before the Invoke API's, when there is an API.
        self.api_port = _read_port(api_port_file)
        if self.wait_ready:
            self._wait_ready(deadline)
        return self

    def _wait_ready(self, deadline):
        while True:
            status, body = self.health()
            if status == 200:
                return
            if time.monotonic() > deadline:
                raise LambdaEmuError("lambda-emu is not ready: "
                                     f"{'; '.join(body.get('Reasons', []))}\n"
                                     f"{self.server_output()}")
            time.sleep(0.05)

    def stop(self, timeout=15):
        """Stops the server (SIGTERM; SIGKILL after `timeout` s) and removes its
        temporary directory. Returns the server's exit code (None if it never ran)."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            code = self.process.returncode
            self.process = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        self.port = self.api_port = None
        return code

    def __enter__(self):
        return self.start() if self.process is None else self

    def __exit__(self, *exc):
        self.stop()

    # -- where things are -----------------------------------------------------
    @property
    def endpoint_url(self):
        """The Invoke API (and /_emu) base URL, for boto3's or the aws CLI's --endpoint-url."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self):
        """The API Gateway front door's base URL, or None when the project has no API."""
        return f"http://127.0.0.1:{self.api_port}" if self.api_port else None

    @property
    def log_dir(self):
        return os.path.join(self.root, "logs")

    @property
    def work_dir(self):
        return os.path.join(self.root, "work")

    def server_output(self):
        """The server's stderr (its own log) so far, for failure messages."""
        try:
            with open(os.path.join(self.root, "stderr"), "rb") as f:
                return f.read().decode(errors="replace")
        except (OSError, TypeError):
            return ""

    # -- HTTP -----------------------------------------------------------------
    def _request(self, method, path, body=None, headers=None, timeout=120):
        request = urllib.request.Request(self.endpoint_url + path, data=body, method=method,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, {k.lower(): v for k, v in response.getheaders()}, \
                    response.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def invoke(self, name, payload=None, qualifier=None, log_type=None,
               invocation_type=None, timeout=120):
        """Invokes `name` (a dict/list is sent as JSON, str/bytes as is); returns an InvokeResult.
        API errors (404, 429 ...) are returned too, not raised: look at `status`."""
        if payload is None:
            payload = b"{}"
        elif isinstance(payload, (bytes, bytearray)):
            payload = bytes(payload)
        elif isinstance(payload, str):
            payload = payload.encode()
        else:
            payload = json.dumps(payload).encode()
        path = f"/2015-03-31/functions/{urllib.parse.quote(name, safe=':')}/invocations"
        if qualifier:
            path += "?Qualifier=" + urllib.parse.quote(qualifier)
        headers = {"Content-Type": "application/json"}
        if log_type:
            headers["X-Amz-Log-Type"] = log_type
        if invocation_type:
            headers["X-Amz-Invocation-Type"] = invocation_type
        return InvokeResult(*self._request("POST", path, payload, headers, timeout))

    def client(self, **kwargs):
        """A boto3 Lambda client for this server (needs boto3)."""
        try:
            import boto3
            from botocore.config import Config
        except ImportError as e:
            raise LambdaEmuError("client() needs boto3; use invoke() without it") from e
        options = dict(endpoint_url=self.endpoint_url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"max_attempts": 0}, read_timeout=120))
        options.update(kwargs)
        return boto3.client("lambda", **options)

    def health(self):
        """(status, body) of GET /_emu/health: 200 when ready, 503 with "Reasons" when not."""
        status, _, body = self._request("GET", "/_emu/health", timeout=10)
        return status, json.loads(body)

    def metrics(self, name=None):
        """GET /_emu/functions/NAME (one function's counters) or, without a name, /_emu/functions."""
        path = "/_emu/functions" + (f"/{urllib.parse.quote(name)}" if name else "")
        status, _, body = self._request("GET", path, timeout=10)
        if status != 200:
            raise LambdaEmuError(f"GET {path}: {status} {body!r}")
        return json.loads(body)

    def reset(self, stop_environments=False):
        """POST /_emu/reset: every counter back to zero; with stop_environments,
        every environment also stops (busy ones after their invocation) so the
        next invoke of each function is a cold start.

        Provisioned environments are replaced rather than stopped; when the
        server was ready before, this waits (as start() does) until their
        replacements are up, so an invoke of a provisioned function stays warm."""
        path = "/_emu/reset" + ("?environments=stop" if stop_environments else "")
        was_ready = stop_environments and self.wait_ready and self.health()[0] == 200
        status, _, body = self._request("POST", path, b"", timeout=10)
        if status != 200:
            raise LambdaEmuError(f"POST {path}: {status} {body!r}")
        if was_ready:
            self._wait_ready(time.monotonic() + self.start_timeout)
        return json.loads(body)

    # -- asynchronous invocation -------------------------------------------------
    def async_status(self, name=None):
        """GET /_emu/async; with a name, that function's entry (None before its first event)."""
        status, _, body = self._request("GET", "/_emu/async", timeout=10)
        if status != 200:
            raise LambdaEmuError(f"GET /_emu/async: {status} {body!r}")
        view = json.loads(body)
        if name is None:
            return view
        return next((f for f in view["Functions"] if f["FunctionName"] == name), None)

    def wait_async_idle(self, name=None, timeout=30):
        """Waits until no Event invoke of `name` (of any function without one) is queued,
        running or waiting for a retry; returns /_emu/async. Raises on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.async_status()
            busy = [f for f in view["Functions"]
                    if f["Queued"] and (name is None or f["FunctionName"] == name)]
            if not busy:
                return view
            if time.monotonic() > deadline:
                raise LambdaEmuError(f"events still queued after {timeout} s: "
                                     f"{json.dumps(busy, indent=1)}")
            time.sleep(0.05)

    def async_records(self, destination=None):
        """The destination and dead-letter messages kept by the server (no --aws-endpoint-url):
        GET /_emu/async/records[?destination=ARN], as a list."""
        path = "/_emu/async/records"
        if destination:
            path += "?destination=" + urllib.parse.quote(destination, safe="")
        status, _, body = self._request("GET", path, timeout=10)
        if status != 200:
            raise LambdaEmuError(f"GET {path}: {status} {body!r}")
        return json.loads(body)["Records"]

    def fire_schedule(self, name):
        """POST /_emu/schedules/NAME/fire: queues one firing now; returns its request id."""
        path = f"/_emu/schedules/{urllib.parse.quote(name, safe='')}/fire"
        status, _, body = self._request("POST", path, b"", timeout=30)
        if status != 202:
            raise LambdaEmuError(f"POST {path}: {status} {body!r}")
        return json.loads(body)["RequestId"]

    # -- assertions -------------------------------------------------------------
    def assert_counts(self, name, **expected):
        """Asserts /_emu/functions/NAME counters, by their JSON names or snake_case:
        assert_counts("f", cold_starts=1, warm_starts=2, errors=0)."""
        metrics = self.metrics(name)
        wrong = {}
        for key, value in expected.items():
            field = key if key[:1].isupper() else "".join(map(str.capitalize, key.split("_")))
            if field not in metrics:
                raise KeyError(f"no counter {key!r} ({field}) in {sorted(metrics)}")
            if metrics[field] != value:
                wrong[field] = (metrics[field], value)
        if wrong:
            detail = ", ".join(f"{k} is {got}, expected {want}" for k, (got, want) in wrong.items())
            raise AssertionError(f"function {name}: {detail}\n{json.dumps(metrics, indent=1)}")
        return metrics

    def assert_cold_starts(self, name, count):
        return self.assert_counts(name, ColdStarts=count)

    def assert_warm_starts(self, name, count):
        return self.assert_counts(name, WarmStarts=count)

    # -- logs -----------------------------------------------------------------
    def log_file(self, name):
        return os.path.join(self.log_dir, f"{name}.log")

    def log_for(self, request_id, name, timeout=5):
        """The lines of NAME.log from `START RequestId: ID` to `REPORT RequestId: ID`.

        The server writes log files from a background thread, so this polls
        (up to `timeout` s) for the REPORT line. Lines of other invocations of
        the same function that ran at the same time can fall in between."""
        start_mark = f"START RequestId: {request_id}"
        report_mark = f"REPORT RequestId: {request_id}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(self.log_file(name), "rb") as f:
                    lines = f.read().decode(errors="replace").splitlines()
            except FileNotFoundError:
                lines = []
            begin = next((i for i, line in enumerate(lines) if line.startswith(start_mark)), None)
            if begin is not None:
                for end in range(begin, len(lines)):
                    if lines[end].startswith(report_mark):
                        return lines[begin:end + 1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no complete log for request {request_id} in "
                                     f"{self.log_file(name)} after {timeout} s")
            time.sleep(0.02)


def _read_port(path):
    try:
        with open(path) as f:
            text = f.read().strip()
        return int(text) if text else None
    except (FileNotFoundError, ValueError):
        return None
