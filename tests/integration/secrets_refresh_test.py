# labels: vm aws moto
"""Rotation-aware releases on the vm target, against moto with IAM authorization on:
  - `status` shows the secret versions each replica was started with against AWSCURRENT and
    marks the stale ones, saying which the app re-reads itself (secrets.reloaded_by_app);
  - `secrets rotate` puts a new version (the old one becomes AWSPREVIOUS), `refresh` restarts
    the stale replicas as a new release, `rollback` returns to the versions before it, and a
    second refresh changes nothing;
  - two rotations while a refresh runs: the refresh applies one version set to every replica,
    says the secret moved again, and the next refresh runs the last rotation;
  - a rotated value the app rejects (it never gets ready): the refresh rolls back, exit 3;
  - a secret deleted between rotate and refresh: one line, exit 2, nothing changed.
Process engine, real HAProxy; the secrets live in moto's Secrets Manager. No canary value ever
appears in stdout, stderr, the events log, the state or the ledger."""

import json
import os
import subprocess
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

    def rotate(self, secret, value):
        """`slipway secrets rotate ARN --from-file -`; returns the parsed JSON result."""
        self.values.append(value)
        env = dict(os.environ, **self.stack.env)
        result = subprocess.run([vm.slipway_binary(), "secrets", "rotate", secret["ARN"], "--from-file", "-",
                                 "--output", "json"], input=value + "\n", env=env, capture_output=True,
                                text=True, timeout=60)
        self.outputs.append((("secrets", "rotate"), result.stdout, result.stderr))
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def replica_versions(self, name="DATABASE_PASSWORD"):
        """The version of `name` each serving replica runs."""
        return [r["versions"][name] for r in self.status()["secrets"]["replicas"]]

    def ledger(self):
        with open(os.path.join(self.stack.state, "releases.json")) as f:
            return json.load(f)["releases"]

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


