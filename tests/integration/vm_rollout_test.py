# labels: vm
"""The vm target end to end with the plain-process engine (fast): real HAProxy, real service
binary, the `slipway` CLI. One operation per test, each on its own stack with release a already
serving and under wrk load throughout: a deploy of a new commit, a rollback, a release that
never gets healthy, one that crashes, one that turns unhealthy during the bake, kill -9 of a
replica, and history with prune; zero non-2xx responses and zero socket errors in each. Exit
codes: 0 succeeded, 3 rolled back."""

import concurrent.futures
import contextlib
import json
import os
import signal
import unittest

import slipway_testlib as lib
import vm_testlib as vm

A, B = vm.sha("a"), vm.sha("b")


class VmRolloutUnderLoad(unittest.TestCase):
    stacks = []

    @classmethod
    def tearDownClass(cls):
        # Every test's stack is stopped here, all at once: `slipway down` drains and stops for
        # ~3 s, so seven in a row would add ~20 s. An idle stack (two replicas, HAProxy) costs
        # the tests after it next to nothing, and none of them shares its ports or state.
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(cls.stacks) or 1) as pool:
            list(pool.map(lambda stack: stack.cleanup(), cls.stacks))

    def setUp(self):
        self.stack = vm.Stack(bake_time="2s")
        self.stacks.append(self.stack)
        # The starting point of every test, not what it tests: no bake.
        self.expect(self.stack.deploy(self.stack.image(A), "--bake-time", "0s"), 0, "first deploy")
        self.serving(A)

    def expect(self, result, code, what):
        self.assertEqual(result.returncode, code, f"{what}: exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")

    def serving(self, sha):
        return lib.wait_until(lambda: self.stack.version().get("commit") == sha, timeout=10,
                              what=f"release {sha[:8]} serving")

    @contextlib.contextmanager
    def under_load(self):
        """wrk against the listener for the block; no request may fail meanwhile."""
        load = vm.Load(f"http://127.0.0.1:{self.stack.port}/")
        try:
            yield
        finally:
            counts = load.stop()
        self.assertGreater(counts["requests"], 100, counts["output"])
        self.assertEqual(counts["non_2xx"], 0, counts["output"])
        self.assertEqual(counts["socket_errors"], 0, counts["output"])

    def test_deploy_of_a_new_commit(self):
        s = self.stack
        with self.under_load():
            result = s.deploy(s.image(B), "--output", "json")
            self.expect(result, 0, "deploy of b")
            self.serving(B)
        events = [json.loads(line) for line in result.stdout.splitlines()]
        kinds = [e["event"] for e in events]
        for kind in ("deploy_started", "task_PROVISIONING", "task_RUNNING", "switched", "bake_started",
                     "task_STOPPED", "deploy_succeeded", "result"):
            self.assertIn(kind, kinds)
        self.assertEqual(events[-1]["status"], "succeeded")
        # Lifecycle events in ECS's shape.
        with open(os.path.join(s.state, "events.jsonl")) as f:
            lifecycle = [json.loads(line) for line in f]
        self.assertTrue(all(e["detail-type"] == "ECS Task State Change" for e in lifecycle))
        self.assertIn("STOPPED", {e["detail"]["lastStatus"] for e in lifecycle})
        # Secrets reached the replicas' environment but not the state, ledger or events.
        for name in ("state.json", "releases.json", "events.jsonl", "haproxy.cfg"):
            with open(os.path.join(s.state, name)) as f:
                self.assertNotIn("canary-db-password", f.read(), name)

    def test_rollback_goes_to_the_last_good_release_without_a_rebuild(self):
        s = self.stack
        with self.under_load():
            self.expect(s.deploy(s.image(B), "--bake-time", "0s"), 0, "deploy of b")
            self.serving(B)
            self.expect(s.run("rollback"), 0, "rollback")
            self.serving(A)

    def test_a_release_that_never_gets_ready_trips_the_circuit_breaker(self):
        s = self.stack
        with self.under_load():
            result = s.deploy(s.image(vm.sha("c"), fault="unready"))
            self.expect(result, 3, "deploy of an unready release")
            self.assertIn("circuit breaker", result.stdout + result.stderr)
            self.assertEqual(s.version()["commit"], A)

    def test_a_release_that_crashes_at_start_is_rolled_back(self):
        s = self.stack
        with self.under_load():
            self.expect(s.deploy(s.image(vm.sha("d"), fault="crash")), 3, "deploy of a crashing release")
            self.assertEqual(s.version()["commit"], A)

    def test_a_release_unhealthy_during_the_bake_is_rolled_back_to_the_warm_previous_one(self):
        s = self.stack
        with self.under_load():
            result = s.deploy(s.image(vm.sha("e"), fault="unhealthy_after=1500ms"), "--bake-time", "8s")
            self.expect(result, 3, "deploy of a release that turns unhealthy")
            self.assertIn("bake", result.stdout)
            self.serving(A)

    def test_a_killed_replica_is_restarted_and_routed_around(self):
        s = self.stack
        with self.under_load():
            status = s.status()
            self.assertEqual(len(status["replicas"]), 2)
            victim = status["replicas"][0]["name"]
            with open(os.path.join(s.state, "replicas", victim, "pid")) as f:
                pid = int(f.read())
            os.kill(pid, signal.SIGKILL)
            lib.wait_until(lambda: any(r["name"] == victim and r["restarts"] >= 1 and r["haproxy_status"].startswith("UP")
                                       for r in s.status()["replicas"]), timeout=15, what="replica restarted and UP")

    def test_history_and_prune_keep_the_good_releases_and_drop_the_failed_ones(self):
        s = self.stack
        c = vm.sha("c")
        with self.under_load():
            self.expect(s.deploy(s.image(B), "--bake-time", "0s"), 0, "deploy of b")
            self.expect(s.deploy(s.image(c, fault="crash")), 3, "deploy of a crashing release")
        outcomes = [(r["commit"][:1], r["outcome"]) for r in reversed(s.history())]
        self.assertEqual(outcomes, [("a", "succeeded"), ("b", "succeeded"), ("c", "rolled_back")])
        # Pruning keeps the last good release (b, also what runs) and the previous release (a);
        # the failed release's image goes.
        result = s.run("prune", "--keep", "1", "--output", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["removed"], [f"app:{c}"])
        self.assertTrue(os.path.exists(os.path.join(s.state, "images", "app", A)))
        self.assertTrue(os.path.exists(os.path.join(s.state, "images", "app", B)))
        self.assertFalse(os.path.exists(os.path.join(s.state, "images", "app", c)))


if __name__ == "__main__":
    unittest.main()
