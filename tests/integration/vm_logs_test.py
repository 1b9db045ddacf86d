# labels: vm
"""`slipway logs` on the vm target: every replica's lines, each prefixed with the replica's name,
at most --tail N of them per replica; and --follow, which keeps printing the lines replicas write
after it started (the access lines of requests sent meanwhile) until it is stopped."""

import json
import os
import uuid
import unittest

import slipway_testlib as lib
import vm_testlib as vm


class VmLogs(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="1s")
        self.addCleanup(self.stack.cleanup)
        result = self.stack.deploy(self.stack.image(vm.sha("a")))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.replicas = {r["name"] for r in self.stack.status()["replicas"]}
        self.assertEqual(len(self.replicas), 2)

    def log_lines(self, text):
        """(replica, parsed JSON line) for each "NAME | {json}" line of `slipway logs` output."""
        lines = []
        for line in text.splitlines():
            name, separator, payload = line.partition(" | ")
            self.assertEqual(separator, " | ", f"line without a replica prefix: {line!r}")
            lines.append((name, json.loads(payload)))
        return lines

    def test_tail_prints_the_last_lines_of_every_replica(self):
        result = self.stack.run("logs", "--tail", "2")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = self.log_lines(result.stdout)
        self.assertEqual({name for name, _ in lines}, self.replicas)
        for replica in self.replicas:
            self.assertLessEqual(sum(1 for name, _ in lines if name == replica), 2)
        everything = self.log_lines(self.stack.run("logs", "--tail", "0").stdout)
        self.assertGreater(len(everything), len(lines))
        self.assertTrue(any(line["msg"] == "listening" for _, line in everything), everything[:5])

    def test_follow_prints_lines_written_after_it_started(self):
        env = dict(os.environ, **self.stack.env)
        follower = lib.Process([vm.slipway_binary(), "logs", "--follow", "--tail", "1"], env=env,
                               cwd=self.stack.dir)
        self.addCleanup(follower.stop)
        lib.wait_until(lambda: len(follower.output()[0].splitlines()) >= 2, timeout=30,
                       what="the first lines of every replica")
        path = f"/follow-{uuid.uuid4().hex}"
        for _ in range(6):  # round-robin: both replicas log some
            self.assertEqual(lib.http_get(self.stack.port, path)[0], 404)

        def access_lines():
            return [(name, line) for name, line in self.log_lines(follower.output()[0])
                    if line.get("path") == path]

        lib.wait_until(lambda: len(access_lines()) == 6, timeout=30, what="the six access lines")
        self.assertEqual({name for name, _ in access_lines()}, self.replicas)
        self.assertTrue(all(line["status"] == 404 for _, line in access_lines()))
        self.assertTrue(follower.running(), "--follow exited on its own")
        code, _, err = follower.stop()  # SIGTERM: how a follow ends, quietly
        self.assertEqual(code, 130, err)
        self.assertNotIn("error", err.lower())


if __name__ == "__main__":
    unittest.main()