class RotateAndRefresh(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoIam().start()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def test_rotate_then_refresh_restarts_the_stale_replicas_as_a_release_rollback_undoes_it(self):
        s = RefreshStack(self, self.moto)
        self.assertEqual(s.run("deploy", "--image", s.stack.image(vm.sha("c"))).returncode, 0)
        v1 = s.current(s.db)
        rotated = s.rotate(s.db, CANARY_DB + "-v2")
        self.assertEqual(rotated["previous_version"], v1)
        stages = s.sm.describe_secret(SecretId=s.db["ARN"])["VersionIdsToStages"]
        self.assertIn("AWSCURRENT", stages[rotated["version"]])
        self.assertIn("AWSPREVIOUS", stages[v1])
        # API_KEY rotates too, but the app re-reads it: it alone never causes a refresh.
        s.rotate(s.key, CANARY_KEY + "-v2")
        self.assertEqual(s.replica_versions(), [v1, v1])

        refreshed = s.run("refresh", "--output", "json")
        self.assertEqual(refreshed.returncode, 0, refreshed.stderr)
        result = json.loads(refreshed.stdout.splitlines()[-1])
        self.assertTrue(result["refreshed"])
        self.assertEqual(result["refresh_of"], 1)
        self.assertEqual(s.replica_versions(), [rotated["version"]] * 2)
        self.assertFalse(s.status()["secrets"]["stale"])
        history = {r["revision"]: r for r in json.loads(s.run("history", "--output", "json").stdout)}
        self.assertEqual(history[2]["refresh_of"], 1)
        self.assertEqual(history[2]["image"], history[1]["image"])
        self.assertEqual(history[2]["secret_versions"]["DATABASE_PASSWORD"], rotated["version"])
        self.assertTrue(history[2]["current"])
        text = s.run("history").stdout.splitlines()
        self.assertTrue(text[0].startswith("2*") and text[0].endswith("refresh of revision 1"), text)
        self.assertNotIn("refresh of", text[1])

        again = s.run("refresh")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertTrue(again.stdout.startswith("unchanged\trevision 2\tnothing stale"), again.stdout)
        self.assertIn("API_KEY re-read by the app", again.stdout)
        self.assertEqual(len(s.ledger()), 2)

        back = s.run("rollback")
        self.assertEqual(back.returncode, 0, back.stderr)
        self.assertEqual(s.replica_versions(), [v1, v1])
        self.assertEqual(s.ledger()[-1]["secret_versions"]["DATABASE_PASSWORD"], v1)
        self.assertTrue(s.status()["secrets"]["stale"])
        s.assert_no_value_anywhere(self)

    def test_refresh_restarts_only_the_replicas_that_run_stale_versions(self):
        s = RefreshStack(self, self.moto)
        self.assertEqual(s.run("deploy", "--image", s.stack.image(vm.sha("9"))).returncode, 0)
        v1 = s.current(s.db)
        v2 = s.rotate(s.db, CANARY_DB + "-v2")["version"]
        # Scaled up after the rotation: the third replica already starts with v2.
        self.assertEqual(s.run("scale", "3").returncode, 0)
        replicas = s.status()["secrets"]["replicas"]
        self.assertEqual(sorted(r["versions"]["DATABASE_PASSWORD"] for r in replicas), sorted([v1, v1, v2]))
        fresh = next(r["name"] for r in replicas if r["versions"]["DATABASE_PASSWORD"] == v2)
        stale = {r["name"] for r in replicas if r["name"] != fresh}
        refreshed = s.run("refresh", "--output", "json")
        self.assertEqual(refreshed.returncode, 0, refreshed.stderr)
        self.assertIn(f"replica {fresh} already runs the current secret versions", refreshed.stdout)
        after = s.status()["secrets"]["replicas"]
        names = {r["name"] for r in after}
        self.assertIn(fresh, names)
        self.assertFalse(names & stale)
        self.assertEqual([r["versions"]["DATABASE_PASSWORD"] for r in after], [v2] * 3)
        s.assert_no_value_anywhere(self)

    def test_two_rotations_during_a_refresh_nothing_half_applied_and_the_last_one_wins(self):
        s = RefreshStack(self, self.moto)
        s.stack.write_spec(bake_time="3s", health_interval="200ms", ready_timeout="5s", drain_delay="2s",
                           extra="secrets:\n  reloaded_by_app: [API_KEY]\n")
        self.assertEqual(s.run("deploy", "--image", s.stack.image(vm.sha("d"))).returncode, 0)
        v2 = s.rotate(s.db, CANARY_DB + "-v2")["version"]
        proc = lib.Process([vm.slipway_binary(), "refresh", "--output", "json"],
                           env=dict(os.environ, **s.stack.env), cwd=s.stack.dir)
        lib.wait_until(lambda: '"deploy_started"' in proc.output()[0], timeout=60, what="refresh started")
        s.rotate(s.db, CANARY_DB + "-v3")
        v4 = s.rotate(s.db, CANARY_DB + "-v4")["version"]
        self.assertEqual(proc.wait(timeout=120), 0, proc.output())
        out, err = proc.output()
        s.outputs.append((("refresh",), out, err))
        # One version set on every replica: the one the refresh resolved, never a mix.
        self.assertEqual(s.replica_versions(), [v2, v2])
        self.assertIn("refresh_outdated", out)
        again = s.run("refresh")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(s.replica_versions(), [v4, v4])
        self.assertEqual([r["secret_versions"]["DATABASE_PASSWORD"] for r in s.ledger()][1:], [v2, v4])
        s.assert_no_value_anywhere(self)

    def test_a_rotated_value_the_app_rejects_rolls_the_refresh_back_exit_3(self):
        s = RefreshStack(self, self.moto)
        image = s.stack.image(vm.sha("e"))
        # The app of this image refuses a password ending in "-rejected" (as one refused by its
        # database would): it never gets ready. Matched by suffix, so no value is in the image.
        entrypoint = os.path.join(s.stack.state, "images", "app", vm.sha("e"), "entrypoint")
        with open(entrypoint) as f:
            script = f.read()
        with open(entrypoint, "w") as f:
            f.write(script.replace("#!/bin/sh\n", '#!/bin/sh\ncase "$DATABASE_PASSWORD" in '
                                   '*-rejected) export FAULT_INJECT=unready;; esac\n', 1))
        self.assertEqual(s.run("deploy", "--image", image).returncode, 0)
        v1 = s.current(s.db)
        s.rotate(s.db, CANARY_DB + "-rejected")
        refreshed = s.run("refresh")
        self.assertEqual(refreshed.returncode, 3, refreshed.stdout + refreshed.stderr)
        self.assertTrue(refreshed.stdout.startswith("rolled_back\trevision 2"), refreshed.stdout)
        self.assertEqual(s.replica_versions(), [v1, v1])
        ledger = s.ledger()
        self.assertEqual(ledger[-1]["outcome"], "rolled_back")
        self.assertEqual(ledger[-1]["refresh_of"], 1)
        self.assertEqual(s.status()["current"]["revision"], 1)
        self.assertEqual(lib.http_get(s.stack.port, "/healthz")[0], 200)
        s.assert_no_value_anywhere(self)

    def test_rotate_bad_input_is_one_line_and_writes_nothing(self):
        env = self.moto.env()
        sm = self.moto.boto("secretsmanager")
        arn = sm.create_secret(Name=f"rotate-{lib.free_port()}", SecretString=CANARY_DB + "-v1")["ARN"]
        cases = [
            (["secrets", "rotate", "no-such-secret", "--from-file", "-"], CANARY_DB + "-x1", "does not exist"),
            (["secrets", "rotate", "no-such-parameter", "--ssm", "--from-file", "-"], CANARY_DB + "-x2",
             "does not exist"),
            (["secrets", "rotate", arn, "--from-file", "-"], "abc", "too short"),
            (["secrets", "rotate", arn], None, "--from-file"),
        ]
        for args, stdin, expected in cases:
            with self.subTest(args=args):
                result = subprocess.run([vm.slipway_binary(), *args], input=stdin, env=env, capture_output=True,
                                        text=True, timeout=60, stdin=None if stdin is not None else subprocess.DEVNULL)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
                self.assertIn(expected, result.stderr)
                self.assertNotIn(CANARY_DB, result.stdout + result.stderr)
        self.assertEqual(len(sm.list_secret_version_ids(SecretId=arn)["Versions"]), 1)
        help_text = subprocess.run([vm.slipway_binary(), "secrets", "rotate", "--help"], capture_output=True,
                                   text=True, timeout=60)
        self.assertEqual(help_text.returncode, 0)
        self.assertIn("AWSPREVIOUS", help_text.stdout)
        self.assertIn("--from-file", help_text.stdout)

    def test_a_secret_deleted_between_rotate_and_refresh_is_one_line_and_changes_nothing(self):
        s = RefreshStack(self, self.moto)
        self.assertEqual(s.run("deploy", "--image", s.stack.image(vm.sha("f"))).returncode, 0)
        s.rotate(s.db, CANARY_DB + "-v2")
        before = (s.ledger(), s.status()["replicas"])
        s.sm.delete_secret(SecretId=s.db["ARN"], ForceDeleteWithoutRecovery=True)
        refreshed = s.run("refresh")
        self.assertEqual(refreshed.returncode, 2, refreshed.stderr)
        lines = refreshed.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, refreshed.stderr)
        self.assertIn("DATABASE_PASSWORD", lines[0])
        self.assertIn("no longer exists", lines[0])
        self.assertEqual(refreshed.stdout, "")
        self.assertEqual(s.ledger(), before[0])
        self.assertEqual([r["name"] for r in s.status()["replicas"]], [r["name"] for r in before[1]])
        s.assert_no_value_anywhere(self)


if __name__ == "__main__":
    unittest.main()
