# labels: aws moto ecs terraform
"""`slipway deploy`, `slipway ecs deploy|rollback` and `slipway status` on the ECS target under
BLUE_GREEN, LINEAR and CANARY, as a user runs them: the real CLI against moto (IAM auth on),
with ECS reached through a loopback replay server (AWS_ENDPOINT_URL_ECS; every other service
goes straight to moto through AWS_ENDPOINT_URL).

moto implements none of the ServiceDeployment APIs and never runs a deployment, so the replay
answers ListServiceDeployments, DescribeServiceDeployments and StopServiceDeployment from the
recorded sequences of tests/unit/targets/ecs/data/service_deployments (shaped like the ECS API
reference pages ListServiceDeployments, DescribeServiceDeployments, ServiceDeployment and
StopServiceDeployment), one recorded poll per ListServiceDeployments call, with the recorded
times moved to the moment of UpdateService. UpdateService goes to moto unchanged (moto keeps
the deploymentConfiguration it is given) and its answer gains the currentServiceDeployment
real ECS returns (API reference: UpdateService, Service). Every other ECS call is forwarded to
moto as is. At each poll the replay sets the recorded alarm states in moto's CloudWatch, which
slipway reads itself. After a recorded StopServiceDeployment point, the replay moves on only
once slipway has sent that call: without it, the rollback never shows.

Every ECS request slipway sends is checked with botocore's ParamValidator against the ECS
model (an oracle slipway's authors did not write). Loopback only."""

import copy
import http.client
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session
from botocore.validate import ParamValidator

import iam_evaluation
from ecs_moto_test import (ACCOUNT, DEPLOYER_POLICY, REGION, REGISTRY, SHA1, SHA2, EcsMoto, create_infrastructure,
                           make_service_dir, result_of, revisions, run_slipway,
                           service_task_definition, tags_of, var_flags)
from slipway_testlib import SOURCE_DIR, Process, binary, free_port, wait_until

SLIPWAY = binary("src", "cli", "slipway")
DATA = os.path.join(SOURCE_DIR, "tests", "unit", "targets", "ecs", "data", "service_deployments")
ECS = botocore.session.get_session().get_service_model("ecs")
TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
REPLAYED = {"ListServiceDeployments", "DescribeServiceDeployments", "StopServiceDeployment"}
TIME_FIELDS = {"createdAt", "startedAt", "updatedAt", "finishedAt", "stoppedAt"}
USAGE, ROLLED_BACK, TIMED_OUT, INTERRUPTED = 2, 3, 4, 130
LOCK_TAG = "slipway:lock"
# The deployer's rights, and DescribeAlarms as moto's IAM names it: moto checks CloudWatch actions
# under the signing name ("monitoring:"), where AWS uses "cloudwatch:" (which the policy has).
WATCHING_DEPLOYER_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Resource": "*",
    "Action": DEPLOYER_POLICY["Statement"][0]["Action"] + ["monitoring:DescribeAlarms"]}]}


def load_sequence(name):
    """A recorded sequence, its cluster renamed to the one create_infrastructure makes."""
    with open(os.path.join(DATA, name + ".json")) as f:
        text = f.read()
    text = text.replace(":cluster/slipway\"", ":cluster/slipway-test\"").replace(
        "/slipway/app", "/slipway-test/app")
    return json.loads(text)


def shifted(value, offset):
    """`value` with every recorded time moved by `offset` seconds."""
    if isinstance(value, dict):
        return {k: (v + offset if k in TIME_FIELDS and isinstance(v, (int, float))
                    else shifted(v, offset)) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, offset) for v in value]
    return value


