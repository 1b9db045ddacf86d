# labels: terraform serial
"""envs/local applied for real against moto (scripts/moto_server.py on a free loopback port):
init -> apply from empty state -> out-of-band secret values -> second apply -> plan with no
changes -> AWS CLI checks of the properties that matter -> the release rehearsal -> destroy.
Prints each phase's time.

The rehearsal (release_rehearsal.py) is the production path on this stack: the deploy job's
GitHub token -> AssumeRoleWithWebIdentity -> scripts/release.sh with the role's credentials
(deploy x3, inspect, rollback, cleanup; primary then DR; `--no-wait`, as moto never completes a
deployment), then a CANARY deploy with docs/strategies.md's traffic-shifting service file, every call recorded and judged with the jobs' tokens by a real IAM evaluator
against the policies in Terraform's state.

The same modules as production; only the provider endpoints and the `compat` switches differ
(infra/terraform/README.md lists them). Terraform's working copy and state live in a temporary
directory; moto is stopped by PID at the end. On a failure the message carries moto's trace of
the last requests (scripts/moto_server.py, SLIPWAY_MOTO_TRACE); SLIPWAY_TF_TEST_ARTIFACTS=DIR keeps
that trace and the state after the run.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import boto3

import release_rehearsal
from slipway_testlib import SOURCE_DIR, Process, binary, free_port, http_get, wait_until

TERRAFORM_DIR = os.path.join(SOURCE_DIR, "infra", "terraform")
WRAPPER = os.path.join(SOURCE_DIR, "scripts", "terraform.sh")
MOTO = os.path.join(SOURCE_DIR, "scripts", "moto_server.py")
REGION = "us-east-1"
DR_REGION = "us-west-2"
GUARDED_SERVICES = ("secretsmanager", "kms", "ssm", "ecs")
# Sentinel "secret values" written out of band; they must never reach Terraform's state.
SENTINEL_API_KEY = "sentinel-api-key-6f1d0c"
SENTINEL_DATABASE_PASSWORD = "sentinel-db-pass-93ab"


class TerraformLocalApplyTest(unittest.TestCase):
    timings = {}

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="slipway-tf-local-")
        shutil.copytree(TERRAFORM_DIR, os.path.join(cls.tmp, "terraform"),
                        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*"))
        cls.env_dir = os.path.join(cls.tmp, "terraform", "envs", "local")
        rc_file = os.path.join(cls.tmp, "terraformrc")
        open(rc_file, "w").close()
        cls.port = free_port()
        cls.endpoint = f"http://127.0.0.1:{cls.port}"
        cls.env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1",
                       TF_CLI_CONFIG_FILE=rc_file, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                       AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
                       AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        cls.trace_file = os.path.join(cls.tmp, "moto-requests.log")
        cls.calls_file = os.path.join(cls.tmp, "moto-calls.jsonl")
        cls.moto = Process([sys.executable, MOTO, "-H", "127.0.0.1", "-p", str(cls.port)],
                           env=dict(cls.env, SLIPWAY_MOTO_TRACE=cls.trace_file, SLIPWAY_MOTO_CALLS=cls.calls_file))
        # free_port() keeps other tests off the port, not every other program: if something took
        # it since, our moto exits with "Address already in use" while the other answers. So wait
        # for *our* server's banner, not merely for something answering on the port.
        wait_until(lambda: f"Running on http://127.0.0.1:{cls.port}" in cls.moto.output()[1] or not cls.moto.running(),
                   timeout=30, what="moto_server to bind")
        if not cls.moto.running():
            raise RuntimeError(f"moto_server could not start on port {cls.port}:\n{cls.moto.output()[1][-2000:]}")
        wait_until(lambda: http_get(cls.port, "/moto-api/")[0] == 200, timeout=30, what="moto_server")

    @classmethod
    def tearDownClass(cls):
        try:
            if os.path.exists(os.path.join(cls.env_dir, "terraform.tfstate")):
                # Only reached when the test failed before its own destroy.
                cls.terraform("destroy", "-auto-approve", timeout=600, check=False)
        finally:
            cls.moto.stop()
            keep = os.environ.get("SLIPWAY_TF_TEST_ARTIFACTS")
            if keep:  # for chasing a flake: the moto trace and state survive the run
                shutil.copytree(cls.tmp, os.path.join(keep, os.path.basename(cls.tmp)),
                                ignore=shutil.ignore_patterns(".terraform", "modules"), dirs_exist_ok=True)
            shutil.rmtree(cls.tmp, ignore_errors=True)
            if cls.timings:
                print("terraform phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in cls.timings.items()))

    @classmethod
    def terraform(cls, *args, timeout=600, check=True, phase=None):
        argv = [WRAPPER, cls.env_dir, *args]
        if args[0] in ("apply", "plan", "destroy"):
            argv += ["-no-color", f"-var=aws_endpoint={cls.endpoint}"]
        started = time.monotonic()
        try:
            result = subprocess.run(argv, env=cls.env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            # A hang is a failure to diagnose, not to wait out: say what Terraform was waiting for.
            output = (expired.stdout or b"").decode(errors="replace") if isinstance(expired.stdout, bytes) else expired.stdout or ""
            raise AssertionError(f"terraform {' '.join(args)} still running after {timeout} s:\n{output[-6000:]}\n"
                                 f"{cls.moto_diagnosis()}") from None
        elapsed = time.monotonic() - started
        if phase:
            cls.timings[phase] = elapsed
            print(f"phase {phase}: {elapsed:.1f}s (exit {result.returncode})", flush=True)
        if check and result.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}\n{cls.moto_diagnosis()}")
        return result

    @classmethod
    def moto_diagnosis(cls):
        """moto's tracebacks, the requests it refused, and the last requests it answered."""
        moto_log = cls.moto.output()[1]
        tracebacks = "\n".join(l for l in moto_log.splitlines() if '" 500 ' in l or "Traceback" in l)[-3000:]
        trace = []
        if os.path.exists(cls.trace_file):
            with open(cls.trace_file) as f:
                trace = f.read().splitlines()
        # Lines are "TIME MS STATUS SERVICE ACTION ..." or "TIME DROPPED ERROR" (connection lost).
        refused = "\n".join(l for l in trace if l.split()[1] == "DROPPED" or l.split()[2][:1] in ("4", "5"))[-3000:]
        return (f"moto 500s and tracebacks:\n{tracebacks}\nmoto requests refused:\n{refused}\n"
                f"last moto requests:\n" + "\n".join(trace[-40:]))

    def aws(self, *args, region=REGION):
        result = subprocess.run(["aws", "--endpoint-url", self.endpoint, "--region", region, "--output", "json", *args],
                                env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, f"aws {' '.join(args)}: {result.stderr}")
        return json.loads(result.stdout) if result.stdout.strip() else {}

    def test_apply_plan_check_destroy(self):
        self.terraform("init", "-no-color", timeout=120, phase="init")

        self.terraform("apply", "-auto-approve", phase="apply_from_empty")
        outputs = {k: v["value"] for k, v in json.loads(self.terraform("output", "-json").stdout).items()}

        # What `slipway secrets set` does, out of band (boto3: no value on a command line).
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        session.client("secretsmanager", endpoint_url=self.endpoint).put_secret_value(
            SecretId=outputs["secret_arns"]["api-key"], SecretString=SENTINEL_API_KEY)
        session.client("ssm", endpoint_url=self.endpoint).put_parameter(
            Name=outputs["parameter_arns"]["database-password"].split(":parameter", 1)[1], Type="SecureString",
            Value=SENTINEL_DATABASE_PASSWORD, Overwrite=True)

        # moto answers a few attributes differently on the first read (rule descriptions,
        # launch template tags, availability_zone_rebalancing): one more apply settles them.
        self.terraform("apply", "-auto-approve", phase="second_apply")
        with open(os.path.join(self.env_dir, "terraform.tfstate")) as f:
            state = f.read()
        self.assertNotIn(SENTINEL_API_KEY, state, "a Secrets Manager value reached Terraform state")
        self.assertNotIn("sentinel-db-pass", state, "an SSM parameter value reached Terraform state")

        plan = self.terraform("plan", "-detailed-exitcode", "-input=false", check=False, phase="plan")
        self.assertEqual(plan.returncode, 0, f"plan after the second apply is not empty:\n{plan.stdout[-8000:]}")

        started = time.monotonic()
        self.check_service(outputs)
        self.check_alarms(outputs)
        self.check_execution_role(outputs)
        self.check_security_groups(outputs)
        self.check_compute_and_storage(outputs)
        self.check_dr(outputs)
        self.timings["aws_cli_checks"] = time.monotonic() - started

        started = time.monotonic()
        self.rehearse_release(outputs)
        self.timings["release_rehearsal"] = time.monotonic() - started

        # The second apply just refreshed and wrote the state: no need to read 191 resources again.
        self.terraform("destroy", "-auto-approve", "-refresh=false", phase="destroy")
        clusters = self.aws("ecs", "describe-clusters", "--clusters", outputs["cluster_name"])["clusters"]
        self.assertEqual([c["status"] for c in clusters if c["status"] == "ACTIVE"], [])
        self.assertEqual(self.aws("elbv2", "describe-load-balancers")["LoadBalancers"], [])
        os.remove(os.path.join(self.env_dir, "terraform.tfstate"))

    def rehearse_release(self, outputs):
        with open(os.path.join(self.env_dir, "terraform.tfstate")) as f:
            state = json.load(f)
        rehearsal = release_rehearsal.Rehearsal(self.endpoint, state, outputs, self.calls_file,
                                                binary("src", "cli", "slipway"), self.env)
        try:
            revisions, calls, verdicts = rehearsal.run()
        except release_rehearsal.RehearsalFailure as failure:
            raise AssertionError(f"{failure}\n{self.moto_diagnosis()}") from None
        log = "\n".join(rehearsal.log)
        keep = os.environ.get("SLIPWAY_TF_TEST_ARTIFACTS")
        if keep:  # the per-command call table of docs and notes
            os.makedirs(keep, exist_ok=True)
            with open(os.path.join(keep, "release-rehearsal-calls.md"), "w") as f:
                f.write(release_rehearsal.call_table(verdicts) + "\n")
            with open(os.path.join(keep, "release-rehearsal.log"), "w") as f:
                f.write(log)

        # The evaluator's verdicts: every call allowed, every token judged as the trust policy must.
        found = release_rehearsal.problems(verdicts)
        self.assertEqual(found, [], "the deploy role's policies as Terraform rendered them:\n" + "\n".join(found))

        # The path did what it says, in both regions: the rollback returned to the last good
        # release, the cleanup deregistered the release older than it.
        for region in release_rehearsal.REGIONS:
            self.assertEqual(revisions["after_rollback"][region], revisions["second"][region], f"{region}:\n{log[-6000:]}")
            self.assertNotEqual(revisions["third"][region], revisions["second"][region])
            self.assertEqual(revisions["inactive_after_cleanup"][region], [revisions["first"][region]], region)
        # The CANARY of docs/strategies.md, deployed with the role: moto's service carries the
        # strategy and the load balancer pieces Terraform built, and the evaluator saw (and
        # allowed, above) UpdateService handing ECS the load balancer role, and only that role.
        # Each region's pieces reached its service through that region's release parameters.
        stacks = {release_rehearsal.REGIONS[0]: {k: outputs[k] for k in (
                      "target_group_arn", "container_name", "app_port", "alternate_target_group_arn",
                      "production_listener_rule_arn", "load_balancer_infrastructure_role_arn")},
                  release_rehearsal.REGIONS[1]: outputs["dr"]}
        for region, stack in stacks.items():
            canary = revisions["canary"][region]
            self.assertEqual(canary["deploymentConfiguration"]["strategy"], "CANARY", f"{region}:\n{log[-6000:]}")
            self.assertNotEqual(canary["taskDefinition"], revisions["after_rollback"][region])
            self.assertEqual([(b["targetGroupArn"], b["containerName"], b["containerPort"], b.get("advancedConfiguration"))
                              for b in canary["loadBalancers"]],
                             [(stack["target_group_arn"], stack["container_name"], stack["app_port"],
                               {"alternateTargetGroupArn": stack["alternate_target_group_arn"],
                                "productionListenerRule": stack["production_listener_rule_arn"],
                                "roleArn": stack["load_balancer_infrastructure_role_arn"]})], region)
        passed_to_ecs = {(r["resource"], r["decision"], tuple(r.get("allowed_by") or ())) for r in verdicts["requests"]
                         if r["action"] == "iam:PassRole" and r["context"].get("iam:PassedToService") == "ecs.amazonaws.com"}
        self.assertEqual(passed_to_ecs, {(stack["load_balancer_infrastructure_role_arn"], "Allowed",
                                          ("PassTheLoadBalancerRoleToEcs",)) for stack in stacks.values()})
        # Every verb reached AWS in both regions with the role's credentials: a call the
        # evaluator never saw is a permission nobody checked.
        seen = {(c["region"], c["service"], c["action"]) for c in calls}
        for region in release_rehearsal.REGIONS:
            for service, action in [("ssm", "GetParametersByPath"), ("ecs", "DescribeServices"), ("ecr", "DescribeImages"),
                                    ("iam", "GetRolePolicy"), ("logs", "DescribeLogGroups"), ("secretsmanager", "DescribeSecret"),
                                    ("ecs", "ListTagsForResource"), ("ecs", "RegisterTaskDefinition"), ("ecs", "UpdateService"),
                                    ("ecs", "UntagResource"), ("ecs", "ListTaskDefinitions"), ("ecs", "DescribeTaskDefinition"),
                                    ("ecs", "DeregisterTaskDefinition"), ("ecs", "TagResource"), ("monitoring", "DescribeAlarms"),
                                    ("logs", "FilterLogEvents")]:
                # IAM is global: its calls are signed in us-east-1 whichever region the command serves.
                self.assertIn(("us-east-1" if service == "iam" else region, service, action), seen)
        self.assertEqual({c["region"] for c in calls if c["service"] == "iam"}, {"us-east-1"})
        print(f"release rehearsal: {len(calls)} calls by the deploy role, {len(verdicts['requests'])} IAM requests "
              f"and {len(verdicts['tokens'])} tokens judged", flush=True)

    def check_service(self, outputs):
        service = self.aws("ecs", "describe-services", "--cluster", outputs["cluster_name"],
                           "--services", outputs["service_name"])["services"][0]
        config = service["deploymentConfiguration"]
        self.assertEqual(config["deploymentCircuitBreaker"], {"enable": True, "rollback": True})
        self.assertEqual(sorted(config["alarms"]["alarmNames"]), sorted(outputs["rollback_alarm_names"]))
        self.assertTrue(config["alarms"]["rollback"])
        self.assertEqual((config["minimumHealthyPercent"], config["maximumPercent"]), (100, 200))
        awsvpc = service["networkConfiguration"]["awsvpcConfiguration"]
        self.assertEqual(awsvpc["securityGroups"], [outputs["tasks_security_group_id"]])
        self.assertEqual(awsvpc["assignPublicIp"], "DISABLED")
        self.assertEqual(service["loadBalancers"][0]["targetGroupArn"], outputs["target_group_arn"])
        self.assertEqual(service["loadBalancers"][0]["containerName"], outputs["container_name"])

        taskdef = self.aws("ecs", "describe-task-definition", "--task-definition", outputs["task_family"])["taskDefinition"]
        container = taskdef["containerDefinitions"][0]
        self.assertEqual(taskdef["networkMode"], "awsvpc")
        self.assertEqual(container["name"], outputs["container_name"])
        self.assertEqual(taskdef["executionRoleArn"], outputs["execution_role_arn"])
        self.assertTrue(container["readonlyRootFilesystem"])
        self.assertEqual(container["user"], "65534:65534")
        self.assertEqual(container["stopTimeout"], 40)
        self.assertEqual(container["logConfiguration"]["options"]["awslogs-group"], outputs["log_group_name"])
        env = {e["name"]: e["value"] for e in container["environment"]}
        self.assertEqual(env["PORT"], "8080")
        self.assertRegex(env["SLIPWAY_RELEASE"], r"^[0-9a-f]{40}$")
        self.assertEqual({s["name"]: s["valueFrom"] for s in container["secrets"]},
                         {"API_KEY": outputs["secret_arns"]["api-key"],
                          "DATABASE_PASSWORD": outputs["parameter_arns"]["database-password"]})

        target_group = self.aws("elbv2", "describe-target-groups", "--target-group-arns",
                                outputs["target_group_arn"])["TargetGroups"][0]
        self.assertEqual((target_group["TargetType"], target_group["HealthCheckPath"]), ("ip", "/healthz"))
        attributes = {a["Key"]: a["Value"] for a in self.aws(
            "elbv2", "describe-target-group-attributes", "--target-group-arn", outputs["target_group_arn"])["Attributes"]}
        self.assertEqual(attributes["deregistration_delay.timeout_seconds"], "35")  # SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT

        policies = self.aws("application-autoscaling", "describe-scaling-policies", "--service-namespace", "ecs")
        mine = [p for p in policies["ScalingPolicies"] if p["ResourceId"].endswith("/" + outputs["service_name"])]
        metrics = sorted(p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"] for p in mine)
        self.assertEqual(metrics, ["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"])

        repository = self.aws("ecr", "describe-repositories", "--repository-names", "slipway")["repositories"][0]
        self.assertEqual(repository["imageTagMutability"], "IMMUTABLE")
        self.assertTrue(repository["imageScanningConfiguration"]["scanOnPush"])

    def check_alarms(self, outputs):
        names = list(outputs["alarm_names"].values())
        alarms = {a["AlarmName"]: a for a in self.aws("cloudwatch", "describe-alarms", "--alarm-names", *names)["MetricAlarms"]}
        self.assertEqual(sorted(alarms), sorted(names))
        self.assertEqual(sorted(outputs["alarm_names"]), sorted(["ecs_cpu_high", "ecs_memory_high", "alb_unhealthy_hosts",
                                                                  "target_5xx_rate", "target_p99_latency", "asg_status_check_failed",
                                                                  "no_healthy_hosts", "alb_5xx", "running_below_desired"]))
        # A total outage: silence (no targets, no tasks) is the alarm.
        for signal in ("no_healthy_hosts", "running_below_desired"):
            self.assertEqual(alarms[outputs["alarm_names"][signal]]["TreatMissingData"], "breaching", signal)
        for alarm in alarms.values():
            self.assertEqual(alarm["AlarmActions"], [outputs["sns_topic_arn"]], alarm["AlarmName"])
        self.assertEqual(alarms[outputs["alarm_names"]["target_p99_latency"]]["ExtendedStatistic"], "p99")
        self.assertEqual(alarms[outputs["alarm_names"]["ecs_cpu_high"]]["MetricName"], "CPUUtilization")
        rate = alarms[outputs["alarm_names"]["target_5xx_rate"]]
        self.assertIn("errors / MAX([requests, 1])", " ".join(m.get("Expression", "") for m in rate["Metrics"]))
        for group in self.aws("logs", "describe-log-groups", "--log-group-name-prefix", "/")["logGroups"]:
            self.assertGreater(group.get("retentionInDays", 0), 0, f"{group['logGroupName']} never expires")
            self.assertIn("kmsKeyId", group, f"{group['logGroupName']} is not encrypted with a CMK")

    def check_execution_role(self, outputs):
        role = outputs["execution_role_arn"].split("/")[-1]
        document = self.aws("iam", "get-role-policy", "--role-name", role, "--policy-name", "pull-log-secrets")["PolicyDocument"]
        statements = document["Statement"] if isinstance(document, dict) else json.loads(document)["Statement"]

        def resources_for(action):
            return sorted(r for s in statements if action in s["Action"] for r in s["Resource"])

        self.assertEqual(resources_for("secretsmanager:GetSecretValue"), sorted(outputs["secret_arns"].values()))
        self.assertEqual(resources_for("ssm:GetParameters"), sorted(outputs["parameter_arns"].values()))
        self.assertEqual(len(resources_for("kms:Decrypt")), 1)
        self.assertTrue(resources_for("kms:Decrypt")[0].startswith("arn:aws:kms:us-east-1:123456789012:key/"))
        for s in statements:
            for action in s["Action"]:
                if action.split(":")[0] in GUARDED_SERVICES:
                    self.assertNotIn("*", s["Resource"], f"{action} granted on *")

    def check_security_groups(self, outputs):
        def rules(group_id):
            return self.aws("ec2", "describe-security-group-rules", "--filters",
                            f"Name=group-id,Values={group_id}")["SecurityGroupRules"]

        tasks = rules(outputs["tasks_security_group_id"])
        ingress = [r for r in tasks if not r["IsEgress"]]
        self.assertEqual(len(ingress), 1, ingress)
        self.assertEqual(ingress[0]["ReferencedGroupInfo"]["GroupId"], outputs["alb_security_group_id"])
        self.assertEqual((ingress[0]["FromPort"], ingress[0]["ToPort"]), (8080, 8080))
        self.assertNotIn("CidrIpv4", ingress[0])
        for rule in tasks:
            self.assertNotEqual(rule.get("CidrIpv4"), "0.0.0.0/0", rule)

        alb = rules(outputs["alb_security_group_id"])
        self.assertEqual(sorted(r["FromPort"] for r in alb if not r["IsEgress"]), [80, 443])
        self.assertEqual([r["ReferencedGroupInfo"]["GroupId"] for r in alb if r["IsEgress"]], [outputs["tasks_security_group_id"]])

    def check_compute_and_storage(self, outputs):
        templates = [t for t in self.aws("ec2", "describe-launch-templates")["LaunchTemplates"]
                     if t["LaunchTemplateName"].startswith(outputs["cluster_name"] + "-")]
        self.assertEqual(len(templates), 1, templates)
        versions = self.aws("ec2", "describe-launch-template-versions", "--launch-template-id",
                            templates[0]["LaunchTemplateId"])["LaunchTemplateVersions"]
        data = max(versions, key=lambda v: v["VersionNumber"])["LaunchTemplateData"]
        self.assertEqual(data["MetadataOptions"]["HttpTokens"], "required")
        self.assertTrue(all(str(b["Ebs"]["Encrypted"]).lower() == "true" for b in data["BlockDeviceMappings"]))

        secret = self.aws("secretsmanager", "describe-secret", "--secret-id", outputs["secret_arns"]["api-key"])
        self.assertTrue(secret["KmsKeyId"].startswith("arn:aws:kms:"), "secret not encrypted with the CMK")
        parameter = self.aws("ssm", "describe-parameters", "--parameter-filters",
                             "Key=Name,Values=" + outputs["parameter_arns"]["database-password"].split(":parameter", 1)[1])["Parameters"][0]
        self.assertEqual(parameter["Type"], "SecureString")

    def check_dr(self, outputs):
        dr = outputs["dr"]
        service = self.aws("ecs", "describe-services", "--cluster", dr["cluster_name"], "--services", dr["service_name"],
                           region=DR_REGION)["services"][0]
        self.assertTrue(service["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"])
        self.assertEqual(service["desiredCount"], 1)  # reduced capacity
        secret = self.aws("secretsmanager", "describe-secret", "--secret-id", outputs["secret_arns"]["api-key"])
        self.assertEqual([r["Region"] for r in secret.get("ReplicationStatus", [])], [DR_REGION])
        replication = self.aws("ecr", "describe-registry")["replicationConfiguration"]["rules"][0]
        self.assertEqual([d["region"] for d in replication["destinations"]], [DR_REGION])


if __name__ == "__main__":
    unittest.main(verbosity=2)
