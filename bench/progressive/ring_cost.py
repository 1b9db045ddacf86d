#!/usr/bin/env python3
"""bench/progressive/ring_cost.py: what the tail judge's per-request log costs HAProxy.

The vm target's listener frontend logs every request (server, %Tr, status) to an in-memory ring
that a LINEAR / CANARY step reads (src/targets/vm/haproxy_config.cpp). This runs the same HAProxy
frontend/backend twice, side by side in one run, in front of one release-build service process:
without the log lines (the peer: the configuration before the tail judge) and with them, and
drives each with wrk (keep-alive) in alternating rounds. Reported: requests/s and wrk's p99 of
each, and the ratio.

Usage: bench/progressive/ring_cost.py [--rounds 3] [--seconds 5] [--connections 20]
Needs: make release (build/release/src/service/app), haproxy, wrk.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
os.environ.setdefault("SLIPWAY_SOURCE_DIR", SOURCE)

import slipway_testlib as lib  # noqa: E402

RING = """ring responses
  format raw
  size 1048576

"""
LOG = """  log ring@responses local0 info
  log-format "%s %Tr %ST"
"""


def config(directory, port, app_port, with_log):
    return f"""global
  pidfile {directory}/haproxy-{port}.pid
  stats socket {directory}/haproxy-{port}.sock mode 600 level admin

defaults
  mode http
  option http-keep-alive
  timeout connect 2s
  timeout client 60s
  timeout server 60s

{RING if with_log else ""}frontend app_in
  bind 127.0.0.1:{port}
{LOG if with_log else ""}  default_backend app

backend app
  balance roundrobin
  server s1 127.0.0.1:{app_port}
"""


def wrk(port, seconds, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    return rate, float(p99.group(1)) * scale


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="slipway_ring_cost_")
    app_port = lib.free_port()
    app = lib.Process([os.path.join(SOURCE, "build", "release", "src", "service", "app")],
                      env=dict(os.environ, PORT=str(app_port), WORKERS="2", SLIPWAY_RELEASE="a" * 40))
    proxies = {}
    try:
        lib.wait_until(lambda: lib.http_get(app_port, "/healthz")[0] == 200, timeout=20, what="app")
        for name, with_log in (("without log", False), ("with log ring", True)):
            port = lib.free_port()
            path = os.path.join(directory, f"{port}.cfg")
            with open(path, "w") as f:
                f.write(config(directory, port, app_port, with_log))
            proxies[name] = (port, lib.Process(["haproxy", "-db", "-f", path]))
            lib.wait_until(lambda: lib.http_get(port, "/healthz")[0] == 200, timeout=20, what=name)
        results = {name: [] for name in proxies}
        for _ in range(args.rounds):
            for name, (port, _) in proxies.items():
                results[name].append(wrk(port, args.seconds, args.connections))
        rows = {name: (sum(r for r, _ in runs) / len(runs), sorted(p for _, p in runs)[len(runs) // 2])
                for name, runs in results.items()}
        base = rows["without log"][0]
        print(f"wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} alternating rounds, "
              f"one release-build service process behind HAProxy {haproxy_version()}")
        print("| HAProxy frontend | requests/s (mean of rounds) | p99 (median of rounds) | vs without |")
        print("| --- | ---: | ---: | ---: |")
        for name, (rate, p99) in rows.items():
            print(f"| {name} | {rate:.0f} | {p99:.2f} ms | {rate / base:.3f}x |")
    finally:
        for _, process in proxies.values():
            process.stop()
        app.stop()


def haproxy_version():
    out = subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout
    return out.split()[2] if out else "?"


if __name__ == "__main__":
    main()
