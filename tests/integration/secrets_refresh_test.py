# labels: vm aws moto
"""Rotation-aware releases on the vm target, against moto with IAM authorization on: `status`
shows the secret versions each replica was started with against AWSCURRENT and marks the stale
ones, saying which the app re-reads itself (slipway.yaml secrets.reloaded_by_app). Process
engine, real HAProxy; the secrets live in moto's Secrets Manager. No canary value ever appears
in stdout, stderr, the events log or the ledger."""

import json
import os
import unittest

import slipway_testlib as lib
import vm_testlib as vm
from secrets_cli_test import MotoIam

CANARY_DB = "canary-refresh-db-5c1e9a"
CANARY_KEY = "canary-refresh-key-0d7b44"


class RefreshStack:
    """A vm stack whose DATABASE_PASSWORD and API_KEY come from moto's Secrets Manager; the app
    re-reads API_KEY itself."""

    def __init__(self, test, moto, replicas=2):
        self.moto = moto
        self.sm = moto.boto("secretsmanager")
        suffix = lib.free_port()
        self.db = self.sm.create_secret(Name=f"db-{suffix}", SecretString=CANARY_DB + "-v1")
        self.key = self.sm.create_secret(Name=f"key-{suffix}", SecretString=CANARY_KEY + "-v1")
        self.values = [CANARY_DB + "-v1", CANARY_KEY + "-v1"]
        self.stack = vm.Stack(bake_time="1s", health_interval="200ms", ready_timeout="5s")
        test.addCleanup(self.stack.cleanup)
        self.stack.write_spec(bake_time="1s", health_interval="200ms", ready_timeout="5s",
                              drain_delay="2s", extra="secrets:\n  reloaded_by_app: [API_KEY]\n")
        for name in ("DATABASE_PASSWORD", "API_KEY"):
            self.stack.env.pop(name)
        self.stack.env.update({"DATABASE_PASSWORD_FROM": self.db["ARN"],
                               "API_KEY_FROM": self.key["ARN"],
                               "DESIRED_COUNT": str(replicas)})
        aws_env = moto.env()
        self.stack.env.update({k: v for k, v in aws_env.items() if k.startswith("AWS_")})
        self.outputs = []

    def run(self, *args, **kwargs):
        result = self.stack.run(*args, **kwargs)
        self.outputs.append((args, result.stdout, result.stderr))
        return result

    def rotate_with_boto(self, secret, value):
        self.values.append(value)
        return self.sm.put_secret_value(SecretId=secret["ARN"], SecretString=value)["VersionId"]

    def current(self, secret):
        versions = self.sm.describe_secret(SecretId=secret["ARN"])["VersionIdsToStages"]
        return next(v for v, stages in versions.items() if "AWSCURRENT" in stages)

    def status(self):
        result = self.run("status", "--output", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def assert_no_value_anywhere(self, test):
        files = []
        for name in ("events.jsonl", "releases.json", "state.json"):
            path = os.path.join(self.stack.state, name)
            if os.path.exists(path):
                with open(path) as f:
                    files.append((name, f.read()))
        for value in self.values:
            for args, out, err in self.outputs:
                test.assertNotIn(value, out, args)
                test.assertNotIn(value, err, args)
            for name, text in files:
                test.assertNotIn(value, text, name)


class StatusShowsSecretVersions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoIam().start()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def test_status_marks_replicas_stale_after_a_rotation_except_secrets_the_app_re_reads(self):
        s = RefreshStack(self, self.moto)
        deployed = s.run("deploy", "--image", s.stack.image(vm.sha("a")))
        self.assertEqual(deployed.returncode, 0, deployed.stderr)
        first_db, first_key = s.current(s.db), s.current(s.key)

        secrets = s.status()["secrets"]
        self.assertFalse(secrets["stale"])
        self.assertEqual(len(secrets["replicas"]), 2)
        for replica in secrets["replicas"]:
            self.assertEqual(replica["versions"], {"DATABASE_PASSWORD": first_db, "API_KEY": first_key})
            self.assertEqual(replica["stale"], [])

        new_db = s.rotate_with_boto(s.db, CANARY_DB + "-v2")
        new_key = s.rotate_with_boto(s.key, CANARY_KEY + "-v2")
        secrets = s.status()["secrets"]
        self.assertTrue(secrets["stale"])
        by_name = {entry["name"]: entry for entry in secrets["secrets"]}
        self.assertEqual(by_name["DATABASE_PASSWORD"]["current"], new_db)
        self.assertEqual(by_name["DATABASE_PASSWORD"]["stale_replicas"], 2)
        self.assertFalse(by_name["DATABASE_PASSWORD"]["reloaded_by_app"])
        self.assertEqual(by_name["API_KEY"]["current"], new_key)
        self.assertTrue(by_name["API_KEY"]["reloaded_by_app"])
        self.assertEqual(by_name["API_KEY"]["stale_replicas"], 0)
        for replica in secrets["replicas"]:
            self.assertEqual(replica["versions"]["DATABASE_PASSWORD"], first_db)
            self.assertEqual(replica["stale"], ["DATABASE_PASSWORD"])

        text = s.run("status")
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("DATABASE_PASSWORD", text.stdout)
        self.assertIn("2 of 2 replica(s) stale: run `slipway refresh`", text.stdout)
        self.assertIn("re-read by the app", text.stdout)
        self.assertIn(f"DATABASE_PASSWORD {first_db} (stale)", text.stdout)
        s.assert_no_value_anywhere(self)

    def test_a_deleted_secret_is_one_line_in_status_and_the_replicas_still_show(self):
        s = RefreshStack(self, self.moto, replicas=1)
        deployed = s.run("deploy", "--image", s.stack.image(vm.sha("b")))
        self.assertEqual(deployed.returncode, 0, deployed.stderr)
        s.sm.delete_secret(SecretId=s.db["ARN"], ForceDeleteWithoutRecovery=True)
        status = s.status()
        self.assertEqual(len(status["replicas"]), 1)
        self.assertIn("DATABASE_PASSWORD", status["secrets"]["error"])
        self.assertIn("no longer exists", status["secrets"]["error"])
        s.assert_no_value_anywhere(self)


if __name__ == "__main__":
    unittest.main()
