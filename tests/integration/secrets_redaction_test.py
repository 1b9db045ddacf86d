# labels: aws moto
"""Redaction: a canary secret (random per run) is planted in Secrets Manager, SSM and a local
variable; slipway and the service then go through every path that touches it — successes,
failures after resolution, error messages that would echo it, an access log that would record
it — and all their output (stdout and stderr) is scanned for it. One explicit `secrets get` is
the positive control: it must print the canary, which proves the scan can see it."""

import json
import os
import secrets
import tempfile
import unittest

from secrets_cli_test import MotoIam, aws_cli, run_slipway
from slipway_testlib import Process, binary, free_port, http_get, port_open, wait_until

APP = binary("src", "service", "app")
CANARY = "canary-" + secrets.token_hex(12)


class CanaryNeverLeaks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoIam().start()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.json_arn = aws_cli(cls.moto, "secretsmanager", "create-secret", "--name", "canary/json",
                               "--secret-string", json.dumps({"token": CANARY}))["ARN"]
        cls.plain_arn = aws_cli(cls.moto, "secretsmanager", "create-secret", "--name",
                                "canary/plain", "--secret-string", CANARY)["ARN"]
        aws_cli(cls.moto, "ssm", "put-parameter", "--name", "/canary/param", "--type",
                "SecureString", "--value", CANARY)
        cls.outputs = []  # (what, text) of every run that must not show the canary

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        cls.tmp.cleanup()

    def slipway(self, *args, **extra_env):
        result = run_slipway(list(args), self.moto.env(**extra_env))
        self.outputs.append((" ".join(args), result.stdout + result.stderr))
        return result

    def test_canary(self):
        missing = self.json_arn[: self.json_arn.rfind(":")] + ":canary/absent"
        env_file = os.path.join(self.tmp.name, "broken.env")
        with open(env_file, "w") as f:
            f.write(f"GOOD=1\nBROKEN {CANARY}\n")
        task_def = os.path.join(self.tmp.name, "taskdef.json")
        with open(task_def, "w") as f:
            json.dump({"containerDefinitions": [{"name": "app", "secrets": [
                {"name": "A", "valueFrom": self.json_arn + ":token::"},
                {"name": "B", "valueFrom": "/canary/param"},
                {"name": "C", "valueFrom": missing}]}]}, f)

        runs = [
            # resolved, then the command fails to start: the error names the command, which
            # here contains the canary — the printer must scrub it
            (("secrets", "exec", "--env", f"T={self.plain_arn}", "--",
              f"/nonexistent/{CANARY}"), {}, 1),
            (("secrets", "exec", "--env", "T=env://CANARY_VAR", "--", f"/nope-{CANARY}"),
             {"CANARY_VAR": CANARY}, 1),
            # resolution fails after the canary was fetched
            (("secrets", "exec", "--task-definition", task_def, "--", "true"), {}, 2),
            (("secrets", "exec", "--env", f"T={self.plain_arn}:token::", "--", "true"), {}, 2),
            (("secrets", "exec", "--env", f"T={self.json_arn}:nokey::", "--", "true"), {}, 2),
            (("secrets", "exec", "--env-file", env_file, "--", "true"), {}, 2),
            # the program runs with it and exits non-zero: slipway itself says nothing
            (("secrets", "exec", "--env", f"T={self.json_arn}:token::", "--", "sh", "-c",
              "exit 3"), {}, 3),
            (("secrets", "list", "--output", "json"), {}, 0),
            (("secrets", "list", "--ssm-path", "/canary"), {}, 0),
            (("secrets", "set", "canary/copy", "--from-file", "-"), {}, None),
            (("whoami",), {}, 0),
        ]
        for args, env, code in runs:
            with self.subTest(args=args[:3]):
                if args[:2] == ("secrets", "set"):
                    result = run_slipway(list(args), self.moto.env(), stdin=CANARY)
                    self.outputs.append((" ".join(args), result.stdout + result.stderr))
                else:
                    result = self.slipway(*args, **env)
                if code is not None:
                    self.assertEqual(result.returncode, code, result.stderr)
        self.assertIn("[REDACTED]", self.outputs[0][1], "the exec error was not scrubbed")

        # The service: the canary is its API key, and a client sends it where the access log
        # records it (the path) and as the key itself.
        port = free_port()
        with Process([APP], env=self.moto.env(
                PORT=str(port), BIND_ADDRESS="127.0.0.1", SHUTDOWN_DELAY="0s",
                API_KEY_SECRET_ID="canary/plain", API_KEY_REFRESH_INTERVAL="1s")) as app:
            wait_until(lambda: port_open(port), timeout=15, what="app to listen")
            wait_until(lambda: http_get(port, "/v1/whoami", {"X-Api-Key": CANARY})[0] == 200,
                       timeout=15, what="the canary key to load")
            self.assertEqual(http_get(port, f"/{CANARY}")[0], 404)
            http_get(port, "/v1/whoami", {"X-Api-Key": CANARY + "-wrong"})
            wait_until(lambda: "[REDACTED]" in app.output()[0], timeout=10,
                       what="the access log line of the canary path")
            _, out, err = app.stop()
            self.outputs.append(("app", out + err))

        # Positive control: an explicit get prints it, so the scan below can see it.
        control = run_slipway(["secrets", "get", self.plain_arn], self.moto.env())
        self.assertEqual(control.stdout, CANARY + "\n")

        leaks = [what for what, text in self.outputs if CANARY in text]
        self.assertEqual(leaks, [], "the canary leaked in these runs")


if __name__ == "__main__":
    unittest.main()
