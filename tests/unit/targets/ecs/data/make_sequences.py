"""Writes the recorded DescribeServices/DescribeTasks sequences the follower tests read. Each
snapshot is shaped like ECS's real responses (field names, nesting, epoch-second timestamps,
the event and rolloutStateReason texts ECS writes); kept as a script so a sequence is easy to
review and extend. Run: python3 make_sequences.py (writes *.json beside it)."""

import json
import os

ACCOUNT = "123456789012"
TD = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/app:"
OURS = "ecs-svc/4805309316123366987"
OLD = "ecs-svc/1234567890123456789"
T0 = 1764213600.0


def deployment(id, status, rollout, rev, desired=2, running=0, pending=0, failed=0, reason=None,
               created=T0):
    d = {"id": id, "status": status, "taskDefinition": TD + str(rev), "desiredCount": desired,
         "pendingCount": pending, "runningCount": running, "failedTasks": failed,
         "createdAt": created, "updatedAt": created + 1, "launchType": "EC2",
         "rolloutState": rollout,
         "rolloutStateReason": reason or f"ECS deployment {id} in progress."}
    return d


def service(deployments, events=(), alarms=None, breaker=True):
    config = {"deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker},
              "maximumPercent": 200, "minimumHealthyPercent": 100}
    if alarms:
        config["alarms"] = {"alarmNames": alarms, "enable": True, "rollback": True}
    primary = next(d for d in deployments if d["status"] == "PRIMARY")
    return {"services": [{
        "serviceArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/prod/app", "serviceName": "app",
        "clusterArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/prod", "status": "ACTIVE",
        "desiredCount": 2, "runningCount": sum(d["runningCount"] for d in deployments),
        "pendingCount": sum(d["pendingCount"] for d in deployments),
        "taskDefinition": primary["taskDefinition"], "deploymentConfiguration": config,
        "deployments": deployments,
        "events": [{"id": f"ev-{i}", "createdAt": t, "message": m}
                   for i, (t, m) in reversed(list(enumerate(events)))]}], "failures": []}


def stopped(task_id, rev, reason, container_reason=None, exit_code=None):
    container = {"name": "app", "lastStatus": "STOPPED"}
    if container_reason:
        container["reason"] = container_reason
    if exit_code is not None:
        container["exitCode"] = exit_code
    return {"taskArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/prod/{task_id}",
            "taskDefinitionArn": TD + str(rev), "lastStatus": "STOPPED",
            "desiredStatus": "STOPPED", "startedBy": OURS, "stopCode": "TaskFailedToStart",
            "stoppedReason": reason, "containers": [container]}


OLD_EVENTS = [(T0 - 3600, "(service app) has reached a steady state.")]
STARTED = (T0 + 5, "(service app) has started 2 tasks: (task aaa) (task bbb).")


def snap(ms, svc, tasks=(), targets=(), alarms=()):
    return {"elapsed_ms": ms, "describeServices": svc, "describeTasks": {"tasks": list(tasks)},
            "targets": list(targets), "alarms": list(alarms)}


def target(id, state, reason=None):
    t = {"id": id, "port": "8080", "state": state}
    if reason:
        t["reason"] = reason
    return t


sequences = {}

sequences["completed"] = {
    "timeouts_ms": {"start": 60000, "rollout": 600000, "bake": 0},
    "expect": {"verdict": "succeeded", "must_roll_back": False, "final_index": 3},
    "snapshots": [
        snap(0, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8),
                         deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                        OLD_EVENTS)),
        snap(5000, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1, pending=1),
                            deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                           OLD_EVENTS + [STARTED]), targets=[target("10.0.1.5", "initial")]),
        snap(10000, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, running=2),
                             deployment(OLD, "ACTIVE", "COMPLETED", 7, running=1, created=T0 - 3600)],
                            OLD_EVENTS + [STARTED, (T0 + 9, "(service app) has stopped 1 running tasks: (task ccc).")]),
             targets=[target("10.0.1.5", "healthy"), target("10.0.2.6", "healthy")]),
        snap(20000, service([deployment(OURS, "PRIMARY", "COMPLETED", 8, running=2,
                                        reason=f"ECS deployment {OURS} completed.")],
                            OLD_EVENTS + [STARTED, (T0 + 19, f"(service app) (deployment {OURS}) deployment completed."),
                                          (T0 + 19.5, "(service app) has reached a steady state.")]),
             targets=[target("10.0.1.5", "healthy"), target("10.0.2.6", "healthy")]),
    ]}

