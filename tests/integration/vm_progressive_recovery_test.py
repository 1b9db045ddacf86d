# labels: vm
"""A CANARY deploy on the vm target (HAProxy, process engine) interrupted at its canary step.
A PRODUCTION_TRAFFIC_SHIFT hook holds the deploy at step 1 (the split already set) until the test
lets it go, so the test acts at a known point:
- HAProxy restarted there (reloaded, and stopped then started from STATE/haproxy.cfg with the
  command slipway starts it with) comes back with the step's weights, not weight 1 everywhere."""

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


if __name__ == "__main__":
    unittest.main()
