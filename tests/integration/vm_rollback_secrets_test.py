# labels: vm
"""A release is what it was: the ledger keeps each release's rendered task definition, and
`slipway rollback` restores exactly that, with none of the variables it was rendered from.

The stack's settings live where `make up` puts them, in STATE/stack.env, not in slipway's
environment: the secrets' references (DATABASE_PASSWORD_FROM, API_KEY_FROM) and moto's endpoint
and credentials. Then:
  - a deploy without any reference falls back to env:// and the error says the real fix (the
    variable is not in slipway's environment), not ".env";
  - revision 1 deploys with the references from stack.env, revision 2 with others (env://);
  - the references are then removed from stack.env, both secrets rotated, and `rollback`
    restores revision 1: its recorded references, resolved as ECS would at a task start — the
    unpinned DATABASE_PASSWORD at its new current version (a rotation must not be undone), the
    API_KEY reference that pins a version id at that pinned version.
Process engine, real HAProxy and moto's Secrets Manager."""

import json
import os
import unittest

import boto3

import slipway_testlib as lib
import vm_testlib as vm


def replica_environment(port):
    """The environment of the process listening as a replica on `port`."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                entries = dict(e.split(b"=", 1) for e in f.read().split(b"\0") if b"=" in e)
        except OSError:
            continue
        if entries.get(b"PORT") == str(port).encode() and b"SLIPWAY_RELEASE" in entries:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"/app" not in f.read():
                    continue
            return {k.decode(): v.decode() for k, v in entries.items()}
    raise AssertionError(f"no replica process with PORT={port}")


class RollbackRestoresTheRecordedRelease(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto, cls.moto_port = lib.start_moto()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.stack = vm.Stack(bake_time="0s", health_interval="200ms", ready_timeout="8s")
        self.addCleanup(self.stack.cleanup)
        for name in ("DATABASE_PASSWORD", "API_KEY"):
            self.stack.env.pop(name)
            os.environ.pop(name, None)
            os.environ.pop(name + "_FROM", None)
        self.endpoint = f"http://127.0.0.1:{self.moto_port}"
        self.client = boto3.client("secretsmanager", endpoint_url=self.endpoint, region_name="us-east-1",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")

    def write_stack_env(self, **references):
        os.makedirs(self.stack.state, exist_ok=True)
        path = os.path.join(self.stack.state, "stack.env")
        with open(path, "w") as f:
            f.write("# as make up writes it\n")
            f.write(f"AWS_ENDPOINT_URL={self.endpoint}\nAWS_REGION=us-east-1\n")
            f.write("AWS_ACCESS_KEY_ID=testing\nAWS_SECRET_ACCESS_KEY=testing\n")
            for name, value in references.items():
                f.write(f"{name}={value}\n")
        os.chmod(path, 0o600)

    def expect(self, result, code, what):
        self.assertEqual(result.returncode, code, f"{what}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")

    def test_rollback_restores_references_and_resolves_them_as_recorded(self):
        s = self.stack
        suffix = os.urandom(3).hex()
        db = self.client.create_secret(Name=f"slipway/app/db-{suffix}", SecretString="db-password-first")
        key = self.client.create_secret(Name=f"slipway/app/key-{suffix}", SecretString="api-key-first")
        pinned_key = f"{key['ARN']}:::{key['VersionId']}"  # json-key and stage empty, version id pinned

        # Nothing says where the secrets are: the task definition's env:// default, and an error
        # naming the real fix.
        self.write_stack_env()
        refused = s.deploy(s.image(vm.sha("a")))
        self.expect(refused, 2, "no references")
        self.assertIn("variable DATABASE_PASSWORD is not set in slipway's environment", refused.stderr)
        self.assertNotIn("add it to the .env file", refused.stderr)

        # Revision 1 takes its references from stack.env alone (nothing exported).
        self.write_stack_env(DATABASE_PASSWORD_FROM=db["ARN"], API_KEY_FROM=pinned_key)
        self.expect(s.deploy(s.image(vm.sha("a"))), 0, "first deploy")
        first = s.history()[0]
        self.assertEqual(first["secret_versions"], {"DATABASE_PASSWORD": db["VersionId"],
                                                    "API_KEY": key["VersionId"]})
        secrets = {x["name"]: x["valueFrom"] for x in first["task_definition"]["containerDefinitions"][0]["secrets"]}
        self.assertEqual(secrets, {"DATABASE_PASSWORD": db["ARN"], "API_KEY": pinned_key})

        # Revision 2: other references (env:// values passed to this run only).
        self.expect(s.deploy(s.image(vm.sha("b")), "--var", "DATABASE_PASSWORD_FROM=env://OTHER_DB",
                             "--var", "API_KEY_FROM=env://OTHER_KEY",
                             env={"OTHER_DB": "db-password-other", "OTHER_KEY": "api-key-other"}), 0, "second")

        # The references are gone from everywhere, and both secrets rotate.
        self.write_stack_env()
        rotated_db = self.client.put_secret_value(SecretId=db["ARN"], SecretString="db-password-rotated")
        self.client.put_secret_value(SecretId=key["ARN"], SecretString="api-key-rotated")

        result = s.run("rollback")
        self.expect(result, 0, "rollback with no variables")
        self.assertIn("with the task definition it was deployed with (no variables needed", result.stderr)
        self.assertEqual(s.version()["commit"], vm.sha("a"))
        newest = s.history()[0]
        self.assertEqual(newest["rollback_of"], 1)
        self.assertEqual(newest["task_definition"], first["task_definition"])
        # Unpinned: the current version (the rotation stands); pinned: the pinned version.
        self.assertEqual(newest["secret_versions"], {"DATABASE_PASSWORD": rotated_db["VersionId"],
                                                     "API_KEY": key["VersionId"]})
        for replica in s.status()["replicas"]:
            env = replica_environment(replica["port"])
            self.assertEqual(env["DATABASE_PASSWORD"], "db-password-rotated")
            self.assertEqual(env["API_KEY"], "api-key-first")
        # What the ledger keeps are references and versions, never a value.
        with open(os.path.join(s.state, "releases.json")) as f:
            ledger = f.read()
        for value in ("db-password-first", "db-password-rotated", "api-key-first", "db-password-other"):
            self.assertNotIn(value, ledger)
        json.loads(ledger)


if __name__ == "__main__":
    unittest.main()
