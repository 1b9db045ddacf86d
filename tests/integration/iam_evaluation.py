"""What a real IAM evaluator says about the deploy role: every AWS call the release script made
(recorded by scripts/moto_server.py, SLIPWAY_MOTO_CALLS) and every GitHub token the workflows'
jobs would present, judged by @cloud-copilot/iam-simulate (tests/policy/evaluate.mjs) against
the policies as Terraform rendered them (its state).

moto serves the calls but cannot judge them: its authorization evaluates every action against
Resource "*", so a resource-scoped Allow never matches there.

The mapping from a recorded request to (IAM action, resource ARN, context keys) follows the
Service Authorization Reference (the evaluator's own action data checks each ARN against the
action's resource types and each context key against the action's keys).
"""

import base64
import json
import os
import re
import subprocess

import yaml

from slipway_testlib import SOURCE_DIR

POLICY_TOOLS = os.path.join(SOURCE_DIR, "tests", "policy")
TERRAFORM_DIR = os.path.join(SOURCE_DIR, "infra", "terraform")
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


# ---------------------------------------------------------------------------------------------
# Recorded calls -> IAM requests
# ---------------------------------------------------------------------------------------------

def _ecs_arn(region, account, kind, path):
    return f"arn:aws:ecs:{region}:{account}:{kind}/{path}"


def _cluster_name(value):
    return value.rsplit("/", 1)[-1]


def _service_arn(region, account, cluster, service):
    if service.startswith("arn:"):
        return service
    return _ecs_arn(region, account, "service", f"{_cluster_name(cluster)}/{service}")


def _tags(params):
    tags = params.get("tags") or []
    return {t["key"]: t["value"] for t in tags} if isinstance(tags, list) else dict(tags)


def _service_deployment_requests(action, deployment_arn):
    """A service deployment's action is authorized on its service and on the deployment itself."""
    prefix, path = deployment_arn.split(":service-deployment/", 1)
    cluster, service, _ = path.split("/", 2)
    service_arn, cluster_arn = f"{prefix}:service/{cluster}/{service}", f"{prefix}:cluster/{cluster}"
    return [{"action": action, "resource": service_arn, "context": {"ecs:cluster": cluster_arn}},
            {"action": action, "resource": deployment_arn,
             "context": {"ecs:cluster": cluster_arn, "ecs:service": service_arn}}]


