# labels: vm serial
"""Crash-consistent deploys: the controller killed or interrupted at chosen steps of deploy,
rollback and scale, under wrk through HAProxy, and after each fault the next command converges
with nothing lost (vm_faults.py says how a cell runs and what is checked).

The fast subset runs in `make test`; `make test-faults` runs every cell
(SLIPWAY_FAULT_SWEEP=full). Cells run in an order drawn from SLIPWAY_FAULT_SEED (default 13),
on one stack, so each cell also starts from what the previous recovery left; the seed is printed,
and the same seed replays the same order. SLIPWAY_FAULT_REPORT=FILE appends one JSON line per
cell (the table of docs/vm.md)."""

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

import slipway_testlib as lib
import vm_faults as faults
import vm_testlib as vm

FULL = os.environ.get("SLIPWAY_FAULT_SWEEP") == "full"
SEED = int(os.environ.get("SLIPWAY_FAULT_SEED", "13"))

# (operation, pause point, signal, in the fast subset). Points name the step: events of
# src/targets/vm (the Nth arrival after the colon), "write:FILE" between a state file's write
# and its rename, "haproxy_slot_addr_set" between a slot's address and its enabling.
KILL_CELLS = [
    ("deploy", "write:releases.json", "KILL", False),    # ledger append being written
    ("deploy", "deploy_started", "KILL", True),          # right after the ledger append
    ("deploy", "write:state.json:2", "KILL", True),      # new replicas recorded, not started
    ("deploy", "task_PROVISIONING:1", "KILL", False),    # replicas started, none probed
    ("deploy", "task_PROVISIONING:2", "KILL", False),
    ("deploy", "haproxy_slot_addr_set:1", "KILL", True),  # between add and enable
    ("deploy", "task_RUNNING:1", "KILL", False),          # one new replica in rotation
    ("deploy", "task_RUNNING:2", "KILL", False),
    ("deploy", "haproxy_slot_addr_set:3", "KILL", False),  # old replica's backup slot half set
    ("deploy", "backup:1", "KILL", True),                 # one old replica drained to backup
    ("deploy", "switched", "KILL", False),
    ("deploy", "bake_started", "KILL", False),
    ("deploy", "task_DEACTIVATING:1", "KILL", False),     # retiring the old: draining
    ("deploy", "task_STOPPED:1", "KILL", False),          # one old replica stopped
    ("deploy", "write:releases.json:2", "KILL", False),   # outcome being written
    ("deploy", "deploy_succeeded", "KILL", False),        # done, lock still held
    ("deploy", "task_RUNNING:1", "INT", False),
    ("deploy", "bake_started", "INT", True),
    ("deploy", "task_DEACTIVATING:1", "INT", False),
    ("deploy_failing", "task_failed:1", "KILL", False),   # a crashing release, circuit breaker
    ("deploy_failing", "rollback_started", "KILL", False),
    ("rollback", "rollback", "KILL", False),
    ("rollback", "task_RUNNING:1", "KILL", False),
    ("rollback", "backup:2", "KILL", False),
    ("rollback", "switched", "KILL", True),
    ("rollback", "task_STOPPED:2", "KILL", False),
    ("rollback", "switched", "INT", False),
    ("scale_up", "task_PROVISIONING:1", "KILL", True),
    ("scale_up", "haproxy_slot_addr_set:1", "KILL", False),
    ("scale_up", "task_RUNNING:1", "KILL", False),
    ("scale_up", "task_PROVISIONING:1", "INT", False),
    ("scale_down", "task_DEACTIVATING:1", "KILL", False),
    ("scale_down", "task_STOPPED:1", "KILL", True),
]


full_sweep_only = unittest.skipUnless(FULL, "full sweep only: make test-faults")


def report(row):
    path = os.environ.get("SLIPWAY_FAULT_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")


