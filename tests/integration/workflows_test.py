# labels: workflows
"""The GitHub Actions workflows call only what exists here: every `make TARGET` is a target of the
Makefile, and every `slipway ...` command (also written as $SLIPWAY) is a subcommand whose
--help exits 0 and lists every flag the workflow (or scripts/release.sh, which the deploy and
rollback workflows run) passes. Every workflow passes the schema validator (@action-validator/cli,
pinned in tests/policy) and every `run:` block and scripts/release.sh pass shellcheck. Plus what no
linter sees: deploy runs only on a commit whose CI passed, in the environment the deploy role's
trust policy names, with an OIDC role and no stored AWS keys; the rollback is manual, compiles
nothing and is never cancelled by a newer push; only the jobs that assume the role may ask for an
OIDC token. (tests/integration/release_rehearsal.py judges the jobs' real tokens against the
trust policy Terraform rendered, with a real IAM evaluator.)"""

import os
import re
import shlex
import subprocess
import unittest

import yaml

from slipway_testlib import SOURCE_DIR, binary

SLIPWAY = binary("src", "cli", "slipway")
WORKFLOWS = os.path.join(SOURCE_DIR, ".github", "workflows")
RELEASE_SCRIPT = os.path.join(SOURCE_DIR, "scripts", "release.sh")
ACTION_VALIDATOR = os.path.join(SOURCE_DIR, "tests", "policy", "node_modules", ".bin", "action-validator")
PLATFORM_VARIABLES = os.path.join(SOURCE_DIR, "infra", "terraform", "modules", "platform", "variables.tf")


def load(name):
    with open(os.path.join(WORKFLOWS, name)) as f:
        document = yaml.safe_load(f)
    # YAML 1.1 reads the key `on` as boolean true.
    if True in document:
        document["on"] = document.pop(True)
    return document


def run_scripts(document):
    """Every `run:` script of every job, with its step's env."""
    for job in document.get("jobs", {}).values():
        for step in job.get("steps", []):
            if "run" in step:
                yield step["run"]