def iam_requests(call, account):
    """The IAM authorization requests one recorded call implies: a list of
    {"action", "resource", "context"}. Raises KeyError for a call this table does not know, so a
    new call slipway starts making is noticed, not silently skipped."""
    region, service, action, p = call["region"], call["service"], call["action"], call["params"]
    cluster_arn = lambda c: c if c.startswith("arn:") else _ecs_arn(region, account, "cluster", c)  # noqa: E731
    if service == "ecs":
        if action == "DescribeServices":
            return [{"action": "ecs:DescribeServices", "resource": _service_arn(region, account, p["cluster"], s),
                     "context": {"ecs:cluster": cluster_arn(p["cluster"])}} for s in p["services"]]
        if action == "UpdateService":
            out = [{"action": "ecs:UpdateService", "resource": _service_arn(region, account, p["cluster"], p["service"]),
                    "context": {"ecs:cluster": cluster_arn(p["cluster"]), "ecs:task-definition": p["taskDefinition"]}}]
            # A role handed to a service for it to assume is authorized as iam:PassRole to that
            # service (IAM User Guide, "Grant a user permissions to pass a role to an AWS
            # service"): the load balancer role of BLUE_GREEN/LINEAR/CANARY goes to ECS itself.
            for balancer in p.get("loadBalancers", []):
                role = balancer.get("advancedConfiguration", {}).get("roleArn")
                if role:
                    out.append({"action": "iam:PassRole", "resource": role,
                                "context": {"iam:PassedToService": "ecs.amazonaws.com"}})
            return out
        if action in ("ListTagsForResource", "UntagResource"):
            context = {"aws:TagKeys": p["tagKeys"]} if action == "UntagResource" else {}
            return [{"action": f"ecs:{action}", "resource": p["resourceArn"], "context": context}]
        if action == "TagResource":
            tags = _tags(p)
            return [{"action": "ecs:TagResource", "resource": p["resourceArn"],
                     "context": {"aws:TagKeys": sorted(tags), **{f"aws:RequestTag/{k}": v for k, v in tags.items()}}}]
        if action == "RegisterTaskDefinition":
            # Tags given at creation are authorized as ecs:TagResource with ecs:CreateAction, and the
            # roles named in the revision as iam:PassRole to ECS tasks.
            created, tags = call["created"], _tags(p)
            out = [{"action": "ecs:RegisterTaskDefinition", "resource": created, "context": {}}]
            if tags:
                out.append({"action": "ecs:TagResource", "resource": created,
                            "context": {"ecs:CreateAction": "RegisterTaskDefinition", "aws:TagKeys": sorted(tags),
                                        **{f"aws:RequestTag/{k}": v for k, v in tags.items()}}})
            for role in (p.get("executionRoleArn"), p.get("taskRoleArn")):
                if role:
                    out.append({"action": "iam:PassRole", "resource": role,
                                "context": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}})
            return out
        # Service deployments (progressive strategies): the Service Authorization Reference page
        # "Actions, resources, and condition keys for Amazon Elastic Container Service" lists
        # ListServiceDeployments on the `service` resource type only, and DescribeServiceDeployments
        # and StopServiceDeployment on both `service` and `service-deployment`
        # (arn:...:service-deployment/CLUSTER/SERVICE/ID, keys ecs:cluster and ecs:service): IAM
        # authorizes each, so each is one request here.
        if action == "ListServiceDeployments":
            cluster = p.get("cluster", "default")
            return [{"action": "ecs:ListServiceDeployments", "resource": _service_arn(region, account, cluster, p["service"]),
                     "context": {"ecs:cluster": cluster_arn(cluster)}}]
        if action in ("DescribeServiceDeployments", "StopServiceDeployment"):
            arns = p["serviceDeploymentArns"] if action == "DescribeServiceDeployments" else [p["serviceDeploymentArn"]]
            return [r for arn in arns for r in _service_deployment_requests(f"ecs:{action}", arn)]
        if action in ("DescribeTaskDefinition", "ListTaskDefinitions", "DeregisterTaskDefinition"):
            return [{"action": f"ecs:{action}", "resource": "*", "context": {}}]  # no resource-level permissions
        if action == "ListTasks":
            cluster = _cluster_name(p.get("cluster", "default"))
            return [{"action": "ecs:ListTasks", "resource": _ecs_arn(region, account, "container-instance", f"{cluster}/*"),
                     "context": {"ecs:cluster": cluster_arn(p.get("cluster", "default"))}}]
        if action == "DescribeTasks":
            return [{"action": "ecs:DescribeTasks", "resource": t if t.startswith("arn:") else
                     _ecs_arn(region, account, "task", f"{_cluster_name(p['cluster'])}/{t}"),
                     "context": {"ecs:cluster": cluster_arn(p["cluster"])}} for t in p["tasks"]]
    if service == "ecr":
        if action == "GetAuthorizationToken":
            return [{"action": "ecr:GetAuthorizationToken", "resource": "*", "context": {}}]
        return [{"action": f"ecr:{action}", "resource": f"arn:aws:ecr:{region}:{account}:repository/{p['repositoryName']}",
                 "context": {}}]
    if service == "secretsmanager":
        return [{"action": f"secretsmanager:{action}", "resource": p["SecretId"], "context": {}}]
    if service == "ssm" and action == "GetParameters":
        # `status` and `refresh` read versions (WithDecryption false): the Service Authorization
        # Reference lists ssm:GetParameters on the `parameter` resource type, one per name.
        return [{"action": "ssm:GetParameters",
                 "resource": n if n.startswith("arn:") else
                 f"arn:aws:ssm:{region}:{account}:parameter{n if n.startswith('/') else '/' + n}",
                 "context": {}} for n in p["Names"]]
    if service == "ssm" and action == "GetParametersByPath":
        return [{"action": "ssm:GetParametersByPath",
                 "resource": f"arn:aws:ssm:{region}:{account}:parameter{p['Path'].rstrip('/')}",
                 "context": {"ssm:Recursive": str(p.get("Recursive", False)).lower()}}]
    if service == "logs":
        if action == "DescribeLogGroups":
            return [{"action": "logs:DescribeLogGroups", "resource": "*", "context": {}}]
        group = p.get("logGroupName") or p.get("logGroupIdentifier")
        return [{"action": f"logs:{action}", "resource": f"arn:aws:logs:{region}:{account}:log-group:{group}", "context": {}}]
    if service == "iam":
        return [{"action": f"iam:{action}", "resource": f"arn:aws:iam::{account}:role/{p['RoleName']}", "context": {}}]
    if service == "elasticloadbalancing" and action == "DescribeTargetHealth":
        return [{"action": "elasticloadbalancing:DescribeTargetHealth", "resource": "*", "context": {}}]
    if service == "monitoring" and action == "DescribeAlarms":
        names = [v for k, v in sorted(p.items()) if k.startswith("AlarmNames.member.")]
        return [{"action": "cloudwatch:DescribeAlarms", "resource": f"arn:aws:cloudwatch:{region}:{account}:alarm:{n}",
                 "context": {}} for n in names]
    if service == "sts" and action == "GetCallerIdentity":
        return []  # needs no permission
    raise KeyError(f"no IAM mapping for {service} {action}: add it to iam_requests() (tests/integration/iam_evaluation.py)")