class ControllerDies(unittest.TestCase):
    """SIGKILL / SIGINT of `slipway` at each step; the next command converges."""

    def setUp(self):
        self.stack = vm.Stack(bake_time="1s", health_interval="200ms", ready_timeout="6s", drain_delay="3s")
        self.addCleanup(self.stack.cleanup)
        self.images = 0

    def fresh_image(self, fault=None):
        self.images += 1
        commit = faults.commit_of(f"seed{SEED}-image{self.images}")
        return self.stack.image(commit, fault=fault), commit

    def expect(self, result, code, what):
        self.assertEqual(result.returncode, code, f"{what}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")

    def current(self):
        return faults.read_state(self.stack)["current"]

    def rollback_target(self):
        """The release `slipway rollback` goes to: the newest good one before the current with
        another image."""
        current = self.current()
        for r in self.stack.history():  # newest first
            if r["revision"] < current["revision"] and r["outcome"] == "succeeded" and r["image"] != current["image"]:
                return r
        return None

    def run_cell(self, op, point, how):
        s = self.stack
        desired = 2
        # What the cell needs before its fault.
        if op == "rollback" and self.rollback_target() is None:
            self.expect(s.deploy(self.fresh_image()[0]), 0, "a release to roll back from")
        if op == "scale_down":
            self.expect(s.run("scale", "3"), 0, "scale to 3 first")
        if op == "deploy":
            image, commit = self.fresh_image()
            args, recover, desired = ["deploy", "--image", image], ["deploy", "--image", image], 2
        elif op == "deploy_failing":
            image, _ = self.fresh_image(fault="crash")
            good, commit = self.fresh_image()
            args, recover = ["deploy", "--image", image], ["deploy", "--image", good]
        elif op == "rollback":
            target = self.rollback_target()
            commit = target["commit"]
            args, recover = ["rollback"], ["rollback", "--to", str(target["revision"])]
        elif op == "scale_up":
            commit = self.current()["commit"]
            args, recover, desired = ["scale", "3"], ["scale", "3"], 3
        else:  # scale_down
            commit = self.current()["commit"]
            args, recover = ["scale", "2"], ["scale", "2"]

        load = faults.Load(s)
        try:
            run = faults.PausedRun(s, args, point)
            run.wait_paused()
            code, _, err = run.kill() if how == "KILL" else run.interrupt()
            after_fault = s.run("status", "--output", "json")
            recovery = s.run(*recover)
        finally:
            requests, failed, wrk_output = load.stop()
        row = {"op": op, "point": point, "signal": how, "exit": code, "requests": requests, "failed": failed,
               "status_exit": after_fault.returncode, "recovery_exit": recovery.returncode,
               "recovery_said": [line for line in recovery.stderr.splitlines()
                                 if "stale lock" in line or "interrupted" in line or "left over" in line]}
        problems = []
        if failed:
            problems.append(f"{failed} of {requests} requests failed:\n{wrk_output}")
        if after_fault.returncode != 0:
            problems.append(f"status after the fault: exit {after_fault.returncode}: {after_fault.stderr}")
        if recovery.returncode != 0:
            problems.append(f"`{' '.join(recover)}` exit {recovery.returncode}: {recovery.stderr}")
        else:
            problems += faults.converged(s, commit, desired)
        history = s.history()
        row["ledger"] = [(r["revision"], r["outcome"]) for r in history[:3]]
        if how == "INT" and code == 128 + signal.SIGINT:
            # Handled: the interrupted command itself left a terminal outcome and no lock.
            self.assertNotIn("stale lock", recovery.stderr)
        elif code in (-signal.SIGKILL, -signal.SIGINT):
            if any(r["outcome"] == "failed" and "interrupted" in r.get("reason", "") for r in history):
                row["repaired"] = True
        if op == "scale_up":  # the next cell starts from 2 replicas again
            back = s.run("scale", "2")
            if back.returncode != 0:
                problems.append(f"scale back to 2: {back.stderr}")
        row["problems"] = problems
        report(row)
        return problems

    def test_controller_killed_at_each_step(self):
        s = self.stack
        self.expect(s.deploy(self.fresh_image()[0]), 0, "first deploy")
        self.expect(s.deploy(self.fresh_image()[0]), 0, "second deploy")
        cells = [c for c in KILL_CELLS if FULL or c[3]]
        random.Random(SEED).shuffle(cells)
        print(f"vm_faults: seed {SEED}, {len(cells)} cells ({'full sweep' if FULL else 'fast subset'})",
              file=sys.stderr)
        for op, point, how, _ in cells:
            with self.subTest(op=op, point=point, signal=how):
                started = time.monotonic()
                problems = self.run_cell(op, point, how)
                print(f"  {op} {point} {how}: {time.monotonic() - started:.1f}s "
                      f"{'ok' if not problems else problems}", file=sys.stderr)
                self.assertEqual(problems, [])


