"""The production path rehearsed on envs/local (moto): a GitHub-shaped OIDC token for the deploy
job -> STS AssumeRoleWithWebIdentity -> the deploy role's credentials -> scripts/release.sh (the
script the deploy and rollback workflows run) -> the ECS services Terraform built, primary then DR.
Every call the script makes is recorded by moto (SLIPWAY_MOTO_CALLS) and judged, with the tokens
of the workflows' jobs, by a real IAM evaluator (iam_evaluation.py).

moto never completes an ECS deployment (rolloutState stays IN_PROGRESS), so the script runs with
SLIPWAY_NO_WAIT=1 (`--no-wait`: deploy and rollback return once the service points at the
revision), and the outcome a completed rollout would record (slipway:outcome=succeeded) is tagged
by the test, out of band, for the releases that should count as good. ECR replication is AWS's
own doing, so the test copies the image to the DR repository with moto's admin credentials.
Last comes a CANARY deploy of the primary region with the traffic-shifting service file of
docs/strategies.md, its ${VAR}s from the Terraform outputs: UpdateService hands ECS the load
balancer role, an iam:PassRole the evaluator judges with the rest.

Used by terraform_local_apply_test.py; also runnable against an applied envs/local:
    python3 tests/integration/release_rehearsal.py --endpoint http://127.0.0.1:PORT \
        --state .../terraform.tfstate --calls FILE-moto-writes --slipway build/dev/src/cli/slipway
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import boto3
import botocore.config
import botocore

import iam_evaluation
from slipway_testlib import SOURCE_DIR

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "us-west-2")
RELEASE_SCRIPT = os.path.join(SOURCE_DIR, "scripts", "release.sh")
WORKFLOWS = os.path.join(SOURCE_DIR, ".github", "workflows")
LOCAL_ENV_MAIN = os.path.join(SOURCE_DIR, "infra", "terraform", "envs", "local", "main.tf")
STRATEGIES_DOC = os.path.join(SOURCE_DIR, "docs", "strategies.md")

def commit(label, run):
    """A commit SHA per release and per run (a run against an environment that already holds
    the images of an earlier run must not collide with them: ECR tags are immutable)."""
    return hashlib.sha1(f"{run}:{label}".encode()).hexdigest()


class RehearsalFailure(AssertionError):
    pass


class Rehearsal:
    def __init__(self, endpoint, state, outputs, calls_file, slipway, base_env):
        self.endpoint, self.state, self.outputs = endpoint, state, outputs
        self.calls_file, self.slipway, self.base_env = calls_file, slipway, base_env
        self.repository = iam_evaluation.configured_repository(LOCAL_ENV_MAIN)
        self.trust, self.policies = iam_evaluation.deploy_role_policies(state)
        self.log = []
        self.run_id = os.urandom(4).hex()

    def admin(self, service, region):
        return boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                     region_name=region).client(service, endpoint_url=self.endpoint)

    # -- who may assume the role ----------------------------------------------------------------

    def role_jobs(self):
        """Jobs that assume the deploy role, by (workflow file, job id)."""
        return {key: job for key, job in iam_evaluation.workflow_jobs(WORKFLOWS).items()
                if "configure-aws-credentials" in json.dumps(job)}

    def token_cases(self):
        """(label, claims, must be allowed): every job that assumes the role, and the tokens that
        must not get it."""
        cases = [(f"{workflow} job {job_id}", iam_evaluation.token_claims(self.repository, iam_evaluation.job_sub(self.repository, job)), True)
                 for (workflow, job_id), job in sorted(self.role_jobs().items())]
        other_repo = "someone-else/" + self.repository.split("/", 1)[1]
        for label, sub in [("a push to another branch", f"repo:{self.repository}:ref:refs/heads/feature"),
                           ("a push to main without an environment", f"repo:{self.repository}:ref:refs/heads/main"),
                           ("a pull request", f"repo:{self.repository}:pull_request"),
                           ("another repository", f"repo:{other_repo}:environment:production"),
                           ("another environment", f"repo:{self.repository}:environment:staging")]:
            cases.append((label, iam_evaluation.token_claims(self.repository, sub), False))
        return cases

    def assume_role(self, claims):
        sts = boto3.session.Session(region_name=REGIONS[0]).client(
            "sts", endpoint_url=self.endpoint, config=botocore.config.Config(signature_version=botocore.UNSIGNED))
        response = sts.assume_role_with_web_identity(RoleArn=self.outputs["deploy_role_arn"],
                                                     RoleSessionName="slipway-deploy-rehearsal",
                                                     WebIdentityToken=iam_evaluation.github_shaped_token(claims))
        return response["Credentials"]

    # -- the release ----------------------------------------------------------------------------

    def push_image(self, credentials, sha):
        """ecr:PutImage of IMAGE:SHA with the role (what `release.sh push` does with podman; moto
        has no registry protocol), then the copy AWS's replication would make in the DR region."""
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                               "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                                          "digest": "sha256:" + hashlib.sha256(sha.encode()).hexdigest()},
                               "layers": []})
        role = boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                     aws_secret_access_key=credentials["SecretAccessKey"],
                                     aws_session_token=credentials["SessionToken"], region_name=REGIONS[0])
        role.client("ecr", endpoint_url=self.endpoint).put_image(repositoryName="slipway", imageManifest=manifest, imageTag=sha)
        dr = self.admin("ecr", REGIONS[1])
        try:
            dr.create_repository(repositoryName="slipway")
        except dr.exceptions.RepositoryAlreadyExistsException:
            pass
        dr.put_image(repositoryName="slipway", imageManifest=manifest, imageTag=sha)

    def release(self, credentials, *args, sha=None, script=RELEASE_SCRIPT, extra_env=None):
        env = dict(self.base_env, AWS_ACCESS_KEY_ID=credentials["AccessKeyId"],
                   AWS_SECRET_ACCESS_KEY=credentials["SecretAccessKey"], AWS_SESSION_TOKEN=credentials["SessionToken"],
                   AWS_ENDPOINT_URL=self.endpoint, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   AWS_EC2_METADATA_DISABLED="true", RELEASE_REGIONS=" ".join(REGIONS),
                   RELEASE_PARAMETERS_PATH=self.outputs["release_parameters_path"], SLIPWAY=self.slipway,
                   SLIPWAY_NO_WAIT="1", SLIPWAY_DEPLOYER="rehearsal via release_rehearsal.py")
        env.pop("AWS_DEFAULT_REGION", None)
        env.update(extra_env or {})
        if sha:
            env["RELEASE_COMMIT"] = sha
        result = subprocess.run([script, *args], env=env, capture_output=True, text=True, timeout=300)
        self.log.append(f"$ scripts/release.sh {' '.join(args)} (exit {result.returncode})\n{result.stdout}{result.stderr}")
        if result.returncode != 0:
            raise RehearsalFailure(f"scripts/release.sh {' '.join(args)} failed ({result.returncode}):\n"
                                   f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result.stdout

    def commands(self):
        """(start time, command) of every slipway command the script ran, from its log lines
        "== REGION EPOCH: slipway ecs VERB ..."."""
        found = []
        for text in self.log:
            for m in re.finditer(r"^== (\S+) ([0-9.]+): slipway (ecs \S+)", text, re.M):
                found.append((float(m.group(2)), f"slipway {m.group(3)}"))
        return sorted(found)

    def canary_release(self, credentials, sha):
        """A CANARY deploy of the primary region as a team that shifts traffic runs it: the service
        file of docs/strategies.md (its `loadBalancers` block with the advancedConfiguration),
        in both regions, its ${VAR}s from each region's release parameters in SSM (what the
        deploy workflow reads; nothing passed from here). release.sh reads slipway.yaml beside
        itself, and the repository's deploy/service.json is ROLLING; so the script, slipway.yaml
        and deploy/taskdef.json are copied, unchanged, to a directory whose deploy/service.json
        is the documented one. Returns each region's service as moto describes it afterwards."""
        work = tempfile.mkdtemp(prefix="slipway-rehearsal-canary-")
        try:
            os.makedirs(os.path.join(work, "scripts"))
            os.makedirs(os.path.join(work, "deploy"))
            script = shutil.copy(RELEASE_SCRIPT, os.path.join(work, "scripts"))
            shutil.copy(os.path.join(SOURCE_DIR, "slipway.yaml"), work)
            shutil.copy(os.path.join(SOURCE_DIR, "deploy", "taskdef.json"), os.path.join(work, "deploy"))
            with open(os.path.join(work, "deploy", "service.json"), "w") as f:
                f.write(documented_traffic_shift_service_file())
            self.release(credentials, "deploy", sha=sha, script=script)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return {region: self.admin("ecs", region).describe_services(cluster=cluster, services=[service])["services"][0]
                for region, (cluster, service) in zip(REGIONS, self.services())}

    def service_task_definitions(self):
        out = {}
        for region, (cluster, service) in zip(REGIONS, self.services()):
            described = self.admin("ecs", region).describe_services(cluster=cluster, services=[service])["services"][0]
            out[region] = described["taskDefinition"]
        return out

    def services(self):
        dr = self.outputs["dr"]
        return [(self.outputs["cluster_name"], self.outputs["service_name"]), (dr["cluster_name"], dr["service_name"])]

    def mark_succeeded(self, task_definitions):
        """The tag slipway writes when a rollout completes (moto never completes one)."""
        for region, arn in task_definitions.items():
            self.admin("ecs", region).tag_resource(resourceArn=arn, tags=[{"key": "slipway:outcome", "value": "succeeded"}])

    def run(self):
        """The whole path; returns (per-step task definitions, evaluator results)."""
        deploy_job = next(job for (workflow, _), job in sorted(self.role_jobs().items()) if workflow == "deploy.yml")
        credentials = self.assume_role(iam_evaluation.token_claims(self.repository, iam_evaluation.job_sub(self.repository, deploy_job)))
        revisions = {}
        for label in ("first", "second", "third"):
            sha = commit(label, self.run_id)
            self.push_image(credentials, sha)
            self.release(credentials, "deploy", sha=sha)
            revisions[label] = self.service_task_definitions()
            if label != "third":  # the third release is the bad one: rolled back below
                self.mark_succeeded(revisions[label])
        self.release(credentials, "inspect")
        self.release(credentials, "rollback")
        revisions["after_rollback"] = self.service_task_definitions()
        self.release(credentials, "cleanup", "1")
        self.release(credentials, "inspect")
        revisions["inactive_after_cleanup"] = {
            region: [arn for arn in (revisions["first"][region],)
                     if self.admin("ecs", region).describe_task_definition(taskDefinition=arn)["taskDefinition"]["status"] == "INACTIVE"]
            for region in REGIONS}
        # Last, so the steps above see the service as Terraform built it.
        sha = commit("canary", self.run_id)
        self.push_image(credentials, sha)
        revisions["canary"] = self.canary_release(credentials, sha)

        calls = iam_evaluation.recorded_calls(self.calls_file, credentials["AccessKeyId"])
        commands = self.commands()
        requests = [dict(r, call=f"{c['region']} {c['service']} {c['action']}", command=command_of(c, commands))
                    for c in calls for r in iam_evaluation.iam_requests(c, ACCOUNT)]
        verdicts = iam_evaluation.evaluate({
            "account": ACCOUNT,
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.outputs['deploy_role_arn'].rsplit('/', 1)[1]}/slipway-deploy-rehearsal",
            "identity_policies": self.policies, "requests": requests,
            "trust_policy": self.trust, "role_arn": self.outputs["deploy_role_arn"],
            "oidc_provider_arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{iam_evaluation.GITHUB_OIDC_HOST}",
            "tokens": [{"label": label, "claims": claims, "expected": "Allowed" if allowed else "Denied"}
                       for label, claims, allowed in self.token_cases()]})
        return revisions, calls, verdicts


