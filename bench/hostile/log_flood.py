#!/usr/bin/env python3
"""Hostile case: one function floods its output while the server's stdout is not read.

Starts the real server (--bin) with its stdout connected to a pipe this script
never reads (a paused terminal, a CI pipe nobody drains), makes one function
print --flood-mb MB per invocation, back to back for --duration seconds, and meanwhile invokes a warm quick function and GETs
/metrics in a closed loop. Prints one JSON object: latency percentiles of the
quick function and /metrics during the flood, failures, how long the flood
took, whether the log file has every line, and the console drop counters.

    bench/hostile/log_flood.py --bin build/lambda-emu [--flood-mb 20] [--duration 10]

Python standard library only. Uses the probe runtime of tests/fixtures.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROBE = os.path.join(REPO, "tests", "fixtures", "functions", "probe")


def request(port, method, path, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body)
        r = conn.getresponse()
        data = r.read()
        return r.status, data
    finally:
        conn.close()


def invoke(port, name, event, timeout=30):
    return request(port, "POST", f"/2015-03-31/functions/{name}/invocations",
                   json.dumps(event).encode(), timeout)


def percentiles(samples):
    if not samples:
        return None
    s = sorted(samples)

    def at(q):
        return round(s[min(len(s) - 1, int(q * len(s)))] * 1000, 2)
    return {"n": len(s), "p50_ms": at(0.50), "p99_ms": at(0.99), "max_ms": round(s[-1] * 1000, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="the lambda-emu binary")
    parser.add_argument("--flood-mb", type=float, default=20)
    parser.add_argument("--duration", type=float, default=10,
                        help="seconds of floods, one invocation after the other")
    parser.add_argument("--request-timeout", type=float, default=30,
                        help="seconds before one quick invoke or /metrics counts as failed")
    parser.add_argument("--max-seconds", type=float, default=120,
                        help="stop measuring after this long even if the flood is not over")
    parser.add_argument("--server-arg", action="append", default=[],
                        help="extra argument for `serve` (repeatable)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="lambda-emu-log-flood-")
    functions = {
        "flood": {"Runtime": "provided", "Handler": "x", "Code": PROBE, "Timeout": 300,
                  "MemorySize": 512},
        "quick": {"Runtime": "provided", "Handler": "x", "Code": PROBE, "Timeout": 10,
                  "MemorySize": 128},
    }
    config = os.path.join(tmp, "config.yaml")
    with open(config, "w") as f:
        json.dump({"Functions": functions}, f)
    port_file = os.path.join(tmp, "port")
    stderr = open(os.path.join(tmp, "stderr"), "wb")
    proc = subprocess.Popen(
        [args.bin, "serve", "--config", config, "--port", "0", "--port-file", port_file,
         "--log-dir", os.path.join(tmp, "logs"), "--ephemeral", *args.server_arg],
        stdout=subprocess.PIPE, stderr=stderr)
    result = {"flood_mb": args.flood_mb}
    try:
        deadline = time.monotonic() + 20
        port = None
        while port is None and time.monotonic() < deadline:
            try:
                with open(port_file) as f:
                    port = int(f.read().strip() or 0) or None
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        if port is None:
            raise SystemExit("the server did not start")
        for _ in range(20):
            invoke(port, "quick", {"warm": 1})
        invoke(port, "flood", {"warm": 1})

        flood = {"seconds": []}

        def run_flood():
            end = time.monotonic() + args.duration
            while time.monotonic() < end:
                start = time.monotonic()
                try:
                    status, _ = invoke(port, "flood", {"flood_mb": args.flood_mb}, timeout=300)
                except Exception as e:  # noqa: BLE001 — reported, not raised
                    flood["error"] = repr(e)
                    return
                if status != 200:
                    flood["error"] = f"status {status}"
                    return
                flood["seconds"].append(time.monotonic() - start)

        flooder = threading.Thread(target=run_flood, daemon=True)
        flooder.start()
        quick, metrics, failures = [], [], 0
        i = 0
        loop_deadline = time.monotonic() + args.max_seconds
        while flooder.is_alive() and time.monotonic() < loop_deadline:
            start = time.monotonic()
            try:
                if i % 10 == 9:
                    status, _ = request(port, "GET", "/metrics", timeout=args.request_timeout)
                    (metrics if status == 200 else []).append(time.monotonic() - start)
                else:
                    status, _ = invoke(port, "quick", {"i": i}, timeout=args.request_timeout)
                    (quick if status == 200 else []).append(time.monotonic() - start)
                failures += status != 200
            except Exception:  # noqa: BLE001 — a stalled server: counted
                failures += 1
            i += 1
        flooder.join(5)
        seconds = list(flood["seconds"])  # the flooder may still be stuck in one
        result["flood"] = {
            "invocations": len(seconds),
            "mean_seconds": round(sum(seconds) / len(seconds), 3) if seconds else None,
            "still_running": flooder.is_alive(),
            **({"error": flood["error"]} if "error" in flood else {}),
        }
        result["quick_invoke"] = percentiles(quick)
        result["metrics_get"] = percentiles(metrics)
        result["failed_requests"] = failures

        with open(os.path.join(tmp, "logs", "flood.log"), "rb") as f:
            lines = len(re.findall(rb"^flood \d{7} ", f.read(), re.M))
        expected = int(args.flood_mb * 1_000_000) // 100 * len(seconds)
        result["log_file_lines"] = lines
        result["log_file_complete"] = lines == expected
        try:
            _, body = request(port, "GET", "/metrics", timeout=args.request_timeout)
            for name, reason, value in re.findall(
                    rb'^lambda_emu_console_dropped_(lines|bytes)_total\{reason="(\w+)"\} (\d+)$',
                    body, re.M):
                result[f"console_dropped_{name.decode()}_{reason.decode()}"] = int(value)
        except Exception:  # noqa: BLE001
            pass
    finally:
        # Read the console now, so a server stuck on it can finish and stop.
        drained = bytearray()
        reader = threading.Thread(target=lambda: drained.extend(proc.stdout.read()), daemon=True)
        reader.start()
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(10)
        stderr.close()
        result["console_marker"] = b"were not shown" in drained
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
