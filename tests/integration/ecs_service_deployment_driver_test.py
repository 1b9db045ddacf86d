"""slipway's service deployment driver (src/targets/ecs/service_deployment_driver.cpp, through
the service_deployment_follow tool) against a loopback server that replays the recorded
sequences of tests/unit/targets/ecs/data/service_deployments — one poll per
ListServiceDeployments call. moto has no ServiceDeployment API, so this replay stands in for
ECS; what it checks is slipway's side of the wire: every request slipway sends passes botocore's
parameter validation for its operation (the ECS and CloudWatch models), the verdicts and causes
are the recorded ones, and StopServiceDeployment ROLLBACK is sent exactly once, for our
deployment, exactly where the sequence expects it. Loopback only."""

import json
import os
import subprocess
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import botocore.session
from botocore.validate import ParamValidator

from slipway_testlib import SOURCE_DIR, binary, free_port

TOOL = binary("tests", "unit", "targets", "ecs", "service_deployment_follow")
DATA = os.path.join(SOURCE_DIR, "tests", "unit", "targets", "ecs", "data", "service_deployments")
SESSION = botocore.session.get_session()
ECS = SESSION.get_service_model("ecs")
CLOUDWATCH = SESSION.get_service_model("cloudwatch")
TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."


class Replay:
    """The recorded polls, served in order; every request kept for the checks."""

    def __init__(self, sequence):
        self.polls = sequence["polls"]
        self.index = -1
        self.requests = []  # (operation, params, poll index)
        self.problems = []
        self.lock = threading.Lock()

    def poll(self):
        return self.polls[max(0, min(self.index, len(self.polls) - 1))]

    def ecs(self, operation, params):
        with self.lock:
            if operation == "ListServiceDeployments":
                self.index += 1
            self.requests.append((operation, params, self.index))
            report = ParamValidator().validate(
                params, ECS.operation_model(operation).input_shape)
            if report.has_errors():
                self.problems.append(f"{operation}: {report.generate_report()}")
            poll = self.poll()
            if operation == "ListServiceDeployments":
                return poll["listServiceDeployments"]
            if operation == "DescribeServiceDeployments":
                return poll["describeServiceDeployments"]
            if operation == "StopServiceDeployment":
                return {"serviceDeploymentArn": params["serviceDeploymentArn"]}
            self.problems.append(f"unexpected ECS operation {operation}")
            return {}

    def cloudwatch(self, params):
        with self.lock:
            action = params.pop("Action")
            params.pop("Version", None)
            # The query protocol's "List.member.N" keys, as the structured input botocore checks.
            structured = {}
            for key in sorted(params, key=lambda k: (k.split(".")[0], int(k.split(".")[-1])
                                                     if k.split(".")[-1].isdigit() else 0)):
                if ".member." in key:
                    structured.setdefault(key.split(".")[0], []).append(params[key])
                else:
                    structured[key] = params[key]
            self.requests.append((action, structured, self.index))
            report = ParamValidator().validate(
                structured, CLOUDWATCH.operation_model(action).input_shape)
            if report.has_errors():
                self.problems.append(f"{action}: {report.generate_report()}")
            members = "".join(
                f"<member><AlarmName>{a['name']}</AlarmName><StateValue>{a['state']}</StateValue>"
                f"<StateReason>recorded</StateReason></member>" for a in self.poll()["alarms"])
            return (f'<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/'
                    f'2010-08-01/"><DescribeAlarmsResult><MetricAlarms>{members}</MetricAlarms>'
                    f'<CompositeAlarms/></DescribeAlarmsResult></DescribeAlarmsResponse>')


def serve(replay):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            target = self.headers.get("X-Amz-Target", "")
            if target.startswith(TARGET_PREFIX):
                answer = json.dumps(replay.ecs(target[len(TARGET_PREFIX):], json.loads(body)))
                content_type = "application/x-amz-json-1.1"
            else:
                answer = replay.cloudwatch(dict(parse_qsl(body)))
                content_type = "text/xml"
            data = answer.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class DriverOnRecordedSequences(unittest.TestCase):
    # Sequences whose verdicts do not depend on wall-clock time (the driver's clock is real).
    NAMES = ["linear_completes", "blue_green_hook_fails_rolls_back",
             "linear_alarm_fires_mid_shift_ecs_rolls_back",
             "canary_alarm_in_bake_slipway_asks_for_rollback", "superseded_by_a_newer_deployment",
             "not_described_yet_and_a_stale_read", "found_by_listing",
             "linear_alarm_mid_shift_slipway_asks_for_rollback"]

    def follow(self, name):
        with open(os.path.join(DATA, name + ".json")) as f:
            sequence = json.load(f)
        replay = Replay(sequence)
        server = serve(replay)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        alarms = sorted({a["name"] for p in sequence["polls"] for a in p.get("alarms", [])})
        env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{server.server_port}",
                   AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true")
        env.pop("AWS_PROFILE", None)
        timeouts = sequence["timeouts"]
        result = subprocess.run(
            [TOOL, "slipway", "app", sequence["followed_arn"], str(sequence["updated_at"]), "5",
             str(timeouts["rollout_ms"]), str(timeouts["bake_ms"]),
             str(timeouts["inconclusive_polls"]), *alarms],
            env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        return sequence, replay, json.loads(result.stdout), result.stderr

    def test_verdicts_requests_and_the_rollback_call(self):
        for name in self.NAMES:
            with self.subTest(sequence=name):
                sequence, replay, outcome, progress = self.follow(name)
                expect = sequence["expect"]
                self.assertEqual(replay.problems, [])
                self.assertEqual(outcome["verdict"], expect["verdict"], progress)
                self.assertEqual(outcome["cause"], expect["cause"], progress)
                self.assertIn(expect.get("reason", ""), outcome["reason"])
                # The verdict came at the expected poll: ListServiceDeployments once per poll.
                self.assertEqual(replay.index, expect["at_poll"])
                stops = [(params, at) for op, params, at in replay.requests
                         if op == "StopServiceDeployment"]
                if "stop_with_rollback_at" in expect:
                    self.assertEqual(len(stops), 1, replay.requests)
                    params, at = stops[0]
                    self.assertEqual(params, {"serviceDeploymentArn": sequence["polls"][-1]
                                              ["describeServiceDeployments"]
                                              ["serviceDeployments"][0]["serviceDeploymentArn"],
                                              "stopType": "ROLLBACK"})
                    self.assertEqual(at, expect["stop_with_rollback_at"])
                    self.assertIn("StopServiceDeployment ROLLBACK", progress)
                else:
                    self.assertEqual(stops, [])
                for op, params, _ in replay.requests:
                    if op == "DescribeAlarms":
                        self.assertEqual(params["AlarmNames"], ["app-5xx"])
                    if op == "DescribeServiceDeployments":
                        self.assertEqual(params["serviceDeploymentArns"], [outcome["arn"]])


if __name__ == "__main__":
    unittest.main()
