# labels: vm
"""Ctrl-C (SIGINT) during a deploy's bake, with the process engine and HAProxy: the deploy puts
the previous release back (its warm backups promoted, the new replicas stopped), records a
terminal outcome in the ledger, releases the state lock and exits 130; under wrk nothing is lost."""

import os
import signal
import unittest

import vm_testlib as vm


class VmInterrupt(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="60s")
        self.addCleanup(self.stack.cleanup)

    def test_sigint_during_bake_restores_the_previous_release(self):
        s = self.stack
        a, b = vm.sha("a"), vm.sha("b")
        self.assertEqual(s.deploy(s.image(a)).returncode, 0)
        load = vm.Load(f"http://127.0.0.1:{s.port}/")
        try:
            proc = s.deploy_until(s.image(b), "bake_started")
            proc.signal(signal.SIGINT)
            self.assertEqual(proc.wait(60), 130, proc.output())
            self.assertEqual(s.version()["commit"], a)
            replicas = s.status()["replicas"]
            self.assertEqual({r["revision"] for r in replicas}, {1}, replicas)
            self.assertTrue(all(not r["backup"] and r["haproxy_status"].startswith("UP") for r in replicas),
                            replicas)
        finally:
            counts = load.stop()
        self.assertFalse(os.path.exists(os.path.join(s.state, "lock")))
        history = list(reversed(s.history()))
        self.assertEqual([r["outcome"] for r in history], ["succeeded", "rolled_back"])
        self.assertIn("interrupted by SIGINT", history[1]["reason"])
        self.assertEqual(counts["non_2xx"], 0, counts["output"])
        self.assertEqual(counts["socket_errors"], 0, counts["output"])
        # The next command takes the lock at once (nothing stale to take over).
        result = s.deploy(s.image(b), "--bake-time", "1s")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("stale lock", result.stderr)


if __name__ == "__main__":
    unittest.main()
