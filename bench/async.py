#!/usr/bin/env python3
"""Asynchronous invocation (issue 13): durable accepts per second and the delay from the 202 to
the function's start.

    bench/async.py                         # build-release/ (lambda-emu, bench/loadgen)
    bench/async.py --build-dir build       # another build
    bench/async.py --quick                 # a smoke run of a few seconds

Scenarios (each against a fresh server whose --state-dir is on this machine's disk, under
bench/results/, not /tmp, so every accept is a real fsync of async.db's WAL):
  accept   Event invokes (100 B) from bench/loadgen at 1 and 32 keep-alive connections, to a
           function with reserved concurrency 0: every event is made durable and answered 202,
           and then waits (throttled), so the figure is the accept path alone.
  accept+run  the same at 32 connections to the native echo function (bench/functions/echo),
           which runs the events while they come; then the time until the queue is empty.
  delay    serial, one event at a time to an idle, warm Python function that writes
           time.time() at its start: start minus the moment the client had the 202
           (negative when the function started before the 202 reached the client), and start
           minus the moment the request was sent; p50/p99 in ms.

Prints one JSON object and writes it to bench/results/async-<timestamp>.json (git-ignored).
Targets (issue 13): >= 5,000 accepts/s at 32 connections on 2 cores; delay p50 <= 2 ms.
Uses only the Python standard library.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INVOKE_PATH = "/2015-03-31/functions/{name}/invocations"

DELAY_APP = """
import os, time

