"""The recorded service deployment sequences the follower's unit test replays
(tests/unit/targets/ecs/data/service_deployments) are shaped like ECS's answers: every recorded
DescribeServiceDeployments and ListServiceDeployments response fits the output shape of the ECS
model botocore ships (an oracle slipway did not write) — only members the shape has, of its
types, enum values from its enums, percentages in the documented 0.0-100.0 — and the JSON files
are what make_sequences.py writes. No network."""

import glob
import json
import os
import re
import subprocess
import sys
import unittest

import botocore.session

from slipway_testlib import SOURCE_DIR

DATA = os.path.join(SOURCE_DIR, "tests", "unit", "targets", "ecs", "data", "service_deployments")
MODEL = botocore.session.get_session().get_service_model("ecs")


def shape_problems(value, shape, path):
    """Problems of `value` against a botocore shape (JSON protocol: timestamps as epoch seconds)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        problems = []
        for key, member in value.items():
            if key not in shape.members:
                problems.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                problems += shape_problems(member, shape.members[key], f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [p for i, item in enumerate(value)
                for p in shape_problems(item, shape.member, f"{path}[{i}]")]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string"]
        if shape.enum and value not in shape.enum:
            return [f"{path}: {value!r} is not one of {shape.enum}"]
        return []
    if kind in ("integer", "long"):
        return [] if isinstance(value, int) and not isinstance(value, bool) else [
            f"{path}: expected an integer"]
    if kind in ("double", "float", "timestamp"):
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else [
            f"{path}: expected a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected true or false"]
    return [f"{path}: unchecked type {kind}"]


def sequences():
    out = {}
    for path in sorted(glob.glob(os.path.join(DATA, "*.json"))):
        with open(path) as f:
            out[os.path.basename(path)[:-5]] = json.load(f)
    return out


class RecordedSequences(unittest.TestCase):
    def test_files_are_what_the_generator_writes(self):
        result = subprocess.run([sys.executable, os.path.join(DATA, "make_sequences.py"),
                                 "--check"], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_responses_fit_the_models_output_shapes(self):
        describe = MODEL.operation_model("DescribeServiceDeployments").output_shape
        listing = MODEL.operation_model("ListServiceDeployments").output_shape
        checked = 0
        for name, sequence in sequences().items():
            for i, poll in enumerate(sequence["polls"]):
                if "unavailable" in poll:
                    continue
                where = f"{name} poll {i}"
                self.assertEqual(shape_problems(poll["describeServiceDeployments"], describe,
                                                where + " describe"), [])
                self.assertEqual(shape_problems(poll["listServiceDeployments"], listing,
                                                where + " list"), [])
                checked += 1
        self.assertGreater(checked, 50)

    def test_the_checker_refuses_what_the_model_refuses(self):
        # The oracle must be able to fail: a made-up stage, member and weight type.
        shape = MODEL.operation_model("DescribeServiceDeployments").output_shape
        bad = {"serviceDeployments": [{"lifecycleStage": "CANARY_BAKE", "trafficPercent": 5,
                                       "targetServiceRevision": {
                                           "requestedProductionTrafficWeight": "10"}}]}
        self.assertEqual(len(shape_problems(bad, shape, "bad")), 3)

    def test_traffic_weights_and_stages_are_the_documented_ones(self):
        revision = MODEL.shape_for("ServiceRevisionSummary")
        doc = re.sub(r"<[^>]+>", " ", revision.members["requestedProductionTrafficWeight"]
                     .documentation)
        self.assertIn("Valid values are 0.0 to 100.0", doc)
        stages_seen = set()
        for sequence in sequences().values():
            for poll in sequence["polls"]:
                for d in poll.get("describeServiceDeployments", {}).get("serviceDeployments", []):
                    stages_seen.add(d["lifecycleStage"])
                    for r in [d["targetServiceRevision"], *d["sourceServiceRevisions"]]:
                        for key in ("requestedProductionTrafficWeight",
                                    "requestedTestTrafficWeight"):
                            if key in r:
                                self.assertTrue(0.0 <= r[key] <= 100.0)
                    weights = [r["requestedProductionTrafficWeight"]
                               for r in [d["targetServiceRevision"], *d["sourceServiceRevisions"]]]
                    self.assertAlmostEqual(sum(weights), 100.0)
        # The sequences walk the stages a strategy passes, not just the end states.
        for stage in ["SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
                      "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"]:
            self.assertIn(stage, stages_seen)
            self.assertIn(stage, MODEL.shape_for("ServiceDeploymentLifecycleStage").enum)

    def test_the_issues_cases_are_recorded(self):
        names = sequences()
        hook = names["blue_green_hook_fails_rolls_back"]
        self.assertTrue(any(h["status"] == "FAILED"
                            for p in hook["polls"]
                            for d in p["describeServiceDeployments"]["serviceDeployments"]
                            for h in d.get("lifecycleHookDetails", [])))
        alarm = names["linear_alarm_fires_mid_shift_ecs_rolls_back"]
        shifted = [d["targetServiceRevision"]["requestedProductionTrafficWeight"]
                   for p in alarm["polls"]
                   for d in p["describeServiceDeployments"]["serviceDeployments"]
                   if d["alarms"].get("status") == "TRIGGERED"]
        self.assertTrue(shifted and 0 < shifted[0] < 100, "the alarm fires mid-linear")


if __name__ == "__main__":
    unittest.main()
