# labels: aws moto ecs
"""`slipway ecs` bad input against moto (IAM auth on) and loopback stand-ins: each is one clear
line on stderr naming the thing and the fix, a non-zero exit from the shared table, and nothing
registered or changed (checked with the AWS CLI)."""

import http.server
import json
import os
import tempfile
import threading
import time
import unittest

from ecs_moto_test import (REGISTRY, SHA1, SHA3, EcsMoto, create_infrastructure, make_service_dir,
                           revisions, run_slipway, service_task_definition, var_flags)
from slipway_testlib import free_port

USAGE, AWS_ERROR = 2, 7


class ThrottlingEcs:
    """A loopback stand-in for ECS (moto cannot be told to throttle): answers the first
    `throttle` requests with ThrottlingException, then DescribeServices/ListTasks normally."""

    def __init__(self, throttle):
        outer = self
        self.targets = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = self.headers.get("X-Amz-Target", "")
                outer.targets.append(target)
                if len(outer.targets) <= throttle:
                    status, body = 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
                elif target.endswith("DescribeServices"):
                    status, body = 200, {"services": [{
                        "serviceName": "app", "status": "ACTIVE", "desiredCount": 1,
                        "runningCount": 1, "taskDefinition":
                        "arn:aws:ecs:us-east-1:123456789012:task-definition/app:4",
                        "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY",
                                         "rolloutState": "COMPLETED", "runningCount": 1,
                                         "desiredCount": 1, "taskDefinition":
                                         "arn:aws:ecs:us-east-1:123456789012:task-definition/app:4"}]}],
                        "failures": []}
                else:
                    status, body = 200, {"taskArns": []}
                data = json.dumps(body).encode()
                self.send_response(status)
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


class EcsBadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = EcsMoto().start()
        cls.outputs = create_infrastructure(cls.moto)
        cls.dir = make_service_dir()
        cls.spec = os.path.join(cls.dir, "slipway.yaml")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def assert_one_line(self, result, code, *needles):
        self.assertEqual(result.returncode, code, result.stdout + result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        for needle in needles:
            self.assertIn(needle, lines[0])

    def deploy(self, *args, user="deployer", env=None):
        return run_slipway(["ecs", "deploy", "--spec", self.spec, "--no-wait", *args],
                           env or self.moto.env(user))

    def assert_nothing_changed(self, before):
        self.assertEqual(revisions(self.moto), before)
        self.assertEqual(service_task_definition(self.moto), self.outputs["INITIAL_TASK_DEFINITION"])

    def test_unknown_cluster(self):
        before = revisions(self.moto)
        result = self.deploy("--image", f"{REGISTRY}/app:{SHA1}", "--cluster", "nope",
                             *var_flags(self.outputs))
        self.assert_one_line(result, USAGE, "cluster nope not found", "--cluster")
        self.assert_nothing_changed(before)

    def test_unknown_service(self):
        before = revisions(self.moto)
        result = self.deploy("--image", f"{REGISTRY}/app:{SHA1}", "--service", "nope",
                             *var_flags(self.outputs))
        self.assert_one_line(result, USAGE, "service nope not found in cluster slipway-test")
        self.assert_nothing_changed(before)
        result = run_slipway(["ecs", "status", "--spec", self.spec, "--service", "nope"],
                             self.moto.env())
        self.assert_one_line(result, USAGE, "service nope not found")

    def test_image_not_in_ecr(self):
        before = revisions(self.moto)
        result = self.deploy("--image", f"{REGISTRY}/app:{SHA3}", *var_flags(self.outputs))
        self.assert_one_line(result, USAGE, f"app:{SHA3} not found in ECR repository app", "push")
        self.assert_nothing_changed(before)
        result = self.deploy("--image", f"{REGISTRY}/other:{SHA1}", *var_flags(self.outputs))
        self.assert_one_line(result, USAGE, "ECR repository other does not exist")

    def test_template_variable_unset(self):
        before = revisions(self.moto)
        flags = ["--var", f"DATABASE_PASSWORD_FROM={self.outputs['db']}",
                 "--var", f"API_KEY_FROM={self.outputs['api']}"]  # no EXECUTION_ROLE_ARN
        result = self.deploy("--image", f"{REGISTRY}/app:{SHA1}", *flags)
        self.assert_one_line(result, USAGE, "${EXECUTION_ROLE_ARN}", "taskdef.json")
        self.assert_nothing_changed(before)

    def test_access_denied(self):
        before = revisions(self.moto)
        result = self.deploy("--image", f"{REGISTRY}/app:{SHA1}", *var_flags(self.outputs),
                             user="readonly")
        self.assert_one_line(result, AWS_ERROR, "RegisterTaskDefinition")
        self.assertRegex(result.stderr, "AccessDenied|not authorized")
        self.assert_nothing_changed(before)
        self.assertNotIn("slipway:lock", self.service_tags()[1])  # the lock was released

    def service_tags(self):
        arn = self.moto.aws("ecs", "describe-services", "--cluster", "slipway-test", "--services",
                            "app")["services"][0]["serviceArn"]
        tags = self.moto.aws("ecs", "list-tags-for-resource", "--resource-arn", arn)["tags"]
        return arn, {t["key"]: t["value"] for t in tags}

    def test_locked_by_another_deploy(self):
        before = revisions(self.moto)
        arn, _ = self.service_tags()
        self.moto.aws("ecs", "tag-resource", "--resource-arn", arn, "--tags",
                      f"key=slipway:lock,value=someone@ci until {int(time.time()) + 600}")
        try:
            result = self.deploy("--image", f"{REGISTRY}/app:{SHA1}", *var_flags(self.outputs))
            self.assert_one_line(result, 5, "locked by someone@ci")
            self.assert_nothing_changed(before)
            result = run_slipway(["ecs", "rollback", "--spec", self.spec, "--to", "1",
                                  "--no-wait"], self.moto.env())
            self.assert_one_line(result, 5, "locked by someone@ci")
            # An expired lock (its holder died) does not block, and the deploy releases its own.
            self.moto.aws("ecs", "tag-resource", "--resource-arn", arn, "--tags",
                          f"key=slipway:lock,value=someone@ci until {int(time.time()) - 10}")
            result = self.deploy("--image", f"{REGISTRY}/app:{SHA1}", *var_flags(self.outputs))
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertNotIn("slipway:lock", self.service_tags()[1])
        finally:
            self.moto.aws("ecs", "untag-resource", "--resource-arn", arn, "--tag-keys", "slipway:lock")
            self.moto.aws("ecs", "update-service", "--cluster", "slipway-test", "--service", "app",
                          "--task-definition", self.outputs["INITIAL_TASK_DEFINITION"])

    def test_endpoint_down(self):
        port = free_port()  # nobody listens there
        env = self.moto.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
        result = run_slipway(["ecs", "status", "--spec", self.spec], env)
        self.assert_one_line(result, AWS_ERROR, f"127.0.0.1:{port}")

    def test_bad_duration_and_missing_spec(self):
        result = self.deploy("--image", f"{REGISTRY}/app:{SHA1}", "--start-timeout", "soon")
        self.assert_one_line(result, USAGE, "--start-timeout soon")
        empty = tempfile.mkdtemp()
        result = run_slipway(["ecs", "status", "--spec", os.path.join(empty, "slipway.yaml")],
                             self.moto.env())
        self.assert_one_line(result, USAGE, "slipway.yaml not found", "--cluster")

    def test_throttling_is_retried(self):
        stand_in = ThrottlingEcs(throttle=2)
        try:
            env = self.moto.env(AWS_ENDPOINT_URL=stand_in.url)
            result = run_slipway(["ecs", "status", "--cluster", "c", "--service", "app",
                                  "--spec", os.path.join(self.dir, "slipway.yaml"), "-o", "json"],
                                 env)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(json.loads(result.stdout)["task_definition"].rsplit("/", 1)[1], "app:4")
            # Two throttled DescribeServices, then the one that passed, then ListTasks, then the
            # service's task definition (the secrets part of status: which secrets it runs).
            self.assertEqual([t.split(".")[1] for t in stand_in.targets],
                             ["DescribeServices"] * 3 + ["ListTasks", "DescribeTaskDefinition"])
        finally:
            stand_in.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
