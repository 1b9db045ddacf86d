# labels: vm
"""A release that passes its health checks but answers 5xx: the bake reads HAProxy's per-server
hrsp_5xx counters, sees the ratio above vm.bake_max_5xx_ratio and rolls back (exit 3). The
errors seen while it served are the breach itself, so this test counts them instead of asserting
zero; after the rollback every request succeeds again."""

import threading
import time
import unittest

import slipway_testlib as lib
import vm_testlib as vm


class VmBakeErrors(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="1s")
        self.addCleanup(self.stack.cleanup)

    def test_5xx_during_bake_rolls_back(self):
        s = self.stack
        a = vm.sha("a")
        self.assertEqual(s.deploy(s.image(a)).returncode, 0)
        statuses = []
        stopping = threading.Event()

        def traffic():
            while not stopping.is_set():
                try:
                    statuses.append(lib.http_get(s.port, "/")[0])
                except OSError:
                    statuses.append(0)
                time.sleep(0.01)

        thread = threading.Thread(target=traffic)
        thread.start()
        try:
            result = s.deploy(s.image(vm.sha("f"), fault="errors"), "--bake-time", "20s")
        finally:
            stopping.set()
            thread.join()
        self.assertEqual(result.returncode, 3, result.stdout + result.stderr)
        self.assertIn("5xx rate", result.stdout)
        self.assertIn(500, statuses)          # the bad release did serve errors...
        self.assertNotIn(0, statuses)         # ...but no connection ever failed
        self.assertEqual(s.version()["commit"], a)
        self.assertTrue(all(lib.http_get(s.port, "/")[0] == 200 for _ in range(20)))
        self.assertEqual(s.history()[0]["outcome"], "rolled_back")


if __name__ == "__main__":
    unittest.main()
