#!/usr/bin/env python3
"""Hostile case: a burst of concurrent invokes of a cold Python function
(issue 12 item 1), while a warm function is invoked serially.

    bench/hostile/burst.py --bin build-release/lambda-emu [--burst 1000] [--server-arg=...]

Prints one JSON object: the burst's outcome counts and wall time, how many
environments it started, and the warm function's latency during the burst.
Standard library only.
"""
import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HANDLER = """
import time
def handler(event, context):
    time.sleep(0.002)
    return {"ok": True}
"""
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The tests' probe runtime: a Python process on one keep-alive connection.
WARM_CODE = os.path.join(ROOT, "tests", "fixtures", "functions", "probe")


def percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def invoke_once(port, name):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"POST /2015-03-31/functions/{name}/invocations HTTP/1.1\r\nHost: x\r\n"
                     "Content-Length: 2\r\nConnection: close\r\n\r\n{}".encode())
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head = data.split(b"\r\n\r\n", 1)[0]
    status = int(head.split(b" ", 2)[1])
    if status == 200 and b"x-amz-function-error" in head.lower():
        return "function error"
    return str(status)


async def burst(port, name, n):
    results = await asyncio.gather(*(invoke_once(port, name) for _ in range(n)),
                                   return_exceptions=True)
    counts = {}
    for r in results:
        key = type(r).__name__ if isinstance(r, Exception) else r
        counts[key] = counts.get(key, 0) + 1
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--server-arg", action="append", default=[])
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = tempfile.mkdtemp(prefix="hostile-burst-")
    try:
        cold = os.path.join(tmp, "cold")
        os.makedirs(cold)
        with open(os.path.join(cold, "index.py"), "w") as f:
            f.write(HANDLER)
        config = {"Functions": {
            "cold": {"Runtime": "python3.12", "Handler": "index.handler", "Code": cold,
                     "MemorySize": 128, "Timeout": 30},
            # 1,769 MB is one vCPU: at 128 MB (7 % of a CPU) the warm function's
            # own CPU quota, not the server, would set its p99 (serial invokes
            # spend more than 7 ms of CPU per 100 ms period).
            "warm": {"Runtime": "provided", "Handler": "bootstrap", "Code": WARM_CODE,
                     "MemorySize": 1769, "Timeout": 10}}}
        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(config, f)
        port_file = os.path.join(tmp, "port")
        server = subprocess.Popen(
            [args.bin, "serve", "--config", os.path.join(tmp, "config.json"), "--port", "0",
             "--port-file", port_file, "--ephemeral", "--log-dir", os.path.join(tmp, "logs"),
             "--log-level", "warn", "--account-concurrency", str(args.burst + 100),
             *args.server_arg],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "stderr"), "wb"))
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            time.sleep(0.02)
        port = int(open(port_file).read())
        url = f"http://127.0.0.1:{port}/2015-03-31/functions/warm/invocations"

        def warm_invoke():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(urllib.request.Request(url, b"{}", method="POST"),
                                            timeout=30) as r:
                    ok = r.status == 200
            except Exception:  # noqa: BLE001 - counted
                ok = False
            return time.monotonic() - started, ok

        warm_invoke()
        latencies, warm_errors = [], 0
        stop = threading.Event()

        def prober():
            nonlocal warm_errors
            while not stop.is_set():
                seconds, ok = warm_invoke()
                latencies.append(seconds * 1000)
                warm_errors += 0 if ok else 1

        thread = threading.Thread(target=prober)
        thread.start()
        started = time.monotonic()
        counts = asyncio.run(burst(port, "cold", args.burst))
        wall = time.monotonic() - started
        stop.set()
        thread.join()
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        log = open(os.path.join(tmp, "logs", "cold.log")).read()
        print(json.dumps({
            "case": "cold-start burst",
            "burst": args.burst,
            "outcomes": counts,
            "errors": args.burst - counts.get("200", 0),
            "burst_seconds": round(wall, 2),
            # Each environment's first REPORT carries its Init Duration (a
            # failed init's too).
            "environments_started": sum(1 for line in log.splitlines()
                                        if line.startswith("REPORT ") and "\tInit Duration: " in line),
            "warm_invokes": len(latencies),
            "warm_errors": warm_errors,
            "warm_p50_ms": round(percentile(latencies, 50), 2),
            "warm_p99_ms": round(percentile(latencies, 99), 2),
            "warm_max_ms": round(max(latencies), 2),
        }))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
