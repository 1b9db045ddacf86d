#!/usr/bin/env python3
"""bench/rollout: what a rolling deploy and a rollback cost on the vm target, side by side with
the naive way (stop the old processes, start the new ones) on the same machine, same binary,
same HAProxy, same wrk load.

For each operation it reports:
  - switch time: from the command's start until every response comes from the target release
    (a poller reads /version through HAProxy every 5 ms; the switch is the last response from
    the old release);
  - the deploy's phases (slipway --output json: prepare, rollout, bake, retire_old, finish);
  - requests lost under wrk: non-2xx responses plus socket errors (goal: zero).

Usage: bench/rollout/run.py [--engine process|podman] [--rounds N] [--connections N]
(--engine podman builds images from build/release/src/service/app: run `make release` first)
Needs: a built slipway and app (build/dev or $SLIPWAY_BUILD_DIR), haproxy, wrk.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
os.environ.setdefault("SLIPWAY_SOURCE_DIR", SOURCE)
os.environ.setdefault("SLIPWAY_BUILD_DIR", os.path.join(SOURCE, "build", "dev"))

import slipway_testlib as lib  # noqa: E402
import vm_testlib as vm  # noqa: E402


class VersionPoller:
    """Polls /version through HAProxy and keeps (time, commit) for every answer."""

    def __init__(self, port):
        self.port = port
        self.samples = []
        self.stopping = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stopping:
            try:
                status, _, body = lib.http_get(self.port, "/version", timeout=2)
                commit = json.loads(body).get("commit") if status == 200 else f"HTTP {status}"
            except Exception as e:  # a lost request is a sample too
                commit = f"error {type(e).__name__}"
            self.samples.append((time.monotonic(), commit))
            time.sleep(0.005)

    def switch_time(self, start, target):
        """Seconds from `start` to the last answer not from `target` after it (0 if none)."""
        last_other = start
        for t, commit in self.samples:
            if t >= start and commit != target:
                last_other = t
        return last_other - start

    def stop(self):
        self.stopping = True
        self.thread.join()


def measure(label, port, target_commit, action, connections):
    load = vm.Load(f"http://127.0.0.1:{port}/", connections=connections)
    time.sleep(1)
    poller = VersionPoller(port)
    start = time.monotonic()
    extra = action()
    elapsed = time.monotonic() - start
    lib.wait_until(lambda: poller.samples and poller.samples[-1][1] == target_commit, timeout=60,
                   what=f"{label}: target serving")
    time.sleep(1)
    poller.stop()
    counts = load.stop()
    return {"operation": label, "command_seconds": round(elapsed, 3),
            "switch_seconds": round(poller.switch_time(start, target_commit), 3),
            "requests": counts["requests"], "lost": counts["non_2xx"] + counts["socket_errors"],
            **(extra or {})}


def slipway_rounds(args, results):
    if args.engine == "podman":
        stack = vm.GitStack(bake_time=args.bake_time, health_interval="250ms", ready_timeout="20s", engine="podman")
        image_a = stack.build()["image"]
        stack.commit("second")
        image_b = stack.build()["image"]
        a, b = image_a.split(":")[1], image_b.split(":")[1]
    else:
        stack = vm.Stack(bake_time=args.bake_time, health_interval="250ms", ready_timeout="20s", engine="process")
        a, b = vm.sha("a"), vm.sha("b")
        image_a, image_b = stack.image(a), stack.image(b)
    try:
        assert stack.deploy(image_a).returncode == 0
        for _ in range(args.rounds):
            def deploy():
                r = stack.deploy(image_b, "--output", "json")
                assert r.returncode == 0, r.stderr
                return {"phases": json.loads(r.stdout.splitlines()[-1])["phases"]}
            results.append(measure("slipway deploy", stack.port, b, deploy, args.connections))

            def rollback():
                r = stack.run("rollback", "--output", "json")
                assert r.returncode == 0, r.stderr
                return {"phases": json.loads(r.stdout.splitlines()[-1])["phases"]}
            results.append(measure("slipway rollback", stack.port, a, rollback, args.connections))
    finally:
        stack.cleanup()


def naive_rounds(args, results):
    """HAProxy with two fixed servers; a deploy stops both old processes, then starts the new."""
    work = tempfile.mkdtemp(prefix="slipway_naive_")
    port, stats = lib.free_port(), lib.free_port()
    ports = [lib.free_port(), lib.free_port()]
    cfg = os.path.join(work, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(f"""global
  pidfile {work}/haproxy.pid
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend in
  bind 127.0.0.1:{port}
  default_backend app
