# labels: vm
"""Bad input to the vm target: each is one clear line on stderr, a non-zero exit, and nothing
changed (the ledger and the serving release stay as they were)."""

import json
import os
import socket
import unittest

import slipway_testlib as lib
import vm_testlib as vm


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class VmBadInput(unittest.TestCase):
    def setUp(self):
        self.stack = vm.Stack(bake_time="0s")
        self.addCleanup(self.stack.cleanup)

    def expect_refused(self, result, code, fragment):
        self.assertEqual(result.returncode, code, f"stdout: {result.stdout}\nstderr: {result.stderr}")
        error_lines = [l for l in result.stderr.splitlines() if l.startswith("slipway: error:")]
        self.assertEqual(len(error_lines), 1, result.stderr)
        self.assertIn(fragment, error_lines[0])

    def ledger(self):
        path = os.path.join(self.stack.state, "releases.json")
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            return f.read()

    def test_refusals_before_anything_runs(self):
        s = self.stack
        image = s.image(vm.sha("a"))
        self.expect_refused(s.deploy("app:" + vm.sha("9")), 2, "is not in the process image store")
        self.expect_refused(s.deploy(f"app:{vm.sha('a')}-dirty"), 2, "dirty work tree")
        self.expect_refused(s.run("rollback"), 2, "nothing is deployed")
        # An unresolvable secret: the env:// reference names a variable that is not set.
        self.expect_refused(s.deploy(image, env={"DATABASE_PASSWORD_FROM": "env://SLIPWAY_NO_SUCH_VAR"}), 2,
                            "SLIPWAY_NO_SUCH_VAR")
        self.assertEqual(self.ledger(), "")

        # Template variable unset.
        taskdef = os.path.join(s.dir, "deploy", "taskdef.json")
        original = read(taskdef)
        write(taskdef, original.replace('"cpu": "256"', '"cpu": "${CPU_UNITS}"'))
        self.expect_refused(s.deploy(image), 2, "${CPU_UNITS} is not set")
        # Malformed JSON, with the line.
        write(taskdef, original.replace('"cpu": "256",', '"cpu": "256",,'))
        self.expect_refused(s.deploy(image), 2, "deploy/taskdef.json:5: malformed JSON")
        write(taskdef, original)
        # Malformed YAML.
        spec = os.path.join(s.dir, "slipway.yaml")
        good_spec = read(spec)
        write(spec, good_spec + "vm: [\n")
        self.expect_refused(s.deploy(image), 2, "malformed YAML")
        write(spec, good_spec.replace("bake_time", "bake_tme"))
        self.expect_refused(s.deploy(image), 2, "vm.bake_tme: unknown key")
        write(spec, good_spec)

        # deploymentConfiguration's strategy members with ECS's validation: a canary percentage
        # ECS refuses, and a lifecycle hook slipway.yaml gives no local command.
        service = os.path.join(s.dir, "deploy", "service.json")
        good_service = read(service)
        write(service, good_service.replace('"deploymentConfiguration": {', '''"deploymentConfiguration": {
            "strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.05},'''))
        self.expect_refused(s.deploy(image), 2, "deploy/service.json: deploymentConfiguration."
                            "canaryConfiguration.canaryPercent: 0.05 is not a multiple of 0.1")
        write(service, good_service.replace('"deploymentConfiguration": {', '''"deploymentConfiguration": {
            "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": [{
              "hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:smoke-test",
              "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}],'''))
        self.expect_refused(s.deploy(image), 2, "Lambda function smoke-test has no local command")
        write(service, good_service)

        # Port in use: the listener port is taken by someone else.
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", s.port))
            squatter.listen()
            self.expect_refused(s.deploy(image), 2, f"127.0.0.1:{s.port} is in use")
        self.assertEqual(self.ledger(), "")

        # A good deploy now, then a rollback with no earlier good release.
        self.assertEqual(s.deploy(image).returncode, 0)
        before = self.ledger()
        self.expect_refused(s.run("rollback"), 2, "no earlier good release")
        self.assertEqual(self.ledger(), before)

        # A concurrent deploy: the lock is held by a live process (this test).
        lock = os.path.join(s.state, "lock")
        with open(lock, "w") as f:
            json.dump({"pid": os.getpid(), "host": os.uname().nodename, "command": "slipway deploy app:other",
                       "started_at": 2000000000}, f)
        self.expect_refused(s.deploy(image), 5, "slipway deploy app:other")
        os.remove(lock)
        self.assertEqual(self.ledger(), before)
        self.assertEqual(s.version()["commit"], vm.sha("a"))

    def test_stale_lock_of_a_killed_run_is_taken_over(self):
        s = self.stack
        image = s.image(vm.sha("a"))
        os.makedirs(s.state, exist_ok=True)
        dead = lib.Process(["true"])
        dead.wait(5)
        with open(os.path.join(s.state, "lock"), "w") as f:
            json.dump({"pid": dead.pid, "host": os.uname().nodename, "command": "slipway deploy app:x",
                       "started_at": 1}, f)
        result = s.deploy(image)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("stale lock", result.stderr)


if __name__ == "__main__":
    unittest.main()
