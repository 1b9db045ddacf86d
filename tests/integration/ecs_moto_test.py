# labels: aws moto ecs
"""`slipway ecs` against moto with IAM authentication on. The cluster, service (awsvpc), ECR
repository, secrets, execution role, log group and target group are created with boto3, as
Terraform would; every slipway result is checked again with boto3 (botocore, the AWS CLI's own
library; the CLI's process start costs seconds per call on a loaded machine).

Each test starts from a fresh moto: one server per class, reset (`/moto-api/reset`, IAM auth
re-armed) and set up again before every test, which then builds the releases it needs itself.
No test depends on another's leftovers or on the order they run in.

moto records deployments but never completes them (docs/platform-notes.md), so deploys here either do
not wait (--no-wait) or wait with a short start timeout and must time out (exit 4) and roll the
service back; a "succeeded" outcome is recorded on a revision with the AWS CLI, as slipway
would after ECS completed the deployment, to exercise "roll back to the last good release".

EcsMoto and run_slipway are shared with ecs_bad_input_test.py."""

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest
import urllib.request

import boto3

from slipway_testlib import Process, binary, free_port, port_open, wait_until

SLIPWAY = binary("src", "cli", "slipway")
SOURCE_DIR = os.environ.get("SLIPWAY_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
REGION = "us-east-1"
ACCOUNT = "123456789012"
SHA1, SHA2, SHA3 = "1" * 40, "2" * 40, "3" * 40
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"

ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# What slipway ecs needs: the deploy role of the workflows (ci_oidc module) grants the same.
DEPLOYER_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions",
    "ecs:DeregisterTaskDefinition", "ecs:UpdateService", "ecs:DescribeServices", "ecs:ListTasks",
    "ecs:DescribeTasks", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource",
    "ecr:DescribeImages",
    "secretsmanager:DescribeSecret", "logs:DescribeLogGroups", "logs:FilterLogEvents",
    "logs:GetLogEvents", "elasticloadbalancing:DescribeTargetHealth", "cloudwatch:DescribeAlarms",
    "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:GetPolicy",
    "iam:GetPolicyVersion", "iam:PassRole"], "Resource": "*"}]}
# May look and tag (so it can take and release the service's lock) but not register.
READONLY_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    "ecs:DescribeServices", "ecs:ListTasks", "ecs:DescribeTasks", "ecr:DescribeImages",
    "ecs:ListTagsForResource", "ecs:TagResource", "ecs:UntagResource"],
    "Resource": "*"}]}
SETUP_CALLS = 4  # the admin user: user, key, policy, attachment


def base_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
                "AWS_CONFIG_FILE": "/nonexistent/config", "SLIPWAY_DEPLOYER": "ecs-test"})
    return env


