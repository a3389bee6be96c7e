#!/usr/bin/env python3
"""Issue 16 item 3: what an open dashboard costs the server (docs/performance.md, "The dashboard").

A server with --functions functions (the native echo function, bench/functions/echo) takes --rate
invokes a second, paced, spread over the first --active functions, for alternating phases of
--phase seconds: without a dashboard, then with --clients Server-Sent Events clients reading
GET /_emu/events as the page does. Per phase: invoke latency p50/p99 (client side) and the server's
CPU time per second (/proc); per run, the ratio of the phases' medians (with / without) and the
stream's bytes per second per client. Uses bench/run's tools (build first: bench/run --only 1).
Python 3 stdlib only.
"""

import argparse
import http.client
import importlib.machinery
import importlib.util
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("bench_run", os.path.join(HERE, "run"))
_spec = importlib.util.spec_from_loader("bench_run", _loader)
b = importlib.util.module_from_spec(_spec)
_loader.exec_module(b)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class StreamReader(threading.Thread):
    """One dashboard: reads /_emu/events until stopped, counting bytes and events."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.bytes, self.events, self.stop = port, 0, 0, False

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(b"GET /_emu/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        s.settimeout(0.5)
        while not self.stop:
            try:
                data = s.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            self.bytes += len(data)
            self.events += data.count(b"\nevent: ") + data.startswith(b"event: ")
        s.close()


def phase(port, seconds, rate, active):
    """Paced invokes for `seconds`; returns sorted latencies in microseconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    latencies, interval = [], 1.0 / rate
    start = time.perf_counter()
    i = 0
    while True:
        due = start + i * interval
        now = time.perf_counter()
        if now - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        t0 = time.perf_counter()
        conn.request("POST", f"/2015-03-31/functions/f{i % active:04d}/invocations", body=b'{"n":1}')
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError(f"invoke answered {r.status}")
        latencies.append((time.perf_counter() - t0) * 1e6)
        i += 1
    conn.close()
    return sorted(latencies)


def pct(xs, p):
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(b.ROOT, "build-release"))
    ap.add_argument("--functions", type=int, default=1000)
    ap.add_argument("--active", type=int, default=100, help="functions the invokes go to")
    ap.add_argument("--rate", type=float, default=100, help="invokes per second")
    ap.add_argument("--phase", type=float, default=10, help="seconds per phase")
    ap.add_argument("--rounds", type=int, default=3, help="pairs of phases (without, with)")
    ap.add_argument("--clients", type=int, default=3, help="dashboards open in the 'with' phases")
    args = ap.parse_args()
    tools = b.Tools(os.path.abspath(args.build_dir), b.ROOT)
    workdir = tempfile.mkdtemp(prefix="lambda-emu-dash-")
    b.MEMORY_SIZE = 128
    config = b.write_config(os.path.join(workdir, "dash.yaml"),
                            [(f"f{i:04d}", "provided.al2023", "echo", tools.echo_code)
                             for i in range(args.functions)])
    server = b.Process("lambda-emu", [tools.server, "serve", "--config", config,
                                      "--port", "0", "--ephemeral", "--log-dir", os.path.join(workdir, "logs")],
                       workdir)
    out = {"functions": args.functions, "active": args.active, "rate": args.rate, "phase_s": args.phase,
           "clients": args.clients, "rounds": [], "machine": b.machine()}
    try:
        phase(server.port, min(5.0, args.phase), args.rate, args.active)  # every active one warm
        for i in range(args.rounds):
            for with_dashboard in ((False, True) if i % 2 == 0 else (True, False)):
                readers = [StreamReader(server.port) for _ in range(args.clients if with_dashboard else 0)]
                for r in readers:
                    r.start()
                time.sleep(0.5)
                cpu0 = cpu_seconds(server.pid)
                lat = phase(server.port, args.phase, args.rate, args.active)
                cpu = (cpu_seconds(server.pid) - cpu0) / args.phase
                for r in readers:
                    r.stop = True
                for r in readers:
                    r.join()
                row = {"round": i, "dashboard": with_dashboard, "invokes": len(lat), "p50_us": pct(lat, 0.5),
                       "p99_us": pct(lat, 0.99), "server_cpu_per_s": round(cpu, 4)}
                if readers:
                    row["stream_bytes_per_s_per_client"] = round(sum(r.bytes for r in readers) / len(readers)
                                                                 / (args.phase + 0.5))
                    row["stream_events_per_client"] = sum(r.events for r in readers) // len(readers)
                out["rounds"].append(row)
                print(json.dumps(row), flush=True)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    def median(xs):
        return sorted(xs)[len(xs) // 2]

    for key in ("p50_us", "p99_us", "server_cpu_per_s"):
        off = median([r[key] for r in out["rounds"] if not r["dashboard"]])
        on = median([r[key] for r in out["rounds"] if r["dashboard"]])
        out[key + "_without"], out[key + "_with"] = off, on
        out[key + "_ratio"] = round(on / off, 3) if off else None
        print(f"{key:18s} without {off:10.4g}   with {args.clients} dashboards {on:10.4g}   ratio {out[key + '_ratio']}")
    path = os.path.join(b.ROOT, "bench", "results", f"dashboard-{time.strftime('%Y%m%d-%H%M%S')}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote " + path)


if __name__ == "__main__":
    main()
