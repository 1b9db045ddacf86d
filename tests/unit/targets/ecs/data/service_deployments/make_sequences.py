"""Writes the recorded ListServiceDeployments/DescribeServiceDeployments sequences the service
deployment follower's tests read (service_deployment_follower_test.cpp): one <name>.json per
sequence. Run: python3 make_sequences.py (rewrites every *.json beside it; edit this file, never
the JSON); --check only compares (tests/integration/ecs_service_deployments_botocore_test.py runs
it, and checks every recorded response against the output shapes of botocore's ECS model).

Each sequence is shaped like ECS's documented behaviour and names the pages it follows. What they
say, in short:

- ServiceDeployment (API reference): status PENDING, IN_PROGRESS, SUCCESSFUL, STOP_REQUESTED,
  STOPPED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED;
  lifecycleStage RECONCILE_SERVICE, PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT,
  POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME,
  CLEAN_UP; targetServiceRevision / sourceServiceRevisions with requestedProductionTrafficWeight
  and requestedTestTrafficWeight (0.0-100.0); lifecycleHookDetails with status IN_PROGRESS,
  SUCCEEDED, FAILED, TIMED_OUT for Lambda hooks; alarms and deploymentCircuitBreaker with status
  TRIGGERED, MONITORING, MONITORING_COMPLETE, DISABLED; rollback {reason, startedAt,
  serviceRevisionArn}; stoppedAt "when ... the rollback option is not in use for the failure
  detection mechanism ... and the service fails".
- Linear deployments (developer guide): production traffic moves stepPercent at a time,
  stepBakeTimeInMinutes apart, not after 100 %; then bakeTimeInMinutes with both revisions.
  Canary: canaryPercent, canaryBakeTimeInMinutes, then the rest at once.
- Blue/green (developer guide): green scales up fully, test traffic first (test listener), then
  production at once, blue kept through the bake; a hook returning FAILED rolls back.
- ListServiceDeployments: newest first; StopServiceDeployment stopType ROLLBACK.
- Eventual consistency (API reference): a deployment may not be described right after the call
  that started it (failures reason MISSING), and one read may be older than the one before.
Timestamps are epoch seconds, as the JSON protocol carries them.
"""

import glob
import json
import os
import sys

SD = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html"
LIST = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServiceDeployments.html"
DESCRIBE = ("https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
            "API_DescribeServiceDeployments.html")
STOP = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html"
LINEAR = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html"
CANARY = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html"
BLUE_GREEN = ("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
              "deployment-type-blue-green.html")
HOOKS = ("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
         "deployment-lifecycle-hooks.html")
CONSISTENCY = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html"

ACCOUNT = "123456789012"
CLUSTER_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/slipway"
SERVICE_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/slipway/app"
SD_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service-deployment/slipway/app/"
REV = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service-revision/slipway/app/"
OURS = SD_ARN + "Kq8XvDnT3mQ4bW2yZp7aL"
PREVIOUS = SD_ARN + "Hc5TqR9wPzN1vX8kLm3bY"
NEWER = SD_ARN + "Zt6YhU2oLk9pQw4eRv1nC"
HOOK = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:smoke-test"
T0 = 1764213600.0  # UpdateService returned; our deployment's createdAt


def revision(number, weight, test=None, running=2, requested=2):
    r = {"arn": REV + str(number), "requestedTaskCount": requested,
         "runningTaskCount": running, "pendingTaskCount": max(0, requested - running),
         "requestedProductionTrafficWeight": float(weight)}
    if test is not None:
        r["requestedTestTrafficWeight"] = float(test)
    return r


def configuration(strategy, **extra):
    config = {"minimumHealthyPercent": 100, "maximumPercent": 200,
              "deploymentCircuitBreaker": {"enable": True, "rollback": True},
              "strategy": strategy, "bakeTimeInMinutes": 5}
    config.update(extra)
    return config