def recorded_calls(path, access_key):
    """The calls signed with `access_key`, in order."""
    with open(path) as f:
        return [c for c in map(json.loads, f) if c["key"] == access_key]


# ---------------------------------------------------------------------------------------------
# GitHub OIDC tokens the workflows' jobs present
# ---------------------------------------------------------------------------------------------

def workflow_jobs(workflow_dir):
    """{(workflow file, job id): job} for every job of every workflow."""
    jobs = {}
    for name in sorted(os.listdir(workflow_dir)):
        if name.endswith((".yml", ".yaml")):
            with open(os.path.join(workflow_dir, name)) as f:
                document = yaml.safe_load(f)
            for job_id, job in (document.get("jobs") or {}).items():
                jobs[(name, job_id)] = job
    return jobs


def job_environment(job):
    environment = job.get("environment")
    return environment.get("name") if isinstance(environment, dict) else environment


def token_claims(repository, sub):
    return {f"{GITHUB_OIDC_HOST}:sub": sub, f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com"}


def job_sub(repository, job, ref="refs/heads/main"):
    """The `sub` GitHub puts in the job's token: the environment when the job names one, else
    the ref (GitHub's documented rule)."""
    environment = job_environment(job)
    return f"repo:{repository}:environment:{environment}" if environment else f"repo:{repository}:ref:{ref}"


def github_shaped_token(claims):
    """A JWT with GitHub's claims and no valid signature: moto's STS does not verify it; the
    evaluator judges the claims."""
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return ".".join([part({"alg": "RS256", "typ": "JWT"}), part({"iss": f"https://{GITHUB_OIDC_HOST}", **claims}), "c2ln"])


# ---------------------------------------------------------------------------------------------
# The evaluator
# ---------------------------------------------------------------------------------------------

def deploy_role_policies(state):
    """(trust policy, [inline policies]) of the ci_oidc role from a Terraform state document."""
    trust, policies = None, []
    for resource in state["resources"]:
        if not resource.get("module", "").endswith("module.ci_oidc"):
            continue
        for instance in resource["instances"]:
            attributes = instance["attributes"]
            if resource["type"] == "aws_iam_role":
                trust = json.loads(attributes["assume_role_policy"])
            elif resource["type"] == "aws_iam_role_policy":
                policies.append({"name": attributes["name"], "policy": json.loads(attributes["policy"])})
    return trust, policies


def planned_deploy_role_policy(work_dir, region, account, cluster, services, pass_role_arns=(), secret_arns=(),
                               load_balancer_role_arns=()):
    """The deploy role's inline policy as `terraform plan` renders modules/ci_oidc for the given
    cluster and services, and the roles it may pass and secrets it may describe ([{"name",
    "policy"}], as deploy_role_policies returns them), without an
    applied environment: the provider is never asked anything (no refresh, empty state; its
    endpoints point at a closed loopback port all the same)."""
    ecs = f"arn:aws:ecs:{region}:{account}"
    root = f"""
provider "aws" {{
  region                      = "{region}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {{
    iam = "http://127.0.0.1:9"
    sts = "http://127.0.0.1:9"
  }}
}}
module "ci_oidc" {{
  source             = "{os.path.join(TERRAFORM_DIR, "modules", "ci_oidc")}"
  name               = "deploy"
  github_repository  = "example/app"
  ecr_repository_arn = "arn:aws:ecr:{region}:{account}:repository/app"
  cluster_arns       = ["{ecs}:cluster/{cluster}"]
  service_arns       = {json.dumps([f"{ecs}:service/{cluster}/{s}" for s in services])}
  task_family_arns   = {json.dumps([f"{ecs}:task-definition/{s}" for s in services])}
  pass_role_arns     = {json.dumps(list(pass_role_arns))}
  secret_arns        = {json.dumps(list(secret_arns))}
  log_group_arns     = []
  load_balancer_role_arns = {json.dumps(list(load_balancer_role_arns))}
}}
"""
    with open(os.path.join(work_dir, "main.tf"), "w") as f:
        f.write(root)
    rc_file = os.path.join(work_dir, "terraformrc")
    open(rc_file, "w").close()
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1", TF_CLI_CONFIG_FILE=rc_file,
               TF_DATA_DIR=os.path.join(work_dir, ".terraform"))
    wrapper = os.path.join(SOURCE_DIR, "scripts", "terraform.sh")
    for args in (["init", "-no-color"], ["plan", "-refresh=false", "-no-color", "-out=plan"]):
        result = subprocess.run([wrapper, work_dir, *args], env=env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"terraform {args[0]} of modules/ci_oidc failed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    shown = subprocess.run([wrapper, work_dir, "show", "-json", "plan"], env=env, capture_output=True, text=True,
                           timeout=300, check=True)
    return [{"name": change["change"]["after"]["name"], "policy": json.loads(change["change"]["after"]["policy"])}
            for change in json.loads(shown.stdout)["resource_changes"]
            if change["address"] == "module.ci_oidc.aws_iam_role_policy.this"]


def evaluate(document):
    result = subprocess.run(["node", os.path.join(POLICY_TOOLS, "evaluate.mjs")], input=json.dumps(document),
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"tests/policy/evaluate.mjs failed ({result.returncode}): {result.stderr[-3000:]}\n"
                           "(run `make policy-tools` if its node_modules are missing)")
    return json.loads(result.stdout)


def denied_lines(results):
    """One line per request the evaluator did not allow (or whose context it could not use)."""
    lines = []
    for r in results:
        if r["decision"] != "Allowed" or r.get("ignored_context_keys"):
            lines.append(f"{r['decision']}: {r['action']} on {r['resource']}"
                         + (f" context {json.dumps(r.get('context'), sort_keys=True)}" if r.get("context") else "")
                         + (f" (evaluator ignored {r['ignored_context_keys']})" if r.get("ignored_context_keys") else "")
                         + (f" {json.dumps(r.get('errors'))}" if r.get("errors") else ""))
    return lines


def configured_repository(env_main_tf):
    with open(env_main_tf) as f:
        return re.search(r'github_repository\s*=\s*"([^"]+)"', f.read()).group(1)
