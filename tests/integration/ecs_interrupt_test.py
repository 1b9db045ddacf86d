# labels: aws moto ecs
"""Hazards of the ECS target's lock and outcome tags, against moto (IAM auth on), each checked
with the AWS CLI:

- SIGINT or SIGTERM while slipway follows a deployment ends the command with exit 130 and
  releases the service's lock tag (before, the signal killed the process and the tag stayed for
  up to ~35 minutes, refusing every deploy meanwhile).
- A rollback whose UpdateService is refused leaves the current revision's outcome alone (before,
  it was tagged rolled_back first, so a later rollback skipped a release that never moved).

moto never completes a deployment (docs/platform-notes.md), so a deploy with long timeouts polls
until it is interrupted."""

import json
import os
import signal
import unittest

from ecs_moto_test import (DEPLOYER_POLICY, REGISTRY, SHA1, SHA2, EcsMoto, create_infrastructure,
                           make_service_dir, run_slipway, service_task_definition, tags_of,
                           var_flags)
from slipway_testlib import Process, binary, wait_until

SLIPWAY = binary("src", "cli", "slipway")
INTERRUPTED, AWS_ERROR = 130, 7
LOCK_TAG = "slipway:lock"
# The deployer's rights except UpdateService: the rollback reaches the call and is refused there.
NO_UPDATE_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Resource": "*",
    "Action": [a for a in DEPLOYER_POLICY["Statement"][0]["Action"] if a != "ecs:UpdateService"]}]}


class EcsInterrupt(unittest.TestCase):
    # One moto for the class; no test relies on what another left behind: each deploys what it
    # needs and checks only what it did.
    @classmethod
    def setUpClass(cls):
        cls.moto = EcsMoto().start()
        cls.outputs = create_infrastructure(cls.moto)
        cls.spec = os.path.join(make_service_dir(), "slipway.yaml")
        cls.service_arn = cls.moto.aws("ecs", "describe-services", "--cluster", "slipway-test",
                                       "--services", "app")["services"][0]["serviceArn"]

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def deploy_no_wait(self, sha):
        result = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image",
                              f"{REGISTRY}/app:{sha}", "--no-wait", *var_flags(self.outputs),
                              "-o", "json"], self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout.splitlines()[-1])["result"]["task_definition"]

    def interrupt_a_following_deploy(self, argv, signum):
        with Process([SLIPWAY, *argv, "--spec", self.spec, "--image", f"{REGISTRY}/app:{SHA1}",
                      "--timeout", "10m", *var_flags(self.outputs)], env=self.moto.env()) as run:
            # Following: the lock is taken and the deployment started.
            wait_until(lambda: "started on slipway-test/app" in run.output()[0]
                       or not run.running(), timeout=60, what="the deploy to follow")
            self.assertTrue(run.running(), run.output())
            self.assertIn(LOCK_TAG, tags_of(self.moto, self.service_arn))
            run.signal(signum)
            code = run.wait(timeout=60)
            out, err = run.output()
        self.assertEqual(code, INTERRUPTED, out + err)
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))
        name = signal.Signals(signum).name
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertRegex(err, f"^slipway: error: interrupted by {name} while following "
                              "deployment [^ ]+\n$")
        self.assertIn("ECS carries on with it", out)

    def test_sigint_during_a_deploy_releases_the_lock_and_exits_130(self):
        self.interrupt_a_following_deploy(["deploy"], signal.SIGINT)

    def test_sigterm_during_a_deploy_releases_the_lock_and_exits_130(self):
        self.interrupt_a_following_deploy(["deploy"], signal.SIGTERM)

    def test_a_refused_rollback_marks_nothing_rolled_back(self):
        good = self.deploy_no_wait(SHA1)
        self.moto.aws("ecs", "tag-resource", "--resource-arn", good, "--tags",
                      "key=slipway:outcome,value=succeeded")
        current = self.deploy_no_wait(SHA2)
        if "no-update" not in self.moto.users:
            self.moto._user("no-update", NO_UPDATE_POLICY)
        result = run_slipway(["rollback", "--spec", self.spec], self.moto.env("no-update"))
        self.assertEqual(result.returncode, AWS_ERROR, result.stdout + result.stderr)
        self.assertIn("UpdateService", result.stderr)
        self.assertEqual(service_task_definition(self.moto), current)  # nothing moved...
        self.assertEqual(tags_of(self.moto, current)["slipway:outcome"], "in_progress")  # ...or marked
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))


if __name__ == "__main__":
    unittest.main()