def deployment(status, stage, new_weight, t, strategy="LINEAR", reason=None, test=None,
               hooks=None, alarms=None, breaker=None, rollback=None, config=None, running=2):
    d = {"serviceDeploymentArn": OURS, "serviceArn": SERVICE_ARN, "clusterArn": CLUSTER_ARN,
         "createdAt": T0, "startedAt": T0 + 1, "updatedAt": T0 + t,
         "sourceServiceRevisions": [revision(6, 100.0 - new_weight, 0.0 if test is not None
                                             else None)],
         "targetServiceRevision": revision(7, new_weight, test, running=running),
         "status": status, "lifecycleStage": stage,
         "deploymentConfiguration": config or configuration(strategy),
         "deploymentCircuitBreaker": breaker or {"status": "MONITORING", "failureCount": 0,
                                                 "threshold": 3},
         "alarms": alarms or {"status": "DISABLED"}}
    if reason:
        d["statusReason"] = reason
    if hooks:
        d["lifecycleHookDetails"] = hooks
    if rollback:
        d["rollback"] = rollback
    if status in ("SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"):
        d["finishedAt"] = T0 + t
    if status == "STOPPED":
        d["stoppedAt"] = T0 + t
    return d


def brief(arn, created, status, target=7):
    return {"serviceDeploymentArn": arn, "serviceArn": SERVICE_ARN, "clusterArn": CLUSTER_ARN,
            "createdAt": created, "startedAt": created + 1, "status": status,
            "targetServiceRevisionArn": REV + str(target)}


def poll(t, d=None, listed=None, alarms=None, unavailable=None, missing=False):
    """One poll t seconds after UpdateService: DescribeServiceDeployments of ours,
    ListServiceDeployments since then, the service's alarms as DescribeAlarms gives them."""
    p = {"elapsed_ms": int(t * 1000)}
    if unavailable:
        p["unavailable"] = unavailable
        return p
    if missing:
        p["describeServiceDeployments"] = {"serviceDeployments": [],
                                           "failures": [{"arn": OURS, "reason": "MISSING"}]}
    else:
        p["describeServiceDeployments"] = {"serviceDeployments": [d] if d else []}
    status = d["status"] if d else "PENDING"
    p["listServiceDeployments"] = {"serviceDeployments": listed if listed is not None
                                   else [brief(OURS, T0, status)]}
    p["alarms"] = alarms or []
    return p


def hook(status, id="hook-1"):
    return {"hookId": id, "targetType": "AWS_LAMBDA", "targetArn": HOOK, "status": status,
            "timeoutAction": "ROLLBACK"}


def linear_shift(weights, start, step):
    """PRODUCTION_TRAFFIC_SHIFT polls, one per step bake."""
    return [poll(start + i * step, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", w,
                                              start + i * step))
            for i, w in enumerate(weights)]


def scale_up(strategy="LINEAR", config=None):
    return [
        poll(2, deployment("PENDING", "RECONCILE_SERVICE", 0, 2, strategy, config=config,
                           running=0)),
        poll(5, deployment("IN_PROGRESS", "PRE_SCALE_UP", 0, 5, strategy, config=config,
                           running=0)),
        poll(20, deployment("IN_PROGRESS", "SCALE_UP", 0, 20, strategy, config=config,
                            running=1)),
        poll(40, deployment("IN_PROGRESS", "POST_SCALE_UP", 0, 40, strategy, config=config)),
    ]


def finish_ok(strategy, start, config=None):
    return [
        poll(start, deployment("IN_PROGRESS", "POST_PRODUCTION_TRAFFIC_SHIFT", 100, start,
                               strategy, config=config)),
        poll(start + 10, deployment("IN_PROGRESS", "BAKE_TIME", 100, start + 10, strategy,
                                    config=config)),
        poll(start + 310, deployment("IN_PROGRESS", "CLEAN_UP", 100, start + 310, strategy,
                                     config=config)),
        poll(start + 340, deployment("SUCCESSFUL", "CLEAN_UP", 100, start + 340, strategy,
                                     config=config)),
    ]


LINEAR_25 = configuration("LINEAR", linearConfiguration={"stepPercent": 25.0,
                                                           "stepBakeTimeInMinutes": 1})
CANARY_10 = configuration("CANARY", canaryConfiguration={"canaryPercent": 10.0,
                                                           "canaryBakeTimeInMinutes": 2})