def documented_traffic_shift_service_file():
    """The service file docs/strategies.md shows under "Traffic shifting on ECS" (its first json
    block), as written there: the rehearsal runs what the docs tell a user to write."""
    with open(STRATEGIES_DOC) as f:
        doc = f.read()
    section = doc.split("## Traffic shifting on ECS", 1)[1]
    return re.search(r"```json\n(.*?)```", section, re.S).group(1)


def command_of(call, commands):
    """Which command made a recorded call: the last slipway command started before it, the AWS
    CLI (release.sh reading the parameters), or the test's own image push."""
    agent = call.get("agent", "")
    if agent.startswith("aws-cli"):
        return f"aws {call['service']} (release.sh)"
    if not agent.startswith("slipway"):
        return "image push (ecr:PutImage)"
    started = [command for at, command in commands if at <= call["time"]]
    return started[-1] if started else "slipway (unknown command)"


def call_table(verdicts):
    """Markdown: every distinct (command, IAM action, resource) the rehearsal made, with the
    statement that allowed it."""
    rows = {}
    for r in verdicts["requests"]:
        resource = re.sub(r"task-definition/([^:]+):[0-9]+$", r"task-definition/\1:N", r["resource"])
        resource = re.sub(r"(us-east-1|us-west-2)", "REGION", resource)
        key = (r["command"], r["action"], resource)
        rows[key] = ", ".join(r.get("allowed_by") or [r["decision"]])
    lines = ["| command | IAM action | resource (both regions) | allowed by statement |", "| --- | --- | --- | --- |"]
    lines += [f"| {c} | {a} | `{res}` | {sid} |" for (c, a, res), sid in sorted(rows.items())]
    return "\n".join(lines)


