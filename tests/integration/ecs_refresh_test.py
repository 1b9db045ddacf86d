# labels: aws moto ecs
"""`slipway status` and `slipway refresh` on the ecs target, against moto with IAM authorization
on (the deployer's policy of ecs_moto_test): a service deployed with --pin-secret-versions shows
per deployment the version its task definition pins against AWSCURRENT; after `secrets rotate`
the secret is stale (API_KEY, which the app re-reads, never is), and `refresh` registers a new
revision of the same image pinned to the current version and points the service at it, as a
deploy does (moto never completes a deployment, docs/platform-notes.md, so the follow is not
waited out here); a refresh with nothing stale registers nothing (exit 0); a deleted secret is one
line and registers nothing."""

import json
import os
import shutil
import signal
import subprocess
import unittest

from ecs_moto_test import (REGISTRY, SHA1, SLIPWAY, EcsMoto, create_infrastructure, make_service_dir,
                           result_of, revisions, service_task_definition, var_flags)
from slipway_testlib import Process, wait_until


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

    def slipway(self, *args, stdin=None):
        result = subprocess.run([SLIPWAY, *args, "--spec", self.spec], env=self.moto.env("deployer"),
                                input=stdin, capture_output=True, text=True, timeout=120)
        for value in self.values:
            self.assertNotIn(value, result.stdout + result.stderr)
        return result

    def current(self, arn):
        versions = self.moto.client("secretsmanager").describe_secret(SecretId=arn)["VersionIdsToStages"]
        return next(v for v, stages in versions.items() if "AWSCURRENT" in stages)

    def rotate(self, arn, value):
        self.values.append(value)
        # The admin rotates (the deployer may only describe secrets).
        result = subprocess.run(
            [SLIPWAY, "secrets", "rotate", arn, "--from-file", "-", "-o", "json"], input=value,
            env=self.moto.env("admin"), capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(value, result.stdout + result.stderr)
        return json.loads(result.stdout)["version"]

    def test_status_marks_a_rotated_secret_stale_and_refresh_pins_the_new_version(self):
        deployed = self.slipway("ecs", "deploy", "--image", f"{REGISTRY}/app:{SHA1}", "--no-wait",
                                "--pin-secret-versions", *var_flags(self.outputs), "-o", "json")
        self.assertEqual(deployed.returncode, 0, deployed.stderr)
        pinned = result_of(deployed)["task_definition"]
        v1 = self.current(self.outputs["db"])

        status = json.loads(self.slipway("status", "-o", "json").stdout)
        self.assertFalse(status["secrets"]["stale"], status["secrets"])
        unchanged = self.slipway("refresh", *var_flags(self.outputs))
        self.assertEqual(unchanged.returncode, 0, unchanged.stderr)
        self.assertTrue(unchanged.stdout.startswith("unchanged"), unchanged.stdout)
        self.assertEqual(len(revisions(self.moto)), 2)

        v2 = self.rotate(self.outputs["db"], "db-value-2")
        self.rotate(self.outputs["api"], "api-value-2")
        secrets = json.loads(self.slipway("status", "-o", "json").stdout)["secrets"]
        self.assertTrue(secrets["stale"])
        by_name = {s["name"]: s for s in secrets["secrets"]}
        self.assertEqual(by_name["DATABASE_PASSWORD"]["current"], v2)
        self.assertGreaterEqual(by_name["DATABASE_PASSWORD"]["stale_tasks"], 1)
        self.assertTrue(by_name["API_KEY"]["reloaded_by_app"])
        holder = next(h for h in secrets["tasks"] if pinned.rsplit("/", 1)[1] in h["name"])
        self.assertEqual(holder["versions"]["DATABASE_PASSWORD"], v1)
        self.assertEqual(holder["stale"], ["DATABASE_PASSWORD"])
        text = self.slipway("status").stdout
        self.assertIn("run `slipway refresh`", text)

        # moto never completes a deployment: the refresh is followed until the revision it
        # registered is checked, then interrupted (SIGINT, as a user's Ctrl-C).
        before = set(revisions(self.moto))
        proc = Process([SLIPWAY, "refresh", *var_flags(self.outputs), "--spec", self.spec, "-o", "json"],
                       env=self.moto.env("deployer"))
        try:
            wait_until(lambda: service_task_definition(self.moto) not in before, timeout=60,
                       what="the refresh to update the service")
        finally:
            proc.signal(signal.SIGINT)
            proc.wait(timeout=60)
        out, err = proc.output()
        for value in self.values:
            self.assertNotIn(value, out + err)
        new = service_task_definition(self.moto)
        self.assertIn("registered " + new.rsplit("/", 1)[1], out)
        definition = self.moto.client("ecs").describe_task_definition(taskDefinition=new)["taskDefinition"]
        secrets = {s["name"]: s["valueFrom"] for s in definition["containerDefinitions"][0]["secrets"]}
        self.assertTrue(secrets["DATABASE_PASSWORD"].endswith("::" + v2), secrets)
        self.assertEqual(definition["containerDefinitions"][0]["image"], f"{REGISTRY}/app:{SHA1}")
        self.assertNotEqual(new, pinned)

    def test_a_deleted_secret_is_one_line_and_registers_nothing(self):
        deployed = self.slipway("ecs", "deploy", "--image", f"{REGISTRY}/app:{SHA1}", "--no-wait",
                                "--pin-secret-versions", *var_flags(self.outputs))
        self.assertEqual(deployed.returncode, 0, deployed.stderr)
        before = revisions(self.moto)
        self.moto.client("secretsmanager").delete_secret(SecretId=self.outputs["db"],
                                                         ForceDeleteWithoutRecovery=True)
        refreshed = self.slipway("refresh", *var_flags(self.outputs))
        self.assertEqual(refreshed.returncode, 2, refreshed.stderr)
        self.assertEqual(len(refreshed.stderr.strip().splitlines()), 1, refreshed.stderr)
        self.assertIn("DATABASE_PASSWORD", refreshed.stderr)
        self.assertIn("no longer exists", refreshed.stderr)
        self.assertEqual(revisions(self.moto), before)


if __name__ == "__main__":
    unittest.main()
