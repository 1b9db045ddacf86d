# labels: workflows
"""The GitHub Actions workflows call only what exists here: every `make TARGET` is a target of the
Makefile, and every `slipway ...` command (also written as $SLIPWAY) is a subcommand whose
--help exits 0 and lists every flag the workflow passes. Plus the deploy/rollback contract:
deploy runs on pushes to main with an OIDC role and no stored AWS keys, rollback is manual with
a commit-or-revision input, and both run `slipway ecs` with the verdict as the step's result."""

import os
import re
import shlex
import subprocess
import unittest

import yaml

from slipway_testlib import SOURCE_DIR, binary

SLIPWAY = binary("src", "cli", "slipway")
WORKFLOWS = os.path.join(SOURCE_DIR, ".github", "workflows")


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
    for script in run_scripts(document):
        for line in commands(script):
            for command in segments(tokens(line)):
                if is_slipway(command[0]):
                    yield command[1:]


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


class DeployAndRollbackContract(unittest.TestCase):
    def steps(self, document):
        return [step for job in document["jobs"].values() for step in job["steps"]]

    def assert_oidc_without_stored_keys(self, document):
        self.assertEqual(document["permissions"]["id-token"], "write")
        credentials = [s for s in self.steps(document)
                       if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
        self.assertEqual(len(credentials), 1)
        self.assertIn("role-to-assume", credentials[0]["with"])
        text = yaml.safe_dump(document)
        for stored in ("aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY",
                       "secrets.AWS"):
            self.assertNotIn(stored, text)

    def test_deploy_on_push_to_main_pushes_image_sha_and_runs_slipway_ecs_deploy(self):
        document = load("deploy.yml")
        self.assertEqual(document["on"]["push"]["branches"], ["main"])
        self.assert_oidc_without_stored_keys(document)
        self.assertFalse(document["concurrency"]["cancel-in-progress"])
        invocations = [args for args in slipway_invocations(document)]
        deploys = [a for a in invocations if a[:2] == ["ecs", "deploy"]]
        self.assertEqual(len(deploys), 1)
        self.assertIn("--image", deploys[0])
        image = deploys[0][deploys[0].index("--image") + 1]
        self.assertTrue(image.endswith(":${GITHUB_SHA}"), image)
        # The deploy step is not allowed to fail quietly: no continue-on-error, no `|| true`.
        for step in self.steps(document):
            if "ecs deploy" in step.get("run", ""):
                self.assertNotIn("continue-on-error", step)
                self.assertNotIn("|| true", step["run"])
        pushes = [s for s in self.steps(document) if "push" in s.get("run", "") and "GITHUB_SHA" in s["run"]]
        self.assertEqual(len(pushes), 1)

    def test_rollback_is_manual_with_a_commit_or_revision_input(self):
        document = load("rollback.yml")
        self.assertIn("to", document["on"]["workflow_dispatch"]["inputs"])
        self.assertNotIn("push", document["on"])
        self.assert_oidc_without_stored_keys(document)
        rollbacks = [a for a in slipway_invocations(document) if a[:2] == ["ecs", "rollback"]]
        self.assertEqual(len(rollbacks), 1)
        self.assertIn("--to", rollbacks[0])
        self.assertEqual(load("deploy.yml")["concurrency"]["group"], document["concurrency"]["group"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
