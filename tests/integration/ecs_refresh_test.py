# labels: aws moto ecs
"""`slipway status`, `refresh`, `history` and `rollback` on the ecs target after a rotation,
against moto with IAM authorization on (the deployer's policy of ecs_moto_test).

moto never completes a deployment (docs/platform-notes.md), so every command that follows one
goes through the fault proxy of ecs_faults.py with `complete_deployments` on: it rewrites each
DescribeServices answer as ECS reads once a rollout is done, so a deploy, refresh or rollback
reaches its bake and a verdict.

- The documented path (docs/secrets.md), one fresh shell per command: `slipway ecs deploy --var`,
  `secrets rotate --from-file -`, `status` (stale), `refresh` without any --var, `history` (the
  refresh of revision N, text and JSON), `rollback` (back to N and its secret versions).
- A refresh registers a copy of the running revision, not a rendering of the spec: a value given
  to the deploy with --var stays, only the pinned version ids change; the RegisterTaskDefinition
  slipway sent is valid input for botocore's model of it; nothing stale changes nothing.
- A refresh whose bake sees an alarm in ALARM rolls back: exit 3, the service on the revision
  before, the refresh tagged rolled_back.
- A secret deleted before the refresh: one line, exit 2, nothing registered.
Every command's output is checked for every secret value."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import botocore.session
import botocore.validate

import ecs_faults
import iam_evaluation
from ecs_progressive_deploy_test import WATCHING_DEPLOYER_POLICY
from ecs_moto_test import (ACCOUNT, REGION, REGISTRY, SHA1, SLIPWAY, EcsMoto, base_env, create_infrastructure,
                           make_service_dir, result_of, revisions, service_task_definition,
                           tags_of, var_flags)

OK, ROLLED_BACK, INPUT_ERROR = 0, 3, 2


def short(arn):
    return arn.rsplit("/", 1)[1]


def revision(arn):
    return int(arn.rsplit(":", 1)[1])


class EcsRefresh(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = EcsMoto().start()
        cls.dir = make_service_dir()
        cls.spec = os.path.join(cls.dir, "slipway.yaml")
        with open(cls.spec, "a") as f:
            f.write("secrets:\n  reloaded_by_app: [API_KEY]\n")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.moto.reset()
        self.outputs = create_infrastructure(self.moto)
        self.values = ["db-value-1", "api-value-1"]
        self.proxy = ecs_faults.FaultProxy(self.moto.port)
        self.addCleanup(self.proxy.close)
        self.proxy.complete_deployments = True

    def env(self, user="deployer"):
        return self.moto.env(user, AWS_ENDPOINT_URL=self.proxy.url)

    def checked(self, result):
        for value in self.values:
            self.assertNotIn(value, result.stdout + result.stderr)
        return result

    def slipway(self, *args, user="deployer"):
        return self.checked(subprocess.run([SLIPWAY, *args, "--spec", self.spec], env=self.env(user),
                                           capture_output=True, text=True, timeout=120))

    def current(self, arn):
        versions = self.moto.client("secretsmanager").describe_secret(SecretId=arn)["VersionIdsToStages"]
        return next(v for v, stages in versions.items() if "AWSCURRENT" in stages)

    def rotate(self, arn, value):
        self.values.append(value)
        # The admin rotates (the deployer may only describe secrets).
        result = self.checked(subprocess.run(
            [SLIPWAY, "secrets", "rotate", arn, "--from-file", "-", "-o", "json"], input=value,
            env=self.env("admin"), capture_output=True, text=True, timeout=60))
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)["version"]

    def deploy(self, *flags):
        deployed = self.slipway("ecs", "deploy", "--image", f"{REGISTRY}/app:{SHA1}",
                                "--pin-secret-versions", *var_flags(self.outputs), *flags, "-o", "json")
        self.assertEqual(deployed.returncode, OK, deployed.stdout + deployed.stderr)
        self.assertEqual(result_of(deployed)["status"], "succeeded", deployed.stdout)
        return result_of(deployed)["task_definition"]

    def value_froms(self, arn):
        definition = self.moto.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
        return {s["name"]: s["valueFrom"] for s in definition["containerDefinitions"][0]["secrets"]}

    def test_the_documented_rotation_path_in_fresh_shells(self):
        """docs/secrets.md, "Rotating a secret the service reads at start", ecs: each command in
        a fresh shell (no variable carried over) in the service's directory."""
        var_line = " ".join(f"--var {name}={self.outputs[name]}"
                            for name in ("EXECUTION_ROLE_ARN", "DATABASE_PASSWORD_FROM", "API_KEY_FROM"))
        work = tempfile.mkdtemp(prefix="slipway-rotation-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        with open(os.path.join(work, "new-password"), "w") as f:
            f.write("db-value-2")
        self.values.append("db-value-2")

        def shell(line, user="deployer"):
            env = base_env()
            env.update({k: v for k, v in self.env(user).items() if k.startswith("AWS_")})
            env["PATH"] = os.path.dirname(SLIPWAY) + os.pathsep + os.environ["PATH"]
            return self.checked(subprocess.run(["bash", "--noprofile", "--norc", "-c", line], cwd=self.dir,
                                               env=env, capture_output=True, text=True, timeout=120))

        deployed = shell(f"slipway ecs deploy --image {REGISTRY}/app:{SHA1} --pin-secret-versions {var_line}")
        self.assertEqual(deployed.returncode, OK, deployed.stdout + deployed.stderr)
        first = service_task_definition(self.moto)
        v1 = self.current(self.outputs["db"])

        rotated = shell(f"slipway secrets rotate app/db --from-file - < {work}/new-password", user="admin")
        self.assertEqual(rotated.returncode, OK, rotated.stderr)
        v2 = self.current(self.outputs["db"])
        self.assertNotEqual(v1, v2)

        status = shell("slipway status")
        self.assertEqual(status.returncode, OK, status.stderr)
        self.assertIn("run `slipway refresh`", status.stdout)
        self.assertIn("DATABASE_PASSWORD", status.stdout)

        refreshed = shell("slipway refresh")
        self.assertEqual(refreshed.returncode, OK, refreshed.stdout + refreshed.stderr)
        second = service_task_definition(self.moto)
        self.assertEqual(revision(second), revision(first) + 1)
        self.assertTrue(self.value_froms(second)["DATABASE_PASSWORD"].endswith("::" + v2))
        self.assertEqual(tags_of(self.moto, second)["slipway:outcome"], "succeeded")

        history = shell("slipway history")
        self.assertEqual(history.returncode, OK, history.stderr)
        line = next(l for l in history.stdout.splitlines() if l.startswith(f"{revision(second)}*\t"))
        self.assertTrue(line.endswith(f"refresh of revision {revision(first)}"), history.stdout)
        listed = json.loads(shell("slipway history --output json").stdout)
        by_revision = {r["revision"]: r for r in listed}
        self.assertEqual(by_revision[revision(second)]["refresh_of"], revision(first))
        self.assertNotIn("refresh_of", by_revision[revision(first)])

        rolled = shell("slipway rollback")
        self.assertEqual(rolled.returncode, OK, rolled.stdout + rolled.stderr)
        self.assertEqual(service_task_definition(self.moto), first)
        self.assertTrue(self.value_froms(first)["DATABASE_PASSWORD"].endswith("::" + v1))
        self.assertEqual(tags_of(self.moto, second)["slipway:outcome"], "rolled_back")

    def test_a_refresh_copies_the_running_revision_and_changes_only_the_pins(self):
        # LOG_LEVEL is given to the deploy only: a refresh that rendered the spec would lose it.
        deployed = self.deploy("--var", "LOG_LEVEL=debug")
        v1 = self.current(self.outputs["db"])
        unchanged = self.slipway("refresh")
        self.assertEqual(unchanged.returncode, OK, unchanged.stderr)
        self.assertTrue(unchanged.stdout.startswith("unchanged"), unchanged.stdout)
        self.assertEqual(len(revisions(self.moto)), 2)

        v2 = self.rotate(self.outputs["db"], "db-value-2")
        self.rotate(self.outputs["api"], "api-value-2")
        secrets = json.loads(self.slipway("status", "-o", "json").stdout)["secrets"]
        by_name = {s["name"]: s for s in secrets["secrets"]}
        self.assertTrue(secrets["stale"])
        self.assertEqual(by_name["DATABASE_PASSWORD"]["current"], v2)
        self.assertTrue(by_name["API_KEY"]["reloaded_by_app"])
        holder = next(h for h in secrets["tasks"] if short(deployed) in h["name"])
        self.assertEqual((holder["versions"]["DATABASE_PASSWORD"], holder["stale"]), (v1, ["DATABASE_PASSWORD"]))

        with self.proxy.lock:
            self.proxy.calls, self.proxy.requests = [], []
        refreshed = self.slipway("refresh", "-o", "json")
        self.assertEqual(refreshed.returncode, OK, refreshed.stdout + refreshed.stderr)
        final = result_of(refreshed)
        self.assertEqual((final["status"], final["refreshed"], final["refresh_of"]),
                         ("succeeded", True, revision(deployed)))
        new = service_task_definition(self.moto)
        self.assertEqual(final["task_definition"], new)
        ecs = self.moto.client("ecs")
        before = ecs.describe_task_definition(taskDefinition=deployed)["taskDefinition"]
        after = ecs.describe_task_definition(taskDefinition=new)["taskDefinition"]
        for document in (before, after):
            for key in ("taskDefinitionArn", "revision", "registeredAt", "registeredBy"):
                document.pop(key, None)
            for secret in document["containerDefinitions"][0]["secrets"]:
                secret["valueFrom"] = secret["valueFrom"].rsplit("::", 1)[0]
        self.assertEqual(after, before)  # the same revision but for the version ids
        pins = self.value_froms(new)
        self.assertTrue(pins["DATABASE_PASSWORD"].endswith("::" + v2), pins)
        self.assertTrue(pins["API_KEY"].endswith("::" + self.current(self.outputs["api"])), pins)
        tags, old_tags = tags_of(self.moto, new), tags_of(self.moto, deployed)
        self.assertEqual(tags["slipway:refresh-of"], str(revision(deployed)))
        for key in ("slipway:commit", "slipway:image", "slipway:image-digest"):
            self.assertEqual(tags[key], old_tags[key], key)
        # Nothing rendered, nothing looked up in ECR: the image runs already.
        self.assertEqual(self.proxy.count("DescribeImages"), 0)
        # What slipway sent is RegisterTaskDefinition input by botocore's model of ECS (unknown
        # members, the read-only ones of a describe answer, would fail it).
        model = botocore.session.get_session().get_service_model("ecs")
        request = next(c["params"] for c in self.proxy.requests if c["action"] == "RegisterTaskDefinition")
        report = botocore.validate.ParamValidator().validate(
            request, model.operation_model("RegisterTaskDefinition").input_shape)
        self.assertFalse(report.has_errors(), report.generate_report())
        again = self.slipway("refresh")
        self.assertTrue(again.stdout.startswith("unchanged"), again.stdout)
        self.assert_the_deploy_role_allows(self.proxy.requests, created=new)

    def assert_the_deploy_role_allows(self, calls, created):
        """Every call the refresh made, judged by a real IAM evaluator against the deploy role
        Terraform's ci_oidc module renders for this service (iam_evaluation.py)."""
        calls = [dict(c, created=created) for c in calls]
        requests = [r for c in calls for r in iam_evaluation.iam_requests(c, ACCOUNT)]
        self.assertIn("ecs:RegisterTaskDefinition", {r["action"] for r in requests})
        work_dir = tempfile.mkdtemp(prefix="slipway-deploy-role-")
        self.addCleanup(shutil.rmtree, work_dir, ignore_errors=True)
        policies = iam_evaluation.planned_deploy_role_policy(
            work_dir, REGION, ACCOUNT, "slipway-test", ["app"],
            pass_role_arns=[self.outputs["EXECUTION_ROLE_ARN"]],
            secret_arns=[self.outputs["db"], self.outputs["api"]])
        verdicts = iam_evaluation.evaluate({
            "account": ACCOUNT, "identity_policies": policies,
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/ci", "requests": requests})["requests"]
        self.assertEqual(iam_evaluation.denied_lines(verdicts), [])

    def test_a_refresh_whose_bake_sees_an_alarm_rolls_back(self):
        deployed = self.deploy()
        cloudwatch = self.moto.client("cloudwatch")
        cloudwatch.put_metric_alarm(AlarmName="app-5xx", Namespace="app", MetricName="http_5xx",
                                    Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                    ComparisonOperator="GreaterThanOrEqualToThreshold")
        self.moto.client("ecs").update_service(
            cluster="slipway-test", service="app", deploymentConfiguration={
                "deploymentCircuitBreaker": {"enable": True, "rollback": True}, "maximumPercent": 200,
                "minimumHealthyPercent": 100,
                "alarms": {"alarmNames": ["app-5xx"], "enable": True, "rollback": True}})
        cloudwatch.set_alarm_state(AlarmName="app-5xx", StateValue="ALARM",
                                   StateReason="the rotated password is refused")
        self.rotate(self.outputs["db"], "db-value-2")
        # moto authorizes DescribeAlarms as monitoring:DescribeAlarms (IAM's prefix is cloudwatch).
        self.moto._user("watching-deployer", WATCHING_DEPLOYER_POLICY)
        refreshed = self.slipway("refresh", "--bake-time", "1m", "-o", "json", user="watching-deployer")
        self.assertEqual(refreshed.returncode, ROLLED_BACK, refreshed.stdout + refreshed.stderr)
        final = result_of(refreshed)
        self.assertEqual((final["status"], final["refresh_of"]), ("rolled_back", revision(deployed)))
        self.assertIn("app-5xx", final["reason"])
        self.assertEqual(service_task_definition(self.moto), deployed)
        self.assertEqual(tags_of(self.moto, final["task_definition"])["slipway:outcome"], "rolled_back")
        listed = json.loads(self.slipway("history", "-o", "json").stdout)
        self.assertNotIn("refresh_of", next(r for r in listed if r["revision"] == revision(deployed)))
        refresh = next(r for r in listed if r["revision"] == revision(final["task_definition"]))
        self.assertEqual((refresh["outcome"], refresh["refresh_of"]), ("rolled_back", revision(deployed)))

    def test_a_deleted_secret_is_one_line_and_registers_nothing(self):
        self.deploy()
        before = revisions(self.moto)
        self.moto.client("secretsmanager").delete_secret(SecretId=self.outputs["db"],
                                                         ForceDeleteWithoutRecovery=True)
        refreshed = self.slipway("refresh")
        self.assertEqual(refreshed.returncode, INPUT_ERROR, refreshed.stderr)
        self.assertEqual(len(refreshed.stderr.strip().splitlines()), 1, refreshed.stderr)
        self.assertIn("DATABASE_PASSWORD", refreshed.stderr)
        self.assertIn("no longer exists", refreshed.stderr)
        self.assertEqual(revisions(self.moto), before)


if __name__ == "__main__":
    unittest.main()