def problems(verdicts):
    """Lines naming every call the policy does not allow and every token judged wrongly."""
    lines = iam_evaluation.denied_lines(verdicts["requests"])
    for token in verdicts["tokens"]:
        allowed = token["decision"] == "Allowed"
        if allowed != (token["expected"] == "Allowed"):
            lines.append(f"trust policy: {token['label']} ({token['claims'][iam_evaluation.GITHUB_OIDC_HOST + ':sub']}) "
                         f"is {token['decision']}, expected {token['expected']}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--calls", required=True)
    parser.add_argument("--slipway", required=True)
    args = parser.parse_args()
    with open(args.state) as f:
        state = json.load(f)
    outputs = {k: v["value"] for k, v in state["outputs"].items()}
    rehearsal = Rehearsal(args.endpoint, state, outputs, args.calls, os.path.abspath(args.slipway), dict(os.environ))
    try:
        _, calls, verdicts = rehearsal.run()
    finally:
        print("\n".join(rehearsal.log)[-20000:], file=sys.stderr)
    found = problems(verdicts)
    print(f"{len(calls)} calls, {len(verdicts['requests'])} IAM requests, {len(verdicts['tokens'])} tokens judged")
    print("\n".join(found) if found else "every call allowed, every token judged as expected")
    print(call_table(verdicts))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
