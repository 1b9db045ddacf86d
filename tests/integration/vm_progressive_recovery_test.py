# labels: vm
"""A CANARY deploy on the vm target (HAProxy, process engine) interrupted at its canary step.
A PRODUCTION_TRAFFIC_SHIFT hook holds the deploy at step 1 (the split already set) until the test
lets it go, so the test acts at a known point:
- HAProxy restarted there (reloaded, and stopped then started from STATE/haproxy.cfg with the
  command slipway starts it with) comes back with the step's weights, not weight 1 everywhere;
- the deploy killed there (SIGKILL): the next command, `slipway status`, puts all traffic back on
  the previous release, stops the canary and records the run rolled back (interrupted);
- `slipway rollback` there asks the deploy to roll back: the deploy exits 3 ("rollback
  requested") with all traffic back, and the rollback command exits 0 once it is."""

import json
import os
import signal
import socket
import subprocess
import time
import unittest

import slipway_testlib as lib
import vm_testlib as vm


class VmProgressiveRecovery(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="0s")
        self.addCleanup(self.stack.cleanup)
        s = self.stack
        self.at_step = os.path.join(s.dir, "at_step")
        self.go = os.path.join(s.dir, "go")
        # Holds the first production shift until the test creates `go` (hooks get no PATH).
        hold = f": > {self.at_step}; while [ ! -e {self.go} ]; do /bin/sleep 0.05; done"
        s.write_spec(bake_time="0s", health_interval="300ms", ready_timeout="6s", drain_delay="1s",
                     extra=f"  strategy_minute: 500ms\n  lifecycle_hooks:\n    hold: '{hold}'\n")
        service = os.path.join(s.dir, "deploy", "service.json")
        with open(service) as f:
            text = f.read()
        with open(service, "w") as f:
            f.write(text.replace('"deploymentConfiguration": {', '''"deploymentConfiguration": {
    "strategy": "CANARY", "bakeTimeInMinutes": 1,
    "canaryConfiguration": {"canaryPercent": 20, "canaryBakeTimeInMinutes": 2},
    "lifecycleHooks": [{"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:hold",
      "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}],'''))

    def deploy_to_the_canary_step(self, image):
        """Starts `slipway deploy IMAGE --output json`; returns it, held at step 1, and the step's
        traffic event."""
        s = self.stack
        proc = lib.Process([vm.slipway_binary(), "deploy", "--image", image, "--output", "json"],
                           env=dict(os.environ, **s.env), cwd=s.dir)
        self.addCleanup(proc.stop)
        lib.wait_until(lambda: os.path.exists(self.at_step), timeout=60, what="the canary step")
        events = [json.loads(line) for line in proc.output()[0].splitlines() if line.startswith("{")]
        step = [e for e in events if e["event"] == "traffic"][-1]
        return proc, step

    def admin(self, command):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(os.path.join(self.stack.state, "haproxy.sock"))
            sock.sendall(command.encode() + b"\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        return data.decode()

    def weights(self):
        """{server: (weight now, weight of the configuration)} of the backend's servers in use,
        from `show servers state` (srv_uweight, srv_iweight)."""
        lines = self.admin("show servers state app").splitlines()
        header = lines[1].lstrip("# ").split(" ")
        rows = [dict(zip(header, line.split(" "))) for line in lines[2:] if line.strip()]
        return {r["srv_name"]: (int(r["srv_uweight"]), int(r["srv_iweight"])) for r in rows
                if r["srv_addr"] != "127.0.0.1" or r["srv_port"] != "1"}

    def worker_pid(self):
        """The PID of the HAProxy worker answering the admin socket."""
        return next(line.split(": ")[1] for line in self.admin("show info").splitlines()
                    if line.startswith("Pid: "))

    def haproxy_pid(self):
        with open(os.path.join(self.stack.state, "haproxy.pid")) as f:
            return int(f.read().split()[0])

    def expected_weights(self, step):
        """{server: weight} the step set, by each replica's revision in `slipway status`."""
        replicas = self.stack.status()["replicas"]
        return {r["server"]: step["new_weight"] if r["revision"] == step["revision"] else step["old_weight"]
                for r in replicas}

    def test_haproxy_restarted_at_a_step_keeps_the_split(self):
        s = self.stack
        self.assertEqual(s.deploy(s.image(vm.sha("a"))).returncode, 0)
        proc, step = self.deploy_to_the_canary_step(s.image(vm.sha("b")))
        expected = self.expected_weights(step)
        self.assertNotIn(1, set(expected.values()), expected)  # 20 %: not the default weight
        self.assertEqual({k: v[0] for k, v in self.weights().items()}, expected)

        # A reload (what `systemctl reload haproxy` does): the master re-reads haproxy.cfg.
        master = self.haproxy_pid()
        worker = self.worker_pid()
        os.kill(master, signal.SIGUSR2)
        lib.wait_until(lambda: self.worker_pid() != worker and self.weights(), timeout=10,
                       what="the reloaded worker")
        self.assertEqual(self.weights(), {k: (v, v) for k, v in expected.items()})

        # Stopped, then started from the state directory's configuration as slipway starts it.
        os.kill(master, signal.SIGTERM)
        lib.wait_until(lambda: not os.path.exists(f"/proc/{master}"), timeout=10, what="HAProxy gone")
        config = os.path.join(s.state, "haproxy.cfg")
        subprocess.run(["haproxy", "-W", "-D", "-f", config], cwd=s.dir, check=True, timeout=30)
        lib.wait_until(lambda: self.weights(), timeout=10, what="the restarted HAProxy")
        self.assertEqual(self.weights(), {k: (v, v) for k, v in expected.items()})

        # The deploy goes on from there and finishes.
        open(self.go, "w").close()
        self.assertEqual(proc.wait(120), 0, proc.output())
        self.assertEqual(s.version()["commit"], vm.sha("b"))

    def serving_weights(self):
        """{server: weight} of the servers in use, from `show stat`."""
        lines = self.admin("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
        return {r["svname"]: int(r["weight"]) for r in rows
                if r["pxname"] == "app" and r["svname"] != "BACKEND" and not r["status"].startswith("MAINT")}

    def test_a_deploy_killed_at_a_step_is_rolled_back_by_the_next_command(self):
        s = self.stack
        self.assertEqual(s.deploy(s.image(vm.sha("a"))).returncode, 0)
        proc, _ = self.deploy_to_the_canary_step(s.image(vm.sha("b")))
        load = vm.Load(f"http://127.0.0.1:{s.port}/")
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the deploy and its hook, as `kill -9 -PGID`
            proc.wait(10)
            result = s.run("status")  # the next command
            self.assertEqual(result.returncode, 0, result.stderr)
        finally:
            counts = load.stop()
        self.assertEqual(counts["non_2xx"], 0, counts["output"])
        self.assertEqual(counts["socket_errors"], 0, counts["output"])
        self.assertIn("rollout: revision 2 CANARY rolled_back, stage PRODUCTION_TRAFFIC_SHIFT, step 1/2",
                      result.stdout)
        status = s.status()
        self.assertEqual(status["traffic"], [{"revision": 1, "share_percent": 100.0}])
        self.assertEqual({r["revision"] for r in status["replicas"]}, {1}, status["replicas"])
        self.assertEqual(set(self.serving_weights().values()), {1}, self.serving_weights())
        entry = s.history()[0]
        self.assertEqual((entry["revision"], entry["outcome"]), (2, "rolled_back"))
        self.assertIn("interrupted: `slipway deploy", entry["reason"])
        self.assertIn("all traffic back on revision 1", entry["reason"])
        self.assertEqual(s.version()["commit"], vm.sha("a"))

    def test_rollback_during_a_step_asks_the_deploy_to_roll_back(self):
        s = self.stack
        self.assertEqual(s.deploy(s.image(vm.sha("a"))).returncode, 0)
        proc, _ = self.deploy_to_the_canary_step(s.image(vm.sha("b")))
        # Another verb is still refused while the deploy holds the lock.
        self.assertEqual(s.run("scale", "2").returncode, 5)
        rollback = lib.Process([vm.slipway_binary(), "rollback", "--output", "json"],
                               env=dict(os.environ, **s.env), cwd=s.dir)
        self.addCleanup(rollback.stop)
        lib.wait_until(lambda: os.path.exists(os.path.join(s.state, "rollback-request")), timeout=30,
                       what="the rollback request")
        open(self.go, "w").close()  # the step's watch begins, and sees the request
        self.assertEqual(proc.wait(60), 3, proc.output())
        self.assertIn("rollback requested", proc.output()[0])
        self.assertEqual(rollback.wait(60), 0, rollback.output())
        result = json.loads(rollback.output()[0].splitlines()[-1])
        self.assertEqual((result["status"], result["revision"], result["aborted_revision"]),
                         ("succeeded", 1, 2), result)
        self.assertFalse(os.path.exists(os.path.join(s.state, "rollback-request")))
        status = s.status()
        self.assertEqual(status["traffic"], [{"revision": 1, "share_percent": 100.0}])
        self.assertEqual({r["revision"] for r in status["replicas"]}, {1}, status["replicas"])
        entry = s.history()[0]
        self.assertEqual((entry["revision"], entry["outcome"]), (2, "rolled_back"))
        self.assertIn("rollback requested", entry["reason"])
        self.assertEqual(s.version()["commit"], vm.sha("a"))


if __name__ == "__main__":
    unittest.main()
