#!/usr/bin/env python3
"""bench/secrets/refresh.py: from `slipway secrets rotate` to every replica on the new version,
on the vm target under a wrk load, with `slipway refresh` and side by side with today's way
(rotate, then a full `slipway deploy` of the same image), for 2 and 6 replicas.

For each way and replica count it reports:
  - seconds from the start of `secrets rotate` until the command that restarts the replicas
    returned, checked with `slipway status` to have every replica on the new version (100 %);
  - requests lost under wrk (non-2xx plus socket errors; goal: zero) and requests served.

The secret lives in moto's Secrets Manager (IAM authorization on); bake time 0 s on both sides so
the figure is the restart itself. Usage:
  bench/secrets/refresh.py [--engine podman|process] [--replicas 2 6] [--rounds N] [--half-stale]
(--half-stale adds: half the fleet scaled up after the rotation, so already on the new version;
its figure is the restarting command alone)
(--engine podman builds images from build/release/src/service/app: run `make release` first)
Needs: a built slipway (build/dev or $SLIPWAY_BUILD_DIR), haproxy, wrk, moto_server.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
os.environ.setdefault("SLIPWAY_SOURCE_DIR", SOURCE)
os.environ.setdefault("SLIPWAY_BUILD_DIR", os.path.join(SOURCE, "build", "dev"))

import slipway_testlib as lib  # noqa: E402
import vm_testlib as vm  # noqa: E402
from secrets_cli_test import MotoIam  # noqa: E402


def make_stack(engine, replicas, moto, secret_arn):
    kwargs = dict(bake_time="0s", health_interval="250ms", ready_timeout="20s", engine=engine)
    stack = vm.GitStack(**kwargs) if engine == "podman" else vm.Stack(**kwargs)
    stack.env.pop("DATABASE_PASSWORD")
    stack.env.update({"DATABASE_PASSWORD_FROM": secret_arn, "DESIRED_COUNT": str(replicas)})
    stack.env.update({k: v for k, v in moto.env().items() if k.startswith("AWS_")})
    image = stack.build()["image"] if engine == "podman" else stack.image(vm.sha("a"))
    return stack, image


def rotate(stack, arn, value):
    result = subprocess.run([vm.slipway_binary(), "secrets", "rotate", arn, "--from-file", "-", "-o", "json"],
                            input=value, env=dict(os.environ, **stack.env), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["version"]


def one_rotation(way, stack, image, arn, replicas, round_number, connections):
    load = vm.Load(f"http://127.0.0.1:{stack.port}/", connections=connections)
    time.sleep(1)
    start = time.monotonic()
    version = rotate(stack, arn, f"bench-password-{way}-{replicas}-{round_number}-{time.time_ns()}")
    command = stack.run("refresh") if way == "refresh" else stack.deploy(image)
    elapsed = time.monotonic() - start
    assert command.returncode == 0, command.stdout + command.stderr
    time.sleep(1)
    counts = load.stop()
    running = [r["versions"]["DATABASE_PASSWORD"] for r in stack.status()["secrets"]["replicas"]]
    assert running == [version] * replicas, (running, version)
    return {"way": way, "replicas": replicas, "seconds": round(elapsed, 3), "requests": counts["requests"],
            "lost": counts["non_2xx"] + counts["socket_errors"]}


def partly_stale(way, stack, image, arn, replicas, round_number, connections):
    """Half the fleet already runs the new version (scaled up after the rotation): the time of
    the restarting command alone, from its start to its return."""
    half = replicas // 2
    assert stack.run("scale", str(half)).returncode == 0
    version = rotate(stack, arn, f"bench-password-half-{way}-{replicas}-{round_number}-{time.time_ns()}")
    assert stack.run("scale", str(replicas)).returncode == 0
    load = vm.Load(f"http://127.0.0.1:{stack.port}/", connections=connections)
    time.sleep(1)
    start = time.monotonic()
    command = stack.run("refresh") if way == "refresh" else stack.deploy(image)
    elapsed = time.monotonic() - start
    assert command.returncode == 0, command.stdout + command.stderr
    time.sleep(1)
    counts = load.stop()
    running = [r["versions"]["DATABASE_PASSWORD"] for r in stack.status()["secrets"]["replicas"]]
    assert running == [version] * replicas, (running, version)
    return {"way": way + " (half stale)", "replicas": replicas, "seconds": round(elapsed, 3),
            "requests": counts["requests"], "lost": counts["non_2xx"] + counts["socket_errors"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["process", "podman"], default="podman")
    parser.add_argument("--replicas", type=int, nargs="+", default=[2, 6])
    parser.add_argument("--rounds", type=int, default=2, help="rotations per way and replica count")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--half-stale", action="store_true",
                        help="also: half the fleet already on the new version (scaled up after the rotation)")
    args = parser.parse_args()
    moto = MotoIam().start()
    results = []
    try:
        sm = moto.boto("secretsmanager")
        for replicas in args.replicas:
            arn = sm.create_secret(Name=f"bench/db-{replicas}-{time.time_ns()}",
                                   SecretString="bench-password-initial-0000")["ARN"]
            stack, image = make_stack(args.engine, replicas, moto, arn)
            try:
                deployed = stack.deploy(image)
                assert deployed.returncode == 0, deployed.stderr
                for round_number in range(args.rounds):
                    # Alternated, so a slower machine minute does not land on one way only.
                    for way in ("refresh", "redeploy"):
                        results.append(one_rotation(way, stack, image, arn, replicas, round_number,
                                                    args.connections))
                        print(json.dumps(results[-1]), file=sys.stderr)
                    if args.half_stale:
                        for way in ("refresh", "redeploy"):
                            results.append(partly_stale(way, stack, image, arn, replicas, round_number,
                                                        args.connections))
                            print(json.dumps(results[-1]), file=sys.stderr)
            finally:
                stack.cleanup()
    finally:
        moto.stop()
    print(f"{'way':22} {'replicas':>8} {'n':>2} {'rotate->100% s':>15} {'requests':>9} {'lost':>5}")
    for replicas in args.replicas:
        for suffix in ("", " (half stale)"):
            medians = {}
            for way in ("refresh" + suffix, "redeploy" + suffix):
                rows = [r for r in results if r["way"] == way and r["replicas"] == replicas]
                if not rows:
                    continue
                medians[way] = statistics.median(r["seconds"] for r in rows)
                print(f"{way:22} {replicas:>8} {len(rows):>2} {medians[way]:>15.2f} "
                      f"{sum(r['requests'] for r in rows):>9} {sum(r['lost'] for r in rows):>5}")
            if len(medians) == 2:
                print(f"  refresh / redeploy time{suffix}, {replicas} replicas: "
                      f"{medians['refresh' + suffix] / medians['redeploy' + suffix]:.2f}x")


if __name__ == "__main__":
    main()
