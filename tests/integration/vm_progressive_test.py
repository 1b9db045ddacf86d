# labels: vm
"""LINEAR / CANARY on the vm target, through the CLI with HAProxy and the process engine, under a
loop of requests: the service file asks for CANARY 20 % (canaryBakeTimeInMinutes 2, one minute =
500 ms here). A good release takes about a fifth of the requests during the canary step, then all
of them, with no failed request; a release whose GET / answers 500 is caught during its canary
step from HAProxy's own counters, every request goes back to the previous release in one runtime
command, and the deploy exits 3 with the previous release serving."""

import calendar
import json
import os
import re
import socket
import threading
import time
import unittest

import slipway_testlib as lib
import vm_testlib as vm


class VmProgressive(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="0s")
        self.addCleanup(self.stack.cleanup)
        s = self.stack
        # A hook at every production shift asks `slipway status` while the deploy holds the lock.
        self.status_log = os.path.join(s.dir, "status.jsonl")
        s.write_spec(bake_time="0s", health_interval="300ms", ready_timeout="6s", drain_delay="2s",
                     extra=f"  strategy_minute: 500ms\n  lifecycle_hooks:\n"
                           f"    status: {vm.slipway_binary()} status --output json >> {self.status_log}\n")
        service = os.path.join(s.dir, "deploy", "service.json")
        with open(service) as f:
            text = f.read()
        with open(service, "w") as f:
            f.write(text.replace('"deploymentConfiguration": {', '''"deploymentConfiguration": {
    "strategy": "CANARY", "bakeTimeInMinutes": 1,
    "canaryConfiguration": {"canaryPercent": 20, "canaryBakeTimeInMinutes": 2},
    "lifecycleHooks": [{"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:status",
      "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}],'''))

    def under_traffic(self, action):
        """Runs `action` while a loop sends GET / (one connection per request); returns the
        action's result and (time, status, commit served) for every request."""
        answers = []
        stopping = threading.Event()

        def traffic():
            while not stopping.is_set():
                try:
                    status, _, body = lib.http_get(self.stack.port, "/")
                    served = re.search(rb"release (\w+)", body)
                    answers.append((time.monotonic(), status, served.group(1).decode() if served else ""))
                except OSError:
                    answers.append((time.monotonic(), 0, ""))
                time.sleep(0.003)

        thread = threading.Thread(target=traffic)
        thread.start()
        try:
            return action(), answers
        finally:
            stopping.set()
            thread.join()

    def test_a_good_canary_takes_its_share_then_everything(self):
        s = self.stack
        a, b = vm.sha("a"), vm.sha("b")
        self.assertEqual(s.deploy(s.image(a)).returncode, 0)
        result, answers = self.under_traffic(lambda: s.deploy(s.image(b), "--output", "json"))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual({status for _, status, _ in answers}, {200}, "a request failed")
        events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        steps = [e for e in events if e["event"] == "traffic"]
        self.assertEqual([(e["step"], e["new_share_percent"]) for e in steps], [(1, 20.0), (2, 100.0)])
        stages = [e["stage"] for e in events if e["event"] == "stage"]
        self.assertEqual(stages[:4], ["PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
                                      "POST_TEST_TRAFFIC_SHIFT"])
        self.assertIn("BAKE_TIME", stages)
        self.assertEqual(stages[-1], "CLEAN_UP")
        # During the canary step (between the two shifts) b took about a fifth of the requests.
        shares = self.shares_between(answers, steps)
        print("canary step answers:", shares)
        self.assertGreater(shares["total"], 40, shares)
        self.assertGreater(shares[b], 0.08 * shares["total"], shares)
        self.assertLess(shares[b], 0.35 * shares["total"], shares)
        self.assertEqual(s.version()["commit"], b)
        self.assertEqual(s.history()[0]["outcome"], "succeeded")
        # Live, from the hooks: the split from HAProxy's weights and the stage from the ledger.
        with open(self.status_log) as f:
            live = [json.loads(line) for line in f]
        self.assertEqual(len(live), 2, live)
        self.assertEqual(live[0]["traffic"], [{"revision": 2, "share_percent": 20.0},
                                              {"revision": 1, "share_percent": 80.0}])
        self.assertEqual(live[1]["traffic"], [{"revision": 2, "share_percent": 100.0}])
        for document in live:
            self.assertEqual((document["rollout"]["revision"], document["rollout"]["strategy"],
                              document["rollout"]["stage"], document["rollout"]["outcome"]),
                             (2, "CANARY", "PRODUCTION_TRAFFIC_SHIFT", "in_progress"))
        # The ledger keeps the strategy, every step with its weights and figures, and the verdict.
        entry = s.history()[0]
        self.assertEqual((entry["strategy"], entry["stage"]), ("CANARY", "CLEAN_UP"))
        self.assertEqual([(st.get("step"), st["new_share_percent"], st["verdict"]) for st in entry["steps"]],
                         [(1, 20.0, "passed"), (2, 100.0, "passed"), (None, 100.0, "passed")])
        self.assertGreater(entry["steps"][0]["responses"], 5, entry["steps"][0])
        self.assertEqual(entry["steps"][0]["responses_5xx"], 0)
        replicas = s.status()["replicas"]
        self.assertEqual({(r["revision"], r["backup"]) for r in replicas}, {(2, False)}, replicas)
        self.assertEqual(len(replicas), 2)

    def shares_between(self, answers, steps):
        """Counts the answers per commit between the first and second traffic step, by the
        deploy's own event times mapped onto the loop's clock through wall time."""
        first = wall(steps[0]["time"])
        second = wall(steps[1]["time"])
        offset = time.time() - time.monotonic()
        counts = {"total": 0}
        for at, _, served in answers:
            if first + 0.3 <= at + offset <= second:  # 0.3 s: requests in flight at the shift
                counts["total"] += 1
                counts[served] = counts.get(served, 0) + 1
        counts.setdefault(vm.sha("b"), 0)
        return counts

    def test_a_canary_answering_500_is_caught_and_all_traffic_goes_back(self):
        s = self.stack
        a, c = vm.sha("a"), vm.sha("c")
        self.assertEqual(s.deploy(s.image(a)).returncode, 0)
        result, answers = self.under_traffic(lambda: s.deploy(s.image(c, fault="errors")))
        self.assertEqual(result.returncode, 3, result.stdout + result.stderr)
        self.assertRegex(result.stderr, r"step 1/2 \(20\.0%\): \d+ of \d+ responses of the new "
                                        r"release were 5xx")
        self.assertIn("all traffic back on revision 1", result.stderr)
        failed = [at for at, status, _ in answers if status != 200]
        print("failed:", len(failed), "of", len(answers))
        self.assertGreater(len(failed), 0, "the canary took no request")
        # Only the canary's slice failed, and only until the judge saw it.
        self.assertLess(len(failed), 0.35 * len(answers), len(answers))
        last_failure = max(failed)
        after = [status for at, status, _ in answers if at > last_failure]
        self.assertGreater(len(after), 10)
        self.assertEqual(s.version()["commit"], a)
        self.assertEqual(s.history()[0]["outcome"], "rolled_back")
        self.assertEqual(s.history()[0]["steps"][0]["verdict"], "breached")
        status = s.status()
        self.assertEqual(status["traffic"], [{"revision": 1, "share_percent": 100.0}])
        replicas = status["replicas"]
        self.assertEqual({(r["revision"], r["backup"]) for r in replicas}, {(1, False)}, replicas)
        # The previous release's servers are back at the default weight, the canary's slots at 0.
        weights = {row["svname"]: (row["status"], row["weight"]) for row in self.show_stat()
                   if row["pxname"] == "app" and row["svname"] != "BACKEND"}
        serving = {r["server"] for r in replicas}
        self.assertEqual({r["weight"] for r in replicas}, {1}, replicas)
        self.assertEqual({weights[name] for name in serving}, {("UP", "1")}, weights)

    def show_stat(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(os.path.join(self.stack.state, "haproxy.sock"))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        return [dict(zip(header, line.split(","))) for line in lines[1:] if line]


def wall(iso):
    """Seconds since the epoch of a "YYYY-MM-DDTHH:MM:SS.mmmZ" event time."""
    main, fraction = iso.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) + int(fraction) / 1000


if __name__ == "__main__":
    unittest.main()
