#!/usr/bin/env python3
"""A function that fills its /tmp with small files, and cgroup leaks after a
burst (issue 12 item 4).

    bench/hostile/tmp_files.py --bin build-release/lambda-emu [--files 200000]
        [--burst 500] [--cgroups auto]

Phase 1, stalls: a function creates --files one-byte files under its /tmp;
then a warm function is invoked in a loop while the server sweeps /tmp sizes
(every 2 s) and, after --idle-ttl seconds, tears the filler down. Figures:
the warm invokes' latency (p50, p99, max) while only sweeps run, and the
max around the teardown, and how long the filler's directory took to go.

Phase 2, cgroup leaks: --burst concurrent invokes (100 at a time), idle
eviction, then SIGTERM; figures: environment cgroup directories left after
the eviction and lambda-emu-<pid> directories left after the server exits
(cgroup v1 hierarchies, or the v2 directory).

Standard library only; starts the real binary; prints one JSON object.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTILE = os.path.join(REPO, "tests", "fixtures", "functions", "hostile")


def function(timeout=300, memory=512):
    # 200,000 one-byte files take 800 MB of blocks: EphemeralStorage at its maximum.
    return {"Runtime": "provided", "Handler": "bootstrap", "Code": HOSTILE,
            "MemorySize": memory, "Timeout": timeout, "EphemeralStorage": {"Size": 10240}}


class Server:
    def __init__(self, binary, functions, args, tmp):
        self.tmp = tmp
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as f:
            json.dump({"Functions": functions}, f)
        port_file = os.path.join(tmp, "port")
        self.err = open(os.path.join(tmp, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [binary, "serve", "--config", config, "--port", "0", "--port-file", port_file,
             "--ephemeral", "--log-dir", os.path.join(tmp, "logs"), *args],
            stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if os.path.exists(port_file) and open(port_file).read().strip():
                self.port = int(open(port_file).read())
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit("the server did not start:\n" + open(self.err.name).read())

    def invoke(self, name, event, timeout=300):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request("POST", f"/2015-03-31/functions/{name}/invocations", json.dumps(event))
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r.status, body

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        self.err.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else None


def stalls(binary, files, idle_ttl):
    tmp = tempfile.mkdtemp(prefix="lambda-emu-bench-")
    work = os.path.join(tmp, "work")
    try:
        server = Server(binary, {"filler": function(), "warm": function(30, 128)},
                        ["--idle-ttl", str(idle_ttl), "--work-dir", work], tmp)
        try:
            server.invoke("warm", {})
            status, body = server.invoke("filler", {"files": files})
            if status != 200:
                raise SystemExit(f"filler failed: {status} {body[:300]!r}")
            filler = [d for d in os.listdir(work) if d.startswith("filler-")][0]
            filler_dir = os.path.join(work, filler)
            filled = time.monotonic()
            sweep, teardown, gone_after = [], [], None
            while time.monotonic() - filled < idle_ttl * 1.25 + 8:
                start = time.monotonic()
                server.invoke("warm", {})
                took = time.monotonic() - start
                (sweep if start - filled < idle_ttl else teardown).append(took)
                if gone_after is None and not os.path.exists(filler_dir):
                    gone_after = time.monotonic() - filled
        finally:
            server.stop()
        ms = lambda v: None if v is None else round(v * 1000, 1)  # noqa: E731
        return {
            "files": files,
            "warm_invokes_during_sweeps": len(sweep),
            "sweep_p50_ms": ms(percentile(sweep, 0.5)),
            "sweep_p99_ms": ms(percentile(sweep, 0.99)),
            "sweep_max_ms": ms(max(sweep) if sweep else None),
            "teardown_max_ms": ms(max(teardown) if teardown else None),
            "filler_dir_removed_after_s": None if gone_after is None else round(gone_after, 1),
        }
    finally:
        shutil.rmtree(tmp, True)


def cgroup_dirs(pid):
    """The server's lambda-emu-<pid> cgroup directories (v1 hierarchies and v2)."""
    dirs = []
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controllers == "":
                base = os.path.join("/sys/fs/cgroup/unified", path.lstrip("/"))
                if not os.path.isdir(base):
                    base = os.path.join("/sys/fs/cgroup", path.lstrip("/"))
                if base.endswith(f"lambda-emu-{pid}-server"):
                    base = os.path.dirname(base)
            else:
                c = controllers.split(",")[0]
                if c.startswith("name="):
                    continue
                base = f"/sys/fs/cgroup/{controllers}{path}"
            dirs.append(os.path.join(base, f"lambda-emu-{pid}"))
    return [d for d in dirs if os.path.isdir(d)]


def count_subdirs(dirs):
    total = 0
    for d in dirs:
        for _, sub, _ in os.walk(d):
            total += len(sub)
    return total


def leaks(binary, burst, cgroups):
    tmp = tempfile.mkdtemp(prefix="lambda-emu-bench-")
    try:
        server = Server(binary, {"f": function(30, 128)},
                        ["--idle-ttl", "1", "--cgroups", cgroups], tmp)
        try:
            dirs = cgroup_dirs(server.proc.pid)
            with concurrent.futures.ThreadPoolExecutor(100) as pool:
                codes = list(pool.map(lambda _: server.invoke("f", {})[0], range(burst)))
            time.sleep(5)  # idle eviction (1 s TTL, checked every 250 ms)
            after_eviction = count_subdirs(dirs)
        finally:
            server.stop()
        return {
            "burst": burst,
            "cgroups": cgroups,
            "burst_errors": sum(1 for c in codes if c != 200),
            "env_cgroup_dirs_left_after_eviction": after_eviction,
            "server_cgroup_dirs_left_after_exit": sum(1 for d in dirs if os.path.exists(d)),
        }
    finally:
        shutil.rmtree(tmp, True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--files", type=int, default=200000)
    parser.add_argument("--idle-ttl", type=int, default=8)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--cgroups", default="auto")
    args = parser.parse_args()
    result = {"stalls": stalls(os.path.abspath(args.bin), args.files, args.idle_ttl)}
    if os.geteuid() == 0:
        result["leaks"] = leaks(os.path.abspath(args.bin), args.burst, args.cgroups)
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