backend app
  balance roundrobin
  option httpchk
  http-check send meth GET uri /readyz
  server s1 127.0.0.1:{ports[0]} check inter 250ms rise 2 fall 3
  server s2 127.0.0.1:{ports[1]} check inter 250ms rise 2 fall 3
""")
    haproxy = lib.Process(["haproxy", "-f", cfg])
    replicas = []

    image = None
    if args.engine == "podman":
        # One image serves both "releases": SLIPWAY_RELEASE tells them apart, as slipway sets it.
        image = "app:slipway-bench-naive"
        context = tempfile.mkdtemp(prefix="slipway_naive_image_")
        shutil.copy(vm.release_app_binary(), os.path.join(context, "app"))
        with open(os.path.join(context, "Containerfile"), "w") as f:
            f.write("FROM scratch\nCOPY app /app\nUSER 65532:65532\nENTRYPOINT [\"/app\"]\n")
        vm.podman("build", "-q", "-t", image, context)
        shutil.rmtree(context, ignore_errors=True)

    def start(commit):
        for i, p in enumerate(ports):
            env = {"PORT": str(p), "BIND_ADDRESS": "127.0.0.1", "SLIPWAY_RELEASE": commit, "WORKERS": "2",
                   "SHUTDOWN_DELAY": "0s"}
            if image:
                flags = [x for k, v in env.items() for x in ("-e", f"{k}={v}")]
                vm.podman("run", "-d", "--name", f"slipway-naive-{i}", "--network=host", *flags, image)
                replicas.append(f"slipway-naive-{i}")
            else:
                replicas.append(lib.Process([vm.app_binary()], env=env))
        for p in ports:
            lib.wait_until(lambda p=p: lib.http_get(p, "/readyz")[0] == 200, timeout=30, what="replica ready")

    def stop_all():
        while replicas:
            replica = replicas.pop()
            if image:
                vm.podman("rm", "-f", "-t", "10", replica, check=False)
            else:
                replica.stop(timeout=10)

    try:
        a, b = vm.sha("a"), vm.sha("b")
        start(a)
        lib.wait_until(lambda: lib.http_get(port, "/version")[0] == 200, timeout=30, what="haproxy up")
        for _ in range(args.rounds):
            for label, commit in (("naive deploy", b), ("naive rollback", a)):
                def swap(commit=commit):
                    stop_all()
                    start(commit)
                results.append(measure(label, port, commit, swap, args.connections))
    finally:
        stop_all()
        haproxy.stop()
        shutil.rmtree(work, ignore_errors=True)
        if image:
            vm.podman("rmi", "-f", image, check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="deploy+rollback pairs per way")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--bake-time", default="0s", help="slipway bake time (0s measures the switch alone)")
    parser.add_argument("--engine", choices=["process", "podman"], default="process",
                        help="process: the dev binary as plain processes; podman: images of the release binary")
    args = parser.parse_args()
    results = []
    slipway_rounds(args, results)
    naive_rounds(args, results)
    print(json.dumps(results, indent=1), file=sys.stderr)
    print(f"{'operation':18} {'n':>2} {'command s':>10} {'switch s':>9} {'requests':>9} {'lost':>6}")
    for operation in ("slipway deploy", "slipway rollback", "naive deploy", "naive rollback"):
        rows = [r for r in results if r["operation"] == operation]
        print(f"{operation:18} {len(rows):>2} {statistics.median(r['command_seconds'] for r in rows):>10.2f} "
              f"{statistics.median(r['switch_seconds'] for r in rows):>9.2f} "
              f"{sum(r['requests'] for r in rows):>9} {sum(r['lost'] for r in rows):>6}")
    phases = {}
    for r in results:
        for name, seconds in r.get("phases", {}).items():
            phases.setdefault((r["operation"], name), []).append(seconds)
    for (operation, name), values in sorted(phases.items()):
        print(f"  {operation} phase {name:12} median {statistics.median(values):.2f} s")


if __name__ == "__main__":
    main()