class Replay:
    """One recorded sequence served poll by poll, in front of moto."""

    def __init__(self, moto, sequence, hold_at=None):
        self.moto = moto
        self.sequence = sequence
        self.hold_at = hold_at  # never move past this poll (a deployment still running)
        self.stop_at = sequence["expect"].get("stop_with_rollback_at")
        self.index = -1
        self.offset = 0.0
        self.stops = []  # (params, poll index)
        self.alarm_states = {}

    def poll(self):
        polls = self.sequence["polls"]
        return shifted(polls[max(0, min(self.index, len(polls) - 1))], self.offset)

    def next_poll(self):
        """Advances one poll (ListServiceDeployments), and sets the alarms it records."""
        last = len(self.sequence["polls"]) - 1
        if self.hold_at is not None:
            last = min(last, self.hold_at)
        if self.stop_at is not None and not self.stops:
            last = min(last, self.stop_at)  # the rollback shows only once it was asked for
        self.index = min(self.index + 1, last)
        for alarm in self.poll().get("alarms", []):
            if self.alarm_states.get(alarm["name"]) != alarm["state"]:
                self.moto.client("cloudwatch").set_alarm_state(
                    AlarmName=alarm["name"], StateValue=alarm["state"], StateReason="recorded")
                self.alarm_states[alarm["name"]] = alarm["state"]

    def answer(self, operation, params):
        if operation == "ListServiceDeployments":
            self.next_poll()
            return self.poll()["listServiceDeployments"]
        if operation == "DescribeServiceDeployments":
            return self.poll()["describeServiceDeployments"]
        self.stops.append((params, self.index))
        return {"serviceDeploymentArn": params["serviceDeploymentArn"]}


class EcsReplayProxy:
    """The loopback ECS endpoint: replays what moto lacks, forwards the rest to moto."""

    def __init__(self, moto):
        self.moto = moto
        self.replay = None  # set by the test before slipway runs
        self.requests = []  # (operation, params) of every ECS call, in order
        self.problems = []  # ParamValidator reports and surprises
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = self.headers.get("X-Amz-Target", "")
                status, content_type, data = outer.handle(target, body, dict(self.headers))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, target, body, headers):
        operation = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else target
        params = json.loads(body) if body else {}
        with self.lock:
            self.requests.append((operation, params))
            if operation in ECS.operation_names:
                report = ParamValidator().validate(
                    params, ECS.operation_model(operation).input_shape)
                if report.has_errors():
                    self.problems.append(f"{operation}: {report.generate_report()}")
            else:
                self.problems.append(f"not an ECS operation: {target}")
            if operation in REPLAYED:
                if self.replay is None:
                    self.problems.append(f"{operation} with no sequence to replay")
                    return 400, "application/x-amz-json-1.1", b"{}"
                answer = self.replay.answer(operation, params)
                return 200, "application/x-amz-json-1.1", json.dumps(answer).encode()
        # The request as slipway signed it (same Host header), so moto's IAM check sees it.
        status, content_type, data = self.forward(body, headers)
        if operation == "UpdateService" and status == 200 and self.replay is not None:
            answer = json.loads(data)
            with self.lock:
                self.replay.offset = time.time() - self.replay.sequence["updated_at"]
            answer["service"]["currentServiceDeployment"] = self.replay.sequence["followed_arn"]
            data = json.dumps(answer).encode()
        return status, content_type, data

    def forward(self, body, headers):
        connection = http.client.HTTPConnection("127.0.0.1", self.moto.port, timeout=60)
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            return (response.status, response.getheader("Content-Type", "application/json"),
                    response.read())
        finally:
            connection.close()

    def calls(self, operation):
        return [params for op, params in self.requests if op == operation]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def service_file(configuration):
    return json.dumps({"deploymentConfiguration": configuration}, indent=1)


def recorded_configuration(sequence, **changes):
    """The deploymentConfiguration ECS's recorded read shows, with the alarm slipway watches
    (ECS does not: enable false), as a team would write it in deploy/service.json."""
    first = sequence["polls"][0]["describeServiceDeployments"]["serviceDeployments"][0]
    configuration = copy.deepcopy(first["deploymentConfiguration"])
    configuration["alarms"] = {"alarmNames": ["app-5xx"], "enable": False, "rollback": False}
    configuration.update(changes)
    return configuration


def recorded_stages(polls):
    """(stage, strategy, new revision's production %, the others' %) each time the recorded
    deployment's stage or split changed, poll by poll."""
    stages = []
    for poll in polls:
        described = poll["describeServiceDeployments"]["serviceDeployments"]
        if not described or not described[0].get("lifecycleStage"):
            continue
        d = described[0]
        stage = (d["lifecycleStage"], d["deploymentConfiguration"]["strategy"],
                 d["targetServiceRevision"]["requestedProductionTrafficWeight"],
                 [s["requestedProductionTrafficWeight"] for s in d.get("sourceServiceRevisions", [])])
        if not stages or stages[-1] != stage:
            stages.append(stage)
    return stages


