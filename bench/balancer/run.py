#!/usr/bin/env python3
"""bench/balancer: the request path through slipway's HAProxy, side by side with a static HAProxy
configuration in front of the very same replicas, in one run.

slipway deploys a release (N replicas) on a throwaway vm stack; a second HAProxy is started from a
hand-written static configuration listing those replicas' ports (same defaults, same checks). wrk
then runs, interleaved for --rounds rounds, against:
  - one replica directly (what the balancer costs is measured against this ceiling),
  - slipway's HAProxy (the listener of the stack),
  - the static HAProxy (the peer).
For each it reports requests/s, p99 latency and errors, and for both HAProxies the share of
requests sent over a reused backend connection (`show stat`: reuse / (reuse + connect)).
Finally it runs a deploy and a rollback under wrk through slipway's HAProxy and reports the
requests lost (goal: 0), then the same throughput figures again on the new replicas.

Usage: bench/balancer/run.py [--engine podman|process] [--rounds N] [--connections N] [--seconds N]
(--engine podman builds images from build/release/src/service/app: run `make release` first)
Needs: a built slipway and app (build/dev or $SLIPWAY_BUILD_DIR), haproxy, wrk.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
os.environ.setdefault("SLIPWAY_SOURCE_DIR", SOURCE)
os.environ.setdefault("SLIPWAY_BUILD_DIR", os.path.join(SOURCE, "build", "dev"))

import slipway_testlib as lib  # noqa: E402
import vm_testlib as vm  # noqa: E402


def haproxy_command(socket_path, line):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(socket_path)
        s.sendall(line.encode() + b"\n")
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode()


def connection_counters(socket_path, backend):
    """(connect, reuse) summed over the backend's servers, from `show stat`."""
    text = haproxy_command(socket_path, "show stat")
    lines = text.splitlines()
    header = lines[0][2:].split(",")
    connect = reuse = 0
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) < len(header):
            continue
        row = dict(zip(header, fields))
        if row["pxname"] != backend or row["svname"] in ("BACKEND", "FRONTEND"):
            continue
        connect += int(row.get("connect") or 0)
        reuse += int(row.get("reuse") or 0)
    return connect, reuse


def wrk(port, seconds, connections, path="/"):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "errors": errors}


def static_haproxy(work, ports, health_interval):
    """The peer: one HAProxy whose configuration lists the replicas, nothing changed at run time."""
    port = lib.free_port()
    sock = os.path.join(work, "static.sock")
    servers = "\n".join(f"  server s{i} 127.0.0.1:{p} check inter {health_interval} rise 2 fall 3"
                        for i, p in enumerate(ports))
    cfg = os.path.join(work, "static.cfg")
    with open(cfg, "w") as f:
        f.write(f"""global
  pidfile {work}/static.pid
  stats socket {sock} mode 600 level admin
defaults
  mode http
  option http-keep-alive
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
frontend in
  bind 127.0.0.1:{port}
  default_backend app
backend app
  balance roundrobin
  option httpchk
  http-check send meth GET uri /readyz
  http-check expect status 200
{servers}
""")
    process = lib.Process(["haproxy", "-f", cfg])
    lib.wait_until(lambda: lib.http_get(port, "/readyz")[0] == 200, timeout=30, what="static HAProxy serving")
    return process, port, sock


def measure(stack, args, label):
    """Interleaved rounds: direct replica, slipway's HAProxy, static HAProxy."""
    replicas = [r for r in stack.status()["replicas"] if not r["backup"]]
    ports = [r["port"] for r in replicas]
    work = tempfile.mkdtemp(prefix="slipway_bench_balancer_")
    static, static_port, static_sock = static_haproxy(work, ports, args.health_interval)
    slipway_sock = os.path.join(stack.state, "haproxy.sock")
    paths = {"replica": (ports[0], None), "slipway": (stack.port, slipway_sock), "static": (static_port, static_sock)}
    runs = {name: [] for name in paths}
    try:
        for name, (port, _) in paths.items():  # warm-up, not counted
            wrk(port, 1, args.connections)
        for _ in range(args.rounds):
            for name, (port, sock) in paths.items():
                before = connection_counters(sock, stack_backend(name)) if sock else None
                result = wrk(port, args.seconds, args.connections)
                if sock:
                    after = connection_counters(sock, stack_backend(name))
                    connect, reuse = after[0] - before[0], after[1] - before[1]
                    result["reuse_share"] = reuse / (connect + reuse) if connect + reuse else 0.0
                runs[name].append(result)
    finally:
        static.stop()
        shutil.rmtree(work, ignore_errors=True)
    summary = {}
    for name, results in runs.items():
        summary[name] = {
            "rps": statistics.median(r["rps"] for r in results),
            "p99_ms": statistics.median(r["p99_ms"] for r in results),
            "errors": sum(r["errors"] for r in results),
        }
        if "reuse_share" in results[0]:
            summary[name]["reuse_share"] = statistics.median(r["reuse_share"] for r in results)
    print(f"\n{label}: {len(ports)} replicas, wrk -t2 -c{args.connections} -d{args.seconds}s, "
          f"{args.rounds} interleaved rounds, medians")
    print(f"{'path':10} {'req/s':>9} {'p99 ms':>8} {'reused':>8} {'errors':>7}")
    for name, s in summary.items():
        reused = f"{100 * s['reuse_share']:.2f}%" if "reuse_share" in s else "-"
        print(f"{name:10} {s['rps']:>9.0f} {s['p99_ms']:>8.2f} {reused:>8} {s['errors']:>7}")
    print(f"slipway / static: {summary['slipway']['rps'] / summary['static']['rps']:.2f}x req/s, "
          f"{summary['slipway']['p99_ms'] / summary['static']['p99_ms']:.2f}x p99")
    return summary


def stack_backend(name):
    return "app"  # slipway's backend is the service name; the static config names it app too


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["process", "podman"], default="podman")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--health-interval", default="1s")
    args = parser.parse_args()

    if args.engine == "podman":
        stack = vm.GitStack(bake_time="0s", health_interval=args.health_interval, ready_timeout="20s",
                            engine="podman")
        image_a = stack.build()["image"]
        stack.commit("second")
        image_b = stack.build()["image"]
    else:
        stack = vm.Stack(bake_time="0s", health_interval=args.health_interval, ready_timeout="20s",
                         engine="process")
        image_a, image_b = stack.image(vm.sha("a")), stack.image(vm.sha("b"))
    stack.env["SHUTDOWN_DELAY"] = "500ms"
    report = {}
    try:
        r = stack.deploy(image_a)
        assert r.returncode == 0, r.stderr
        report["first"] = measure(stack, args, "after the first deploy")

        load = vm.Load(f"http://127.0.0.1:{stack.port}/", connections=args.connections)
        time.sleep(1)
        r = stack.deploy(image_b)
        assert r.returncode == 0, r.stderr
        r = stack.run("rollback")
        assert r.returncode == 0, r.stderr
        time.sleep(1)
        counts = load.stop()
        report["deploy_and_rollback"] = {"requests": counts["requests"],
                                         "lost": counts["non_2xx"] + counts["socket_errors"]}
        print(f"\ndeploy + rollback under wrk -c{args.connections}: {counts['requests']} requests, "
              f"{report['deploy_and_rollback']['lost']} lost")
        report["after_rollback"] = measure(stack, args, "after a deploy and a rollback (replicas replaced)")
    finally:
        stack.cleanup()
    print(json.dumps(report, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
