# labels: aws moto ecs
"""Hazards of the ECS target's lock and outcome tags, against moto (IAM auth on), each checked
with the AWS CLI:

- SIGINT or SIGTERM while slipway follows a deployment ends the command with exit 130 and
  releases the service's lock tag (before, the signal killed the process and the tag stayed for
  up to ~35 minutes, refusing every deploy meanwhile).
- A rollback whose UpdateService is refused leaves the current revision's outcome alone (before,
  it was tagged rolled_back first, so a later rollback skipped a release that never moved).
- slipway.yaml's ecs.endpoint is the last resort: AWS_ENDPOINT_URL_<SERVICE> still sends that
  service elsewhere (before, the spec's endpoint overrode it for every service but ECS).

moto never completes a deployment (docs/platform-notes.md), so a deploy with long timeouts polls
until it is interrupted."""

import http.server
import json
import os
import signal
import textwrap
import threading
import time
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
        return json.loads(result.stdout.splitlines()[-1])["task_definition"]

    def interrupt_a_following_deploy(self, argv, signum, progress):
        """Runs `argv` until it follows the deployment (progress on stdout for `slipway ecs`, on
        stderr for the top-level verbs), then sends `signum`."""
        stream = 0 if progress == "stdout" else 1
        with Process([SLIPWAY, *argv, "--spec", self.spec, "--image", f"{REGISTRY}/app:{SHA1}",
                      *var_flags(self.outputs)], env=self.moto.env()) as run:
            # Following: the lock is taken and the deployment started.
            wait_until(lambda: "started on slipway-test/app" in run.output()[stream]
                       or not run.running(), timeout=60, what="the deploy to follow")
            self.assertTrue(run.running(), run.output())
            self.assertIn(LOCK_TAG, tags_of(self.moto, self.service_arn))
            run.signal(signum)
            code = run.wait(timeout=60)
            out, err = run.output()
        self.assertEqual(code, INTERRUPTED, out + err)
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))
        name = signal.Signals(signum).name
        self.assertRegex(err.splitlines()[-1], f"^slipway: error: interrupted by {name} while "
                                               "following deployment [^ ]+$")
        self.assertIn("ECS carries on with it", (out, err)[stream])

    def test_sigint_during_a_deploy_releases_the_lock_and_exits_130(self):
        self.interrupt_a_following_deploy(["deploy", "--timeout", "10m"], signal.SIGINT, "stderr")

    def test_sigterm_during_an_ecs_deploy_releases_the_lock_and_exits_130(self):
        self.interrupt_a_following_deploy(["ecs", "deploy", "--rollout-timeout", "10m"],
                                          signal.SIGTERM, "stdout")

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


    def test_the_specs_endpoint_yields_to_a_service_endpoint_variable(self):
        self.deploy_no_wait(SHA1)  # the service runs a revision that logs to /slipway/app
        recorder = LogsEndpoint()
        self.addCleanup(recorder.close)
        directory = os.path.dirname(self.spec)
        spec = os.path.join(directory, "slipway-endpoint.yaml")
        with open(spec, "w") as f:
            f.write(textwrap.dedent(f"""\
                service: app
                image_repository: app
                target: ecs
                ecs:
                  cluster: slipway-test
                  region: us-east-1
                  endpoint: {self.moto.url}
                """))
        env = self.moto.env(AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=recorder.url)
        del env["AWS_ENDPOINT_URL"]  # ECS is reached through the spec's endpoint alone
        result = run_slipway(["logs", "--spec", spec], env)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout.splitlines(), [LogsEndpoint.MESSAGE])
        self.assertIn("Logs_20140328.FilterLogEvents", recorder.targets)


class LogsEndpoint:
    """A loopback stand-in for CloudWatch Logs that answers FilterLogEvents with one line, so a
    test sees which endpoint slipway's logs client used."""

    MESSAGE = '{"msg":"from the CLOUDWATCH_LOGS endpoint"}'

    def __init__(self):
        outer = self
        self.targets = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.targets.append(self.headers.get("X-Amz-Target", ""))
                now = int(time.time() * 1000)
                data = json.dumps({"events": [{"logStreamName": "app/app/1", "timestamp": now,
                                               "message": LogsEndpoint.MESSAGE,
                                               "ingestionTime": now, "eventId": "1"}],
                                   "searchedLogStreams": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    unittest.main()