class EcsProgressiveDeploy(unittest.TestCase):
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
        self.moto.client("cloudwatch").put_metric_alarm(
            AlarmName="app-5xx", Namespace="app", MetricName="http_5xx", Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold")
        self.moto._user("watching-deployer", WATCHING_DEPLOYER_POLICY)
        self.proxy = EcsReplayProxy(self.moto)
        self.addCleanup(self.proxy.close)
        self.service_arn = self.moto.client("ecs").describe_services(
            cluster="slipway-test", services=["app"])["services"][0]["serviceArn"]

    def tearDown(self):
        self.assertEqual(self.proxy.problems, [])

    def env(self):
        return self.moto.env("watching-deployer", AWS_ENDPOINT_URL_ECS=self.proxy.url)

    def write_service_file(self, configuration):
        with open(os.path.join(self.dir, "deploy", "service.json"), "w") as f:
            f.write(service_file(configuration))
        self.addCleanup(os.remove, os.path.join(self.dir, "deploy", "service.json"))

    def replay(self, name, **options):
        sequence = load_sequence(name)
        self.proxy.replay = Replay(self.moto, sequence, **options)
        return sequence

    def ecs_deploy(self, sha):
        result = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image",
                              f"{REGISTRY}/app:{sha}", "--poll-interval", "100ms",
                              *var_flags(self.outputs), "-o", "json"], self.env())
        return result, (result_of(result) if result.stdout else {})

    def check_update_service(self, configuration, task_definition):
        updates = self.proxy.calls("UpdateService")
        self.assertEqual(len(updates), 1, updates)
        self.assertEqual(updates[0]["deploymentConfiguration"], configuration)
        self.assertEqual(updates[0]["taskDefinition"], task_definition)

    def test_a_good_canary_succeeds_and_is_recorded(self):
        sequence = self.replay("canary_completes")
        configuration = recorded_configuration(sequence)
        self.write_service_file(configuration)
        result, final = self.ecs_deploy(SHA1)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        arn = final["task_definition"]
        self.check_update_service(configuration, arn)
        self.assertEqual((final["status"], final["strategy"]), ("succeeded", "CANARY"))
        self.assertEqual(final["deployment_id"], sequence["followed_arn"])
        self.assertIn("production traffic: revision 7 (new) 10.0%, revision 6 90.0%",
                      result.stdout)
        self.assertIn("stage BAKE_TIME (CANARY)", result.stdout)
        # moto's service has a target group and the file names no alternate: said before the lock.
        self.assertIn("service app has a load balancer without an alternate target group", result.stdout)
        self.assertEqual(self.proxy.calls("StopServiceDeployment"), [])
        # Followed to the last recorded poll, by its ARN.
        self.assertEqual(self.proxy.replay.index, sequence["expect"]["at_poll"])
        # --output json: one `stage` event per change of stage or traffic split the recorded polls
        # show, with the split; no stage or traffic line left as a plain `deployment` message.
        events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        self.assertEqual([(e["stage"], e["strategy"], e["traffic"]["target_revision"]["production_traffic_percent"],
                           [s["production_traffic_percent"] for s in e["traffic"]["source_revisions"]])
                          for e in events if e["event"] == "stage"],
                         recorded_stages(sequence["polls"][:self.proxy.replay.index]))
        self.assertEqual([e["message"] for e in events if e["event"] == "deployment"
                          and e["message"].startswith(("stage ", "production traffic"))], [])
        self.assertEqual({p["serviceDeploymentArns"][0] for p in
                          self.proxy.calls("DescribeServiceDeployments")},
                         {sequence["followed_arn"]})
        tags = tags_of(self.moto, arn)
        self.assertEqual(tags["slipway:outcome"], "succeeded")
        self.assertEqual(tags["slipway:strategy"], "CANARY")
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))
        # The release record says how it went out and how it ended.
        history = run_slipway(["history", "--spec", self.spec, "-o", "json"], self.env())
        self.assertEqual(history.returncode, 0, history.stderr)
        release = next(r for r in json.loads(history.stdout) if r["arn"] == arn)
        self.assertEqual((release["strategy"], release["outcome"], release["commit"]),
                         ("CANARY", "succeeded", SHA1))

    def test_a_failing_lifecycle_hook_is_rolled_back_with_exit_3(self):
        sequence = self.replay("blue_green_hook_fails_rolls_back")
        configuration = recorded_configuration(sequence)
        self.write_service_file(configuration)
        result, final = self.ecs_deploy(SHA1)
        self.assertEqual(result.returncode, ROLLED_BACK, result.stdout + result.stderr)
        self.check_update_service(configuration, final["task_definition"])
        self.assertIn("lifecycle hook smoke-test FAILED at POST_TEST_TRAFFIC_SHIFT",
                      final["reason"])
        self.assertEqual((final["status"], final["exit_code"]), ("rolled_back", ROLLED_BACK))
        self.assertEqual(self.proxy.calls("StopServiceDeployment"), [])  # ECS rolled back itself
        tags = tags_of(self.moto, final["task_definition"])
        self.assertEqual(tags["slipway:outcome"], "rolled_back")
        self.assertEqual(tags["slipway:strategy"], "BLUE_GREEN")
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))

    def test_an_alarm_mid_linear_asks_ecs_to_roll_back_once(self):
        sequence = self.replay("linear_alarm_mid_shift_slipway_asks_for_rollback")
        configuration = recorded_configuration(sequence)
        self.write_service_file(configuration)
        result, final = self.ecs_deploy(SHA1)
        self.assertEqual(result.returncode, ROLLED_BACK, result.stdout + result.stderr)
        self.assertEqual(self.proxy.replay.stops,
                         [({"serviceDeploymentArn": sequence["followed_arn"],
                            "stopType": "ROLLBACK"}, sequence["expect"]["stop_with_rollback_at"])])
        self.assertIn("alarm app-5xx in ALARM at PRODUCTION_TRAFFIC_SHIFT", final["reason"])
        self.assertEqual(tags_of(self.moto, final["task_definition"])["slipway:outcome"],
                         "rolled_back")
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))

    def test_the_deploy_role_may_follow_and_stop_only_its_own_services_deployments(self):
        # The List/Describe/Stop calls slipway makes on a LINEAR that it stops, judged by the real
        # IAM evaluator against the deploy role's policy as Terraform renders it for this service;
        # the same calls on another service's deployment must be denied.
        sequence = self.replay("linear_alarm_mid_shift_slipway_asks_for_rollback")
        self.write_service_file(recorded_configuration(sequence))
        result, _ = self.ecs_deploy(SHA1)
        self.assertEqual(result.returncode, ROLLED_BACK, result.stdout + result.stderr)
        calls = [{"region": REGION, "service": "ecs", "action": operation, "params": params}
                 for operation, params in self.proxy.requests if operation in REPLAYED]
        self.assertEqual({c["action"] for c in calls}, REPLAYED)
        own = [r for c in calls for r in iam_evaluation.iam_requests(c, ACCOUNT)]
        other = [r for c in json.loads(json.dumps(calls).replace("/slipway-test/app", "/slipway-test/other")
                                       .replace('"service": "app"', '"service": "other"'))
                 for r in iam_evaluation.iam_requests(c, ACCOUNT)]
        self.assertTrue(all("/app" in r["resource"] for r in own) and all("/other" in r["resource"] for r in other))
        work_dir = tempfile.mkdtemp(prefix="slipway-deploy-role-")
        self.addCleanup(shutil.rmtree, work_dir, ignore_errors=True)
        policies = iam_evaluation.planned_deploy_role_policy(work_dir, REGION, ACCOUNT, "slipway-test", ["app"])
        verdicts = iam_evaluation.evaluate({
            "account": ACCOUNT, "identity_policies": policies,
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/ci", "requests": own + other})["requests"]
        self.assertEqual(iam_evaluation.denied_lines(verdicts[:len(own)]), [])
        self.assertEqual({v["action"]: v["allowed_by"] for v in verdicts[:len(own)]},
                         {f"ecs:{a}": ["FollowServiceDeployments"] for a in REPLAYED})
        self.assertEqual({(v["action"], v["decision"]) for v in verdicts[len(own):]},
                         {(f"ecs:{a}", "ImplicitlyDenied") for a in REPLAYED})

    def test_an_alarm_in_slipways_bake_after_success_points_the_service_back(self):
        sequence = self.replay("canary_successful_then_alarm_in_slipway_bake")
        self.write_service_file(recorded_configuration(sequence))
        previous = service_task_definition(self.moto)
        result = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image",
                              f"{REGISTRY}/app:{SHA1}", "--poll-interval", "100ms",
                              "--bake-time", "60s", *var_flags(self.outputs), "-o", "json"],
                             self.env())
        self.assertEqual(result.returncode, ROLLED_BACK, result.stdout + result.stderr)
        final = result_of(result)
        self.assertTrue(final["slipway_rolled_back"], final)
        self.assertIn("app-5xx", final["reason"])
        # ECS's deployment was over: no StopServiceDeployment, a plain UpdateService back.
        self.assertEqual(self.proxy.replay.stops, [])
        updates = self.proxy.calls("UpdateService")
        self.assertEqual(len(updates), 2, updates)
        self.assertEqual(updates[1], {"cluster": "slipway-test", "service": "app",
                                      "taskDefinition": previous})
        self.assertEqual(service_task_definition(self.moto), previous)
        self.assertEqual(tags_of(self.moto, final["task_definition"])["slipway:outcome"],
                         "rolled_back")

    def test_the_rollout_timeout_asks_ecs_to_roll_back_and_exits_4(self):
        sequence = self.replay("rollout_timeout_in_a_step_bake")
        # No step bake and no final bake: the follow's budget is the start and rollout timeouts
        # alone (2 s here); ECS's recorded read still shows its own minutes, which slipway does
        # not read.
        self.write_service_file(recorded_configuration(
            sequence, bakeTimeInMinutes=0,
            linearConfiguration={"stepPercent": 25.0, "stepBakeTimeInMinutes": 0}))
        result = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image",
                              f"{REGISTRY}/app:{SHA1}", "--poll-interval", "100ms",
                              "--start-timeout", "1s", "--rollout-timeout", "1s",
                              *var_flags(self.outputs), "-o", "json"], self.env())
        self.assertEqual(result.returncode, TIMED_OUT, result.stdout + result.stderr)
        final = result_of(result)
        self.assertIn("rollout timeout", final["reason"])
        self.assertEqual([params for params, _ in self.proxy.replay.stops],
                         [{"serviceDeploymentArn": sequence["followed_arn"],
                           "stopType": "ROLLBACK"}])
        self.assertEqual(tags_of(self.moto, final["task_definition"])["slipway:outcome"],
                         "timed_out")
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))

    def test_a_service_left_on_canary_moves_back_only_when_the_file_says_rolling(self):
        def leave_on_canary():
            self.moto.client("ecs").update_service(
                cluster="slipway-test", service="app", deploymentConfiguration={
                    "strategy": "CANARY", "bakeTimeInMinutes": 5,
                    "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2}})

        def strategy_in_moto():
            return self.moto.client("ecs").describe_services(
                cluster="slipway-test", services=["app"])["services"][0][
                "deploymentConfiguration"].get("strategy")

        def deploy(sha):
            self.proxy.requests.clear()
            result = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image",
                                  f"{REGISTRY}/app:{sha}", "--no-wait", *var_flags(self.outputs)],
                                 self.env())
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            return result.stdout, self.proxy.calls("UpdateService")

        rolling = {"maximumPercent": 200, "minimumHealthyPercent": 100, "strategy": "ROLLING"}
        self.write_service_file(rolling)
        leave_on_canary()
        out, updates = deploy(SHA1)
        self.assertIn("moving app from CANARY back to ROLLING", out)
        self.assertEqual([u["deploymentConfiguration"] for u in updates], [rolling])
        self.assertEqual(strategy_in_moto(), "ROLLING")
        first = updates[0]["taskDefinition"]
        # No strategy in the file: UpdateService leaves ECS's alone, and the deploy says so.
        with open(os.path.join(self.dir, "deploy", "service.json"), "w") as f:
            f.write(service_file({"maximumPercent": 200}))
        leave_on_canary()
        out, updates = deploy(SHA2)
        self.assertIn("runs CANARY (an earlier deploy set it)", out)
        self.assertEqual([u.get("deploymentConfiguration") for u in updates], [None])
        self.assertEqual(strategy_in_moto(), "CANARY")
        # A rollback moves it back the same way when the file says ROLLING.
        with open(os.path.join(self.dir, "deploy", "service.json"), "w") as f:
            f.write(service_file(rolling))
        self.proxy.requests.clear()
        result = run_slipway(["ecs", "rollback", "--spec", self.spec, "--no-wait",
                              "--to", first.rsplit(":", 1)[1]], self.env())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("moving app from CANARY back to ROLLING", result.stdout)
        self.assertEqual([(u["taskDefinition"], u["deploymentConfiguration"])
                          for u in self.proxy.calls("UpdateService")], [(first, rolling)])
        self.assertEqual(strategy_in_moto(), "ROLLING")
        self.assertEqual(service_task_definition(self.moto), first)

    def test_a_bad_strategy_is_refused_before_anything_changes(self):
        self.replay("canary_completes")
        self.write_service_file({"strategy": "CANARY",
                                 "canaryConfiguration": {"canaryPercent": 0.05}})
        before = revisions(self.moto)
        result = run_slipway(["deploy", "--spec", self.spec, "--image", f"{REGISTRY}/app:{SHA1}",
                              *var_flags(self.outputs)], self.env())
        self.assertEqual(result.returncode, USAGE, result.stdout + result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("deploymentConfiguration.canaryConfiguration.canaryPercent", lines[0])
        self.assertEqual(revisions(self.moto), before)
        for operation in ("RegisterTaskDefinition", "UpdateService", "TagResource"):
            self.assertEqual(self.proxy.calls(operation), [], operation)

    def test_sigint_during_a_progressive_follow_releases_the_lock(self):
        sequence = self.replay("linear_completes", hold_at=1)
        # ECS's recorded read says 5 minutes of final bake; a day here shows the lock held for
        # the strategy's planned minutes (a ROLLING deploy holds it for well under an hour).
        self.write_service_file(recorded_configuration(sequence, bakeTimeInMinutes=1440))
        with Process([SLIPWAY, "deploy", "--spec", self.spec, "--image",
                      f"{REGISTRY}/app:{SHA1}", *var_flags(self.outputs)], env=self.env()) as run:
            wait_until(lambda: "stage RECONCILE_SERVICE (LINEAR)" in run.output()[1]
                       or not run.running(), timeout=60, what="the LINEAR deploy to follow")
            self.assertTrue(run.running(), run.output())
            lock = tags_of(self.moto, self.service_arn)[LOCK_TAG]
            held_for = int(lock.rsplit(" until ", 1)[1]) - time.time()
            self.assertGreater(held_for, 24 * 3600, lock)
            run.signal(signal.SIGINT)
            code = run.wait(timeout=60)
            out, err = run.output()
        self.assertEqual(code, INTERRUPTED, out + err)
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))
        self.assertRegex(err.splitlines()[-1], "^slipway: error: interrupted by SIGINT while "
                                               "following service deployment [^ ]+$")
        self.assertIn("ECS carries on with it", err)

    def test_status_shows_the_stage_and_the_traffic_split(self):
        sequence = self.replay("canary_completes", hold_at=4)
        self.write_service_file(recorded_configuration(sequence))
        result = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image",
                              f"{REGISTRY}/app:{SHA1}", "--no-wait", *var_flags(self.outputs)],
                             self.env())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for _ in range(5):  # the deployment stands at the canary step (recorded poll 4)
            self.proxy.replay.next_poll()
        text = run_slipway(["status", "--spec", self.spec], self.env())
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("CANARY IN_PROGRESS at PRODUCTION_TRAFFIC_SHIFT, production traffic: "
                      "revision 7 (new) 10.0%, revision 6 90.0%", text.stdout)
        document = run_slipway(["status", "--spec", self.spec, "-o", "json"], self.env())
        self.assertEqual(document.returncode, 0, document.stderr)
        status = json.loads(document.stdout.splitlines()[-1])
        deployment = status["service_deployment"]
        self.assertEqual(deployment["arn"], sequence["followed_arn"])
        self.assertEqual((deployment["strategy"], deployment["status"], deployment["stage"]),
                         ("CANARY", "IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"))
        self.assertEqual(deployment["target_revision"]["production_traffic_percent"], 10.0)
        self.assertEqual([r["production_traffic_percent"]
                          for r in deployment["source_revisions"]], [90.0])

    def traffic_shift_resources(self):
        """What infra/terraform's alb and ecs_service modules add for traffic shifting, made in
        moto as the admin: the alternate target group, the production listener rule forwarding to
        both groups, the role ECS assumes. Returned as the ${VAR}s of a service file."""
        ec2, elbv2, iam = (self.moto.client(s) for s in ("ec2", "elbv2", "iam"))
        vpc = ec2.describe_vpcs()["Vpcs"][-1]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")
                   ["Subnet"]["SubnetId"] for i, z in ((10, "a"), (11, "b"))]
        balancer = elbv2.create_load_balancer(Name="app", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        primary = self.outputs["TARGET_GROUP_ARN"]
        alternate = elbv2.create_target_group(Name="app-alt", Protocol="HTTP", Port=8080, VpcId=vpc,
                                              TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        listener = elbv2.create_listener(LoadBalancerArn=balancer, Protocol="HTTP", Port=80, DefaultActions=[
            {"Type": "forward", "TargetGroupArn": primary}])["Listeners"][0]["ListenerArn"]
        rule = elbv2.create_rule(ListenerArn=listener, Priority=50000, Conditions=[
            {"Field": "path-pattern", "Values": ["/*"]}], Actions=[{"Type": "forward", "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": primary, "Weight": 100},
                                 {"TargetGroupArn": alternate, "Weight": 0}]}}])["Rules"][0]["RuleArn"]
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        role = iam.create_role(RoleName="app-ecs-load-balancers",
                               AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        return {"TARGET_GROUP_ARN": primary, "ALTERNATE_TARGET_GROUP_ARN": alternate,
                "PRODUCTION_LISTENER_RULE_ARN": rule, "LOAD_BALANCER_INFRASTRUCTURE_ROLE_ARN": role}

    def write_traffic_shift_service_file(self, configuration):
        """deploy/service.json as docs/strategies.md writes it: Terraform's outputs as ${VAR}s."""
        self.write_service_file(configuration)
        with open(os.path.join(self.dir, "deploy", "service.json"), "w") as f:
            f.write(json.dumps({"deploymentConfiguration": configuration, "loadBalancers": [{
                "targetGroupArn": "${TARGET_GROUP_ARN}", "containerName": "app", "containerPort": 8080,
                "advancedConfiguration": {
                    "alternateTargetGroupArn": "${ALTERNATE_TARGET_GROUP_ARN}",
                    "productionListenerRule": "${PRODUCTION_LISTENER_RULE_ARN}",
                    "roleArn": "${LOAD_BALANCER_INFRASTRUCTURE_ROLE_ARN}"}}]}, indent=1))

    def test_the_load_balancers_advanced_configuration_reaches_ecs_and_the_role_is_passable(self):
        sequence = self.replay("canary_completes")
        resources = self.traffic_shift_resources()
        self.write_traffic_shift_service_file(recorded_configuration(sequence))
        result = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image", f"{REGISTRY}/app:{SHA1}",
                              "--poll-interval", "100ms", *var_flags(self.outputs),
                              *[f for k, v in resources.items() for f in ("--var", f"{k}={v}")], "-o", "json"],
                             self.env())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertNotIn("without an alternate target group", result.stdout)
        expected = [{"targetGroupArn": resources["TARGET_GROUP_ARN"], "containerName": "app", "containerPort": 8080,
                     "advancedConfiguration": {
                         "alternateTargetGroupArn": resources["ALTERNATE_TARGET_GROUP_ARN"],
                         "productionListenerRule": resources["PRODUCTION_LISTENER_RULE_ARN"],
                         "roleArn": resources["LOAD_BALANCER_INFRASTRUCTURE_ROLE_ARN"]}}]
        updates = self.proxy.calls("UpdateService")
        self.assertEqual([u["loadBalancers"] for u in updates], [expected])  # botocore-validated
        self.assertEqual(self.moto.client("ecs").describe_services(cluster="slipway-test", services=["app"])
                         ["services"][0]["loadBalancers"], expected)
        # The UpdateService as IAM sees it, judged by the real evaluator against the deploy role
        # Terraform renders with this role to pass; the same call naming another role is denied.
        call = {"region": REGION, "service": "ecs", "action": "UpdateService", "params": updates[0]}
        own = iam_evaluation.iam_requests(call, ACCOUNT)
        other_role = json.loads(json.dumps(call).replace("role/app-ecs-load-balancers", "role/admin"))
        other = iam_evaluation.iam_requests(other_role, ACCOUNT)
        work_dir = tempfile.mkdtemp(prefix="slipway-deploy-role-")
        self.addCleanup(shutil.rmtree, work_dir, ignore_errors=True)
        policies = iam_evaluation.planned_deploy_role_policy(
            work_dir, REGION, ACCOUNT, "slipway-test", ["app"],
            load_balancer_role_arns=[resources["LOAD_BALANCER_INFRASTRUCTURE_ROLE_ARN"]])
        verdicts = iam_evaluation.evaluate({
            "account": ACCOUNT, "identity_policies": policies,
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/ci", "requests": own + other})["requests"]
        self.assertEqual([(v["action"], v["allowed_by"]) for v in verdicts[:len(own)]],
                         [("ecs:UpdateService", ["UpdateAndLockThisService"]),
                          ("iam:PassRole", ["PassTheLoadBalancerRoleToEcs"])])
        self.assertEqual([(v["action"], v["decision"]) for v in verdicts[len(own):]],
                         [("ecs:UpdateService", "Allowed"), ("iam:PassRole", "ImplicitlyDenied")])

    def test_a_bad_advanced_configuration_is_refused_before_anything_changes(self):
        sequence = self.replay("canary_completes")
        resources = self.traffic_shift_resources()
        self.write_traffic_shift_service_file(recorded_configuration(sequence))
        before = revisions(self.moto)
        # The alternate target group set to the primary, as a copy-paste slip would.
        result = run_slipway(["deploy", "--spec", self.spec, "--image", f"{REGISTRY}/app:{SHA1}",
                              *var_flags(self.outputs),
                              *[f for k, v in resources.items() for f in (
                                  "--var", f"{k}={resources['TARGET_GROUP_ARN'] if k == 'ALTERNATE_TARGET_GROUP_ARN' else v}")]],
                             self.env())
        self.assertEqual(result.returncode, USAGE, result.stdout + result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("loadBalancers[0].advancedConfiguration.alternateTargetGroupArn names the primary", lines[0])
        self.assertEqual(revisions(self.moto), before)
        for operation in ("RegisterTaskDefinition", "UpdateService", "TagResource"):
            self.assertEqual(self.proxy.calls(operation), [], operation)

    def test_rollback_runs_as_a_new_progressive_deployment(self):
        sequence = self.replay("canary_completes")
        configuration = recorded_configuration(sequence)
        self.write_service_file(configuration)
        result, first = self.ecs_deploy(SHA1)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.replay("canary_completes")
        result, second = self.ecs_deploy(SHA2)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.replay("canary_completes")
        self.proxy.requests.clear()
        result = run_slipway(["ecs", "rollback", "--spec", self.spec, "--poll-interval", "100ms",
                              "-o", "json"], self.env())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.check_update_service(configuration, first["task_definition"])
        self.assertEqual(self.proxy.replay.index, sequence["expect"]["at_poll"])
        self.assertEqual(service_task_definition(self.moto), first["task_definition"])
        self.assertEqual(tags_of(self.moto, second["task_definition"])["slipway:outcome"],
                         "rolled_back")
        self.assertNotIn(LOCK_TAG, tags_of(self.moto, self.service_arn))


if __name__ == "__main__":
    unittest.main()