def commands(script):
    """Shell command lines of a script: folded (>-) blocks are one line; | blocks split by line."""
    for line in script.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def tokens(line):
    # ${{ ... }} expressions and "$(...)" are values here, never flags.
    line = re.sub(r"\$\{\{[^}]*\}\}", "VALUE", line)
    line = re.sub(r"\$\([^)]*\)", "VALUE", line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def makefile_targets():
    with open(os.path.join(SOURCE_DIR, "Makefile")) as f:
        return {m.group(1) for m in re.finditer(r"^([A-Za-z0-9_.-]+):", f.read(), re.M)}


def segments(words):
    """Simple commands of a command line: split at && || ; | (a leading sudo is dropped)."""
    current = []
    for word in words + [";"]:
        if word in ("&&", "||", ";", "|"):
            if current and current[0] == "sudo":
                current = current[1:]
            if current:
                yield current
            current = []
        else:
            current.append(word)


def is_slipway(word):
    return word in ("$SLIPWAY", "${SLIPWAY}", "slipway") or word.endswith("/slipway")


def slipway_invocations(document):
    """slipway commands of the workflow's run: blocks, and those of scripts/release.sh (once)
    when a block runs it."""
    runs_release_script = False
    for script in run_scripts(document):
        for line in commands(script):
            for command in segments(tokens(line)):
                if is_slipway(command[0]):
                    yield command[1:]
                runs_release_script = runs_release_script or command[0] == "scripts/release.sh"
    if runs_release_script:
        yield from release_script_invocations()


def release_script_invocations():
    """The slipway commands of scripts/release.sh: `in_region "$region" ARGS...` lines, with their
    continuation lines."""
    with open(RELEASE_SCRIPT) as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('in_region "$region" '):
            yield tokens(line)[2:]


def make_invocations(document):
    for script in run_scripts(document):
        for line in commands(script):
            for command in segments(tokens(line)):
                if command[0] == "make":
                    yield [w for w in command[1:] if not w.startswith("-") and "=" not in w]


def subcommands(path):
    """The subcommand names `slipway PATH --help` lists."""
    result = subprocess.run([SLIPWAY, *path, "--help"], capture_output=True, text=True, timeout=30)
    if result.returncode != 0 or "Subcommands:" not in result.stdout:
        return set()
    listing = result.stdout.split("Subcommands:", 1)[1]
    return {m.group(1) for m in re.finditer(r"^  (\S+)", listing, re.M)}


class WorkflowsCallWhatExists(unittest.TestCase):
    def workflow_files(self):
        names = sorted(n for n in os.listdir(WORKFLOWS) if n.endswith((".yml", ".yaml")))
        self.assertIn("deploy.yml", names)
        self.assertIn("rollback.yml", names)
        return names

    def test_every_make_target_exists(self):
        targets = makefile_targets()
        seen = 0
        for name in self.workflow_files():
            for wanted in make_invocations(load(name)):
                for target in wanted:
                    seen += 1
                    self.assertIn(target, targets, f"{name}: make {target} is not a Makefile target")
        self.assertGreater(seen, 0)

    def test_every_slipway_command_and_flag_exists(self):
        seen = 0
        for name in self.workflow_files():
            for args in slipway_invocations(load(name)):
                path = []
                for word in args:
                    if word.startswith("-"):
                        break
                    path.append(word)
                flags = {w.split("=", 1)[0] for w in args if w.startswith("--")}
                # --help exits 0 even after an unknown word, so each word must be listed.
                for depth, word in enumerate(path):
                    self.assertIn(word, subcommands(path[:depth]),
                                  f"{name}: slipway {' '.join(path[:depth + 1])} does not exist")
                result = subprocess.run([SLIPWAY, *path, "--help"], capture_output=True,
                                        text=True, timeout=30)
                self.assertEqual(result.returncode, 0,
                                 f"{name}: slipway {' '.join(path)} --help: {result.stderr}")
                help_text = result.stdout
                # Global options are listed on the top-level help.
                global_help = subprocess.run([SLIPWAY, "--help"], capture_output=True, text=True,
                                             timeout=30).stdout
                for flag in flags:
                    self.assertTrue(re.search(re.escape(flag) + r"\b", help_text + global_help),
                                    f"{name}: slipway {' '.join(path)} has no {flag}")
                seen += 1
        self.assertGreater(seen, 0)

    def test_the_checker_catches_a_command_that_does_not_exist(self):
        self.assertIn("deploy", subcommands(["ecs"]))
        self.assertNotIn("launch", subcommands(["ecs"]))
        self.assertIn("ecs", subcommands([]))
        self.assertNotIn("no-such-target", makefile_targets())
        # `make` as a package name or an argument is not a make call.
        line = "apt-get install -y git make sudo && sudo make deps; $SLIPWAY ecs status --x 1"
        document = {"jobs": {"j": {"steps": [{"run": line}]}}}
        self.assertEqual(list(make_invocations(document)), [["deps"]])
        self.assertEqual(list(slipway_invocations(document)), [["ecs", "status", "--x", "1"]])


def shell_of(script):
    """A `run:` block as shellcheck can read it: ${{ expressions }} become a variable (GitHub
    substitutes them before the shell runs), under the bash shebang GitHub's runners use."""
    return "#!/usr/bin/env bash\n" + re.sub(r"\$\{\{[^}]*\}\}", "${GITHUB_EXPRESSION}", script)


class WorkflowsLint(unittest.TestCase):
    def test_every_workflow_passes_the_schema_validator(self):
        self.assertTrue(os.path.exists(ACTION_VALIDATOR), "tests/policy tools missing: run `make policy-tools`")
        for name in sorted(os.listdir(WORKFLOWS)):
            result = subprocess.run([ACTION_VALIDATOR, os.path.join(WORKFLOWS, name)], capture_output=True,
                                    text=True, timeout=60, cwd=SOURCE_DIR)
            self.assertEqual(result.returncode, 0, f"action-validator {name}:\n{result.stdout}{result.stderr}")

    def test_the_schema_validator_rejects_a_broken_workflow(self):
        broken = os.path.join(self.tmp_dir(), "broken.yml")
        with open(broken, "w") as f:
            f.write("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    stepz: []\n")
        result = subprocess.run([ACTION_VALIDATOR, broken], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0, result.stdout)

    def tmp_dir(self):
        import tempfile
        path = tempfile.mkdtemp(prefix="slipway-workflows-")
        self.addCleanup(__import__("shutil").rmtree, path, True)
        return path

    def shellcheck(self, text):
        return subprocess.run(["shellcheck", "--shell=bash", "--format=gcc", "-"], input=text,
                              capture_output=True, text=True, timeout=60)

    def test_every_run_block_and_the_release_script_pass_shellcheck(self):
        checked = 0
        for name in sorted(os.listdir(WORKFLOWS)):
            document = load(name)
            for job_id, job in document.get("jobs", {}).items():
                for index, step in enumerate(job.get("steps", [])):
                    if "run" in step:
                        result = self.shellcheck(shell_of(step["run"]))
                        self.assertEqual(result.returncode, 0, f"{name} job {job_id} step {index} "
                                         f"({step.get('name', '')}):\n{result.stdout}")
                        checked += 1
        with open(RELEASE_SCRIPT) as f:
            result = self.shellcheck(f.read())
        self.assertEqual(result.returncode, 0, f"scripts/release.sh:\n{result.stdout}")
        self.assertGreater(checked, 5)

    def test_shellcheck_catches_an_unquoted_expansion(self):
        self.assertNotEqual(self.shellcheck(shell_of('rm -rf $DIR/${{ inputs.to }}')).returncode, 0)


def deploy_environment():
    """The GitHub environment the deploy role's trust policy names (platform's default)."""
    with open(PLATFORM_VARIABLES) as f:
        block = f.read().split('variable "github_environment"', 1)[1].split("\n}\n", 1)[0]
    return re.search(r'default\s*=\s*"([^"]+)"', block).group(1)


class DeployAndRollbackContract(unittest.TestCase):
    def steps(self, document):
        return [step for job in document["jobs"].values() for step in job["steps"]]

    def role_jobs(self, document):
        return {job_id: job for job_id, job in document["jobs"].items()
                if any(s.get("uses", "").startswith("aws-actions/configure-aws-credentials") for s in job["steps"])}

    def assert_oidc_without_stored_keys(self, document):
        jobs = self.role_jobs(document)
        self.assertEqual(len(jobs), 1)
        job = next(iter(jobs.values()))
        self.assertEqual(job["permissions"]["id-token"], "write")
        # The trust policy admits only tokens of this environment (sub = repo:R:environment:NAME).
        self.assertEqual(job["environment"], deploy_environment())
        credentials = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
        self.assertIn("role-to-assume", credentials[0]["with"])
        text = yaml.safe_dump(document)
        for stored in ("aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY",
                       "secrets.AWS"):
            self.assertNotIn(stored, text)

    def test_only_jobs_that_assume_the_role_get_an_oidc_token_and_none_writes_the_repository(self):
        for name in sorted(os.listdir(WORKFLOWS)):
            document = load(name)
            self.assertNotIn("id-token", document.get("permissions", {}), f"{name}: id-token for every job")
            self.assertNotIn("write", document.get("permissions", {}).values(), f"{name}: workflow-wide write")
            role_jobs = self.role_jobs(document)
            for job_id, job in document["jobs"].items():
                permissions = job.get("permissions", {})
                if job_id not in role_jobs:
                    self.assertNotIn("id-token", permissions, f"{name} job {job_id} asks for an OIDC token it does not use")
                self.assertNotEqual(permissions.get("contents"), "write", f"{name} job {job_id} may write the repository")

    def test_deploy_runs_only_on_a_commit_whose_ci_passed(self):
        document = load("deploy.yml")
        self.assertEqual(set(document["on"]), {"workflow_run"})
        trigger = document["on"]["workflow_run"]
        self.assertEqual((trigger["workflows"], trigger["types"], trigger["branches"]), (["ci"], ["completed"], ["main"]))
        self.assertEqual(load("ci.yml")["name"], "ci")
        job = document["jobs"]["deploy"]
        self.assertIn("github.event.workflow_run.conclusion == 'success'", job["if"])
        self.assertIn("github.event.workflow_run.event == 'push'", job["if"])
        # That run's commit, not whatever main points at now.
        self.assertEqual(job["env"]["RELEASE_COMMIT"], "${{ github.event.workflow_run.head_sha }}")
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
        self.assertEqual(checkout["with"]["ref"], "${{ github.event.workflow_run.head_sha }}")

    def test_deploy_ships_the_image_ci_built_and_scanned_primary_then_dr_then_smoke(self):
        document = load("deploy.yml")
        self.assert_oidc_without_stored_keys(document)
        self.assertFalse(document["concurrency"]["cancel-in-progress"])
        job = document["jobs"]["deploy"]
        download = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
        self.assertEqual(download["with"]["run-id"], "${{ github.event.workflow_run.id }}")
        ci = load("ci.yml")
        upload = next(s for s in ci["jobs"]["test"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
        self.assertEqual(upload["with"]["name"].replace("github.sha", "github.event.workflow_run.head_sha"),
                         download["with"]["name"])
        scan = ci["jobs"]["scan-image"]
        self.assertEqual(scan["needs"], "test")
        trivy = next(s for s in scan["steps"] if s.get("uses", "").startswith("aquasecurity/trivy-action"))
        self.assertEqual(trivy["with"]["input"], "release/slipway-image.tar")
        self.assertEqual(trivy["with"]["exit-code"], "1")
        self.assertNotIn("make", " ".join(s.get("run", "") for s in job["steps"]), "deploy compiles")
        runs = [s.get("run", "") for s in job["steps"]]
        order = [next(i for i, r in enumerate(runs) if f"scripts/release.sh {verb}" in r) for verb in ("push", "deploy", "smoke")]
        self.assertEqual(order, sorted(order))
        for step in job["steps"]:
            self.assertNotIn("continue-on-error", step)
            self.assertNotIn("|| true", step.get("run", ""))
        deploys = [a for a in slipway_invocations(document) if a[:2] == ["ecs", "deploy"]]
        self.assertEqual(len(deploys), 1)
        image = deploys[0][deploys[0].index("--image") + 1]
        self.assertTrue(image.endswith(":$RELEASE_COMMIT"), image)
        self.assertIn("--pin-secret-versions", deploys[0])

    def test_rollback_is_manual_compiles_nothing_and_is_never_cancelled(self):
        document = load("rollback.yml")
        self.assertIn("to", document["on"]["workflow_dispatch"]["inputs"])
        self.assertEqual(set(document["on"]), {"workflow_dispatch"})
        self.assert_oidc_without_stored_keys(document)
        self.assertFalse(document["concurrency"]["cancel-in-progress"])
        # A group no push-triggered workflow uses: a newer push cannot replace a pending rollback.
        for name in ("ci.yml", "deploy.yml"):
            self.assertNotEqual(load(name).get("concurrency", {}).get("group"), document["concurrency"]["group"])
        job = document["jobs"]["rollback"]
        runs = " ".join(s.get("run", "") for s in job["steps"])
        for compile_step in ("make", "cmake", "g++"):
            self.assertNotIn(compile_step, runs.split(), "the rollback compiles")
        self.assertTrue(any(s.get("uses", "").startswith("actions/download-artifact") for s in job["steps"]))
        rollbacks = [a for a in slipway_invocations(document) if a[:2] == ["ecs", "rollback"]]
        self.assertEqual(len(rollbacks), 1)
        self.assertIn("${to_flags[@]}", rollbacks[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
