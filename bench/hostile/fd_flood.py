#!/usr/bin/env python3
"""Hostile HTTP clients against a server under `ulimit -n 1024` (issue 12 item 3).

    bench/hostile/fd_flood.py --bin build-release/lambda-emu [--connections 1010]
        [--slowloris 500] [--hold 10] [--header-timeout 20] [--idle-timeout 60]

Phase 1, descriptor flood: a Python function opens --connections connections
to its own Runtime API and holds them for --hold seconds; meanwhile a client
invokes a warm function in a loop and a few cold ones, and the figures are
their latency and errors, the server's accept errors and refused connections.

Phase 2, slowloris: --slowloris connections each send half a request header
and nothing more; a client invokes the warm function in a loop meanwhile. The
figures: how many of them the server still holds after the header timeout
(+ 2 s), and what they got (408 or a bare close), and the client's latency.

Standard library only; starts the real binary; prints one JSON object.
"""
import argparse
import http.client
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

ECHO = """
    def handler(event, context):
        return event
"""

FLOOD = """
    import os
    import socket
    import time

    def handler(event, context):
        host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
        held, failed = [], 0
        for _ in range(event["count"]):
            s = None
            try:
                s = socket.socket()
                s.settimeout(2)
                s.connect((host, int(port)))
                held.append(s)
            except OSError:
                failed += 1
                if s is not None:
                    s.close()
        print("FLOOD-OPEN", flush=True)
        time.sleep(event["hold"])
        return {"opened": len(held), "failed": failed}
"""


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p))] * 1000, 2)


class Server:
    def __init__(self, binary, functions, args):
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-fd-flood-")
        runtime = "python%d.%d" % sys.version_info[:2]
        config = {"Interpreters": {runtime: sys.executable}, "Functions": {}}
        for name, source in functions.items():
            code = os.path.join(self.tmp, name)
            os.makedirs(code)
            with open(os.path.join(code, "app.py"), "w") as f:
                f.write(textwrap.dedent(source))
            config["Functions"][name] = {"Runtime": runtime, "Handler": "app.handler",
                                         "Code": code, "MemorySize": 256, "Timeout": 120}
        path = os.path.join(self.tmp, "config.yaml")
        with open(path, "w") as f:
            json.dump(config, f)
        port_file = os.path.join(self.tmp, "port")
        self.out = open(os.path.join(self.tmp, "stdout"), "wb")
        self.err = open(os.path.join(self.tmp, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [binary, "serve", "--config", path, "--port", "0", "--port-file", port_file,
             "--ephemeral", "--log-dir", os.path.join(self.tmp, "logs"), *args],
            stdout=self.out, stderr=self.err,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with open(port_file) as f:
                    self.port = int(f.read().strip())
                return
            except (FileNotFoundError, ValueError):
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.text("stderr"))

    def text(self, stream):
        with open(os.path.join(self.tmp, stream), "rb") as f:
            return f.read().decode(errors="replace")

    def invoke(self, name, payload, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", f"/2015-03-31/functions/{name}/invocations",
                         body=json.dumps(payload).encode())
            r = conn.getresponse()
            r.read()
            return r.status
        finally:
            conn.close()

    def metrics(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
        finally:
            conn.close()
        return {m.group(1): float(m.group(2))
                for m in re.finditer(r"^(lambda_emu_(?:open_fds|max_fds|http_\w+)) (\S+)$",
                                     text, re.M)}

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def client_loop(server, name, stop, latencies, errors):
    while not stop.is_set():
        started = time.monotonic()
        try:
            status = server.invoke(name, {"x": 1}, timeout=30)
            if status != 200:
                errors.append(status)
        except OSError as e:
            errors.append(type(e).__name__)
        latencies.append(time.monotonic() - started)


def flood_phase(server, connections, hold):
    server.invoke("echo", {})
    result = {}
    flood = threading.Thread(target=lambda: result.update(
        status=server.invoke("flood", {"count": connections, "hold": hold}, timeout=hold + 120)))
    flood.start()
    deadline = time.monotonic() + 60
    while "FLOOD-OPEN" not in server.text("stdout") and time.monotonic() < deadline:
        time.sleep(0.05)
    stop, latencies, errors = threading.Event(), [], []
    client = threading.Thread(target=client_loop, args=(server, "echo", stop, latencies, errors))
    client.start()
    cold = []
    for name in ("cold-1", "cold-2", "cold-3"):
        started = time.monotonic()
        try:
            status = server.invoke(name, {}, timeout=60)
        except OSError as e:
            status = type(e).__name__
        cold.append({"status": status, "ms": round((time.monotonic() - started) * 1000, 1)})
    during = server.metrics()
    flood.join()  # the warm client keeps going for as long as the flood holds
    stop.set()
    client.join()
    return {"warm_invokes": len(latencies), "warm_errors": len(errors),
            "warm_p50_ms": percentile(latencies, 0.5), "warm_p99_ms": percentile(latencies, 0.99),
            "warm_max_ms": percentile(latencies, 1.0), "cold_invokes": cold,
            "metrics_during": during,
            "server_log_accept_errors": server.text("stderr").count("accept failed")}


def slowloris_phase(server, count, header_timeout):
    socks, refused = [], 0
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            s.sendall(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            refused += 1
    stop, latencies, errors = threading.Event(), [], []
    client = threading.Thread(target=client_loop, args=(server, "echo", stop, latencies, errors))
    client.start()
    time.sleep(header_timeout + 2)
    stop.set()
    client.join()
    got_408 = closed = still_open = 0
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(65536)
            if data.startswith(b"HTTP/1.1 408"):
                got_408 += 1
            elif not data:
                closed += 1
        except BlockingIOError:
            still_open += 1
        except OSError:
            closed += 1
        s.close()
    return {"connections": count, "connect_failures": refused, "answered_408": got_408,
            "closed_without_answer": closed, "still_held": still_open,
            "waited_s": header_timeout + 2, "warm_invokes": len(latencies),
            "warm_errors": len(errors), "warm_p50_ms": percentile(latencies, 0.5),
            "warm_max_ms": percentile(latencies, 1.0)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--connections", type=int, default=1010)
    parser.add_argument("--slowloris", type=int, default=500)
    parser.add_argument("--hold", type=float, default=10)
    parser.add_argument("--header-timeout", type=float, default=20)
    parser.add_argument("--idle-timeout", type=float, default=60)
    args = parser.parse_args()
    server_args = []
    help_text = subprocess.run([args.bin, "serve", "--help"], capture_output=True,
                               text=True).stdout
    if "--http-header-timeout" in help_text:  # older builds have neither flag
        server_args = ["--http-header-timeout", str(args.header_timeout),
                       "--http-idle-timeout", str(args.idle_timeout)]
    functions = {"echo": ECHO, "flood": FLOOD, "cold-1": ECHO, "cold-2": ECHO, "cold-3": ECHO}
    result = {"bin": args.bin, "nofile": 1024}
    server = Server(args.bin, functions, server_args)
    try:
        result["flood"] = flood_phase(server, args.connections, args.hold)
        result["slowloris"] = slowloris_phase(server, args.slowloris, args.header_timeout)
        result["metrics_after"] = server.metrics()
    finally:
        server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
