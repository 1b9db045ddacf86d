# labels: aws moto
"""`slipway secrets` against moto with IAM authentication on: secrets written by the AWS CLI are
read by slipway and the reverse; exec injects a task definition's secrets; a wrong signature and
a denied action fail; every bad input is one clear line, a non-zero exit and nothing partial.

The moto helpers here (MotoIam, run_slipway, aws_cli) are shared by the other secrets_*/aws_*
integration tests."""

import contextlib
import hashlib
import http.server
import json
import os
import subprocess
import tempfile
import threading
import unittest

import boto3

from slipway_testlib import Process, binary, free_port, port_open, wait_until

SLIPWAY = binary("src", "cli", "slipway")
REGION = "us-east-1"

# Every slipway run of every test in this process, for the redaction scan.
ALL_OUTPUT = []

# Requests moto serves before it starts checking signatures and policies: exactly the IAM
# set-up calls of MotoIam.start (2 users x user, key, policy, attachment).
SETUP_CALLS = 8

FULL_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["secretsmanager:*", "ssm:*", "sts:GetCallerIdentity"],
     "Resource": "*"}]}
LIST_ONLY_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["secretsmanager:ListSecrets", "sts:GetCallerIdentity"],
     "Resource": "*"}]}


def base_env():
    """An environment with no AWS configuration of the developer's leaking in, and no IMDS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
                "AWS_CONFIG_FILE": "/nonexistent/config"})
    return env


class MotoIam:
    """moto_server on a free loopback port with IAM auth on, and two users: `admin` (all of
    secretsmanager, ssm) and `lister` (ListSecrets only)."""

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = base_env()
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_CALLS)
        self.proc = Process(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)], env=env)
        wait_until(lambda: port_open(self.port), timeout=30, what="moto to listen")
        iam = boto3.client("iam", endpoint_url=self.url, region_name=REGION,
                           aws_access_key_id="setup", aws_secret_access_key="setup")
        self.users = {}
        for name, policy in (("admin", FULL_POLICY), ("lister", LIST_ONLY_POLICY)):
            iam.create_user(UserName=name)
            key = iam.create_access_key(UserName=name)["AccessKey"]
            arn = iam.create_policy(PolicyName=f"{name}-policy",
                                    PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
            self.users[name] = (key["AccessKeyId"], key["SecretAccessKey"])
        return self

    def env(self, user="admin", **extra):
        env = base_env()
        key, secret = self.users[user]
        env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_ENDPOINT_URL": self.url})
        env.update(extra)
        return env

    def boto(self, service, user="admin"):
        key, secret = self.users[user]
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=key, aws_secret_access_key=secret)

    def stop(self):
        self.proc.stop()


def run_slipway(args, env, stdin=None, timeout=60):
    """Runs slipway; returns CompletedProcess with text output, and records it for the scan."""
    result = subprocess.run([SLIPWAY, *args], env=env, input=stdin, capture_output=True,
                            text=True, timeout=timeout)
    ALL_OUTPUT.append((args, result.stdout, result.stderr))
    return result


def aws_cli(moto, *args, user="admin"):
    """The AWS CLI (v1, a client nobody here wrote) against moto; returns parsed JSON output."""
    result = subprocess.run(["aws", "--endpoint-url", moto.url, "--output", "json", *args],
                            env=moto.env(user), capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"aws {' '.join(args[:2])} failed: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


# A command for exec that prints the SHA-256 of the named variables, never their values.
def hash_env_command(*names):
    script = ("import hashlib,json,os,sys;print(json.dumps({n:(hashlib.sha256(os.environ[n]"
              ".encode()).hexdigest() if n in os.environ else None) for n in sys.argv[1:]}))")
    return ["python3", "-c", script, *names]


class CredentialsServer:
    """A loopback stand-in for the ECS agent's credentials endpoint (nothing else can play it
    here): serves `document` and records the Authorization header it was sent."""

    def __init__(self, document):
        outer = self
        self.authorizations = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.authorizations.append(self.headers.get("Authorization"))
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/creds"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class SecretsAgainstMoto(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoIam().start()
        cls.tmp = tempfile.TemporaryDirectory()
        db = aws_cli(cls.moto, "secretsmanager", "create-secret", "--name", "itest/db",
                     "--secret-string", json.dumps({"username": "app-user", "password": "pw-5cd8a1e2"}))
        cls.db_arn = db["ARN"]
        plain = aws_cli(cls.moto, "secretsmanager", "create-secret", "--name", "itest/plain",
                        "--secret-string", "plain-text-value-31f")
        cls.plain_arn = plain["ARN"]
        aws_cli(cls.moto, "ssm", "put-parameter", "--name", "/itest/api_token", "--type",
                "SecureString", "--value", "token-value-9d2e")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        cls.tmp.cleanup()
        # No value may appear in any output except that of an explicit `get`.
        values = ["pw-5cd8a1e2", "plain-text-value-31f", "token-value-9d2e", "local-token-77",
                  "local-api-token-5e", "paris-value-0e1", "paris-token-4c2",
                  "written-by-slipway-1", "written-by-slipway-2", "ssm-by-slipway-3",
                  "import-token-1a", 'import-"quoted"-2b', "import-token-3c", "import-good-4d",
                  "import-ssm-5e"]
        leaks = [(args, value) for args, out, err in ALL_OUTPUT for value in values
                 if args[:2] != ["secrets", "get"] and value in out + err]
        if leaks:
            raise AssertionError(f"secret values leaked into output: {leaks}")

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def expect_failure(self, args, code, *fragments, env=None, stdin=None):
        """Asserts one line on stderr containing every fragment, nothing on stdout, `code`."""
        result = run_slipway(args, env or self.moto.env(), stdin=stdin)
        self.assertEqual(result.returncode, code, result.stderr)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, f"not one line: {result.stderr!r}")
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]

    # ---- the AWS CLI writes, slipway reads --------------------------------------------------

    def test_slipway_reads_what_the_aws_cli_wrote(self):
        env = self.moto.env()
        result = run_slipway(["secrets", "get", self.db_arn + ":password::"], env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "pw-5cd8a1e2\n")
        whole = run_slipway(["secrets", "get", self.db_arn, "--output", "json"], env)
        self.assertEqual(json.loads(json.loads(whole.stdout)["value"])["username"], "app-user")
        partial_arn = self.db_arn[: self.db_arn.rfind("-")]
        self.assertEqual(run_slipway(["secrets", "get", partial_arn + ":username::"], env).stdout,
                         "app-user\n")
        by_name = run_slipway(["secrets", "get", "--from", "secretsmanager", "itest/plain"], env)
        self.assertEqual(by_name.stdout, "plain-text-value-31f\n")
        self.assertEqual(run_slipway(["secrets", "get", "/itest/api_token"], env).stdout,
                         "token-value-9d2e\n")
        param_arn = f"arn:aws:ssm:{REGION}:123456789012:parameter/itest/api_token"
        self.assertEqual(run_slipway(["secrets", "get", param_arn], env).stdout, "token-value-9d2e\n")

    def test_a_pinned_stage_reads_the_previous_version(self):
        created = aws_cli(self.moto, "secretsmanager", "create-secret", "--name", "itest/staged",
                          "--secret-string", "first-version-aa")
        aws_cli(self.moto, "secretsmanager", "put-secret-value", "--secret-id", "itest/staged",
                "--secret-string", "second-version-bb")
        env = self.moto.env()
        self.assertEqual(run_slipway(["secrets", "get", created["ARN"]], env).stdout,
                         "second-version-bb\n")
        self.assertEqual(run_slipway(["secrets", "get", created["ARN"] + "::AWSPREVIOUS:"],
                                     env).stdout, "first-version-aa\n")

    # ---- slipway writes, the AWS CLI reads --------------------------------------------------

    def test_the_aws_cli_reads_what_slipway_wrote(self):
        env = self.moto.env()
        value_file = self.path("value")
        with open(value_file, "w") as f:
            f.write("written-by-slipway-1\n")
        created = run_slipway(["secrets", "set", "itest/written", "--from-file", value_file,
                               "--output", "json"], env)
        self.assertEqual(created.returncode, 0, created.stderr)
        self.assertEqual(json.loads(created.stdout)["action"], "created")
        got = aws_cli(self.moto, "secretsmanager", "get-secret-value", "--secret-id", "itest/written")
        self.assertEqual(got["SecretString"], "written-by-slipway-1")

        updated = run_slipway(["secrets", "set", "itest/written", "--from-file", "-"], env,
                              stdin="written-by-slipway-2\n")
        self.assertEqual(updated.returncode, 0, updated.stderr)
        self.assertNotIn("written-by-slipway", updated.stdout + updated.stderr)
        got = aws_cli(self.moto, "secretsmanager", "get-secret-value", "--secret-id", "itest/written")
        self.assertEqual(got["SecretString"], "written-by-slipway-2")
        previous = aws_cli(self.moto, "secretsmanager", "get-secret-value", "--secret-id",
                           "itest/written", "--version-stage", "AWSPREVIOUS")
        self.assertEqual(previous["SecretString"], "written-by-slipway-1")

        put = run_slipway(["secrets", "set", "/itest/written", "--ssm", "--from-file", "-"], env,
                          stdin="ssm-by-slipway-3")
        self.assertEqual(put.returncode, 0, put.stderr)
        parameter = aws_cli(self.moto, "ssm", "get-parameter", "--name", "/itest/written",
                            "--with-decryption")["Parameter"]
        self.assertEqual((parameter["Value"], parameter["Type"]), ("ssm-by-slipway-3", "SecureString"))

    def test_a_value_on_the_command_line_is_written_with_a_warning(self):
        env = self.moto.env()
        result = run_slipway(["secrets", "set", "itest/argv", "argv-value-4d"], env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stderr, r"warning: .*/proc/\d+/cmdline.*--from-file -")
        self.assertEqual(result.stderr.count("\n"), 1, "one line")
        self.assertNotIn("argv-value-4d", result.stdout + result.stderr)
        quiet = run_slipway(["secrets", "set", "itest/argv", "--from-file", "-"], env,
                            stdin="stdin-value-5e")
        self.assertEqual(quiet.returncode, 0, quiet.stderr)
        self.assertNotIn("warning", quiet.stderr)

    def test_import_writes_each_env_entry_with_slipways_parser(self):
        env_file = self.path("import.env")
        with open(env_file, "w") as f:
            f.write("# local secrets\nexport IMPORT_TOKEN='import-token-1a'\n"
                    'DB_PASSWORD="import-\\"quoted\\"-2b"\n')
        result = run_slipway(["secrets", "import", env_file, "--prefix", "itest/import/",
                              "--print-env"], self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        references = dict(line.split("=", 1) for line in result.stdout.splitlines())
        self.assertEqual(sorted(references), ["DB_PASSWORD_FROM", "IMPORT_TOKEN_FROM"])
        for name, value in (("IMPORT_TOKEN_FROM", "import-token-1a"),
                            ("DB_PASSWORD_FROM", 'import-"quoted"-2b')):
            got = aws_cli(self.moto, "secretsmanager", "get-secret-value", "--secret-id", references[name])
            self.assertEqual(got["SecretString"], value)
        self.assertTrue(references["DB_PASSWORD_FROM"].split(":secret:")[1].startswith("itest/import/db-password-"))

        # Importing again adds a version to each secret instead of failing on the existing name.
        with open(env_file, "w") as f:
            f.write("IMPORT_TOKEN=import-token-3c\n")
        again = run_slipway(["secrets", "import", env_file, "--prefix", "itest/import/",
                             "--output", "json"], self.moto.env())
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual([(item["key"], item["name"], item["action"]) for item in json.loads(again.stdout)],
                         [("IMPORT_TOKEN", "itest/import/import-token", "updated")])
        previous = aws_cli(self.moto, "secretsmanager", "get-secret-value", "--secret-id",
                           "itest/import/import-token", "--version-stage", "AWSPREVIOUS")
        self.assertEqual(previous["SecretString"], "import-token-1a")

        with open(env_file, "w") as f:
            f.write("SSM_TOKEN=import-ssm-5e\n")
        ssm = run_slipway(["secrets", "import", env_file, "--prefix", "/itest/import/", "--ssm",
                           "--print-env"], self.moto.env())
        self.assertEqual(ssm.stdout, "SSM_TOKEN_FROM=/itest/import/ssm-token\n", ssm.stderr)
        parameter = aws_cli(self.moto, "ssm", "get-parameter", "--name", "/itest/import/ssm-token",
                            "--with-decryption")["Parameter"]
        self.assertEqual((parameter["Value"], parameter["Type"]), ("import-ssm-5e", "SecureString"))

    def test_import_writes_nothing_when_one_entry_is_bad(self):
        env_file = self.path("bad-import.env")
        with open(env_file, "w") as f:
            f.write("GOOD=import-good-4d\nSHORT=abc\n")
        self.expect_failure(["secrets", "import", env_file, "--prefix", "itest/bad-import/"], 2,
                            "bad-import.env: SHORT", "shorter")
        with open(env_file, "w") as f:
            f.write("GOOD=import-good-4d\nBROKEN 'import-good-4d'\n")
        self.expect_failure(["secrets", "import", env_file, "--prefix", "itest/bad-import/"], 2,
                            "bad-import.env:2")
        with open(env_file, "w") as f:
            f.write("# nothing\n")
        self.expect_failure(["secrets", "import", env_file, "--prefix", "itest/bad-import/"], 2,
                            "no KEY=VALUE entries")
        names = [s["Name"] for s in aws_cli(self.moto, "secretsmanager", "list-secrets")["SecretList"]]
        self.assertFalse([n for n in names if n.startswith("itest/bad-import/")], names)

    def test_list_shows_names_and_arns_but_no_values(self):
        result = run_slipway(["secrets", "list", "--output", "json"], self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        listed = {item["name"]: item["arn"] for item in json.loads(result.stdout)}
        self.assertEqual(listed["itest/db"], self.db_arn)
        self.assertNotIn("pw-5cd8a1e2", result.stdout)
        params = run_slipway(["secrets", "list", "--ssm-path", "/itest"], self.moto.env())
        self.assertIn("/itest/api_token\tSecureString", params.stdout)
        self.assertNotIn("token-value-9d2e", params.stdout)

    # ---- exec --------------------------------------------------------------------------------

    def test_exec_injects_the_task_definition_secrets(self):
        taskdef = self.path("taskdef.json")
        with open(taskdef, "w") as f:
            json.dump({"family": "app", "containerDefinitions": [{
                "name": "app", "image": "app:1",
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": self.db_arn + ":password::"},
                            {"name": "DB_USER", "valueFrom": self.db_arn + ":username::"},
                            {"name": "PLAIN", "valueFrom": self.plain_arn},
                            {"name": "API_TOKEN", "valueFrom": "/itest/api_token"}]}]}, f)
        result = run_slipway(["secrets", "exec", "--task-definition", taskdef, "--",
                              *hash_env_command("DB_PASSWORD", "DB_USER", "PLAIN", "API_TOKEN")],
                             self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), {
            "DB_PASSWORD": sha256("pw-5cd8a1e2"), "DB_USER": sha256("app-user"),
            "PLAIN": sha256("plain-text-value-31f"), "API_TOKEN": sha256("token-value-9d2e")})

    def test_exec_renders_the_task_definition_templates_like_deploy(self):
        # deploy/taskdef.json writes valueFrom as ${X_FROM:-env://X}: set or defaulted.
        taskdef = self.path("templated.json")
        with open(taskdef, "w") as f:
            json.dump({"family": "app", "containerDefinitions": [{"name": "app", "secrets": [
                {"name": "DB_PASSWORD", "valueFrom": "${DB_PASSWORD_FROM:-env://DB_PASSWORD}"},
                {"name": "API_TOKEN", "valueFrom": "${API_TOKEN_FROM:-env://API_TOKEN}"}]}]}, f)
        env = self.moto.env(DB_PASSWORD_FROM=self.db_arn + ":password::",
                            API_TOKEN="local-api-token-5e")
        result = run_slipway(["secrets", "exec", "--task-definition", taskdef, "--",
                              *hash_env_command("DB_PASSWORD", "API_TOKEN")], env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), {"DB_PASSWORD": sha256("pw-5cd8a1e2"),
                                                     "API_TOKEN": sha256("local-api-token-5e")})
        with open(taskdef, "w") as f:
            f.write('{"containerDefinitions":[{"name":"app","secrets":'
                    '[{"name":"A","valueFrom":"${NOT_SET_ANYWHERE}"}]}]}')
        self.expect_failure(["secrets", "exec", "--task-definition", taskdef, "--", "true"], 2,
                            "NOT_SET_ANYWHERE")

    def test_a_secret_of_another_region_is_read_in_its_region(self):
        created = subprocess.run(
            ["aws", "--endpoint-url", self.moto.url, "--region", "eu-west-3", "--output", "json",
             "secretsmanager", "create-secret", "--name", "itest/paris", "--secret-string",
             "paris-value-0e1"], env=self.moto.env(), capture_output=True, text=True, check=True)
        arn = json.loads(created.stdout)["ARN"]
        self.assertIn(":eu-west-3:", arn)
        # The same parameter name in two regions, with different values.
        subprocess.run(["aws", "--endpoint-url", self.moto.url, "--region", "eu-west-3", "ssm",
                        "put-parameter", "--name", "/itest/api_token", "--type", "SecureString",
                        "--value", "paris-token-4c2"], env=self.moto.env(), capture_output=True,
                       check=True)
        param_arn = "arn:aws:ssm:eu-west-3:123456789012:parameter/itest/api_token"
        result = run_slipway(["secrets", "exec", "--env", f"PARIS={arn}",
                              "--env", f"HOME_REGION={self.db_arn}:password::",
                              "--env", f"PARIS_PARAM={param_arn}",
                              "--env", "HOME_PARAM=/itest/api_token", "--",
                              *hash_env_command("PARIS", "HOME_REGION", "PARIS_PARAM",
                                                "HOME_PARAM")], self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), {
            "PARIS": sha256("paris-value-0e1"), "HOME_REGION": sha256("pw-5cd8a1e2"),
            "PARIS_PARAM": sha256("paris-token-4c2"), "HOME_PARAM": sha256("token-value-9d2e")})

    def test_exec_with_env_flags_and_an_env_file(self):
        env_file = self.path("local.env")
        with open(env_file, "w") as f:
            f.write("# local\nexport LOCAL_TOKEN='local-token-77'\nPLAIN_SETTING=on\n")
        result = run_slipway(["secrets", "exec", "--env-file", env_file,
                              "--env", "FROM_ENV=env://LOCAL_TOKEN",
                              "--env", f"FROM_SM={self.db_arn}:password::", "--",
                              *hash_env_command("FROM_ENV", "FROM_SM", "PLAIN_SETTING")],
                             self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), {
            "FROM_ENV": sha256("local-token-77"), "FROM_SM": sha256("pw-5cd8a1e2"),
            "PLAIN_SETTING": sha256("on")})

    def test_exec_starts_nothing_when_one_secret_is_missing(self):
        marker = self.path("started")
        line = self.expect_failure(
            ["secrets", "exec", "--env", f"GOOD={self.db_arn}:password::",
             "--env", f"BAD={self.db_arn[:self.db_arn.rfind(':')]}:itest/nothing-here",
             "--", "touch", marker], 2, "secret BAD", "not found")
        self.assertFalse(os.path.exists(marker))
        self.assertNotIn("pw-5cd8a1e2", line)

    # ---- IAM: moto checks signatures and policies --------------------------------------------

    def test_a_wrong_signature_is_refused(self):
        key, _ = self.moto.users["admin"]
        env = self.moto.env(AWS_SECRET_ACCESS_KEY="not-the-secret-key-at-all")
        self.expect_failure(["secrets", "get", self.db_arn], 7, "SignatureDoesNotMatch", env=env)
        self.expect_failure(["whoami"], 7, env=env)

    def test_a_denied_action_is_refused_and_an_allowed_one_works(self):
        env = self.moto.env("lister")
        self.expect_failure(["secrets", "get", self.db_arn], 7, "AccessDenied", env=env)
        self.assertEqual(run_slipway(["secrets", "list"], env).returncode, 0)

    def test_whoami_names_the_iam_user(self):
        result = run_slipway(["whoami", "--output", "json"], self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(json.loads(result.stdout)["arn"].endswith(":user/admin"))

    # ---- credentials from the container endpoint ---------------------------------------------

    def test_container_endpoint_credentials_with_a_token_file(self):
        key, secret = self.moto.users["admin"]
        token_file = self.path("token")
        with open(token_file, "w") as f:
            f.write("container-auth-token\n")
        document = {"AccessKeyId": key, "SecretAccessKey": secret, "Token": "",
                    "Expiration": "2099-01-01T00:00:00Z", "RoleArn": "arn:aws:iam::1:role/task"}
        with CredentialsServer(document) as server:
            env = base_env()
            env.update({"AWS_ENDPOINT_URL": self.moto.url,
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url,
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "loses-to-the-file",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": token_file})
            result = run_slipway(["whoami"], env)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(":user/admin", result.stdout)
            self.assertEqual(server.authorizations, ["container-auth-token"])

    def test_expired_container_credentials_are_one_clear_error(self):
        key, secret = self.moto.users["admin"]
        document = {"AccessKeyId": key, "SecretAccessKey": secret, "Token": "t",
                    "Expiration": "2020-01-01T00:00:00Z"}
        with CredentialsServer(document) as server:
            env = base_env()
            env.update({"AWS_ENDPOINT_URL": self.moto.url,
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url})
            self.expect_failure(["secrets", "get", self.db_arn], 7, "expired", "container", env=env)

    # ---- bad input: one line, non-zero, nothing partial ---------------------------------------

    def test_bad_input_is_one_clear_line(self):
        arn = self.db_arn
        cases = [
            (["secrets", "get", "arn:aws:secretsmanager:us-east-1:123:secrt:x"], 2, "invalid"),
            (["secrets", "get", arn + ":password"], 2, "not 2"),
            (["secrets", "get", arn + ":password:AWSCURRENT:abc"], 2, "exclusive"),
            (["secrets", "get", arn[:arn.rfind(":")] + ":itest/absent"], 2, "not found"),
            (["secrets", "get", "/itest/absent"], 2, "not found"),
            (["secrets", "get", arn + ":nokey::"], 2, "no JSON key \"nokey\""),
            (["secrets", "get", self.plain_arn + ":key::"], 2, "not a JSON object"),
            (["secrets", "get", "env://SLIPWAY_SURELY_UNSET"], 2, "not set"),
            (["secrets", "get", "file:///nonexistent/secret"], 2, "cannot read"),
            (["secrets", "set", "itest/x"], 2, "--from-file"),
            (["secrets", "set", "itest/x", "v4lue", "--from-file", "-"], 2, "not both"),
            (["secrets", "exec", "--env", "NOEQUALS", "--", "true"], 2, "NAME=REFERENCE"),
            (["secrets", "exec", "--task-definition", "/nonexistent.json", "--", "true"], 2,
             "cannot read task definition"),
        ]
        for args, code, fragment in cases:
            with self.subTest(args=args):
                self.expect_failure(args, code, fragment)

    def test_unreachable_endpoint(self):
        env = self.moto.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
        self.expect_failure(["secrets", "get", self.db_arn], 7, "cannot reach", env=env)

    def test_expired_environment_credentials(self):
        env = self.moto.env(AWS_SESSION_TOKEN="x", AWS_CREDENTIAL_EXPIRATION="2020-01-01T00:00:00Z")
        self.expect_failure(["secrets", "get", self.db_arn], 7, "expired", "environment", env=env)

    def test_no_region_and_no_credentials(self):
        env = base_env()
        del env["AWS_REGION"], env["AWS_DEFAULT_REGION"]
        self.expect_failure(["secrets", "get", self.db_arn], 2, "region", env=env)
        env = base_env()
        env["AWS_ENDPOINT_URL"] = self.moto.url
        self.expect_failure(["secrets", "get", self.db_arn], 7, "no AWS credentials", env=env)

    def test_malformed_env_file(self):
        marker = self.path("never")
        env_file = self.path("broken.env")
        with open(env_file, "w") as f:
            f.write("GOOD=1\nBROKEN 'hidden-value-123'\n")
        line = self.expect_failure(["secrets", "exec", "--env-file", env_file, "--", "touch", marker],
                                   2, "broken.env:2")
        self.assertNotIn("hidden-value-123", line)
        self.assertFalse(os.path.exists(marker))

    def test_usage_errors_exit_2(self):
        self.assertEqual(run_slipway(["secrets"], self.moto.env()).returncode, 2)
        self.assertEqual(run_slipway(["secrets", "get"], self.moto.env()).returncode, 2)
        self.assertEqual(run_slipway(["secrets", "get", "x", "--", "y"], self.moto.env()).returncode, 2)


if __name__ == "__main__":
    unittest.main()
