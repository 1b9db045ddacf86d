# labels: vm
"""The LINEAR step judge's tail, through the CLI with HAProxy and the process engine under three
loops of requests: the service file asks for LINEAR 50 % steps (stepBakeTimeInMinutes 6, one
minute = 500 ms here). Both the serving release and the new ones answer GET / in 10 ms. A new
release 2 % of whose requests take 80 ms more (FAULT_INJECT tail_latency) is slower only in its
tail: its p99 (~90 ms) is about 3x the previous release's as measured under this load on a busy
2-core machine (18-27 ms: the machine's own tail, which is why the tail here is not a nominal
3 x 10 ms), its mean 1.2x, which HAProxy's mean `rtime` cannot see. It is caught at step 1 from
HAProxy's per-request log and rolled back (exit 3, the reason naming p99); a good release under
the same load passes, judged on enough responses of both releases (no false breach)."""

import http.client
import json
import threading
import unittest

import vm_testlib as vm

BASE = "latency=10ms"
TAIL = "latency=10ms,tail_latency=2%:80ms"


class VmTailLatency(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="0s")
        self.addCleanup(self.stack.cleanup)
        s = self.stack
        s.write_spec(bake_time="0s", health_interval="300ms", ready_timeout="6s", drain_delay="2s",
                     extra="  strategy_minute: 500ms\n")
        service = f"{s.dir}/deploy/service.json"
        with open(service) as f:
            text = f.read()
        with open(service, "w") as f:
            f.write(text.replace('"deploymentConfiguration": {', '''"deploymentConfiguration": {
    "strategy": "LINEAR", "bakeTimeInMinutes": 2,
    "linearConfiguration": {"stepPercent": 50, "stepBakeTimeInMinutes": 6},'''))
        self.assertEqual(s.deploy(s.image(vm.sha("a"), fault=BASE)).returncode, 0)

    def under_load(self, action, threads=3):
        """Runs `action` while `threads` keep-alive loops send GET /; returns the action's result
        and every answer's status."""
        statuses = []
        stopping = threading.Event()

        def loop():
            conn = None
            while not stopping.is_set():
                try:
                    conn = conn or http.client.HTTPConnection("127.0.0.1", self.stack.port, timeout=5)
                    conn.request("GET", "/")
                    response = conn.getresponse()
                    response.read()
                    statuses.append(response.status)
                except (OSError, http.client.HTTPException):
                    statuses.append(0)
                    conn = None

        loops = [threading.Thread(target=loop) for _ in range(threads)]
        for t in loops:
            t.start()
        try:
            return action(), statuses
        finally:
            stopping.set()
            for t in loops:
                t.join()

    def step_events(self, result):
        events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        return [e for e in events if e["event"] == "step_judged"]

    def test_a_release_slower_only_in_its_tail_is_caught_at_step_1(self):
        s = self.stack
        result, statuses = self.under_load(
            lambda: s.deploy(s.image(vm.sha("c"), fault=TAIL), "--output", "json"))
        self.assertEqual(result.returncode, 3, result.stdout + result.stderr)
        self.assertEqual(set(statuses), {200}, "a request failed")
        step = s.history()[0]["steps"][0]
        print("step 1:", step)
        self.assertEqual((step["step"], step["verdict"], step["tail_judge"]), (1, "breached", True))
        self.assertRegex(step["reason"], r"^the new release's p99 response time is \d+ ms")
        self.assertIn(r"step 1/2 (50.0%): the new release's p99", result.stdout)
        # What the judge saw is what the fault makes: p99 at least twice the previous release's,
        # the mean (HAProxy's rtime, what the judge had before) within 1.3x.
        self.assertGreaterEqual(step["latency_samples"], 100)
        self.assertGreaterEqual(step["previous_latency_samples"], 100)
        self.assertGreater(step["p99_ms"], 2 * step["previous_p99_ms"])
        self.assertLess(step["mean_response_ms"], 1.3 * step["previous_mean_response_ms"], step)
        # The same figures went out as the step's event.
        judged = self.step_events(result)
        self.assertEqual([(e["step"], e["verdict"], e["p99_ms"]) for e in judged],
                         [(1, "breached", step["p99_ms"])])
        self.assertEqual(s.history()[0]["outcome"], "rolled_back")
        self.assertEqual(s.version()["commit"], vm.sha("a"))
        self.assertEqual(s.status()["traffic"], [{"revision": 1, "share_percent": 100.0}])

    def test_a_good_release_under_the_same_load_passes(self):
        s = self.stack
        result, statuses = self.under_load(
            lambda: s.deploy(s.image(vm.sha("b"), fault=BASE), "--output", "json"))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(set(statuses), {200}, "a request failed")
        steps = s.history()[0]["steps"]
        print("steps:", steps)
        self.assertEqual([st["verdict"] for st in steps], ["passed"] * 3)
        # Step 1 was judged on the tail, with enough responses on both sides to decide.
        first = steps[0]
        self.assertTrue(first["tail_judge"], first)
        self.assertGreaterEqual(first["latency_samples"], 100, first)
        self.assertGreaterEqual(first["previous_latency_samples"], 100, first)
        # From 100 % on the previous release serves nothing: the bake compares with step 1's.
        bake = steps[2]
        self.assertEqual(bake["stage"], "BAKE_TIME")
        self.assertTrue(bake.get("previous_latency_from_earlier_step"), bake)
        self.assertEqual(bake["previous_p99_ms"], first["previous_p99_ms"])
        self.assertEqual(s.version()["commit"], vm.sha("b"))


if __name__ == "__main__":
    unittest.main()