class EcsMoto:
    """moto (through scripts/moto_server.py) with IAM auth on and an ECS service to deploy to."""

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = base_env()
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_CALLS)
        self.proc = Process(["python3", os.path.join(SOURCE_DIR, "scripts", "moto_server.py"),
                             "-H", "127.0.0.1", "-p", str(self.port)], env=env)
        # Wait for *our* server's banner: under parallel tests another moto may have taken the
        # port since free_port() (ours then exits with "Address already in use").
        wait_until(lambda: f"Running on http://127.0.0.1:{self.port}" in self.proc.output()[1]
                   or not self.proc.running(), timeout=60, what="moto_server to bind")
        if not self.proc.running():
            raise RuntimeError(f"moto_server could not start on port {self.port}:\n"
                               f"{self.proc.output()[1][-2000:]}")
        wait_until(lambda: port_open(self.port), timeout=30, what="moto to listen")
        self._create_users()
        return self

    def reset(self):
        """Back to the state of a fresh start, in milliseconds instead of seconds: every
        resource and user forgotten, IAM auth off again for the SETUP_CALLS that create the
        admin, then the three users again."""
        for path, body in (("/moto-api/reset", b""), ("/moto-api/reset-auth", str(SETUP_CALLS).encode())):
            # A JSON content type: with urllib's default (a form) moto's request.data is empty.
            request = urllib.request.Request(self.url + path, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200, f"{path}: {response.status}"
        self._create_users()
        return self

    def _create_users(self):
        self.users = {}
        self._user("admin", ADMIN_POLICY, unauthenticated=True)
        self._user("deployer", DEPLOYER_POLICY)
        self._user("readonly", READONLY_POLICY)

    def _user(self, name, policy, unauthenticated=False):
        iam = self.client("iam", user=None if unauthenticated else "admin")
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        arn = iam.create_policy(PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
        self.users[name] = (key["AccessKeyId"], key["SecretAccessKey"])

    def client(self, service, user="admin"):
        """A boto3 client as `user` (None: the unauthenticated setup calls), made once per
        service and key (a reset makes new keys)."""
        key, secret = self.users[user] if user else ("setup", "setup")
        cache = self.__dict__.setdefault("_clients", {})
        if (service, key) not in cache:
            cache[(service, key)] = boto3.client(service, endpoint_url=self.url, region_name=REGION,
                                                 aws_access_key_id=key, aws_secret_access_key=secret)
        return cache[(service, key)]

    def env(self, user="deployer", **extra):
        env = base_env()
        key, secret = self.users[user]
        env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_ENDPOINT_URL": self.url})
        env.update(extra)
        return env

    def _raw_cli(self, args, keys):
        env = base_env()
        env.update({"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1]})
        result = subprocess.run(["aws", "--endpoint-url", self.url, "--output", "json", *args],
                                env=env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args[:2])} failed: {result.stderr}")
        return json.loads(result.stdout) if result.stdout.strip() else None

    def aws(self, *args, user="admin"):
        """The AWS CLI (a client nobody here wrote) against moto; parsed JSON output. Each call
        starts a process: prefer client() where many calls are made."""
        return self._raw_cli(args, self.users[user])

    def stop(self):
        self.proc.stop()


def run_slipway(args, env, timeout=120):
    return subprocess.run([SLIPWAY, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


TASKDEF = """{
  "family": "${SERVICE}",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["EC2"],
  "cpu": "256",
  "memory": "256",
  "executionRoleArn": "${EXECUTION_ROLE_ARN}",
  "containerDefinitions": [{
    "name": "app", "image": "${IMAGE}", "essential": true,
    "user": "${CONTAINER_USER:-65534:65534}", "readonlyRootFilesystem": true,
    "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
    "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
    "environment": [{"name": "LOG_LEVEL", "value": "${LOG_LEVEL:-info}"}],
    "secrets": [{"name": "DATABASE_PASSWORD", "valueFrom": "${DATABASE_PASSWORD_FROM}"},
                {"name": "API_KEY", "valueFrom": "${API_KEY_FROM}"}],
    "logConfiguration": {"logDriver": "awslogs", "options": {
      "awslogs-group": "${LOG_GROUP:-/slipway/app}", "awslogs-region": "us-east-1",
      "awslogs-stream-prefix": "${SERVICE}"}}
  }]
}
"""


def make_service_dir():
    """A service directory: slipway.yaml (target ecs) and deploy/taskdef.json."""
    directory = tempfile.mkdtemp(prefix="slipway-ecs-")
    os.makedirs(os.path.join(directory, "deploy"))
    with open(os.path.join(directory, "slipway.yaml"), "w") as f:
        f.write(textwrap.dedent("""\
            service: app
            image_repository: app
            target: ecs
            ecs:
              cluster: slipway-test
              region: us-east-1
            """))
    with open(os.path.join(directory, "deploy", "taskdef.json"), "w") as f:
        f.write(TASKDEF)
    return directory


def create_infrastructure(moto, readable_secret="db"):
    """What Terraform's local env would create, with boto3 as the admin: returns a dict of
    outputs."""
    out = {}
    ec2, elbv2, secrets, iam, logs, ecr, ecs = (moto.client(s) for s in (
        "ec2", "elbv2", "secretsmanager", "iam", "logs", "ecr", "ecs"))
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    out["TARGET_GROUP_ARN"] = elbv2.create_target_group(
        Name="app", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    for name in ("db", "api"):
        out[name] = secrets.create_secret(Name=f"app/{name}", SecretString=f"{name}-value-1")["ARN"]
    out["DATABASE_PASSWORD_FROM"] = out["db"]
    out["API_KEY_FROM"] = out["api"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    out["EXECUTION_ROLE_ARN"] = iam.create_role(RoleName="app-execution",
                                                AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    readable = [out[readable_secret]] if readable_secret else [out["db"], out["api"]]
    iam.put_role_policy(RoleName="app-execution", PolicyName="secrets", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": readable},
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": "arn:aws:logs:us-east-1:*:log-group:/slipway/app:log-stream:*"}]}))
    logs.create_log_group(logGroupName="/slipway/app")
    ecr.create_repository(repositoryName="app")
    for sha in (SHA1, SHA2):
        manifest = json.dumps({"schemaVersion": 2, "mediaType":
                               "application/vnd.docker.distribution.manifest.v2+json",
                               "config": {"digest": "sha256:" + sha[:2] * 32, "size": 1,
                                          "mediaType": "application/vnd.docker.container.image.v1+json"},
                               "layers": []})
        ecr.put_image(repositoryName="app", imageTag=sha, imageManifest=manifest)
    ecs.create_cluster(clusterName="slipway-test")
    initial = ecs.register_task_definition(
        family="app", networkMode="awsvpc", requiresCompatibilities=["EC2"], cpu="256", memory="256",
        containerDefinitions=[{"name": "app", "image": f"{REGISTRY}/app:bootstrap", "essential": True,
                               "portMappings": [{"containerPort": 8080}]}])
    out["INITIAL_TASK_DEFINITION"] = initial["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="slipway-test", serviceName="app", taskDefinition="app:1", desiredCount=2, launchType="EC2",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        loadBalancers=[{"targetGroupArn": out["TARGET_GROUP_ARN"], "containerName": "app", "containerPort": 8080}],
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True},
                                 "maximumPercent": 200, "minimumHealthyPercent": 100})
    return out


def var_flags(outputs):
    return [flag for name in ("EXECUTION_ROLE_ARN", "DATABASE_PASSWORD_FROM", "API_KEY_FROM")
            for flag in ("--var", f"{name}={outputs[name]}")]


def result_of(completed):
    """The result line `slipway ecs deploy|rollback -o json` ends with (the vm verbs' shape)."""
    final = json.loads(completed.stdout.splitlines()[-1])
    assert final["event"] == "result", final
    return final


def service_task_definition(moto):
    return moto.client("ecs").describe_services(cluster="slipway-test", services=["app"])[
        "services"][0]["taskDefinition"]


def revisions(moto):
    return moto.client("ecs").list_task_definitions(familyPrefix="app")["taskDefinitionArns"]


def tags_of(moto, arn):
    tags = moto.client("ecs").list_tags_for_resource(resourceArn=arn)["tags"]
    return {t["key"]: t["value"] for t in tags}


class EcsDeployRollback(unittest.TestCase):
    """One service's life: deploy, a deploy that never completes, rollback, history, cleanup.
    Each test builds the releases it needs (deploy_good, deploy_timed_out) on a fresh moto."""

    @classmethod
    def setUpClass(cls):
        cls.moto = EcsMoto().start()
        cls.dir = make_service_dir()
        cls.spec = os.path.join(cls.dir, "slipway.yaml")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.moto.reset()
        self.outputs = create_infrastructure(self.moto)

    def slipway(self, *args, user="deployer"):
        return run_slipway(["ecs", *args, "--spec", self.spec], self.moto.env(user))

    def deploy_good(self, sha=SHA1):
        """A release ECS completed: deployed without waiting, then tagged succeeded as slipway
        does after a COMPLETED deployment and its bake (moto never completes one)."""
        result = self.slipway("deploy", "--image", f"{REGISTRY}/app:{sha}", "--no-wait",
                              *var_flags(self.outputs), "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        arn = result_of(result)["task_definition"]
        self.moto.client("ecs").tag_resource(resourceArn=arn, tags=[{"key": "slipway:outcome", "value": "succeeded"}])
        return arn

    def deploy_timed_out(self, sha=SHA2):
        """A release that never completes: slipway times out and rolls the service back."""
        before = revisions(self.moto)
        result = self.slipway("deploy", "--image", f"{REGISTRY}/app:{sha}", "--start-timeout",
                              "1s", "--poll-interval", "200ms", *var_flags(self.outputs))
        self.assertEqual(result.returncode, 4, result.stdout + result.stderr)
        return sorted(set(revisions(self.moto)) - set(before))[0]

    def test_deploy_registers_a_tagged_revision_and_points_the_service_at_it(self):
        before = revisions(self.moto)
        result = self.slipway("deploy", "--image", f"{REGISTRY}/app:{SHA1}", "--no-wait",
                              "--pin-secret-versions", *var_flags(self.outputs), "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        events = [json.loads(line) for line in result.stdout.splitlines()]
        final = events[-1]
        self.assertEqual(final["event"], "result", final)
        after = revisions(self.moto)
        self.assertEqual(len(after), len(before) + 1)
        new_arn = final["task_definition"]
        self.assertIn(new_arn, after)
        self.assertEqual(service_task_definition(self.moto), new_arn)
        tags = tags_of(self.moto, new_arn)
        self.assertEqual(tags["slipway:commit"], SHA1)
        self.assertEqual(tags["slipway:deployed-by"], "ecs-test")
        digest = self.moto.client("ecr").describe_images(repositoryName="app", imageIds=[{"imageTag": SHA1}])[
            "imageDetails"][0]["imageDigest"]
        self.assertEqual(tags["slipway:image-digest"], digest)
        self.assertEqual(tags["slipway:outcome"], "in_progress")
        # Pinned: each secret reference carries the version id AWSCURRENT had at deploy time.
        definition = self.moto.client("ecs").describe_task_definition(taskDefinition=new_arn)["taskDefinition"]
        value_froms = {s["name"]: s["valueFrom"] for s in
                       definition["containerDefinitions"][0]["secrets"]}
        versions = self.moto.client("secretsmanager").describe_secret(SecretId=self.outputs["db"])["VersionIdsToStages"]
        current = next(v for v, stages in versions.items() if "AWSCURRENT" in stages)
        self.assertEqual(value_froms["DATABASE_PASSWORD"], f"{self.outputs['db']}:::{current}")

    def test_a_deploy_that_never_completes_times_out_and_is_rolled_back_by_slipway(self):
        good_arn = self.deploy_good()
        before = revisions(self.moto)
        result = self.slipway("deploy", "--image", f"{REGISTRY}/app:{SHA2}", "--start-timeout",
                              "1s", "--poll-interval", "200ms", *var_flags(self.outputs))
        self.assertEqual(result.returncode, 4, result.stdout + result.stderr)
        self.assertIn("timed_out", result.stdout)
        self.assertIn("slipway rolled the service back", result.stdout)
        after = revisions(self.moto)
        self.assertEqual(len(after), len(before) + 1)
        bad_arn = sorted(set(after) - set(before))[0]
        self.assertEqual(tags_of(self.moto, bad_arn)["slipway:outcome"], "timed_out")
        self.assertEqual(service_task_definition(self.moto), good_arn)

    def test_rollback_to_a_commit_registers_nothing_and_rollback_defaults_to_last_good(self):
        good_arn, bad_arn = self.deploy_good(), self.deploy_timed_out()
        before = revisions(self.moto)
        # Point the service at the bad revision, as a deploy without slipway's rollback would.
        result = self.slipway("rollback", "--to", SHA2[:7], "--no-wait")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(service_task_definition(self.moto), bad_arn)
        result = self.slipway("rollback", "--no-wait", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(service_task_definition(self.moto), good_arn)
        self.assertEqual(revisions(self.moto), before)  # nothing registered
        self.assertEqual(tags_of(self.moto, bad_arn)["slipway:outcome"], "rolled_back")
        # By revision number too (a move forward judges nothing; back again marks it bad).
        result = self.slipway("rollback", "--to", bad_arn.rsplit(":", 1)[1], "--no-wait")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(service_task_definition(self.moto), bad_arn)
        self.assertEqual(tags_of(self.moto, good_arn)["slipway:outcome"], "succeeded")
        result = self.slipway("rollback", "--to", good_arn.rsplit(":", 1)[1], "--no-wait")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(service_task_definition(self.moto), good_arn)
        self.assertEqual(revisions(self.moto), before)

    def test_history_lists_both_releases_with_their_commits_and_outcomes(self):
        good_arn, bad_arn = self.deploy_good(), self.deploy_timed_out()
        result = self.slipway("history", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        history = json.loads(result.stdout)
        by_arn = {r["arn"]: r for r in history}
        self.assertEqual(by_arn[good_arn]["commit"], SHA1)
        self.assertEqual(by_arn[good_arn]["outcome"], "succeeded")
        self.assertTrue(by_arn[good_arn]["current"])
        self.assertEqual(by_arn[bad_arn]["commit"], SHA2)
        self.assertEqual(by_arn[bad_arn]["outcome"], "timed_out")
        self.assertFalse(by_arn[bad_arn]["current"])
        self.assertEqual([r["revision"] for r in history], sorted((r["revision"] for r in history), reverse=True))
        text = self.slipway("history")
        self.assertIn(SHA1[:12], text.stdout)

    def test_cleanup_keeps_protected_revisions(self):
        good_arn, bad_arn = self.deploy_good(), self.deploy_timed_out()
        # Two more releases: one good (newer), one failed.
        arns = []
        for sha, outcome in ((SHA2, "failed"), (SHA1, "succeeded")):
            result = self.slipway("deploy", "--image", f"{REGISTRY}/app:{sha}", "--no-wait",
                                  *var_flags(self.outputs), "-o", "json")
            self.assertEqual(result.returncode, 0, result.stderr)
            arn = result_of(result)["task_definition"]
            self.moto.client("ecs").tag_resource(resourceArn=arn, tags=[{"key": "slipway:outcome", "value": outcome}])
            arns.append(arn)
        current = service_task_definition(self.moto)
        dry = self.slipway("cleanup", "--keep", "1", "--dry-run", "-o", "json")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        planned = json.loads(dry.stdout)["deregistered"]
        self.assertEqual(len(revisions(self.moto)), 5)  # dry run changed nothing
        result = self.slipway("cleanup", "--keep", "1", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        removed = json.loads(result.stdout.splitlines()[-1])["deregistered"]
        self.assertEqual(removed, planned)
        remaining = revisions(self.moto)
        self.assertIn(current, remaining)                                  # in use and newest good
        self.assertIn(self.outputs["INITIAL_TASK_DEFINITION"], remaining)  # not slipway's
        self.assertNotIn(arns[0], remaining)                               # failed
        self.assertNotIn(bad_arn, remaining)                               # timed out
        # Good and of the same commit as the newest good release: kept with it.
        self.assertIn(good_arn, remaining)
        self.assertEqual(len(remaining), 3)
        result = self.slipway("cleanup", "--keep", "0")
        self.assertEqual(result.returncode, 2)

    def test_diff_names_what_a_deploy_would_change(self):
        self.deploy_good()
        current = service_task_definition(self.moto)
        image = self.moto.client("ecs").describe_task_definition(taskDefinition=current)[
            "taskDefinition"]["containerDefinitions"][0]["image"]
        other = f"{REGISTRY}/app:{SHA2 if image.endswith(SHA1) else SHA1}"
        result = self.slipway("diff", "--image", other, *var_flags(self.outputs), "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        changes = {c["path"]: c for c in map(json.loads, result.stdout.splitlines())}
        self.assertEqual(changes["containerDefinitions[0].image"]["change"], "~")
        self.assertEqual(changes["containerDefinitions[0].image"]["before"], json.dumps(image))
        self.assertEqual(changes["containerDefinitions[0].image"]["after"], json.dumps(other))
        same = self.slipway("diff", "--image", image, *var_flags(self.outputs), "-o", "json")
        self.assertNotIn("containerDefinitions[0].image", same.stdout)

    def test_logs_and_status(self):
        self.deploy_good()  # a revision that logs to /slipway/app
        stream = "app/app/0123456789abcdef"
        logs = self.moto.client("logs")
        logs.create_log_stream(logGroupName="/slipway/app", logStreamName=stream)
        now = int(__import__("time").time() * 1000)
        logs.put_log_events(logGroupName="/slipway/app", logStreamName=stream,
                            logEvents=[{"timestamp": now - 1000, "message": '{"msg":"first"}'},
                                       {"timestamp": now, "message": '{"msg":"second"}'}])
        result = self.slipway("logs", "--lines", "10", "--since", "5m")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines(), ['{"msg":"first"}', '{"msg":"second"}'])
        result = self.slipway("status", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        status = json.loads(result.stdout)
        self.assertEqual(status["task_definition"], service_task_definition(self.moto))
        self.assertEqual(status["desired"], 2)

    def test_a_deploy_another_deploy_overtakes_is_superseded(self):
        before = self.deploy_good()
        follower = subprocess.Popen(
            [SLIPWAY, "ecs", "deploy", "--spec", self.spec, "--image", f"{REGISTRY}/app:{SHA2}",
             "--start-timeout", "120s", "--poll-interval", "200ms", *var_flags(self.outputs)],
            env=self.moto.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_until(lambda: service_task_definition(self.moto) != before, timeout=60,
                       what="the followed deploy to update the service")
            ours = service_task_definition(self.moto)
            # A second slipway would be refused (exit 5, the service's lock); another tool is not.
            result = self.slipway("rollback", "--to", before.rsplit(":", 1)[1], "--no-wait")
            self.assertEqual(result.returncode, 5, result.stderr)
            self.moto.client("ecs").update_service(cluster="slipway-test", service="app", taskDefinition=before)
            out, err = follower.communicate(timeout=60)
        finally:
            if follower.poll() is None:
                follower.kill()
                follower.wait()
        self.assertEqual(follower.returncode, 6, out + err)
        self.assertIn("superseded", out)
        self.assertEqual(tags_of(self.moto, ours)["slipway:outcome"], "superseded")
        self.assertEqual(service_task_definition(self.moto), before)  # not rolled back over it
        service_arn = self.moto.client("ecs").describe_services(cluster="slipway-test", services=["app"])[
            "services"][0]["serviceArn"]
        self.assertNotIn("slipway:lock", tags_of(self.moto, service_arn))  # released

    def test_top_level_verbs_drive_ecs_when_the_spec_says_so(self):
        self.deploy_good()
        env = self.moto.env("deployer")
        top = lambda *args: run_slipway([*args, "--spec", self.spec], env)
        for verb in ("history", "status"):
            with self.subTest(verb=verb):
                mine, theirs = top(verb, "-o", "json"), self.slipway(verb, "-o", "json")
                self.assertEqual(mine.returncode, 0, mine.stderr)
                self.assertEqual(json.loads(mine.stdout), json.loads(theirs.stdout))
        # deploy reaches the ECS checks (the image is looked up in ECR), not the vm target's.
        before = revisions(self.moto)
        missing = top("deploy", "--image", f"{REGISTRY}/app:{'e' * 40}", *var_flags(self.outputs))
        self.assertEqual(missing.returncode, 2, missing.stderr)
        self.assertIn("ECR", missing.stderr)
        self.assertEqual(revisions(self.moto), before)
        # vm-only flags are refused rather than ignored.
        engine = top("status", "--engine", "podman")
        self.assertEqual(engine.returncode, 2)
        self.assertIn("--engine applies to the vm target", engine.stderr)


class EcsVerify(unittest.TestCase):
    """verify catches a secret the execution role cannot read and an image not in ECR."""

    @classmethod
    def setUpClass(cls):
        cls.moto = EcsMoto().start()
        cls.dir = make_service_dir()
        cls.spec = os.path.join(cls.dir, "slipway.yaml")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.moto.reset()
        self.outputs = create_infrastructure(self.moto, readable_secret="db")

    def verify(self, image, *flags):
        result = run_slipway(["ecs", "verify", "--spec", self.spec, "--image", image,
                              "--target-group", self.outputs["TARGET_GROUP_ARN"],
                              *var_flags(self.outputs), *flags, "-o", "json"], self.moto.env())
        return result, {c["check"]: c for c in map(json.loads, result.stdout.splitlines())}

    def test_unreadable_secret_and_missing_image_fail_and_the_rest_passes(self):
        result, checks = self.verify(f"{REGISTRY}/app:{SHA3}")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertFalse(checks["image"]["ok"])
        self.assertIn("not found in ECR", checks["image"]["detail"])
        secret_checks = {name: c for name, c in checks.items() if name.startswith("secret:")}
        self.assertEqual(len(secret_checks), 2)
        readable = [c["ok"] for name, c in secret_checks.items() if "app/db" in name]
        unreadable = [c for name, c in secret_checks.items() if "app/api" in name]
        self.assertEqual(readable, [True])
        self.assertFalse(unreadable[0]["ok"])
        self.assertIn("may not secretsmanager:GetSecretValue", unreadable[0]["detail"])
        self.assertTrue(checks["log-group"]["ok"])
        self.assertTrue(checks["log-group-write"]["ok"])
        self.assertTrue(checks["hardening"]["ok"])
        self.assertTrue(checks["target-group"]["ok"])
        self.assertTrue(checks["service"]["ok"])

    def test_a_root_container_and_an_unwritable_log_group_fail(self):
        self.moto.client("logs").create_log_group(logGroupName="/elsewhere")
        result, checks = self.verify(f"{REGISTRY}/app:{SHA1}", "--var", "CONTAINER_USER=0:0",
                                     "--var", "LOG_GROUP=/elsewhere")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertFalse(checks["hardening:app"]["ok"])
        self.assertIn("runs as root", checks["hardening:app"]["detail"])
        self.assertNotIn("hardening", checks)
        self.assertTrue(checks["log-group"]["ok"])
        self.assertFalse(checks["log-group-write"]["ok"])
        self.assertIn("may not logs:CreateLogStream", checks["log-group-write"]["detail"])

    def test_all_pass_once_the_role_may_read_both_secrets(self):
        self.moto.client("iam").put_role_policy(
            RoleName="app-execution", PolicyName="secrets-api", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                    "Resource": self.outputs["api"]}]}))
        result, checks = self.verify(f"{REGISTRY}/app:{SHA1}")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertTrue(all(c["ok"] for c in checks.values()), checks)


if __name__ == "__main__":
    unittest.main(verbosity=2)
