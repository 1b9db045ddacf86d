"""deploy/service.json's deploymentConfiguration as slipway reads it, held against the ECS service
model botocore ships (an oracle slipway did not write): the member names and enum values are the
model's, the ranges and defaults are those its member documentation states (the API reference's
text), and every document slipway accepts passes botocore's own parameter validation for
UpdateService, so the file a team runs on the vm target is one ECS takes unchanged.
No network: botocore only validates."""

import json
import random
import re
import subprocess
import unittest

import botocore.session
from botocore.validate import ParamValidator

from slipway_testlib import binary

CHECK = binary("tests", "unit", "release", "deployment_configuration_check")
MODEL = botocore.session.get_session().get_service_model("ecs")
UPDATE_SERVICE = MODEL.operation_model("UpdateService").input_shape
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test"
ROLE = "arn:aws:iam::123456789012:role/ecs-hooks"


def slipway_read(documents):
    out = subprocess.run([CHECK], input=json.dumps(documents), capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return json.loads(out)


def botocore_problems(configuration):
    report = ParamValidator().validate(
        {"cluster": "c", "service": "s", "deploymentConfiguration": configuration},
        UPDATE_SERVICE)
    return report.generate_report() if report.has_errors() else ""


def text(documentation):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", documentation or ""))


def documented_range(shape_name, member):
    """(minimum, maximum, default) as the member's documentation states them, e.g. "Valid values
    are multiples of 0.1 from 3.0 to 100.0. The default value is 10.0." """
    doc = text(MODEL.shape_for(shape_name).members[member].documentation)
    bounds = re.search(r"Valid values are (?:multiples of 0\.1 )?(?:from )?(\d+(?:\.\d+)?) to (\d+(?:\.\d+)?)", doc)
    default = re.search(r"The default value is (\d+(?:\.\d+)?)", doc)
    assert bounds and default, f"{shape_name}.{member}: no range/default in: {doc}"
    return float(bounds.group(1)), float(bounds.group(2)), float(default.group(1))


class ModelNames(unittest.TestCase):
    def test_strategies_stages_and_members_are_the_models(self):
        names = json.loads(subprocess.run([CHECK, "--names"], capture_output=True, text=True,
                                          check=True, timeout=60).stdout)
        self.assertEqual(names["strategies"], MODEL.shape_for("DeploymentStrategy").enum)
        self.assertEqual(names["stages"], MODEL.shape_for("DeploymentLifecycleHookStage").enum)
        self.assertEqual(sorted(names["members"]),
                         sorted(MODEL.shape_for("DeploymentConfiguration").members))

    def test_every_member_of_every_nested_shape_is_accepted(self):
        # A document built from the model: every member of the hook, timeout, alarms, linear and
        # canary shapes, each enum value in turn.
        hook_shape = MODEL.shape_for("DeploymentLifecycleHook")
        documents = []
        for target_type in hook_shape.members["targetType"].enum:
            for action in MODEL.shape_for(
                    "DeploymentLifecycleHookTimeoutConfiguration").members["action"].enum:
                hook = {"targetType": target_type, "hookTargetArn": LAMBDA, "roleArn": ROLE,
                        "lifecycleStages": MODEL.shape_for("DeploymentLifecycleHookStage").enum,
                        "hookDetails": {"threshold": 0.5, "paths": ["/version"]},
                        "timeoutConfiguration": {"timeoutInMinutes": 30, "action": action}}
                self.assertEqual(sorted(hook), sorted(hook_shape.members))
                documents.append({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5,
                                  "lifecycleHooks": [hook],
                                  "alarms": {"alarmNames": ["a"], "enable": True,
                                             "rollback": True}})
        documents.append({"strategy": "LINEAR", "linearConfiguration": {
            m: v for m, v in zip(MODEL.shape_for("LinearConfiguration").members, [20.0, 1])}})
        documents.append({"strategy": "CANARY", "canaryConfiguration": {
            m: v for m, v in zip(MODEL.shape_for("CanaryConfiguration").members, [10.0, 1])}})
        for strategy in MODEL.shape_for("DeploymentStrategy").enum:
            documents.append({"strategy": strategy, "bakeTimeInMinutes": 1})
        for document, result in zip(documents, slipway_read(documents)):
            self.assertIn("ok", result, f"{document} -> {result}")
            self.assertEqual(botocore_problems(document), "")
            self.assertEqual(botocore_problems(result["ok"]), "", result["ok"])

    def test_a_member_the_model_lacks_is_refused(self):
        results = slipway_read([
            {"strategy": "LINEAR", "linearConfiguration": {"stepPercentage": 10}},
            {"strategy": "CANARY", "canaryConfiguration": {"canaryBakeTime": 1}},
            {"bakeTime": 5},
            {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
             "lifecycleHooks": [{"hookTargetArn": LAMBDA, "lifecycleStages": ["PRE_SCALE_UP"],
                                 "hookArn": LAMBDA}]}])
        for result, member in zip(results, ["stepPercentage", "canaryBakeTime", "bakeTime",
                                            "hookArn"]):
            self.assertIn("error", result)
            self.assertIn(member + ": unknown member", result["error"])
        # botocore refuses each of them too: the reader is not stricter than ECS here.
        self.assertIn("Unknown parameter", botocore_problems({"bakeTime": 5}))


class DocumentedRangesAndDefaults(unittest.TestCase):
    PERCENTS = [("LinearConfiguration", "linearConfiguration", "stepPercent", "LINEAR"),
                ("CanaryConfiguration", "canaryConfiguration", "canaryPercent", "CANARY")]
    MINUTES = [("LinearConfiguration", "linearConfiguration", "stepBakeTimeInMinutes", "LINEAR"),
               ("CanaryConfiguration", "canaryConfiguration", "canaryBakeTimeInMinutes",
                "CANARY")]

    def outcome(self, strategy, member_of_configuration, member, value):
        document = {"strategy": strategy, member_of_configuration: {member: value}}
        return slipway_read([document])[0]

    def test_percentages_multiples_of_a_tenth_within_the_documented_range(self):
        for shape, container, member, strategy in self.PERCENTS:
            low, high, default = documented_range(shape, member)
            with self.subTest(member=member):
                for ok in [low, high, round((low + high) / 2, 1), round(low + 0.1, 1)]:
                    result = self.outcome(strategy, container, member, ok)
                    self.assertIn("ok", result, (member, ok, result))
                    self.assertAlmostEqual(result["ok"][container][member], ok)
                for bad in [round(low - 0.1, 1), round(high + 0.1, 1), low + 0.05, 0, -1]:
                    result = self.outcome(strategy, container, member, bad)
                    self.assertIn("error", result, (member, bad))
                    self.assertTrue(result["error"].startswith(
                        f"service.json: deploymentConfiguration.{container}.{member}: "),
                        result["error"])
                    self.assertNotIn("\n", result["error"])
                omitted = slipway_read([{"strategy": strategy, container: {}}])[0]
                self.assertAlmostEqual(omitted["ok"][container][member], default)

    def test_bake_minutes_within_the_documented_range(self):
        for shape, container, member, strategy in self.MINUTES:
            low, high, default = documented_range(shape, member)
            with self.subTest(member=member):
                for ok in [int(low), int(high)]:
                    self.assertEqual(self.outcome(strategy, container, member, ok)["ok"]
                                     [container][member], ok)
                for bad in [int(low) - 1, int(high) + 1, 1.5, "6"]:
                    self.assertIn("error", self.outcome(strategy, container, member, bad),
                                  (member, bad))
                omitted = slipway_read([{"strategy": strategy}])[0]
                self.assertEqual(omitted["ok"][container][member], int(default))

    def test_hook_timeout_within_the_models_bounds(self):
        timeout = MODEL.shape_for("DeploymentLifecycleHookTimeoutConfiguration")
        bounds = timeout.members["timeoutInMinutes"].metadata
        def document(minutes):
            return {"strategy": "LINEAR", "lifecycleHooks": [
                {"hookTargetArn": LAMBDA, "lifecycleStages": ["PRE_SCALE_UP"],
                 "timeoutConfiguration": {"timeoutInMinutes": minutes}}]}
        results = slipway_read([document(bounds["min"]), document(bounds["max"]),
                                document(bounds["min"] - 1), document(bounds["max"] + 1)])
        self.assertEqual([("ok" in r) for r in results], [True, True, False, False])
        # botocore checks the minimum itself: where it refuses, slipway refuses too.
        self.assertNotEqual(botocore_problems(document(bounds["min"] - 1)), "")

    def test_defaults_are_ecss(self):
        self.assertEqual(slipway_read([{}])[0]["ok"]["strategy"],
                         "ROLLING")  # the strategy member's documentation: ROLLING is the default
        self.assertIn("ROLLING", text(MODEL.shape_for("DeploymentConfiguration")
                                      .members["strategy"].documentation))

    def test_blue_green_requires_a_bake_time_as_the_model_says(self):
        doc = text(MODEL.shape_for("DeploymentConfiguration").members["bakeTimeInMinutes"]
                   .documentation)
        self.assertIn("must provide this parameter when you use the BLUE_GREEN", doc)
        result = slipway_read([{"strategy": "BLUE_GREEN"}])[0]
        self.assertIn("bakeTimeInMinutes: required under BLUE_GREEN", result["error"])

    def test_strategy_configuration_only_under_its_strategy(self):
        for shape, container, strategy in [("LinearConfiguration", "linearConfiguration", "LINEAR"),
                                           ("CanaryConfiguration", "canaryConfiguration",
                                            "CANARY")]:
            self.assertIn(f"valid when the deployment strategy is <code>{strategy}</code>",
                          MODEL.shape_for("DeploymentConfiguration").members[container]
                          .documentation)
            result = slipway_read([{"strategy": "ROLLING", container: {}}])[0]
            self.assertIn(f"only valid when strategy is {strategy}", result["error"])

    def test_alarms_members_the_model_requires(self):
        required = MODEL.shape_for("DeploymentAlarms").required_members
        full = {"alarmNames": ["high-5xx"], "enable": True, "rollback": True}
        self.assertIn("ok", slipway_read([{"alarms": full}])[0])
        for member in required:
            partial = {k: v for k, v in full.items() if k != member}
            self.assertNotEqual(botocore_problems({"alarms": partial}), "")
            self.assertIn(f"alarms.{member}: required", slipway_read([{"alarms": partial}])[0]
                          ["error"])


class RandomDocuments(unittest.TestCase):
    """Documents drawn around the valid ones: whatever slipway accepts, botocore's validation
    accepts, its values lie in the documented ranges, and what slipway writes back reads the same."""

    def draw(self, rng):
        def maybe(value):
            return value if rng.random() < 0.7 else rng.choice(
                [None, "x", -1, 0, 1441, 2.55, True, [], {}])
        document = {}
        strategy = rng.choice(MODEL.shape_for("DeploymentStrategy").enum + ["BLUE", "linear"])
        if rng.random() < 0.9:
            document["strategy"] = strategy
        if rng.random() < (0.9 if strategy == "BLUE_GREEN" else 0.5):
            document["bakeTimeInMinutes"] = maybe(rng.randint(0, 1440))
        # Mostly under their own strategy, sometimes under another (which must be refused).
        if rng.random() < (0.8 if strategy == "LINEAR" else 0.1):
            document["linearConfiguration"] = {
                "stepPercent": maybe(round(rng.uniform(2.5, 100.5), rng.choice([0, 1, 2]))),
                "stepBakeTimeInMinutes": maybe(rng.randint(0, 1440))}
        if rng.random() < (0.8 if strategy == "CANARY" else 0.1):
            document["canaryConfiguration"] = {
                "canaryPercent": maybe(round(rng.uniform(0.0, 100.5), rng.choice([0, 1, 2]))),
                "canaryBakeTimeInMinutes": maybe(rng.randint(0, 1440))}
        if rng.random() < 0.4:
            stages = MODEL.shape_for("DeploymentLifecycleHookStage").enum
            document["lifecycleHooks"] = [{
                "hookTargetArn": maybe(LAMBDA), "roleArn": ROLE,
                "lifecycleStages": maybe(rng.sample(stages, rng.randint(1, 3)))}]
        if rng.random() < 0.3:
            document["alarms"] = {"alarmNames": maybe(["a", "b"]), "enable": maybe(True),
                                  "rollback": maybe(False)}
        for key in list(document):
            for inner in list(document[key]) if isinstance(document[key], dict) else []:
                if document[key][inner] is None:
                    del document[key][inner]
        return document

    def test_accepted_documents_are_valid_for_ecs(self):
        rng = random.Random(14)
        documents = [self.draw(rng) for _ in range(600)]
        results = slipway_read(documents)
        accepted = 0
        for document, result in zip(documents, results):
            if "error" in result:
                self.assertRegex(result["error"], r"^service\.json: deploymentConfiguration[^\n]*$")
                continue
            accepted += 1
            self.assertEqual(botocore_problems(document), "", document)
            normalized = result["ok"]
            self.assertEqual(botocore_problems(normalized), "", normalized)
            if "linearConfiguration" in normalized:
                step = normalized["linearConfiguration"]["stepPercent"]
                self.assertTrue(3.0 <= step <= 100.0 and abs(step * 10 - round(step * 10)) < 1e-9)
            if "canaryConfiguration" in normalized:
                canary = normalized["canaryConfiguration"]["canaryPercent"]
                self.assertTrue(0.1 <= canary <= 100.0)
            self.assertEqual(slipway_read([normalized])[0], result, "not stable when read back")
        # The draw must exercise both sides, or the test says nothing.
        self.assertGreater(accepted, 60)
        self.assertGreater(len(documents) - accepted, 60)


if __name__ == "__main__":
    unittest.main()
