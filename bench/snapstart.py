#!/usr/bin/env python3
"""SnapStart (issue 15 item 3): a cold invoke restored from a published version's snapshot,
against the same function's $LATEST, whose init runs on demand (in a forked runtime).

    bench/snapstart.py                         # build-release/lambda-emu
    bench/snapstart.py --build-dir build       # another build
    bench/snapstart.py --rounds 30 --init-ms 500

The function's init imports a dozen standard modules and builds a dict of --entries entries, then
sleeps until it has taken --init-ms (if it has not already). For each of $LATEST and version 1,
--rounds times: every environment is stopped (POST /_emu/reset?environments=stop), 0.3 s pass,
and one invoke is timed from the client, with its Init or Restore Duration and Max Memory Used
from the REPORT line (LogType Tail). Then, twice per side, --burst invokes sent at once after a
reset: p50 and max, and how many were cold starts. Sandboxed (as root), spares auto.

Prints one JSON object with the medians and minimums, and writes it to
bench/results/snapstart-<timestamp>.json (git-ignored). Uses only the Python standard library
(plain HTTP, as bench/run: an SDK would add its own milliseconds to every figure).
"""

import argparse
import base64
import datetime
import http.client
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODE = '''
import asyncio, csv, datetime, decimal, email.mime.text, hashlib, http.client, json, logging
import sqlite3, ssl, time, urllib.request, uuid, xml.etree.ElementTree, zoneinfo

_started = time.monotonic()
TABLE = {{i: str(i) * 3 for i in range({entries})}}
time.sleep(max(0.0, {init_ms} / 1000 - (time.monotonic() - _started)))


def handler(event, context):
    return len(TABLE)
'''


def zipped(text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.py", text)
    return buffer.getvalue()


def start_server(binary, tmp):
    port_file = os.path.join(tmp, "port")
    with open(os.path.join(tmp, "config.yaml"), "w") as f:
        f.write("Functions: {}\n")
    proc = subprocess.Popen(
        [binary, "serve", "--config", os.path.join(tmp, "config.yaml"), "--port", "0",
         "--port-file", port_file, "--ephemeral", "--log-dir", os.path.join(tmp, "logs"),
         "--spare-sandboxes", "auto"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "stderr"), "wb"))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read())
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("lambda-emu did not start; see " + os.path.join(tmp, "stderr"))


def request(port, method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        if r.status >= 300:
            raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
        return r, data
    finally:
        conn.close()


def measure(port, qualifier, rounds):
    wall, cold, memory = [], [], []
    path = "/2015-03-31/functions/snap/invocations?Qualifier=" + qualifier.replace("$", "%24")
    for _ in range(rounds):
        request(port, "POST", "/_emu/reset?environments=stop")
        time.sleep(0.3)
        started = time.monotonic()
        r, _ = request(port, "POST", path, b"{}", {"X-Amz-Log-Type": "Tail"})
        wall.append((time.monotonic() - started) * 1000)
        log = base64.b64decode(r.getheader("X-Amz-Log-Result")).decode()
        found = re.search(r"\t(?:Init|Restore) Duration: ([\d.]+) ms", log)
        if not found:
            raise SystemExit("no cold start in the REPORT:\n" + log)
        cold.append(float(found[1]))
        memory.append(int(re.search(r"Max Memory Used: (\d+) MB", log)[1]))
    return {"wall_ms_p50": round(statistics.median(wall), 2), "wall_ms_min": round(min(wall), 2),
            "cold_ms_p50": round(statistics.median(cold), 2), "cold_ms_min": round(min(cold), 2),
            "max_memory_mb_p50": statistics.median(memory)}


def burst(port, qualifier, count):
    path = "/2015-03-31/functions/snap/invocations?Qualifier=" + qualifier.replace("$", "%24")
    request(port, "POST", "/_emu/reset?environments=stop")
    time.sleep(1)
    times, colds = [0.0] * count, [False] * count
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        started = time.monotonic()
        r, _ = request(port, "POST", path, b"{}", {"X-Amz-Log-Type": "Tail"})
        times[i] = (time.monotonic() - started) * 1000
        log = base64.b64decode(r.getheader("X-Amz-Log-Result")).decode()
        colds[i] = bool(re.search(r"\t(?:Init|Restore) Duration", log))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"p50_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2),
            "cold_starts": sum(colds)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build-release"))
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--entries", type=int, default=200000)
    parser.add_argument("--init-ms", type=int, default=0)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()
    binary = os.path.join(args.build_dir, "lambda-emu")
    tmp = tempfile.mkdtemp(prefix="lambda-emu-bench-snapstart-")
    proc, port = start_server(binary, tmp)
    try:
        code = CODE.format(entries=args.entries, init_ms=args.init_ms)
        create = {"FunctionName": "snap", "Runtime": "python3.12", "Handler": "index.handler",
                  "Role": "arn:aws:iam::000000000000:role/bench", "MemorySize": 1769,
                  "Timeout": 60, "Code": {"ZipFile": base64.b64encode(zipped(code)).decode()},
                  "SnapStart": {"ApplyOn": "PublishedVersions"}, "Publish": True}
        request(port, "POST", "/2015-03-31/functions", json.dumps(create).encode(),
                {"Content-Type": "application/json"})
        result = {
            "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "binary": binary, "rounds": args.rounds, "entries": args.entries,
            "init_ms": args.init_ms,
            "latest_on_demand": measure(port, "$LATEST", args.rounds),
            "version_restored": measure(port, "1", args.rounds),
        }
        if args.burst:
            result["burst"] = {side: [burst(port, qualifier, args.burst) for _ in range(2)]
                               for side, qualifier in (("latest_on_demand", "$LATEST"),
                                                       ("version_restored", "1"))}
        result["restored_vs_on_demand_wall"] = round(
            result["version_restored"]["wall_ms_p50"] / result["latest_on_demand"]["wall_ms_p50"],
            3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    text = json.dumps(result, indent=2)
    print(text)
    results = os.path.join(ROOT, "bench", "results")
    os.makedirs(results, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    with open(os.path.join(results, f"snapstart-{stamp}.json"), "w") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
