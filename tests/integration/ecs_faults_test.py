# labels: aws moto ecs
"""Crash consistency of the ECS target: `slipway ecs deploy` and `rollback` interrupted (SIGINT)
at each step, and AWS failing under them (throttling storms, 5xx, credentials that expire
mid-run), against moto behind the fault proxy of ecs_faults.py.

After every cell: the exit code is the documented one (docs/ecs.md), the service's lock tag is
gone (or, where AWS refused its removal too, the error says so and how to remove it), the service
runs a revision whose tags tell the truth about it (the outcome tag of the revision slipway
registered, the revision the service points at), an error is one line, no secret value or key
appears in the output, and the next command, with the faults gone, does what it should.

The fast subset runs in `make test`; SLIPWAY_FAULT_SWEEP=full (`make test-faults`) runs every
cell. SLIPWAY_FAULT_REPORT=FILE appends one JSON line per cell (the table in docs/ecs.md)."""

import json
import os
import signal
import unittest

import ecs_faults
import ecs_progressive_deploy_test as progressive
from ecs_moto_test import (REGISTRY, SHA1, SHA2, EcsMoto, create_infrastructure, make_service_dir,
                           result_of, revisions, run_slipway, service_task_definition, tags_of,
                           var_flags)
from slipway_testlib import Process, binary, wait_until

SLIPWAY = binary("src", "cli", "slipway")
FULL = os.environ.get("SLIPWAY_FAULT_SWEEP") == "full"
full_sweep_only = unittest.skipUnless(FULL, "full sweep only: make test-faults")
LOCK_TAG = "slipway:lock"
OK, FAILED, TIMED_OUT, LOCKED, AWS_ERROR, INTERRUPTED = 0, 1, 4, 5, 7, 130
SECRET_VALUES = ("db-value-1", "api-value-1")


def report(row):
    path = os.environ.get("SLIPWAY_FAULT_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")


class FaultCells(unittest.TestCase):
    """What every cell shares: a fresh moto with a good release serving, slipway started through
    the fault proxy, and the invariants. Subclasses set self.proxy and cell_env()."""

    @classmethod
    def setUpClass(cls):
        cls.moto = EcsMoto().start()
        cls.spec = os.path.join(make_service_dir(), "slipway.yaml")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def cell_env(self):
        return self.moto.env(AWS_ENDPOINT_URL=self.proxy.url)

    def setUp(self):
        self.moto.reset()
        self.outputs = create_infrastructure(self.moto)
        self.service_arn = self.moto.client("ecs").describe_services(
            cluster="slipway-test", services=["app"])["services"][0]["serviceArn"]
        # The release serving when the cell starts: deployed, completed and judged good.
        self.good = self.deploy_direct(SHA1, outcome="succeeded")

    def deploy_direct(self, sha, outcome=None):
        """A --no-wait deploy straight to moto (no proxy); tagged `outcome` as slipway's verdict
        would have tagged it."""
        result = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image",
                              f"{REGISTRY}/app:{sha}", "--no-wait", *var_flags(self.outputs),
                              "-o", "json"], self.moto.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        arn = result_of(result)["task_definition"]
        if outcome:
            self.moto.client("ecs").tag_resource(
                resourceArn=arn, tags=[{"key": "slipway:outcome", "value": outcome}])
        return arn

    def start(self, verb, *flags):
        argv = [SLIPWAY, "ecs", verb, "--spec", self.spec, "--poll-interval", "200ms", *flags]
        if verb == "deploy":
            argv += ["--image", f"{REGISTRY}/app:{SHA2}", *var_flags(self.outputs)]
        return Process(argv, env=self.cell_env())

    def interrupt_when(self, run, arrived, what):
        wait_until(lambda: arrived() or not run.running(), timeout=60, what=what)
        self.assertTrue(run.running(), f"slipway ended before {what}: {run.output()}")
        run.signal(signal.SIGINT)

    def finish(self, run):
        code = run.wait(timeout=120)
        out, err = run.output()
        return code, out, err

    def check(self, cell, code, out, err, *, exit_code, service, outcome=None, lock=False,
              error=None, next_exit=OK):
        """The invariants; then the next command (a deploy of SHA2 without waiting) with the
        faults gone."""
        self.proxy.clear()
        text = out + err
        self.assertEqual(code, exit_code, text)
        for secret in (*SECRET_VALUES, self.moto.users["deployer"][1]):
            self.assertNotIn(secret, text)
        service_tags = tags_of(self.moto, self.service_arn)
        self.assertEqual(LOCK_TAG in service_tags, lock, text)
        new = sorted(set(revisions(self.moto)) - set(self.before))
        expected_service = {"good": self.good, "new": new[0] if new else None,
                            "current": self.before[-1]}[service]
        running = service_task_definition(self.moto)
        self.assertEqual(running, expected_service, text)
        if outcome is None:
            self.assertEqual(new, [], text)  # nothing registered
        else:
            self.assertEqual(len(new), 1, text)
            self.assertEqual(tags_of(self.moto, new[0]).get("slipway:outcome"), outcome, text)
        self.assertEqual(tags_of(self.moto, self.good).get("slipway:outcome"), "succeeded")
        if error:
            lines = err.strip().splitlines()
            self.assertTrue(lines and lines[-1].startswith("slipway: error: "), err)
            self.assertRegex(lines[-1], error)
        # The next command, AWS healthy again.
        after = run_slipway(["ecs", "deploy", "--spec", self.spec, "--image",
                             f"{REGISTRY}/app:{SHA2}", "--no-wait", *var_flags(self.outputs)],
                            self.moto.env())
        self.assertEqual(after.returncode, next_exit, after.stdout + after.stderr)
        report({"cell": cell, "exit": code, "lock": "held" if lock else "released",
                "service": service, "outcome": outcome or "-",
                "next": f"deploy --no-wait exit {after.returncode}",
                "error": err.strip().splitlines()[-1] if error else ""})

    def deploy_with(self, *flags):
        self.before = revisions(self.moto)
        with self.start("deploy", *flags) as run:
            return self.finish(run)