CB_REASON = "ECS deployment circuit breaker: tasks failed to start."
ROLLBACK = "ecs-svc/7777777777777777777"
sequences["circuit_breaker"] = {
    "timeouts_ms": {"start": 600000, "rollout": 600000, "bake": 0},
    "expect": {"verdict": "rolled_back_by_circuit_breaker", "must_roll_back": False, "final_index": 2,
               "reason_contains": "app:7", "lines_contain": "CannotPullContainerError"},
    "snapshots": [
        snap(0, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8),
                         deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)], OLD_EVENTS)),
        snap(30000, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, failed=3),
                             deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                            OLD_EVENTS + [STARTED]),
             tasks=[stopped("t1", 8, "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                                     "failed to resolve ref app:deadbeef: not found")]),
        snap(60000, service([deployment(ROLLBACK, "PRIMARY", "IN_PROGRESS", 7, created=T0 + 59),
                             deployment(OURS, "ACTIVE", "FAILED", 8, failed=10, reason=CB_REASON),
                             deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                            OLD_EVENTS + [STARTED, (T0 + 59, f"(service app) (deployment {OURS}) deployment failed: tasks failed to start."),
                                          (T0 + 59.5, f"(service app) rolling back to deployment {OLD}.")])),
        snap(65000, service([deployment(ROLLBACK, "PRIMARY", "COMPLETED", 7, running=2, created=T0 + 59)])),
    ]}

sequences["alarm_rollback_by_ecs"] = {
    "timeouts_ms": {"start": 600000, "rollout": 600000, "bake": 0},
    "expect": {"verdict": "rolled_back_by_alarm", "must_roll_back": False, "final_index": 2,
               "reason_contains": "app-5xx"},
    "snapshots": [
        snap(0, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8),
                         deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                        OLD_EVENTS, alarms=["app-5xx"])),
        snap(20000, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, running=2),
                             deployment(OLD, "ACTIVE", "COMPLETED", 7, running=0, created=T0 - 3600)],
                            OLD_EVENTS + [STARTED], alarms=["app-5xx"]),
             alarms=[{"name": "app-5xx", "state": "ALARM"}]),
        snap(40000, service([deployment(ROLLBACK, "PRIMARY", "IN_PROGRESS", 7, created=T0 + 39),
                             deployment(OURS, "ACTIVE", "FAILED", 8, running=2,
                                        reason="ECS deployment failed: alarm(s) detected: app-5xx.")],
                            OLD_EVENTS + [STARTED, (T0 + 39, f"(service app) (deployment {OURS}) deployment failed: alarm detected.")],
                            alarms=["app-5xx"]), alarms=[{"name": "app-5xx", "state": "ALARM"}]),
    ]}

sequences["alarm_during_bake"] = {
    "timeouts_ms": {"start": 600000, "rollout": 600000, "bake": 60000},
    "expect": {"verdict": "rolled_back_by_alarm", "must_roll_back": True, "final_index": 3,
               "reason_contains": "app-5xx"},
    "snapshots": [
        snap(0, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8),
                         deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                        OLD_EVENTS, alarms=["app-5xx", "app-p99"])),
        snap(20000, service([deployment(OURS, "PRIMARY", "COMPLETED", 8, running=2,
                                        reason=f"ECS deployment {OURS} completed.")],
                            OLD_EVENTS, alarms=["app-5xx", "app-p99"]),
             alarms=[{"name": "app-5xx", "state": "OK"}, {"name": "app-p99", "state": "OK"}]),
        # 40 s into a 60 s bake: not yet a success.
        snap(60000, service([deployment(OURS, "PRIMARY", "COMPLETED", 8, running=2,
                                        reason=f"ECS deployment {OURS} completed.")],
                            OLD_EVENTS, alarms=["app-5xx", "app-p99"]),
             alarms=[{"name": "app-5xx", "state": "OK"}, {"name": "app-p99", "state": "OK"}]),
        snap(70000, service([deployment(OURS, "PRIMARY", "COMPLETED", 8, running=2,
                                        reason=f"ECS deployment {OURS} completed.")],
                            OLD_EVENTS, alarms=["app-5xx", "app-p99"]),
             alarms=[{"name": "app-5xx", "state": "ALARM", "reason": "Threshold Crossed: 1 datapoint [9.0] was greater than 5.0"},
                     {"name": "app-p99", "state": "OK"}]),
    ]}

