# labels: vm
"""Rollouts under tighter deploymentConfiguration limits than the default, with the process
engine and real HAProxy, under wrk: maximumPercent 150 rolls one replica at a time (the old
release cannot stay warm), and minimumHealthyPercent 50 / maximumPercent 100 stops an old replica
before each new one starts — so a failing release must bring the previous release back from the
ledger. Zero non-2xx, zero socket errors throughout."""

import json
import os
import unittest

import slipway_testlib as lib
import vm_testlib as vm


class VmLimits(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="1s")
        self.addCleanup(self.stack.cleanup)

    def limits(self, minimum, maximum):
        path = os.path.join(self.stack.dir, "deploy", "service.json")
        with open(path) as f:
            text = f.read()
        text = text.replace('"minimumHealthyPercent": 100', f'"minimumHealthyPercent": {minimum}')
        text = text.replace('"maximumPercent": 200', f'"maximumPercent": {maximum}')
        with open(path, "w") as f:
            f.write(text)

    def expect(self, result, code, what):
        self.assertEqual(result.returncode, code, f"{what}\n{result.stdout}\n{result.stderr}")

    def run_under_load(self, steps):
        load = vm.Load(f"http://127.0.0.1:{self.stack.port}/")
        try:
            steps()
        finally:
            counts = load.stop()
        self.assertGreater(counts["requests"], 500, counts["output"])
        self.assertEqual(counts["non_2xx"], 0, counts["output"])
        self.assertEqual(counts["socket_errors"], 0, counts["output"])

    def test_one_at_a_time_with_max_150(self):
        s = self.stack
        self.limits(100, 150)
        a, b = vm.sha("a"), vm.sha("b")
        self.expect(s.deploy(s.image(a)), 0, "first deploy")

        def steps():
            result = s.deploy(s.image(b), "--output", "json")
            self.expect(result, 0, "deploy b")
            events = [json.loads(line) for line in result.stdout.splitlines()]
            # Never more than 3 replicas: old ones stop as new ones come in.
            running, peak = 2, 2
            for e in events:
                if e["event"] == "task_PROVISIONING":
                    running += 1
                elif e["event"] == "task_STOPPED":
                    running -= 1
                peak = max(peak, running)
            self.assertEqual(peak, 3)
            self.assertFalse(any(e["event"] == "backup" for e in events))
            self.assertEqual(s.version()["commit"], b)
            self.expect(s.deploy(s.image(vm.sha("c"), fault="unready")), 3, "unready release")
            self.assertEqual(s.version()["commit"], b)
        self.run_under_load(steps)

    def test_previous_release_restored_after_it_was_scaled_down(self):
        s = self.stack
        self.limits(50, 100)
        a = vm.sha("a")
        self.expect(s.deploy(s.image(a)), 0, "first deploy")

        def steps():
            result = s.deploy(s.image(vm.sha("d"), fault="crash"))
            self.expect(result, 3, "crashing release")
            self.assertEqual(s.version()["commit"], a)
            status = s.status()
            self.assertEqual(len(status["replicas"]), 2)
            self.assertTrue(all(r["revision"] != 2 for r in status["replicas"]))
            self.assertTrue(all(r["haproxy_status"].startswith("UP") for r in status["replicas"]))
        self.run_under_load(steps)

    def test_timeout_restores_and_says_so(self):
        s = self.stack
        a = vm.sha("a")
        self.expect(s.deploy(s.image(a)), 0, "first deploy")

        def steps():
            # Never ready, and the deploy's own deadline comes before the replicas' ready timeout.
            result = s.deploy(s.image(vm.sha("f"), fault="unready"), "--timeout", "2s")
            self.expect(result, 4, "timed out deploy")
            self.assertIn("timed out", result.stdout)
            self.assertEqual(s.version()["commit"], a)
            self.assertEqual(s.history()[0]["outcome"], "timed_out")
        self.run_under_load(steps)


if __name__ == "__main__":
    unittest.main()
