# labels: vm
"""A deploy killed with SIGKILL in the middle of its bake (old release warm as HAProxy backups,
lock held by a dead PID): the next command detects the stale lock, takes it over, cleans up what
the dead run left (backups; its ledger entry becomes failed: interrupted) and converges,
all under wrk with zero non-2xx and zero socket errors."""

import json
import os
import signal
import subprocess
import unittest

import vm_testlib as vm


class VmKilledRun(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="30s")
        self.addCleanup(self.stack.cleanup)

    def test_kill_9_during_bake_then_redeploy(self):
        s = self.stack
        a, b = vm.sha("a"), vm.sha("b")
        self.assertEqual(s.deploy(s.image(a)).returncode, 0)
        load = vm.Load(f"http://127.0.0.1:{s.port}/")
        try:
            proc = s.deploy_until(s.image(b), "bake_started")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            status = s.status()
            self.assertTrue(any(r["backup"] for r in status["replicas"]), status)  # a, warm

            result = s.deploy(s.image(b), "--bake-time", "1s")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("stale lock", result.stderr)
            self.assertEqual(s.version()["commit"], b)
            replicas = s.status()["replicas"]
            self.assertEqual(len(replicas), 2)
            self.assertTrue(all(not r["backup"] and r["haproxy_status"].startswith("UP") for r in replicas), replicas)
            self.assertEqual({r["revision"] for r in replicas}, {3})
        finally:
            counts = load.stop()
        self.assertEqual(counts["non_2xx"], 0, counts["output"])
        self.assertEqual(counts["socket_errors"], 0, counts["output"])
        history = list(reversed(s.history()))
        self.assertEqual([r["outcome"] for r in history], ["succeeded", "failed", "succeeded"])
        self.assertIn("interrupted", history[1]["reason"])


if __name__ == "__main__":
    unittest.main()