def handler(event, context):
    started = time.time()
    fd = os.open(event["out"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, ("%d %.6f\\n" % (event["i"], started)).encode())
    os.close(fd)
    return None
"""


def log(msg):
    print(f"[bench async] {msg}", file=sys.stderr, flush=True)


class Server:
    """lambda-emu serve on port 0 with config `config`, its state dir under `workdir`."""

    def __init__(self, binary, config, workdir, extra=()):
        self.workdir = workdir
        port_file = os.path.join(workdir, "port")
        self.err = open(os.path.join(workdir, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [binary, "serve", "--config", config, "--port", "0", "--port-file", port_file,
             "--state-dir", os.path.join(workdir, "state"), "--log-dir",
             os.path.join(workdir, "logs"), "--no-cpu-limit", *extra],
            stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lambda-emu exited: {self.stderr_tail()}")
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        raise RuntimeError("lambda-emu did not start: " + self.stderr_tail())

    def stderr_tail(self, n=2000):
        with open(os.path.join(self.workdir, "stderr"), "rb") as f:
            return f.read().decode(errors="replace")[-n:]

    def get_json(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def queued(self, function):
        for f in self.get_json("/_emu/async")["Functions"]:
            if f["FunctionName"] == function:
                return f["Queued"]
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def loadgen(tool, port, function, connections, duration, warmup):
    argv = [tool, "--port", str(port), "--path", INVOKE_PATH.format(name=function),
            "-c", str(connections), "-s", "100", "-d", str(duration), "--warmup", str(warmup),
            "-H", "X-Amz-Invocation-Type: Event", "--max-seconds", "300",
            "--label", f"async accept {function} c={connections}"]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not r.stdout.strip():
        raise RuntimeError(f"loadgen failed ({r.returncode}): {r.stderr}")
    result = json.loads(r.stdout)
    statuses = result.get("statuses", {})
    if set(statuses) - {"202"} or result.get("error_count"):
        log(f"  not every answer was a 202: statuses {statuses}, errors {result.get('errors')}")
    return result


def summary(result):
    return {"connections": result["connections"], "rps": result["rps"],
            "accepted": result.get("statuses", {}).get("202", 0),
            "latency_us": result["latency_us"], "statuses": result.get("statuses", {}),
            "errors": result.get("error_count", 0)}


def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def stats_ms(values):
    return {"n": len(values), "p50": round(percentile(values, 0.50), 3),
            "p90": round(percentile(values, 0.90), 3), "p99": round(percentile(values, 0.99), 3),
            "min": round(min(values), 3), "max": round(max(values), 3)}


def scenario_accept(args, workdir):
    config = os.path.join(workdir, "accept.yaml")
    with open(config, "w") as f:
        f.write("Functions:\n"
                f"  parked:\n    Runtime: provided.al2023\n    Handler: bootstrap\n"
                f"    Code: {args.echo_code}\n    ReservedConcurrentExecutions: 0\n"
                f"  echo:\n    Runtime: provided.al2023\n    Handler: bootstrap\n"
                f"    Code: {args.echo_code}\n    MemorySize: 1769\n")
    out = {}
    for connections in (1, 32):
        d = tempfile.mkdtemp(prefix=f"accept-c{connections}-", dir=workdir)
        server = Server(args.bin, config, d)
        try:
            log(f"accept, parked function, {connections} connection(s), {args.duration} s")
            out[f"c{connections}"] = summary(loadgen(args.loadgen, server.port, "parked",
                                                     connections, args.duration, args.warmup))
            out[f"c{connections}"]["queued_after"] = server.queued("parked")
        finally:
            server.stop()
    d = tempfile.mkdtemp(prefix="accept-run-", dir=workdir)
    server = Server(args.bin, config, d)
    try:
        log(f"accept+run, echo function, 32 connections, {args.duration} s")
        result = summary(loadgen(args.loadgen, server.port, "echo", 32, args.duration,
                                 args.warmup))
        started = time.monotonic()
        while server.queued("echo") > 0 and time.monotonic() - started < 300:
            time.sleep(0.05)
        result["queued_at_end"] = server.queued("echo")
        result["drain_s"] = round(time.monotonic() - started, 3)
        out["run_c32"] = result
    finally:
        server.stop()
    return out


def scenario_delay(args, workdir):
    code = os.path.join(workdir, "delay-code")
    os.makedirs(code)
    with open(os.path.join(code, "app.py"), "w") as f:
        f.write(DELAY_APP)
    config = os.path.join(workdir, "delay.yaml")
    with open(config, "w") as f:
        f.write("Functions:\n"
                f"  delay:\n    Runtime: python3.12\n    Handler: app.handler\n"
                f"    Code: {code}\n    MemorySize: 1769\n")
    out_file = os.path.join(workdir, "delay-starts")
    d = tempfile.mkdtemp(prefix="delay-", dir=workdir)
    server = Server(args.bin, config, d)
    from_202, from_send = [], []
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        path = INVOKE_PATH.format(name="delay")
        # Warm: one synchronous invoke starts the environment.
        conn.request("POST", path, json.dumps({"i": -1, "out": out_file}))
        conn.getresponse().read()
        log(f"delay, {args.delay_events} events one at a time to an idle python function")
        for i in range(args.delay_events):
            body = json.dumps({"i": i, "out": out_file})
            sent = time.time()
            conn.request("POST", path, body, {"X-Amz-Invocation-Type": "Event"})
            r = conn.getresponse()
            r.read()
            answered = time.time()
            if r.status != 202:
                raise RuntimeError(f"event {i}: {r.status}")
            start = wait_start(out_file, i)
            from_202.append((start - answered) * 1000)
            from_send.append((start - sent) * 1000)
            time.sleep(0.002)  # idle again: the environment is back on /next
        conn.close()
    finally:
        server.stop()
    return {"events": args.delay_events, "runtime": "python3.12 (host python3)",
            "start_minus_202_ms": stats_ms(from_202),
            "start_minus_request_sent_ms": stats_ms(from_send)}


def wait_start(path, i, timeout=10):
    """The start time the function wrote for event i."""
    deadline = time.monotonic() + timeout
    want = f"{i} "
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                for line in f.readlines()[-4:]:
                    if line.startswith(want):
                        return float(line.split()[1])
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    raise RuntimeError(f"event {i} did not start within {timeout} s")


def machine(binary):
    rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"host": platform.node(), "cpus": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version(), "binary": binary,
            "rev": rev + ("-dirty" if dirty else ""), "load_avg": os.getloadavg()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-release"),
                    help="where lambda-emu and bench/loadgen, bench/functions/echo are")
    ap.add_argument("--duration", type=float, default=5.0, help="seconds of each accept load")
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--delay-events", type=int, default=500)
    ap.add_argument("--quick", action="store_true", help="tiny counts: a smoke run")
    ap.add_argument("--out", help="JSON file (default bench/results/async-<timestamp>.json)")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.warmup, args.delay_events = 1.0, 0.2, 30
    b = os.path.abspath(args.build_dir)
    args.bin = os.path.join(b, "lambda-emu")
    args.loadgen = os.path.join(b, "bench", "loadgen")
    args.echo_code = os.path.join(b, "bench", "functions", "echo")
    for path in (args.bin, args.loadgen, os.path.join(args.echo_code, "bootstrap")):
        if not os.access(path, os.X_OK):
            sys.exit(f"bench/async.py: {path} is missing; build {b} first (bench/run builds "
                     "build-release/)")
    results_dir = os.path.join(ROOT, "bench", "results")
    os.makedirs(results_dir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix=".async-work-", dir=results_dir)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        res = {"scenario": "async", "started": started, "machine": machine(args.bin),
               "state_dir_filesystem": filesystem_of(workdir),
               "accept": scenario_accept(args, workdir), "delay": scenario_delay(args, workdir)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = json.dumps(res, indent=2)
    out = args.out or os.path.join(results_dir, "async-" + started.replace(":", "") + ".json")
    with open(out, "w") as f:
        f.write(text + "\n")
    print(json.dumps(res))
    log(f"accepts/s: c1 {res['accept']['c1']['rps']:.0f}, c32 {res['accept']['c32']['rps']:.0f}"
        f" (target >= 5000), with the function running c32 {res['accept']['run_c32']['rps']:.0f};"
        f" delay 202->start p50 {res['delay']['start_minus_202_ms']['p50']} ms, p99 "
        f"{res['delay']['start_minus_202_ms']['p99']} ms (target p50 <= 2); written to {out}")


def filesystem_of(path):
    r = subprocess.run(["df", "--output=fstype,source", path], capture_output=True, text=True)
    lines = r.stdout.split("\n")
    return lines[1].strip() if len(lines) > 1 else "unknown"


if __name__ == "__main__":
    main()
