# labels: vm
"""The vm target end to end with the plain-process engine (fast): real HAProxy, real service
binary, the `slipway` CLI. Under one wrk load through every operation: a first deploy, a deploy
of a new commit, a rollback, a release that never gets healthy, one that crashes, one that turns
unhealthy during the bake, and kill -9 of a replica; zero non-2xx responses and zero socket
errors. Exit codes: 0 succeeded, 3 rolled back."""

import json
import os
import signal
import unittest

import slipway_testlib as lib
import vm_testlib as vm


class VmRolloutUnderLoad(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="2s")
        self.addCleanup(self.stack.cleanup)

    def expect(self, result, code, what):
        self.assertEqual(result.returncode, code, f"{what}: exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")

    def serving(self, sha):
        return lib.wait_until(lambda: self.stack.version().get("commit") == sha, timeout=10,
                              what=f"release {sha[:8]} serving")

    def test_everything_under_load(self):
        s = self.stack
        a, b = vm.sha("a"), vm.sha("b")
        image_a, image_b = s.image(a), s.image(b)
        self.expect(s.deploy(image_a), 0, "first deploy")
        self.serving(a)

        load = vm.Load(f"http://127.0.0.1:{s.port}/")
        try:
            # A new commit.
            result = s.deploy(image_b, "--output", "json")
            self.expect(result, 0, "deploy of b")
            events = [json.loads(line) for line in result.stdout.splitlines()]
            kinds = [e["event"] for e in events]
            for kind in ("deploy_started", "task_PROVISIONING", "task_RUNNING", "switched", "bake_started",
                         "task_STOPPED", "deploy_succeeded", "result"):
                self.assertIn(kind, kinds)
            self.assertEqual(events[-1]["status"], "succeeded")
            self.serving(b)

            # Rollback goes to the last good release, a, without a rebuild.
            self.expect(s.run("rollback"), 0, "rollback")
            self.serving(a)

            # Never healthy: circuit breaker, previous release restored, exit code 3.
            result = s.deploy(s.image(vm.sha("c"), fault="unready"))
            self.expect(result, 3, "deploy of an unready release")
            self.assertIn("circuit breaker", result.stdout + result.stderr)
            self.assertEqual(s.version()["commit"], a)

            # Crashes at start: the same.
            self.expect(s.deploy(s.image(vm.sha("d"), fault="crash")), 3, "deploy of a crashing release")
            self.assertEqual(s.version()["commit"], a)

            # Healthy at first, unhealthy during the bake: rolled back to the warm previous release.
            result = s.deploy(s.image(vm.sha("e"), fault="unhealthy_after=1500ms"), "--bake-time", "8s")
            self.expect(result, 3, "deploy of a release that turns unhealthy")
            self.assertIn("bake", result.stdout)
            self.serving(a)

            # kill -9 of one replica's process: restarted, traffic routed around it.
            status = s.status()
            self.assertEqual(len(status["replicas"]), 2)
            victim = status["replicas"][0]["name"]
            pid = int(open(os.path.join(s.state, "replicas", victim, "pid")).read())
            os.kill(pid, signal.SIGKILL)
            lib.wait_until(lambda: any(r["name"] == victim and r["restarts"] >= 1 and r["haproxy_status"].startswith("UP")
                                       for r in s.status()["replicas"]), timeout=15, what="replica restarted and UP")
        finally:
            counts = load.stop()
        self.assertGreater(counts["requests"], 1000, counts["output"])
        self.assertEqual(counts["non_2xx"], 0, counts["output"])
        self.assertEqual(counts["socket_errors"], 0, counts["output"])

        outcomes = [(r["commit"][:1], r["outcome"]) for r in reversed(s.history())]
        self.assertEqual(outcomes, [("a", "succeeded"), ("b", "succeeded"), ("a", "succeeded"),
                                    ("c", "rolled_back"), ("d", "rolled_back"), ("e", "rolled_back")])
        # Pruning keeps the last good release, what runs and the previous release; the failed
        # releases' images go.
        result = s.run("prune", "--keep", "1", "--output", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        removed = json.loads(result.stdout)["removed"]
        self.assertEqual(sorted(removed), [f"app:{vm.sha(c)}" for c in "cde"])
        self.assertTrue(os.path.exists(os.path.join(s.state, "images", "app", a)))
        self.assertTrue(os.path.exists(os.path.join(s.state, "images", "app", b)))
        self.assertFalse(os.path.exists(os.path.join(s.state, "images", "app", vm.sha("c"))))
        # Lifecycle events in ECS's shape.
        with open(os.path.join(s.state, "events.jsonl")) as f:
            events = [json.loads(line) for line in f]
        self.assertTrue(all(e["detail-type"] == "ECS Task State Change" for e in events))
        self.assertIn("STOPPED", {e["detail"]["lastStatus"] for e in events})
        # Secrets reached the replicas' environment but not the state, ledger or events.
        for name in ("state.json", "releases.json", "events.jsonl", "haproxy.cfg"):
            with open(os.path.join(s.state, name)) as f:
                self.assertNotIn("canary-db-password", f.read(), name)


if __name__ == "__main__":
    unittest.main()
