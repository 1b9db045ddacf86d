# labels: terraform
"""infra/terraform, offline: `terraform fmt -check`, `terraform validate` of every module and
environment, and the policy-as-code tests (`terraform test`, mock provider, plan only).

Working copies go to a temporary directory; the repository gets no .terraform/ or lock files.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from slipway_testlib import SOURCE_DIR

TERRAFORM_DIR = os.path.join(SOURCE_DIR, "infra", "terraform")
WRAPPER = os.path.join(SOURCE_DIR, "scripts", "terraform.sh")


def terraform_env(workdir):
    rc_file = os.path.join(workdir, "terraformrc")
    open(rc_file, "w").close()  # no user CLI config: only the mirror given to init
    return dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1",
                TF_CLI_CONFIG_FILE=rc_file, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                AWS_EC2_METADATA_DISABLED="true")


def run(argv, env, timeout=300):
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)


def declares_configuration_aliases(module_dir):
    """Modules taking aliased providers (platform) cannot be validated alone: Terraform needs
    the caller's provider configurations, so they are validated through the environments."""
    with open(os.path.join(module_dir, "versions.tf")) as f:
        return "configuration_aliases" in f.read()


class TerraformStaticTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="slipway-tf-static-")
        cls.copy = os.path.join(cls.tmp, "terraform")
        shutil.copytree(TERRAFORM_DIR, cls.copy,
                        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*"))
        cls.env = terraform_env(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_fmt(self):
        result = run(["terraform", "fmt", "-check", "-recursive", "-diff", self.copy], self.env)
        self.assertEqual(result.returncode, 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}")

    def test_validate_every_module_and_environment(self):
        # envs/outputs.tf is not a root: it is linked into every environment as its outputs.tf.
        envs = os.path.join(self.copy, "envs")
        roots = [os.path.join("envs", e) for e in sorted(os.listdir(envs)) if os.path.isdir(os.path.join(envs, e))]
        roots += [os.path.join("modules", m) for m in sorted(os.listdir(os.path.join(self.copy, "modules")))]
        validated = []
        for root in roots:
            path = os.path.join(self.copy, root)
            if root.startswith("modules") and declares_configuration_aliases(path):
                print(f"validate {root}: through the environments (takes aliased providers)")
                continue
            started = time.monotonic()
            init = run([WRAPPER, path, "init", "-backend=false", "-no-color"], self.env)
            self.assertEqual(init.returncode, 0, f"init {root}:\n{init.stdout}{init.stderr}")
            result = run([WRAPPER, path, "validate", "-no-color"], self.env)
            self.assertEqual(result.returncode, 0, f"validate {root}:\n{result.stdout}{result.stderr}")
            self.assertIn("The configuration is valid", result.stdout)
            validated.append(root)
            print(f"validate {root}: ok ({time.monotonic() - started:.1f}s)")
        self.assertGreaterEqual(len(validated), 11, validated)

    def test_the_provider_has_no_strategy_fields_so_slipway_owns_the_strategy(self):
        """docs/strategies.md: the provider in use predates ECS's deployment strategies (6.4.0
        added deployment_configuration and advanced_configuration), so Terraform never plans the
        strategy slipway passes through UpdateService. When the provider is raised and gains
        them, this fails: add deployment_configuration to the service's ignore_changes then."""
        module = os.path.join(self.copy, "modules", "ecs_service")
        init = run([WRAPPER, module, "init", "-backend=false", "-no-color"], self.env)
        self.assertEqual(init.returncode, 0, init.stdout + init.stderr)
        schema = run([WRAPPER, module, "providers", "schema", "-json"], self.env)
        self.assertEqual(schema.returncode, 0, schema.stderr)
        providers = json.loads(schema.stdout)["provider_schemas"]
        service = next(p for name, p in providers.items() if name.endswith("hashicorp/aws"))[
            "resource_schemas"]["aws_ecs_service"]["block"]
        self.assertIn("deployment_circuit_breaker", service["block_types"])  # the schema is read
        self.assertNotIn("deployment_configuration", service["block_types"])
        self.assertNotIn("strategy", service.get("attributes", {}))
        load_balancer = service["block_types"]["load_balancer"]["block"]
        self.assertNotIn("advanced_configuration", load_balancer.get("block_types", {}))

    def test_each_module_has_the_five_files_and_described_variables(self):
        for module in sorted(os.listdir(os.path.join(self.copy, "modules"))):
            path = os.path.join(self.copy, "modules", module)
            for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
                self.assertTrue(os.path.isfile(os.path.join(path, name)), f"modules/{module} lacks {name}")
            with open(os.path.join(path, "variables.tf")) as f:
                blocks = re.split(r'^variable "', f.read(), flags=re.M)[1:]
            for block in blocks:
                name = block.split('"', 1)[0]
                self.assertRegex(block, r"\n  description = ", f"modules/{module}: variable {name} has no description")
                self.assertRegex(block, r"\n  type +=", f"modules/{module}: variable {name} has no type")

    def test_environments_share_one_outputs_file(self):
        # The source tree, not the copy: copytree turned the links into files.
        envs = os.path.join(TERRAFORM_DIR, "envs")
        for env in ("local", "production"):
            link = os.path.join(envs, env, "outputs.tf")
            self.assertTrue(os.path.islink(link), f"envs/{env}/outputs.tf must link to ../outputs.tf")
            self.assertEqual(os.path.realpath(link), os.path.realpath(os.path.join(envs, "outputs.tf")))

    def test_policy_tests(self):
        init = run([WRAPPER, self.copy, "init", "-backend=false", "-no-color"], self.env)
        self.assertEqual(init.returncode, 0, f"init for terraform test:\n{init.stdout}{init.stderr}")
        started = time.monotonic()
        result = run([WRAPPER, self.copy, "test", "-no-color"], self.env, timeout=600)
        elapsed = time.monotonic() - started
        summary = re.search(r"(Success|Failure)! (\d+) passed, (\d+) failed", result.stdout)
        self.assertEqual(result.returncode, 0, f"terraform test:\n{result.stdout}{result.stderr}")
        self.assertIsNotNone(summary, result.stdout)
        passed = int(summary.group(2))
        violations = len(re.findall(r'run "rejects_[a-z_]+"\.\.\. pass', result.stdout))
        print(f"terraform test: {passed} passed, {summary.group(3)} failed, "
              f"{violations} of them violations caught ({elapsed:.1f}s)")
        # every rule file has at least one run that feeds it a violation
        self.assertGreaterEqual(violations, 12, result.stdout)

    def test_wrapper_rejects_a_missing_mirror(self):
        env = dict(self.env, TF_PLUGIN_MIRROR=os.path.join(self.tmp, "no-such-mirror"))
        target = os.path.join(self.copy, "envs", "local")
        before = sorted(os.listdir(target))
        result = run([WRAPPER, target, "init", "-backend=false"], env)
        self.assertEqual(result.returncode, 2)
        self.assertIn("TF_PLUGIN_MIRROR", result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertEqual(sorted(os.listdir(target)), before, "init ran despite the bad mirror")


if __name__ == "__main__":
    unittest.main(verbosity=2)