class EcsFaults(FaultCells):
    """The ROLLING path (DescribeServices polls), moto behind the proxy for every service."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = ecs_faults.FaultProxy(cls.moto.port)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        super().tearDownClass()

    def setUp(self):
        self.proxy.clear()
        super().setUp()

    # --- SIGINT at each step of a deploy -------------------------------------------------------

    def interrupt_deploy_at(self, operation, nth, *flags):
        self.before = revisions(self.moto)
        hold = self.proxy.hold(operation, nth)
        with self.start("deploy", *flags) as run:
            self.interrupt_when(run, hold.arrived.is_set, f"{operation} #{nth}")
            hold.release()
            return self.finish(run)

    def test_sigint_while_taking_the_lock_changes_nothing(self):
        code, out, err = self.interrupt_deploy_at("TagResource", 1, "--start-timeout", "10m")
        self.check("deploy: SIGINT while taking the lock", code, out, err,
                   exit_code=INTERRUPTED, service="good", error="interrupted by SIGINT")

    def test_sigint_while_registering_leaves_the_service_and_marks_the_revision_failed(self):
        code, out, err = self.interrupt_deploy_at("RegisterTaskDefinition", 1,
                                                  "--start-timeout", "10m")
        self.check("deploy: SIGINT during RegisterTaskDefinition", code, out, err,
                   exit_code=INTERRUPTED, service="good", outcome="failed",
                   error="interrupted by SIGINT")

    def test_sigint_during_update_service_exits_130_and_ecs_carries_on(self):
        code, out, err = self.interrupt_deploy_at("UpdateService", 1, "--start-timeout", "10m")
        self.check("deploy: SIGINT during UpdateService", code, out, err,
                   exit_code=INTERRUPTED, service="new", outcome="in_progress",
                   error="interrupted by SIGINT while following")
        self.assertIn("ECS carries on", out)

    @full_sweep_only
    def test_sigint_before_the_first_poll_answers(self):
        code, out, err = self.interrupt_deploy_at("DescribeServices", 2, "--start-timeout", "10m")
        self.check("deploy: SIGINT at the first poll", code, out, err,
                   exit_code=INTERRUPTED, service="new", outcome="in_progress",
                   error="interrupted by SIGINT while following")

    def test_sigint_during_the_bake(self):
        self.before = revisions(self.moto)
        self.proxy.complete_deployments = True
        with self.start("deploy", "--bake-time", "10m") as run:
            self.interrupt_when(run, lambda: self.proxy.completed_reads >= 3,
                                "the deployment to be COMPLETED (baking)")
            code, out, err = self.finish(run)
        self.check("deploy: SIGINT during the bake", code, out, err,
                   exit_code=INTERRUPTED, service="new", outcome="in_progress",
                   error="interrupted by SIGINT while following")

    @full_sweep_only
    def test_sigint_during_slipways_own_rollback(self):
        # The start timeout ends (moto never starts a task); slipway points the service back.
        code, out, err = self.interrupt_deploy_at("UpdateService", 2, "--start-timeout", "1s")
        self.check("deploy: SIGINT during slipway's rollback UpdateService", code, out, err,
                   exit_code=TIMED_OUT, service="good", outcome="timed_out")

    @full_sweep_only
    def test_sigint_while_recording_the_outcome(self):
        code, out, err = self.interrupt_deploy_at("TagResource", 2, "--start-timeout", "1s")
        self.check("deploy: SIGINT while tagging the outcome", code, out, err,
                   exit_code=TIMED_OUT, service="good", outcome="timed_out")

    @full_sweep_only
    def test_sigint_while_releasing_the_lock(self):
        code, out, err = self.interrupt_deploy_at("UntagResource", 1, "--start-timeout", "1s")
        self.check("deploy: SIGINT while releasing the lock", code, out, err,
                   exit_code=TIMED_OUT, service="good", outcome="timed_out")

    # --- SIGINT during a rollback --------------------------------------------------------------

    def interrupt_rollback_at(self, operation, nth):
        self.deploy_direct(SHA2)  # the current release (in_progress), to roll back from
        self.before = revisions(self.moto)
        hold = self.proxy.hold(operation, nth)
        with self.start("rollback", "--start-timeout", "10m") as run:
            self.interrupt_when(run, hold.arrived.is_set, f"{operation} #{nth}")
            hold.release()
            return self.finish(run)

    @full_sweep_only
    def test_rollback_sigint_during_update_service(self):
        code, out, err = self.interrupt_rollback_at("UpdateService", 1)
        self.check("rollback: SIGINT during UpdateService", code, out, err,
                   exit_code=INTERRUPTED, service="good",
                   error="interrupted by SIGINT while following")
        self.assertEqual(tags_of(self.moto, self.before[-1])["slipway:outcome"], "rolled_back")

    @full_sweep_only
    def test_rollback_sigint_while_following(self):
        code, out, err = self.interrupt_rollback_at("DescribeServices", 2)
        self.check("rollback: SIGINT while following", code, out, err,
                   exit_code=INTERRUPTED, service="good",
                   error="interrupted by SIGINT while following")

    # --- AWS failing ---------------------------------------------------------------------------

    @full_sweep_only
    def test_three_throttled_polls_are_retried(self):
        self.proxy.complete_deployments = True
        self.proxy.fail("DescribeServices", "throttle", skip=1, count=3)
        code, out, err = self.deploy_with("--bake-time", "0s")
        self.check("deploy: 3 throttled DescribeServices (within the retries)", code, out, err,
                   exit_code=OK, service="new", outcome="succeeded")

    def test_a_throttling_storm_that_ends_is_ridden_out(self):
        # Three polls' worth of attempts throttled: inconclusive polls, then the verdict.
        self.proxy.complete_deployments = True
        self.proxy.fail("DescribeServices", "throttle", skip=1, count=12)
        code, out, err = self.deploy_with("--bake-time", "0s")
        self.check("deploy: throttling storm of 12 DescribeServices while following", code, out,
                   err, exit_code=OK, service="new", outcome="succeeded")

    def test_a_throttling_storm_that_lasts_times_out_and_points_the_service_back(self):
        self.proxy.fail("DescribeServices", "throttle", skip=1)
        code, out, err = self.deploy_with("--start-timeout", "10m")
        self.check("deploy: endless throttling of DescribeServices while following", code, out,
                   err, exit_code=TIMED_OUT, service="good", outcome="timed_out")
        self.assertIn("could not be read", out)

    @full_sweep_only
    def test_throttled_register_changes_nothing(self):
        self.proxy.fail("RegisterTaskDefinition", "throttle")
        code, out, err = self.deploy_with("--start-timeout", "10m")
        self.check("deploy: endless throttling of RegisterTaskDefinition", code, out, err,
                   exit_code=AWS_ERROR, service="good", error="RegisterTaskDefinition.*Throttling")

    def test_refused_update_service_marks_the_revision_failed(self):
        self.proxy.fail("UpdateService", "503")
        code, out, err = self.deploy_with("--start-timeout", "10m")
        self.check("deploy: UpdateService 503 every time", code, out, err,
                   exit_code=AWS_ERROR, service="good", outcome="failed",
                   error="UpdateService.*ServiceUnavailable")

    @full_sweep_only
    def test_update_service_applied_but_answered_500(self):
        self.proxy.fail("UpdateService", "applied:500")
        code, out, err = self.deploy_with("--start-timeout", "10m")
        # The service runs the revision: it is not marked failed.
        self.check("deploy: UpdateService applied, answered 500 every time", code, out, err,
                   exit_code=AWS_ERROR, service="new", outcome="in_progress",
                   error="UpdateService.*ServerException")

    @full_sweep_only
    def test_connections_dropped_while_following_time_out_and_point_the_service_back(self):
        self.proxy.fail("DescribeServices", "drop", skip=1)
        code, out, err = self.deploy_with("--start-timeout", "10m")
        self.check("deploy: every DescribeServices connection dropped while following", code,
                   out, err, exit_code=TIMED_OUT, service="good", outcome="timed_out")

    @full_sweep_only
    def test_update_service_applied_but_its_connection_dropped(self):
        self.proxy.fail("UpdateService", "applied:drop")
        code, out, err = self.deploy_with("--start-timeout", "10m")
        self.check("deploy: UpdateService applied, connection dropped every time", code, out,
                   err, exit_code=AWS_ERROR, service="new", outcome="in_progress",
                   error="UpdateService")

    @full_sweep_only
    def test_two_500s_on_update_service_are_retried(self):
        self.proxy.complete_deployments = True
        self.proxy.fail("UpdateService", "500", count=2)
        code, out, err = self.deploy_with("--bake-time", "0s")
        self.check("deploy: UpdateService 500 twice", code, out, err,
                   exit_code=OK, service="new", outcome="succeeded")

    @full_sweep_only
    def test_lock_tag_refused(self):
        self.proxy.fail("TagResource", "500")
        code, out, err = self.deploy_with("--start-timeout", "10m")
        self.check("deploy: TagResource (lock) 500 every time", code, out, err,
                   exit_code=AWS_ERROR, service="good", error="TagResource.*ServerException")

    @full_sweep_only
    def test_slipways_rollback_refused(self):
        self.proxy.fail("UpdateService", "500", skip=1)
        code, out, err = self.deploy_with("--start-timeout", "1s")
        self.check("deploy: timed out, slipway's rollback UpdateService 500 every time", code,
                   out, err, exit_code=AWS_ERROR, service="new", outcome="timed_out",
                   error="UpdateService.*ServerException.*still runs.*slipway ecs rollback")

    @full_sweep_only
    def test_outcome_tag_refused(self):
        self.proxy.complete_deployments = True
        self.proxy.fail("TagResource", "503", skip=1)
        code, out, err = self.deploy_with("--bake-time", "0s")
        self.check("deploy: succeeded, outcome TagResource 503 every time", code, out, err,
                   exit_code=OK, service="new", outcome="in_progress")
        self.assertIn("could not record", out)

    @full_sweep_only
    def test_lock_release_refused(self):
        self.proxy.fail("UntagResource", "throttle")
        code, out, err = self.deploy_with("--start-timeout", "1s")
        self.assertIn("untag-resource", out)
        self.check("deploy: UntagResource (lock release) throttled every time", code, out, err,
                   exit_code=TIMED_OUT, service="good", outcome="timed_out", lock=True,
                   next_exit=LOCKED)

    def test_credentials_expire_while_following(self):
        self.proxy.fail("*", "expired", after="UpdateService")
        code, out, err = self.deploy_with("--start-timeout", "10m")
        self.check("deploy: credentials expire while following", code, out, err,
                   exit_code=AWS_ERROR, service="new", outcome="in_progress", lock=True,
                   error="ExpiredToken.*credentials expired: get fresh ones", next_exit=LOCKED)
        self.assertIn("aws ecs untag-resource", out)  # the lock it could not remove, and how

    @full_sweep_only
    def test_credentials_expire_before_register(self):
        self.proxy.fail("*", "expired", after="TagResource")
        code, out, err = self.deploy_with("--start-timeout", "10m")
        self.check("deploy: credentials expire at RegisterTaskDefinition", code, out, err,
                   exit_code=AWS_ERROR, service="good", lock=True,
                   error="ExpiredToken.*credentials expired: get fresh ones", next_exit=LOCKED)
        self.assertIn("aws ecs untag-resource", out)

    @full_sweep_only
    def test_rollback_update_service_throttled(self):
        self.deploy_direct(SHA2)
        self.before = revisions(self.moto)
        self.proxy.fail("UpdateService", "throttle")
        with self.start("rollback", "--start-timeout", "10m") as run:
            code, out, err = self.finish(run)
        self.check("rollback: UpdateService throttled every time", code, out, err,
                   exit_code=AWS_ERROR, service="current", error="UpdateService.*Throttling")
        # Not marked rolled_back: it still serves.
        self.assertEqual(tags_of(self.moto, self.before[-1])["slipway:outcome"], "in_progress")


class EcsProgressiveFaults(FaultCells):
    """The progressive path (a LINEAR service file: ListServiceDeployments and
    DescribeServiceDeployments polls): slipway -> fault proxy -> the replay of a recorded
    sequence (ecs_progressive_deploy_test.py; moto has no ServiceDeployment API) -> moto, for ECS
    only. ECS's rollback after a StopServiceDeployment is recorded, not done in moto: moto's
    service stays where UpdateService put it."""

    def cell_env(self):
        return self.moto.env("watching-deployer", AWS_ENDPOINT_URL_ECS=self.proxy.url)

    def setUp(self):
        super().setUp()
        self.moto.client("cloudwatch").put_metric_alarm(
            AlarmName="app-5xx", Namespace="app", MetricName="http_5xx", Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold")
        self.moto._user("watching-deployer", progressive.WATCHING_DEPLOYER_POLICY)
        self.replay = progressive.EcsReplayProxy(self.moto)
        self.addCleanup(self.replay.close)
        self.proxy = ecs_faults.FaultProxy(self.replay.server.server_port)
        self.addCleanup(self.proxy.close)
        sequence = progressive.load_sequence("linear_completes")
        self.replay.replay = progressive.Replay(self.moto, sequence)
        path = os.path.join(os.path.dirname(self.spec), "deploy", "service.json")
        with open(path, "w") as f:
            f.write(progressive.service_file(progressive.recorded_configuration(sequence)))
        self.addCleanup(os.remove, path)

    def tearDown(self):
        self.assertEqual(self.replay.problems, [])

    @full_sweep_only
    def test_a_throttling_storm_that_ends_is_ridden_out(self):
        self.proxy.fail("ListServiceDeployments", "throttle", count=12)
        code, out, err = self.deploy_with()
        self.check("LINEAR deploy: throttling storm of 12 ListServiceDeployments", code, out, err,
                   exit_code=OK, service="new", outcome="succeeded")

    @full_sweep_only
    def test_throttling_that_lasts_times_out_and_asks_ecs_to_roll_back(self):
        self.proxy.fail("DescribeServiceDeployments", "throttle")
        code, out, err = self.deploy_with("--rollout-timeout", "10m")
        self.assertEqual([p["stopType"] for p, _ in self.replay.replay.stops], ["ROLLBACK"])
        self.check("LINEAR deploy: endless throttling of DescribeServiceDeployments", code, out,
                   err, exit_code=TIMED_OUT, service="new", outcome="timed_out")

    def test_refused_update_service_marks_the_revision_failed(self):
        self.proxy.fail("UpdateService", "503")
        code, out, err = self.deploy_with()
        self.check("LINEAR deploy: UpdateService 503 every time", code, out, err,
                   exit_code=AWS_ERROR, service="good", outcome="failed",
                   error="UpdateService.*ServiceUnavailable")

    @full_sweep_only
    def test_credentials_expire_while_following(self):
        self.proxy.fail("*", "expired", after="UpdateService")
        code, out, err = self.deploy_with()
        self.check("LINEAR deploy: credentials expire while following", code, out, err,
                   exit_code=AWS_ERROR, service="new", outcome="in_progress", lock=True,
                   error="ExpiredToken.*credentials expired: get fresh ones", next_exit=LOCKED)
        self.assertIn("aws ecs untag-resource", out)

    @full_sweep_only
    def test_sigint_during_update_service(self):
        self.before = revisions(self.moto)
        hold = self.proxy.hold("UpdateService")
        with self.start("deploy") as run:
            self.interrupt_when(run, hold.arrived.is_set, "UpdateService")
            hold.release()
            code, out, err = self.finish(run)
        self.check("LINEAR deploy: SIGINT during UpdateService", code, out, err,
                   exit_code=INTERRUPTED, service="new", outcome="in_progress",
                   error="interrupted by SIGINT while following service deployment")


if __name__ == "__main__":
    unittest.main(verbosity=2)