def mount(*args):
    subprocess.run(["mount", *args], check=True, capture_output=True)


def umount(path):
    if subprocess.run(["umount", path], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", path], capture_output=True)


class DependenciesFail(unittest.TestCase):
    """HAProxy killed, the engine refusing, a port taken, the state directory full or read-only
    in the middle of a deploy; corrupt state files. The next deploy converges."""

    def setUp(self):
        self.stack = vm.Stack(bake_time="1s", health_interval="200ms", ready_timeout="6s", drain_delay="3s")
        self.mounted = []
        self.addCleanup(self.cleanup)
        self.images = 0

    def cleanup(self):
        s = self.stack
        try:
            for path in reversed(self.mounted):  # a read-only state cannot be taken down
                if path != s.state:
                    umount(path)
            s.down()
        finally:
            # Whatever `down` could not reach (a state it could not read) goes by PID.
            for pid in faults.stack_processes(s):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            for path in reversed(self.mounted):
                umount(path)
            shutil.rmtree(s.dir, ignore_errors=True)

    def fresh_image(self):
        self.images += 1
        commit = faults.commit_of(f"seed{SEED}-dependency{self.images}")
        return self.stack.image(commit), commit

    def expect(self, result, code, what):
        self.assertEqual(result.returncode, code, f"{what}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")

    def start(self):
        s = self.stack
        self.expect(s.deploy(self.fresh_image()[0]), 0, "first deploy")
        self.expect(s.deploy(self.fresh_image()[0]), 0, "second deploy")

    def deploy_with_fault(self, point, break_it, heal, fault, balancer_fault=False):
        """Deploys a fresh image, breaks a dependency at `point` (then lets the deploy go on),
        heals it, and runs the same deploy again: returns the table row."""
        s = self.stack
        image, commit = self.fresh_image()
        load = faults.Load(s)
        try:
            run = faults.PausedRun(s, ["deploy", "--image", image], point)
            run.wait_paused()
            broken = break_it(run)
            run.resume()
            # A "*" point stops at every arrival: let each one go.
            while run.wait_paused_or_done():
                run.resume()
            code, out, err = run.finish()
            heal(broken)
            recovery = s.deploy(image)
        finally:
            requests, failed, wrk_output = load.stop()
        row = {"fault": fault, "point": point, "exit": code, "requests": requests, "failed": failed,
               "error": [line for line in err.splitlines() if "error" in line][-1:],
               "recovery_exit": recovery.returncode,
               "recovery_said": [line for line in recovery.stderr.splitlines()
                                 if "stale lock" in line or "interrupted" in line or "left over" in line]}
        problems = []
        if failed and not balancer_fault:
            problems.append(f"{failed} of {requests} requests failed:\n{wrk_output}")
        if recovery.returncode != 0:
            problems.append(f"the next deploy: exit {recovery.returncode}: {recovery.stderr}")
        else:
            problems += faults.converged(s, commit, 2)
        row["ledger"] = [(r["revision"], r["outcome"], r.get("reason", "")[:60]) for r in s.history()[:3]]
        row["problems"] = problems
        report(row)
        return row

    @full_sweep_only
    def test_haproxy_killed_mid_rollout(self):
        self.start()

        def kill_haproxy(run):
            pids = [p for p in faults.stack_processes(self.stack)
                    if open(f"/proc/{p}/cmdline", "rb").read().startswith(b"haproxy")]
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            return pids
        row = self.deploy_with_fault("task_RUNNING:1", kill_haproxy, lambda _: None, "HAProxy killed",
                                     balancer_fault=True)
        self.assertEqual(row["problems"], [])
        self.assertNotEqual(row["exit"], 0, row)
        # The bound: requests fail while no HAProxy listens (from the kill to the next deploy,
        # which starts it again from the state: converged() saw it serve the new release).

    @full_sweep_only
    def test_engine_refuses_to_start(self):
        self.start()
        s = self.stack

        def remove_image(run):
            image_dir = os.path.join(s.state, "images", "app")
            newest = max(os.listdir(image_dir), key=lambda t: os.path.getmtime(os.path.join(image_dir, t)))
            entrypoint = os.path.join(image_dir, newest, "entrypoint")
            os.rename(entrypoint, entrypoint + ".away")
            return entrypoint
        row = self.deploy_with_fault("deploy_started", remove_image,
                                     lambda path: os.rename(path + ".away", path), "engine refuses")
        self.assertEqual(row["problems"], [])
        self.assertNotEqual(row["exit"], 0, row)

    def test_port_taken_between_allocation_and_start(self):
        self.start()
        s = self.stack
        taken = []

        def take_port(run):
            # The state being written before the replicas start lists their ports.
            state_path = os.path.join(s.state, f"state.json.tmp.{run.pid}")
            with open(state_path) as f:
                state = json.load(f)
            for r in state["replicas"]:
                if r["supervisor_pid"] == 0 and not taken:
                    sock = socket.socket()
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sock.bind(("127.0.0.1", r["port"]))
                    sock.listen(1)
                    taken.append(sock)
            return taken
        row = self.deploy_with_fault("write:state.json:2", take_port, lambda _: None, "replica port taken")
        for sock in taken:
            sock.close()
        self.assertTrue(taken, "no port taken")
        self.assertEqual(row["exit"], 0, row)
        self.assertEqual(row["problems"], [])

    @full_sweep_only
    @unittest.skipUnless(os.geteuid() == 0, "mounts a tmpfs: needs root")
    def test_state_directory_full(self):
        s = self.stack
        os.makedirs(s.state)
        mount("-t", "tmpfs", "-o", "size=32m,mode=0700", "tmpfs", s.state)
        self.mounted.append(s.state)
        self.start()
        filler = os.path.join(s.state, "filler")

        def fill(run):
            with open(filler, "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * (1 << 20))
                        f.flush()
                except OSError:
                    pass
            return filler
        row = self.deploy_with_fault("task_RUNNING:1", fill, os.remove, "state directory full")
        self.assertNotEqual(row["exit"], 0, row)
        self.assertEqual(row["problems"], [])

    @full_sweep_only
    @unittest.skipUnless(os.geteuid() == 0, "bind-mounts the state directory read-only: needs root")
    def test_state_directory_read_only(self):
        s = self.stack
        self.start()

        def read_only(run):
            mount("--bind", s.state, s.state)
            mount("-o", "remount,bind,ro", s.state)
            return s.state
        row = self.deploy_with_fault("task_RUNNING:1", read_only, umount, "state directory read-only")
        self.assertNotEqual(row["exit"], 0, row)
        self.assertEqual(row["problems"], [])

    def test_corrupt_state_files(self):
        self.start()
        s = self.stack
        for name in ("state.json", "releases.json"):
            path = os.path.join(s.state, name)
            with open(path, "rb") as f:
                good = f.read()
            for damage, text in (("truncated", good[:len(good) // 2]), ("empty", b""), ("not json", b"\x00garbage")):
                with self.subTest(file=name, damage=damage):
                    with open(path, "wb") as f:
                        f.write(text)
                    self.addCleanup(lambda p=path, g=good: open(p, "wb").write(g))
                    results = {verb: s.run(*args) for verb, args in
                               (("status", ["status"]), ("deploy", ["deploy", "--image", self.fresh_image()[0]]),
                                ("rollback", ["rollback"]), ("history", ["history"]))}
                    with open(path, "rb") as f:
                        self.assertEqual(f.read(), text, "the damaged file was changed")
                    row = {"fault": f"{name} {damage}", "point": "before the command", "errors": {}}
                    for verb, result in results.items():
                        lines = result.stderr.strip().splitlines()
                        row["errors"][verb] = (result.returncode, lines)
                        if verb == "status" and name == "releases.json" and result.returncode == 0:
                            continue  # status reports what runs: it needs no ledger
                        self.assertNotEqual(result.returncode, 0, f"{verb} with {damage} {name}")
                        self.assertEqual(len(lines), 1, f"{verb}: {result.stderr}")
                        self.assertIn(name, lines[0])
                        self.assertNotIn("lock", os.listdir(s.state))
                    report(row)
                    if name == "state.json":  # the repair the error names
                        self.assertIn("state.json.bak is the state before the last change", lines[0])
                        shutil.copy(path + ".bak", path)
                        self.assertEqual(s.run("status").returncode, 0)
                    else:  # "fix the file": the ledger as it was
                        with open(path, "wb") as f:
                            f.write(good)
                    self.assertNotIn("boost", json.dumps(row["errors"]), "a library's source location in an error")
        image, commit = self.fresh_image()
        self.expect(s.deploy(image), 0, "deploy after the repair")
        self.assertEqual(faults.converged(s, commit, 2), [])


class SecretsManagerFails(unittest.TestCase):
    """moto's Secrets Manager behind a proxy that throttles, answers 500 or is down while a
    deploy, rollback or scale resolves the task definition's secrets: a transient failure is
    retried through, a lasting one changes nothing and says which secret could not be read."""

    @classmethod
    def setUpClass(cls):
        import boto3
        cls.moto, cls.moto_port = lib.start_moto()
        cls.aws = faults.FlakyAws(cls.moto_port)
        client = boto3.client("secretsmanager", endpoint_url=f"http://127.0.0.1:{cls.moto_port}",
                              region_name="us-east-1", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        suffix = os.urandom(3).hex()
        cls.db = client.create_secret(Name=f"slipway/app/db-{suffix}", SecretString="canary-db-password-7f3a")
        cls.key = client.create_secret(Name=f"slipway/app/key-{suffix}", SecretString="canary-api-key-91b2")

    @classmethod
    def tearDownClass(cls):
        cls.aws.down()
        cls.moto.stop()

    def setUp(self):
        self.stack = vm.Stack(bake_time="1s", health_interval="200ms", ready_timeout="6s", drain_delay="3s")
        self.addCleanup(self.stack.cleanup)
        self.addCleanup(self.aws.up if self.aws.server is None else (lambda: None))
        s = self.stack
        for name in ("DATABASE_PASSWORD", "API_KEY"):
            s.env.pop(name)
        s.env.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.aws.port}", "AWS_REGION": "us-east-1",
                      "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                      "DATABASE_PASSWORD_FROM": self.db["ARN"], "API_KEY_FROM": self.key["ARN"]})

    def expect(self, result, code, what):
        self.assertEqual(result.returncode, code, f"{what}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")

    @full_sweep_only
    def test_resolve_fails(self):
        s = self.stack
        self.aws.set("pass")
        first, second = faults.commit_of("sm-first"), faults.commit_of("sm-second")
        self.expect(s.deploy(s.image(first)), 0, "first deploy")
        # A few throttled answers: retried with backoff, the deploy goes through.
        self.aws.set("throttle", count=2)
        self.expect(s.deploy(s.image(second)), 0, "deploy through two throttled answers")
        self.assertIn("throttle", self.aws.requests)
        self.assertEqual(faults.converged(s, second, 2), [])

        cases = [("throttling storm", lambda: self.aws.set("throttle")),
                 ("500 InternalFailure", lambda: self.aws.set("500")),
                 ("Secrets Manager down", self.aws.down)]
        for fault, break_it in cases:
            for verb, args in (("deploy", ["deploy", "--image", s.image(faults.commit_of("sm-" + fault))]),
                               ("rollback", ["rollback"]), ("scale", ["scale", "3"])):
                with self.subTest(fault=fault, verb=verb):
                    before_state = faults.read_state(s)
                    before_history = s.history()
                    load = faults.Load(s)
                    try:
                        break_it()
                        result = s.run(*args)
                    finally:
                        if self.aws.server is None:
                            self.aws.up()
                        self.aws.set("pass")
                        requests, failed, output = load.stop()
                    lines = result.stderr.strip().splitlines()
                    report({"fault": fault, "point": f"{verb}: resolving secrets", "exit": result.returncode,
                            "requests": requests, "failed": failed, "error": lines[-1:]})
                    self.assertEqual(failed, 0, output)
                    self.assertNotEqual(result.returncode, 0, result.stderr)
                    self.assertIn("secret", lines[-1].lower(), result.stderr)
                    self.assertNotIn("canary", result.stderr + result.stdout)
                    # Nothing changed: same replicas, same ledger, no lock.
                    self.assertEqual(faults.read_state(s)["replicas"], before_state["replicas"])
                    self.assertEqual(s.history(), before_history)
                    self.assertEqual(faults.converged(s, second, 2), [])


if __name__ == "__main__":
    unittest.main()
