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
from the REPORT line (LogType Tail). Sandboxed (as root), spares auto.

Prints one JSON object with the medians and minimums, and writes it to
bench/results/snapstart-<timestamp>.json (git-ignored). Uses boto3 (the machine's python3 has it).
"""

import argparse
import base64
import datetime
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

import boto3
from botocore.config import Config

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


def measure(client, reset, qualifier, rounds):
    wall, cold, memory = [], [], []
    for _ in range(rounds):
        reset()
        time.sleep(0.3)
        started = time.monotonic()
        r = client.invoke(FunctionName="snap", Qualifier=qualifier, LogType="Tail")
        wall.append((time.monotonic() - started) * 1000)
        log = base64.b64decode(r["LogResult"]).decode()
        found = re.search(r"\t(?:Init|Restore) Duration: ([\d.]+) ms", log)
        if not found:
            raise SystemExit("no cold start in the REPORT:\n" + log)
        cold.append(float(found[1]))
        memory.append(int(re.search(r"Max Memory Used: (\d+) MB", log)[1]))
    return {"wall_ms_p50": round(statistics.median(wall), 2), "wall_ms_min": round(min(wall), 2),
            "cold_ms_p50": round(statistics.median(cold), 2), "cold_ms_min": round(min(cold), 2),
            "max_memory_mb_p50": statistics.median(memory)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build-release"))
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--entries", type=int, default=200000)
    parser.add_argument("--init-ms", type=int, default=0)
    args = parser.parse_args()
    binary = os.path.join(args.build_dir, "lambda-emu")
    tmp = tempfile.mkdtemp(prefix="lambda-emu-bench-snapstart-")
    proc, port = start_server(binary, tmp)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="x", aws_secret_access_key="x",
                              config=Config(retries={"max_attempts": 0}, read_timeout=120))
        code = CODE.format(entries=args.entries, init_ms=args.init_ms)
        client.create_function(FunctionName="snap", Runtime="python3.12", Handler="index.handler",
                               Role="arn:aws:iam::000000000000:role/bench",
                               Code={"ZipFile": zipped(code)}, MemorySize=1769, Timeout=60,
                               SnapStart={"ApplyOn": "PublishedVersions"}, Publish=True)
        import urllib.request

        def reset():
            request = urllib.request.Request(endpoint + "/_emu/reset?environments=stop",
                                             method="POST", data=b"")
            urllib.request.urlopen(request).read()

        result = {
            "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "binary": binary, "rounds": args.rounds, "entries": args.entries,
            "init_ms": args.init_ms,
            "latest_on_demand": measure(client, reset, "$LATEST", args.rounds),
            "version_restored": measure(client, reset, "1", args.rounds),
        }
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
