# labels: vm
"""BLUE_GREEN on the vm target, through the CLI with HAProxy and the process engine: the service
file's deploymentConfiguration asks for it (bakeTimeInMinutes 2, one minute = 500 ms here) with
a lifecycle hook at POST_SCALE_UP and POST_PRODUCTION_TRAFFIC_SHIFT that asks the listener which
release serves. Green stands up beside blue without production traffic, production switches at
once with no failed request, and a hook that fails before the switch leaves blue serving
(exit 3)."""

import os
import threading
import time
import unittest

import slipway_testlib as lib
import vm_testlib as vm


class VmBlueGreen(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="0s")
        self.addCleanup(self.stack.cleanup)
        s = self.stack
        self.hooks_log = os.path.join(s.dir, "hooks.log")
        # The hook: which commit the listener serves now, and the stage it ran at; it fails for
        # the release named in FAIL_FOR.
        script = os.path.join(s.dir, "smoke_hook.py")
        with open(script, "w") as f:
            f.write(f"""import json, os, sys, urllib.request
served = json.load(urllib.request.urlopen("http://127.0.0.1:{s.port}/version"))["commit"]
stage = os.environ["SLIPWAY_LIFECYCLE_STAGE"]
if stage == "POST_TEST_TRAFFIC_SHIFT":  # production and the test listener, side by side
    test = json.load(urllib.request.urlopen(os.environ["SLIPWAY_TEST_LISTENER"] + "version"))["commit"]
    served += " test " + test
with open({self.hooks_log!r}, "a") as log:
    log.write(stage + " " + os.environ["SLIPWAY_RELEASE"] + " serving " + served + "\\n")
print("smoke: " + served + " serves")
sys.exit(3 if os.environ["SLIPWAY_RELEASE"] == os.environ.get("FAIL_FOR") else 0)
""")
        self.test_port = lib.free_port()
        s.write_spec(bake_time="0s", health_interval="300ms", ready_timeout="6s", drain_delay="2s",
                     extra=f"  test_listener: {{address: 127.0.0.1, port: {self.test_port}}}\n"
                           f"  strategy_minute: 500ms\n  lifecycle_hooks:\n"
                           f"    smoke: python3 {script}\n")
        service = os.path.join(s.dir, "deploy", "service.json")
        with open(service) as f:
            text = f.read()
        with open(service, "w") as f:
            f.write(text.replace('"deploymentConfiguration": {', '''"deploymentConfiguration": {
    "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2,
    "lifecycleHooks": [{"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:smoke",
      "roleArn": "arn:aws:iam::123456789012:role/ecs-hooks",
      "lifecycleStages": ["POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT",
                          "POST_PRODUCTION_TRAFFIC_SHIFT"]}],'''))

    def hook_lines(self):
        if not os.path.exists(self.hooks_log):
            return []
        with open(self.hooks_log) as f:
            return f.read().splitlines()

    def under_traffic(self, action):
        statuses = []
        stopping = threading.Event()

        def traffic():
            while not stopping.is_set():
                try:
                    statuses.append(lib.http_get(self.stack.port, "/")[0])
                except OSError:
                    statuses.append(0)
                time.sleep(0.005)

        thread = threading.Thread(target=traffic)
        thread.start()
        try:
            return action(), statuses
        finally:
            stopping.set()
            thread.join()

    def test_green_beside_blue_then_one_switch_without_a_failed_request(self):
        s = self.stack
        a, b = vm.sha("a"), vm.sha("b")
        first = s.deploy(s.image(a))
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(self.hook_lines(), [], "a first deploy has no blue: no hook runs")
        result, statuses = self.under_traffic(lambda: s.deploy(s.image(b)))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        # Green was up, healthy and not serving at POST_SCALE_UP; serving after the switch.
        # At POST_TEST_TRAFFIC_SHIFT production still served blue and the test listener green.
        self.assertEqual(self.hook_lines(), [f"POST_SCALE_UP {b} serving {a}",
                                             f"POST_TEST_TRAFFIC_SHIFT {b} serving {a} test {b}",
                                             f"POST_PRODUCTION_TRAFFIC_SHIFT {b} serving {b}"])
        # After the production shift the test listener has no server left.
        self.assertEqual(lib.http_get(self.test_port, "/version")[0], 503)
        self.assertGreater(len(statuses), 50)
        self.assertEqual(set(statuses), {200}, "a request failed during the switch")
        self.assertEqual(s.version()["commit"], b)
        for stage in ["PRE_SCALE_UP (BLUE_GREEN)", "PRODUCTION_TRAFFIC_SHIFT (BLUE_GREEN)",
                      "BAKE_TIME (BLUE_GREEN)", "CLEAN_UP (BLUE_GREEN)"]:
            self.assertIn(stage, result.stderr)
        self.assertIn("baking for 1s", result.stderr)  # bakeTimeInMinutes 2 x 500 ms
        self.assertIn("smoke at POST_SCALE_UP: SUCCEEDED", result.stderr)
        self.assertEqual(s.history()[0]["outcome"], "succeeded")
        self.assertEqual(len(s.status()["replicas"]), 2)

    def test_a_failing_hook_before_the_switch_leaves_blue_serving(self):
        s = self.stack
        a, c = vm.sha("a"), vm.sha("c")
        self.assertEqual(s.deploy(s.image(a)).returncode, 0)
        result, statuses = self.under_traffic(
            lambda: s.deploy(s.image(c), env={"FAIL_FOR": c}))
        self.assertEqual(result.returncode, 3, result.stdout + result.stderr)
        self.assertIn("lifecycle hook smoke at POST_SCALE_UP exited 3", result.stdout + result.stderr)
        self.assertEqual(self.hook_lines(), [f"POST_SCALE_UP {c} serving {a}"])
        self.assertEqual(set(statuses), {200})
        self.assertEqual(s.version()["commit"], a)
        self.assertEqual(s.history()[0]["outcome"], "rolled_back")
        replicas = s.status()["replicas"]
        self.assertEqual(len(replicas), 2)
        self.assertEqual({(r["revision"], r["backup"]) for r in replicas}, {(1, False)}, replicas)


if __name__ == "__main__":
    unittest.main()