sequences["rolled_back_after_completed_during_bake"] = {
    # ECS's own alarm rollback arrives after our deployment showed COMPLETED: never a success.
    "timeouts_ms": {"start": 600000, "rollout": 600000, "bake": 30000},
    "expect": {"verdict": "rolled_back_by_alarm", "must_roll_back": False, "final_index": 2},
    "snapshots": [
        snap(0, service([deployment(OURS, "PRIMARY", "COMPLETED", 8, running=2)], OLD_EVENTS)),
        snap(20000, service([deployment(OURS, "PRIMARY", "COMPLETED", 8, running=2)], OLD_EVENTS)),
        snap(40000, service([deployment(ROLLBACK, "PRIMARY", "IN_PROGRESS", 7, created=T0 + 39),
                             deployment(OURS, "ACTIVE", "FAILED", 8, running=2,
                                        reason="ECS deployment failed: alarm(s) detected: app-5xx.")],
                            OLD_EVENTS)),
    ]}

sequences["stuck"] = {
    "timeouts_ms": {"start": 30000, "rollout": 600000, "bake": 0},
    "expect": {"verdict": "timed_out", "must_roll_back": True, "final_index": 3,
               "reason_contains": "starting"},
    "snapshots": [
        snap(ms, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, pending=2),
                          deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                         OLD_EVENTS + [(T0 + 2, "(service app) was unable to place a task because no container "
                                                "instance met all of its requirements. The closest matching (container-instance "
                                                "abc) has insufficient memory available.")]))
        for ms in (0, 10000, 20000, 31000)
    ]}

sequences["superseded"] = {
    "timeouts_ms": {"start": 600000, "rollout": 600000, "bake": 0},
    "expect": {"verdict": "superseded", "must_roll_back": False, "final_index": 1,
               "reason_contains": "app:9"},
    "snapshots": [
        snap(0, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1),
                         deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)], OLD_EVENTS)),
        snap(10000, service([deployment("ecs-svc/9999999999999999999", "PRIMARY", "IN_PROGRESS", 9, created=T0 + 9),
                             deployment(OURS, "ACTIVE", "IN_PROGRESS", 8, running=1),
                             deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)], OLD_EVENTS)),
    ]}

HC = "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/abc)"
sequences["failing_health_checks_no_breaker"] = {
    "timeouts_ms": {"start": 600000, "rollout": 60000, "bake": 0},
    "expect": {"verdict": "timed_out", "must_roll_back": True, "final_index": 3,
               "reason_contains": "rolling", "lines_contain": "failed ELB health checks"},
    "snapshots": [
        snap(0, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8),
                         deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                        OLD_EVENTS, breaker=False)),
        snap(20000, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, running=2),
                             deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                            OLD_EVENTS + [STARTED], breaker=False),
             targets=[target("10.0.1.5", "unhealthy", "Target.ResponseCodeMismatch"), target("10.0.2.6", "healthy")]),
        snap(50000, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1, failed=1),
                             deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                            OLD_EVENTS + [STARTED], breaker=False),
             tasks=[stopped("t9", 8, HC)],
             targets=[target("10.0.1.5", "draining", "Target.DeregistrationInProgress"), target("10.0.2.6", "healthy")]),
        snap(81000, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1, failed=2),
                             deployment(OLD, "ACTIVE", "COMPLETED", 7, running=2, created=T0 - 3600)],
                            OLD_EVENTS + [STARTED], breaker=False)),
    ]}

sequences["failed_without_rollback"] = {
    "timeouts_ms": {"start": 600000, "rollout": 600000, "bake": 0},
    "expect": {"verdict": "failed", "must_roll_back": False, "final_index": 1,
               "reason_contains": "circuit breaker"},
    "snapshots": [
        snap(0, service([deployment(OURS, "PRIMARY", "IN_PROGRESS", 8)], OLD_EVENTS)),
        snap(30000, service([deployment(OURS, "PRIMARY", "FAILED", 8, failed=4, reason=CB_REASON)], OLD_EVENTS),
             tasks=[stopped("t2", 8, "Essential container in task exited", "exit status 1", 1)]),
    ]}

here = os.path.dirname(os.path.abspath(__file__))
for name, sequence in sequences.items():
    sequence["deployment_id"] = OURS
    sequence["started_at"] = T0
    with open(os.path.join(here, name + ".json"), "w") as f:
        json.dump(sequence, f, indent=1)
        f.write("\n")