BG = configuration("BLUE_GREEN", lifecycleHooks=[
    {"hookTargetArn": HOOK, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/ecs-hooks",
     "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}])
ALARMED = {"status": "MONITORING", "alarmNames": ["app-5xx"]}


def sequences():
    out = {}
    out["linear_completes"] = {
        "description": "LINEAR 25 % steps: four shifts a step bake apart, the final bake, clean "
                       "up, SUCCESSFUL.",
        "follows": [SD, LINEAR],
        "polls": scale_up("LINEAR", LINEAR_25) +
        [poll(60 + 60 * i, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", w, 60 + 60 * i,
                                      config=LINEAR_25)) for i, w in enumerate([25, 50, 75, 100])] +
        finish_ok("LINEAR", 300, LINEAR_25),
        "expect": {"verdict": "succeeded", "at_poll": 11, "cause": "none",
                   "lines": ["stage PRODUCTION_TRAFFIC_SHIFT (LINEAR)",
                             "production traffic: revision 7 (new) 25.0%, revision 6 75.0%",
                             "production traffic: revision 7 (new) 75.0%, revision 6 25.0%",
                             "stage BAKE_TIME (LINEAR)"]},
    }
    out["canary_completes"] = {
        "description": "CANARY 10 %: the canary slice, its bake, the rest at once.",
        "follows": [SD, CANARY],
        "polls": scale_up("CANARY", CANARY_10) + [
            poll(60, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, 60,
                                config=CANARY_10)),
            poll(180, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 100, 180,
                                 config=CANARY_10))] + finish_ok("CANARY", 200, CANARY_10),
        "expect": {"verdict": "succeeded", "at_poll": 9, "cause": "none",
                   "lines": ["production traffic: revision 7 (new) 10.0%, revision 6 90.0%"]},
    }
    out["blue_green_test_traffic_hook_then_production"] = {
        "description": "BLUE_GREEN: green takes the test traffic, the hook at "
                       "POST_TEST_TRAFFIC_SHIFT succeeds, production moves at once, blue is kept "
                       "through the bake.",
        "follows": [SD, BLUE_GREEN, HOOKS],
        "polls": scale_up("BLUE_GREEN", BG) + [
            poll(50, deployment("IN_PROGRESS", "TEST_TRAFFIC_SHIFT", 0, 50, config=BG, test=100)),
            poll(55, deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 0, 55, config=BG,
                                test=100, hooks=[hook("IN_PROGRESS")])),
            poll(65, deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 0, 65, config=BG,
                                test=100, hooks=[hook("SUCCEEDED")])),
            poll(70, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 100, 70, config=BG,
                                test=100))] + finish_ok("BLUE_GREEN", 80, BG),
        "expect": {"verdict": "succeeded", "at_poll": 11, "cause": "none",
                   "lines": ["production traffic: revision 7 (new) 0.0%, revision 6 100.0%; "
                             "test traffic 100.0% on the new revision",
                             "lifecycle hook smoke-test at POST_TEST_TRAFFIC_SHIFT: SUCCEEDED"]},
    }
    out["blue_green_hook_fails_rolls_back"] = {
        "description": "BLUE_GREEN: the hook at POST_TEST_TRAFFIC_SHIFT answers FAILED; ECS rolls "
                       "back before production moved.",
        "follows": [SD, BLUE_GREEN, HOOKS],
        "polls": scale_up("BLUE_GREEN", BG) + [
            poll(50, deployment("IN_PROGRESS", "TEST_TRAFFIC_SHIFT", 0, 50, config=BG, test=100)),
            poll(55, deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 0, 55, config=BG,
                                test=100, hooks=[hook("IN_PROGRESS")])),
            poll(65, deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 0, 65, config=BG,
                                test=100, hooks=[hook("FAILED")])),
            poll(70, deployment("ROLLBACK_REQUESTED", "POST_TEST_TRAFFIC_SHIFT", 0, 70, config=BG,
                                test=100, hooks=[hook("FAILED")],
                                reason="Lifecycle hook failed; rolling back.",
                                rollback={"reason": "Lifecycle hook failed.", "startedAt": T0 + 70,
                                          "serviceRevisionArn": REV + "6"})),
            poll(80, deployment("ROLLBACK_IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", 0, 80,
                                config=BG, test=0, hooks=[hook("FAILED")],
                                rollback={"reason": "Lifecycle hook failed.", "startedAt": T0 + 70,
                                          "serviceRevisionArn": REV + "6"})),
            poll(120, deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0, 120, config=BG, test=0,
                                 hooks=[hook("FAILED")],
                                 rollback={"reason": "Lifecycle hook failed.",
                                           "startedAt": T0 + 70,
                                           "serviceRevisionArn": REV + "6"}))],
        "expect": {"verdict": "rolled_back", "at_poll": 9, "cause": "lifecycle hook",
                   "reason": "lifecycle hook smoke-test FAILED at POST_TEST_TRAFFIC_SHIFT",
                   "lines": ["lifecycle hook smoke-test at POST_TEST_TRAFFIC_SHIFT: FAILED",
                             "deployment ROLLBACK_REQUESTED: Lifecycle hook failed; rolling back."]},
    }
    triggered = {"status": "TRIGGERED", "alarmNames": ["app-5xx"],
                 "triggeredAlarmNames": ["app-5xx"]}
    out["linear_alarm_fires_mid_shift_ecs_rolls_back"] = {
        "description": "LINEAR 25 %: ECS watches app-5xx; it goes to ALARM at 50 % and ECS rolls "
                       "back, every share back on the previous revision.",
        "follows": [SD, LINEAR, "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
                                "deployment-alarm-failure.html"],
        "polls": scale_up("LINEAR", LINEAR_25) + [
            poll(60, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, 60,
                                config=LINEAR_25, alarms=ALARMED),
                 alarms=[{"name": "app-5xx", "state": "OK"}]),
            poll(120, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 50, 120,
                                 config=LINEAR_25, alarms=ALARMED),
                 alarms=[{"name": "app-5xx", "state": "OK"}]),
            poll(150, deployment("ROLLBACK_REQUESTED", "PRODUCTION_TRAFFIC_SHIFT", 50, 150,
                                 config=LINEAR_25, alarms=triggered,
                                 reason="CloudWatch alarm app-5xx in ALARM state.",
                                 rollback={"reason": "Alarm triggered.", "startedAt": T0 + 150,
                                           "serviceRevisionArn": REV + "6"}),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}]),
            poll(160, deployment("ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 0, 160,
                                 config=LINEAR_25, alarms=triggered,
                                 rollback={"reason": "Alarm triggered.", "startedAt": T0 + 150,
                                           "serviceRevisionArn": REV + "6"}),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}]),
            poll(200, deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0, 200, config=LINEAR_25,
                                 alarms=triggered,
                                 rollback={"reason": "Alarm triggered.", "startedAt": T0 + 150,
                                           "serviceRevisionArn": REV + "6"}),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}])],
        "expect": {"verdict": "rolled_back", "at_poll": 8, "cause": "alarm",
                   "reason": "alarm app-5xx",
                   "lines": ["production traffic: revision 7 (new) 50.0%, revision 6 50.0%",
                             "alarms TRIGGERED: app-5xx", "deployment ROLLBACK_IN_PROGRESS"]},
    }
    out["linear_alarm_fires_without_rollback_stops"] = {
        "description": "LINEAR: the alarm fires, alarms.rollback is false: ECS stops the "
                       "deployment (stoppedAt) and restores nothing.",
        "follows": [SD, LINEAR],
        "polls": scale_up("LINEAR", LINEAR_25) + [
            poll(60, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, 60,
                                config=LINEAR_25, alarms=ALARMED)),
            poll(90, deployment("STOPPED", "PRODUCTION_TRAFFIC_SHIFT", 25, 90, config=LINEAR_25,
                                alarms=triggered,
                                reason="CloudWatch alarm app-5xx in ALARM state."))],
        "expect": {"verdict": "failed", "at_poll": 5, "cause": "none",
                   "reason": "without rolling back: CloudWatch alarm app-5xx in ALARM state."},
    }
    out["canary_alarm_in_bake_slipway_asks_for_rollback"] = {
        "description": "CANARY: ECS watches no alarm (alarms DISABLED); during BAKE_TIME the "
                       "alarm slipway watches goes to ALARM: slipway asks for the rollback "
                       "(StopServiceDeployment ROLLBACK), ECS switches back to blue.",
        "follows": [SD, CANARY, STOP],
        "polls": scale_up("CANARY", CANARY_10) + [
            poll(60, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, 60,
                                config=CANARY_10), alarms=[{"name": "app-5xx", "state": "OK"}]),
            poll(180, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 100, 180,
                                 config=CANARY_10), alarms=[{"name": "app-5xx", "state": "OK"}]),
            poll(200, deployment("IN_PROGRESS", "BAKE_TIME", 100, 200, config=CANARY_10),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}]),
            poll(205, deployment("IN_PROGRESS", "BAKE_TIME", 100, 205, config=CANARY_10),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}]),
            poll(210, deployment("ROLLBACK_IN_PROGRESS", "BAKE_TIME", 0, 210, config=CANARY_10,
                                 reason="Service deployment rolled back by user request.",
                                 rollback={"reason": "Stopped by user request.",
                                           "startedAt": T0 + 206,
                                           "serviceRevisionArn": REV + "6"}),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}]),
            poll(240, deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0, 240, config=CANARY_10,
                                 rollback={"reason": "Stopped by user request.",
                                           "startedAt": T0 + 206,
                                           "serviceRevisionArn": REV + "6"}),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}])],
        "expect": {"verdict": "rolled_back", "at_poll": 9, "cause": "alarm (watched by slipway)",
                   "stop_with_rollback_at": 6, "reason": "alarm app-5xx in ALARM at BAKE_TIME"},
    }
    out["linear_alarm_mid_shift_slipway_asks_for_rollback"] = {
        "description": "LINEAR 25 %: ECS watches no alarm (alarms DISABLED); at the 50 % step "
                       "the alarm slipway watches goes to ALARM: slipway asks for the rollback "
                       "(StopServiceDeployment ROLLBACK) once, ECS moves every share back.",
        "follows": [SD, LINEAR, STOP],
        "polls": scale_up("LINEAR", LINEAR_25) + [
            poll(60, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, 60,
                                config=LINEAR_25), alarms=[{"name": "app-5xx", "state": "OK"}]),
            poll(120, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 50, 120,
                                 config=LINEAR_25), alarms=[{"name": "app-5xx", "state": "ALARM"}]),
            poll(130, deployment("ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 0, 130,
                                 config=LINEAR_25,
                                 reason="Service deployment rolled back by user request.",
                                 rollback={"reason": "Stopped by user request.",
                                           "startedAt": T0 + 126,
                                           "serviceRevisionArn": REV + "6"}),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}]),
            poll(170, deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0, 170, config=LINEAR_25,
                                 rollback={"reason": "Stopped by user request.",
                                           "startedAt": T0 + 126,
                                           "serviceRevisionArn": REV + "6"}),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}])],
        "expect": {"verdict": "rolled_back", "at_poll": 7, "cause": "alarm (watched by slipway)",
                   "stop_with_rollback_at": 5,
                   "reason": "alarm app-5xx in ALARM at PRODUCTION_TRAFFIC_SHIFT",
                   "lines": ["production traffic: revision 7 (new) 50.0%, revision 6 50.0%"]},
    }
    out["rolling_circuit_breaker_rolls_back"] = {
        "description": "ROLLING: tasks fail to start, the breaker counts to its threshold and "
                       "triggers; ECS rolls back.",
        "follows": [SD],
        "polls": [
            poll(10, deployment("IN_PROGRESS", "SCALE_UP", 0, 10, "ROLLING",
                                config=configuration("ROLLING"), running=0,
                                breaker={"status": "MONITORING", "failureCount": 1,
                                         "threshold": 3})),
            poll(60, deployment("IN_PROGRESS", "SCALE_UP", 0, 60, "ROLLING",
                                config=configuration("ROLLING"), running=0,
                                breaker={"status": "MONITORING", "failureCount": 2,
                                         "threshold": 3})),
            poll(120, deployment("ROLLBACK_IN_PROGRESS", "SCALE_UP", 0, 120, "ROLLING",
                                 config=configuration("ROLLING"), running=0,
                                 reason="ECS deployment circuit breaker: tasks failed to start.",
                                 breaker={"status": "TRIGGERED", "failureCount": 3,
                                          "threshold": 3},
                                 rollback={"reason": "Circuit breaker triggered.",
                                           "startedAt": T0 + 120,
                                           "serviceRevisionArn": REV + "6"})),
            poll(180, deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0, 180, "ROLLING",
                                 config=configuration("ROLLING"), running=0,
                                 breaker={"status": "TRIGGERED", "failureCount": 3,
                                          "threshold": 3},
                                 rollback={"reason": "Circuit breaker triggered.",
                                           "startedAt": T0 + 120,
                                           "serviceRevisionArn": REV + "6"}))],
        "expect": {"verdict": "rolled_back", "at_poll": 3, "cause": "circuit breaker",
                   "lines": ["circuit breaker MONITORING, failed 1 (trips at 3)",
                             "circuit breaker TRIGGERED, failed 3 (trips at 3)"]},
    }
    out["rollback_itself_fails"] = {
        "description": "LINEAR: the alarm fires, ECS's rollback fails too: nothing restored.",
        "follows": [SD, LINEAR],
        "polls": scale_up("LINEAR", LINEAR_25) + [
            poll(60, deployment("ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, 60,
                                config=LINEAR_25, alarms=triggered)),
            poll(300, deployment("ROLLBACK_FAILED", "PRODUCTION_TRAFFIC_SHIFT", 25, 300,
                                 config=LINEAR_25, alarms=triggered,
                                 reason="Rollback failed: tasks failed to start."))],
        "expect": {"verdict": "failed", "at_poll": 5, "cause": "alarm",
                   "reason": "failed too: Rollback failed: tasks failed to start."},
    }
    out["superseded_by_a_newer_deployment"] = {
        "description": "Someone's UpdateService after ours: a newer service deployment is listed.",
        "follows": [SD, LIST],
        "polls": scale_up("LINEAR", LINEAR_25)[:3] + [
            poll(30, deployment("STOP_REQUESTED", "SCALE_UP", 0, 30, config=LINEAR_25),
                 listed=[brief(NEWER, T0 + 25, "PENDING", 8), brief(OURS, T0, "STOP_REQUESTED")])],
        "expect": {"verdict": "superseded", "at_poll": 3, "cause": "none", "reason": NEWER},
    }
    out["not_described_yet_and_a_stale_read"] = {
        "description": "Eventual consistency: DescribeServiceDeployments answers MISSING twice, "
                       "then a read older than the one before (ignored), then SUCCESSFUL.",
        "follows": [SD, DESCRIBE, CONSISTENCY],
        "polls": [poll(1, missing=True, listed=[]), poll(3, missing=True),
                  poll(10, deployment("IN_PROGRESS", "SCALE_UP", 0, 10, "ROLLING",
                                      config=configuration("ROLLING"))),
                  poll(12, deployment("IN_PROGRESS", "PRE_SCALE_UP", 0, 5, "ROLLING",
                                      config=configuration("ROLLING"))),
                  poll(40, deployment("SUCCESSFUL", "CLEAN_UP", 100, 40, "ROLLING",
                                      config=configuration("ROLLING")))],
        "expect": {"verdict": "succeeded", "at_poll": 4, "cause": "none",
                   "absent_lines": ["stage PRE_SCALE_UP (ROLLING)"]},
    }
    out["rollout_timeout_in_a_step_bake"] = {
        "description": "LINEAR stays at 25 % past the rollout timeout: slipway asks ECS to roll "
                       "back and reports timed out.",
        "follows": [SD, LINEAR, STOP],
        "timeouts": {"rollout_ms": 200000},
        "polls": scale_up("LINEAR", LINEAR_25) + [
            poll(60, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, 60,
                                config=LINEAR_25)),
            poll(150, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, 150,
                                 config=LINEAR_25)),
            poll(201, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, 201,
                                 config=LINEAR_25))],
        "expect": {"verdict": "timed_out", "at_poll": 6, "cause": "rollout timeout",
                   "stop_with_rollback_at": 6,
                   "reason": "the rollout timeout (200s) ended at stage PRODUCTION_TRAFFIC_SHIFT"},
    }
    out["alarm_in_slipway_bake_after_successful"] = {
        "description": "SUCCESSFUL, then slipway's own bake: the alarm fires; ECS's deployment "
                       "is over, so slipway points the service back.",
        "follows": [SD],
        "timeouts": {"bake_ms": 60000},
        "polls": [poll(30, deployment("SUCCESSFUL", "CLEAN_UP", 100, 30, "ROLLING",
                                      config=configuration("ROLLING")),
                       alarms=[{"name": "app-5xx", "state": "OK"}]),
                  poll(60, deployment("SUCCESSFUL", "CLEAN_UP", 100, 30, "ROLLING",
                                      config=configuration("ROLLING")),
                       alarms=[{"name": "app-5xx", "state": "ALARM"}])],
        "expect": {"verdict": "rolled_back", "at_poll": 1, "cause": "alarm (watched by slipway)",
                   "point_service_back": True},
    }
    ok = [{"name": "app-5xx", "state": "OK"}]
    canary_done = scale_up("CANARY", CANARY_10) + [
        poll(60, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, 60, config=CANARY_10)),
        poll(180, deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 100, 180,
                             config=CANARY_10))] + finish_ok("CANARY", 200, CANARY_10)
    for p in canary_done:
        p["alarms"] = ok
    out["canary_successful_then_alarm_in_slipway_bake"] = {
        "description": "CANARY completes (SUCCESSFUL, blue gone), then the alarm slipway watches "
                       "fires in its own bake: ECS's deployment is over, so slipway points the "
                       "service back to the previous revision.",
        "follows": [SD, CANARY],
        "timeouts": {"bake_ms": 60000},
        "polls": canary_done + [
            poll(560, deployment("SUCCESSFUL", "CLEAN_UP", 100, 540, config=CANARY_10),
                 alarms=[{"name": "app-5xx", "state": "ALARM"}])],
        "expect": {"verdict": "rolled_back", "at_poll": 10, "cause": "alarm (watched by slipway)",
                   "point_service_back": True},
    }
    out["throttled_beyond_the_bound"] = {
        "description": "Every poll throttled: after inconclusive_polls, timed out.",
        "follows": [SD],
        "timeouts": {"inconclusive_polls": 3},
        "polls": [poll(5, deployment("IN_PROGRESS", "SCALE_UP", 0, 5, "ROLLING",
                                     config=configuration("ROLLING")))] +
        [poll(5 + 5 * i, unavailable="ThrottlingException: Rate exceeded") for i in range(1, 4)],
        "expect": {"verdict": "timed_out", "at_poll": 3, "cause": "none",
                   "stop_with_rollback_at": 3, "reason": "3 polls in a row"},
    }
    out["found_by_listing"] = {
        "description": "UpdateService's answer named no currentServiceDeployment: ours is the "
                       "oldest listed since UpdateService (the previous one is older).",
        "follows": [SD, LIST],
        "followed_arn": "",
        "polls": [poll(5, None, listed=[brief(OURS, T0 + 0.5, "IN_PROGRESS"),
                                        brief(PREVIOUS, T0 - 3600, "SUCCESSFUL", 6)]),
                  poll(30, deployment("SUCCESSFUL", "CLEAN_UP", 100, 30, "ROLLING",
                                      config=configuration("ROLLING")),
                       listed=[brief(OURS, T0, "SUCCESSFUL"),
                               brief(PREVIOUS, T0 - 3600, "SUCCESSFUL", 6)])],
        "expect": {"verdict": "succeeded", "at_poll": 1, "cause": "none"},
    }
    for name, sequence in out.items():
        sequence.setdefault("followed_arn", OURS)
        sequence["updated_at"] = T0
        timeouts = {"rollout_ms": 3600000, "bake_ms": 0, "inconclusive_polls": 6}
        timeouts.update(sequence.get("timeouts", {}))
        sequence["timeouts"] = timeouts
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    check = "--check" in sys.argv
    wanted = {name + ".json": json.dumps(seq, indent=1, sort_keys=True) + "\n"
              for name, seq in sequences().items()}
    present = {os.path.basename(p) for p in glob.glob(os.path.join(here, "*.json"))}
    stale = sorted(n for n in present - set(wanted))
    differing = []
    for name, text in wanted.items():
        path = os.path.join(here, name)
        current = open(path).read() if os.path.exists(path) else None
        if current != text:
            differing.append(name)
            if not check:
                with open(path, "w") as f:
                    f.write(text)
    if check:
        if differing or stale:
            print("out of date: " + ", ".join(differing + stale) + "; run make_sequences.py")
            return 1
        return 0
    for name in stale:
        os.remove(os.path.join(here, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
