"""Writes the recorded DescribeServices/DescribeTasks sequences the follower tests read
(follower_test.cpp): one <name>.json per sequence and index.json listing them. Run:
python3 make_sequences.py (rewrites every *.json beside it; edit this file, never the JSON);
--check only compares (CTest's targets_ecs.sequences_generated).

Each sequence is shaped like ECS's documented behaviour and says which pages it follows in
"follows"; the fields, nesting and texts are those the pages (and field reports quoted below)
show. What the pages say, in short:

- DescribeServices / Deployment (API reference): deployments[] with id, status PRIMARY ("the most
  recent deployment"), ACTIVE ("still has running tasks, but ... being replaced"), INACTIVE;
  rolloutState IN_PROGRESS -> COMPLETED, or FAILED when the circuit breaker is on; createdAt in
  epoch seconds; events[] newest first, at most 100.
- "The Amazon ECS API follows an eventual consistency model ... the result of an API command you
  run ... might not be immediately visible to all subsequent commands you run" (API reference,
  RunTask and others): a poll right after UpdateService may still show the previous deployment
  as the only PRIMARY, and one poll may be older than the one before.
- Circuit breaker guide: "it looks for the most recent deployment that is in a COMPLETED state
  ... When the rollback starts, the deployment changes from a COMPLETED to IN_PROGRESS" (same id,
  PRIMARY again); without a COMPLETED deployment "the deployment is stalled"; threshold
  BOUNDED_PERCENT 50: half the desired count rounded up, at least 3, at most 200.
- The rollback deployment's rolloutStateReason: "ECS deployment circuit breaker: rolling back to
  deploymentId ecs-svc/..." (deployment state change events page; the same text in field
  reports' DescribeServices output); the failed one: "ECS deployment circuit breaker: tasks
  failed to start."
- CloudWatch alarm guide: "When the service reaches a steady state and the bake time is complete,
  the rollout state transitions to COMPLETED" (ECS's bake is before COMPLETED; ECS does not roll
  back a COMPLETED deployment); "If an alarm is in the ALARM state at the beginning of a
  deployment, Amazon ECS will not monitor alarms for the duration of that deployment".
- Service event messages: "(service S) (deployment D) deployment failed: tasks failed to start.",
  "(service S) rolling back to deployment O.", "(service S) (deployment D) deployment
  completed.", "(service S) has reached a steady state." The alarm variant "deployment failed:
  alarm detected." is from a field report; the rolloutStateReason ECS writes for an alarm failure
  is not documented, so these sequences carry the event text there too.
- A field report at desiredCount 1 (image that cannot be pulled): failedTasks 1 at 2m34s, 2 at
  4m46s, 3 at 11m00s, rollback PRIMARY at 11m44s while the failed deployment was still
  IN_PROGRESS, FAILED about 1m45s later.
"""

import glob
import json
import os
import sys

DESCRIBE = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html"
DEPLOYMENT = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html"
CONSISTENCY = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html"
BREAKER = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html"
THRESHOLD = ("https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
             "API_ServiceDeploymentCircuitBreaker.html")
ALARMS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html"
EVENTS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages-list.html"
STATE_EVENTS = ("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
                "ecs_service_deployment_events.html")
GRACE = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html"

ACCOUNT = "123456789012"
TD = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/app:"
OURS = "ecs-svc/4805309316123366987"
OLD = "ecs-svc/1234567890123456789"      # the deployment before ours, COMPLETED
NEWER = "ecs-svc/9999999999999999999"    # someone else's UpdateService after ours
T0 = 1764213600.0                        # our deployment's createdAt

BREAKER_FAILED = "ECS deployment circuit breaker: tasks failed to start."
ALARM_FAILED = "deployment failed: alarm detected."


def rolling_back(to):
    return f"ECS deployment circuit breaker: rolling back to deploymentId {to}."


def dep(id, status, rollout, rev, desired=2, running=0, pending=0, failed=0, reason=None,
        created=T0):
    if reason is None:
        reason = (f"ECS deployment {id} completed." if rollout == "COMPLETED"
                  else f"ECS deployment {id} in progress.")
    return {"id": id, "status": status, "taskDefinition": TD + str(rev), "desiredCount": desired,
            "pendingCount": pending, "runningCount": running, "failedTasks": failed,
            "createdAt": created, "updatedAt": created + 1, "launchType": "EC2",
            "rolloutState": rollout, "rolloutStateReason": reason}


def old(status="ACTIVE", rollout="COMPLETED", running=2, desired=2, reason=None):
    """The deployment before ours, created an hour earlier."""
    return dep(OLD, status, rollout, 7, desired=desired, running=running, reason=reason,
               created=T0 - 3600)


class Events:
    """The service's event list: append-only, listed newest first, at most 100."""

    def __init__(self):
        self.items = [(T0 - 3600, "(service app) has reached a steady state.")]

    def add(self, at, message):
        self.items.append((T0 + at, message))
        return self

    def started(self, at, n=1):
        return self.add(at, f"(service app) has started {n} tasks: (task t{len(self.items)}).")

    def failed(self, at, deployment=OURS, why="tasks failed to start."):
        return self.add(at, f"(service app) (deployment {deployment}) deployment failed: {why}")

    def rolling_back(self, at, to=OLD):
        return self.add(at, f"(service app) rolling back to deployment {to}.")

    def completed(self, at, deployment=OURS):
        self.add(at, f"(service app) (deployment {deployment}) deployment completed.")
        return self.add(at + 0.5, "(service app) has reached a steady state.")

    def snapshot(self):
        return [{"id": f"ev-{i}", "createdAt": t, "message": m}
                for i, (t, m) in reversed(list(enumerate(self.items)))]


def service(deployments, events, desired=2, breaker=True, rollback=True, alarms=None,
            alarm_rollback=True, grace=0, task_definition=None):
    config = {"deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker and rollback},
              "maximumPercent": 200, "minimumHealthyPercent": 100}
    if alarms:
        config["alarms"] = {"alarmNames": alarms, "enable": True, "rollback": alarm_rollback}
    primary = next((d for d in deployments if d["status"] == "PRIMARY"), None)
    return {"services": [{
        "serviceArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/prod/app", "serviceName": "app",
        "clusterArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/prod", "status": "ACTIVE",
        "desiredCount": desired, "runningCount": sum(d["runningCount"] for d in deployments),
        "pendingCount": sum(d["pendingCount"] for d in deployments),
        "healthCheckGracePeriodSeconds": grace,
        "taskDefinition": task_definition or (primary["taskDefinition"] if primary else TD + "8"),
        "deploymentConfiguration": config, "deployments": deployments,
        "events": events.snapshot()}], "failures": []}


def snap(seconds, svc, tasks=(), targets=(), alarms=()):
    return {"elapsed_ms": int(seconds * 1000), "describeServices": svc,
            "describeTasks": {"tasks": list(tasks)}, "targets": list(targets),
            "alarms": list(alarms)}


def throttled(seconds):
    return {"elapsed_ms": int(seconds * 1000),
            "unavailable": "DescribeServices: ThrottlingException: Rate exceeded"}


def stopped(task_id, reason, rev=8):
    return {"taskArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/prod/{task_id}",
            "taskDefinitionArn": TD + str(rev), "lastStatus": "STOPPED",
            "desiredStatus": "STOPPED", "startedBy": OURS, "stopCode": "TaskFailedToStart",
            "stoppedReason": reason, "containers": [{"name": "app", "lastStatus": "STOPPED"}]}


def target(id, state, reason=None):
    t = {"id": id, "port": "8080", "state": state}
    if reason:
        t["reason"] = reason
    return t


def alarm(name, state, reason=None):
    a = {"name": name, "state": state}
    if reason:
        a["reason"] = reason
    return a


PULL = ("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
        "resolve ref app:deadbeef: not found")
HC = ("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:"
      f"{ACCOUNT}:targetgroup/app/abc)")

sequences = {}


def sequence(name, follows, shape, snapshots, verdict, final_index, must_roll_back=False,
             timeouts=None, reason_contains=None, lines_contain=None, reproduces=None):
    limits = {"start": 600000, "rollout": 1800000, "bake": 0, "inconclusive_polls": 3,
              "start_from_service": False}
    limits.update(timeouts or {})
    expect = {"verdict": verdict, "final_index": final_index, "must_roll_back": must_roll_back}
    if reason_contains:
        expect["reason_contains"] = reason_contains
    if lines_contain:
        expect["lines_contain"] = lines_contain
    sequences[name] = {"follows": follows, "shape": shape, "reproduces": reproduces,
                       "timeouts_ms": limits, "expect": expect, "snapshots": snapshots}


def rollout_to_completion(ev, start, desired=2, **svc):
    """Our deployment starts its tasks, completes, and the old one goes away."""
    ev.started(start, desired)
    out = [snap(start + 5, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, desired, running=desired),
                                    old(running=desired, desired=desired)], ev, desired, **svc))]
    ev.completed(start + 30)
    out.append(snap(start + 35, service([dep(OURS, "PRIMARY", "COMPLETED", 8, desired,
                                             running=desired)], ev, desired, **svc)))
    return out


# --- success -------------------------------------------------------------------------------

ev = Events()
sequences_completed = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev))]
ev.started(4, 2)
sequences_completed.append(snap(5, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1, pending=1),
                                            old()], ev), targets=[target("10.0.1.5", "initial")]))
ev.add(9, "(service app) has stopped 1 running tasks: (task ccc).")
sequences_completed.append(snap(10, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=2),
                                             old(running=1)], ev),
                                targets=[target("10.0.1.5", "healthy"), target("10.0.2.6", "healthy")]))
ev.completed(19)
sequences_completed.append(snap(20, service([dep(OURS, "PRIMARY", "COMPLETED", 8, running=2)], ev),
                                targets=[target("10.0.1.5", "healthy"), target("10.0.2.6", "healthy")]))
sequence("completed", [DESCRIBE, DEPLOYMENT, EVENTS],
         "IN_PROGRESS -> COMPLETED with the old deployment scaled in and gone",
         sequences_completed, "succeeded", 3)

ev = Events()
sequence("completed_desired_count_1", [DESCRIBE, DEPLOYMENT, EVENTS],
         "desiredCount 1: one task replaces one",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, 1), old(running=1, desired=1)], ev, 1))]
         + rollout_to_completion(ev, 20, 1), "succeeded", 2)

# --- eventual consistency ------------------------------------------------------------------

ev = Events()
pre_update = service([old("PRIMARY")], ev)
sequence("stale_first_poll_then_completed", [CONSISTENCY, DESCRIBE, DEPLOYMENT],
         "the first poll right after UpdateService still shows the previous deployment as the "
         "only PRIMARY; ours appears on the next poll and completes",
         [snap(0, pre_update), snap(5, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev))]
         + rollout_to_completion(ev, 10), "succeeded", 3,
         reproduces="a stale first poll right after UpdateService -> superseded (exit 6) on a "
                    "deploy that later succeeds")

ev = Events()
sequence("stale_reads_for_three_polls_then_completed", [CONSISTENCY, DESCRIBE],
         "three stale polls (the bound is three): still no verdict",
         [snap(0, service([old("PRIMARY")], ev)), snap(2, service([old("PRIMARY")], ev)),
          snap(4, service([old("PRIMARY")], ev)),
          snap(6, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev))]
         + rollout_to_completion(ev, 10), "succeeded", 5)

ev = Events()
first = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev))]
ev_old = service([old("PRIMARY")], ev)  # the pre-update view, served again by another replica
ev.started(4, 2)
first.append(snap(5, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1), old()], ev)))
first.append(snap(10, ev_old))
first += rollout_to_completion(ev, 15)
sequence("older_read_after_ours_was_listed", [CONSISTENCY, DESCRIBE],
         "a poll older than the one before it (no newer events, ours missing) is not a verdict",
         first, "succeeded", 4)

ev = Events()
sequence("ours_never_listed_times_out", [CONSISTENCY, DESCRIBE],
         "ours never appears: after the bound of inconclusive polls, timed out (slipway points "
         "the service back), never superseded",
         [snap(s, service([old("PRIMARY")], ev)) for s in (0, 5, 10, 15, 20)],
         "timed_out", 3, must_roll_back=True, reason_contains="is not listed yet")

ev = Events()
empty = service([], ev)
sequence("empty_deployments_once_then_completed", [DESCRIBE],
         "one poll lists no deployments at all; it explains nothing",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev)), snap(5, empty)]
         + rollout_to_completion(ev, 10), "succeeded", 3,
         reproduces="one poll with an empty deployments list -> failed (exit 1) at once")

ev = Events()
sequence("throttled_poll_then_completed", [DESCRIBE],
         "DescribeServices throttled past the retries for one poll",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev)), throttled(5)]
         + rollout_to_completion(ev, 10), "succeeded", 3)

ev = Events()
sequence("throttled_beyond_the_bound_times_out", [DESCRIBE],
         "ECS unreadable for more polls than the bound: timed out, slipway points back",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev))]
         + [throttled(s) for s in (5, 10, 15, 20)], "timed_out", 4, must_roll_back=True,
         reason_contains="could not be read")

# --- circuit breaker -------------------------------------------------------------------------


def breaker_run(desired=2, slow_failed=0, events_late=False, rollback_fails=False, extra=None):
    """Failures up to the threshold, then the breaker re-activates the old deployment (same id,
    COMPLETED -> IN_PROGRESS, PRIMARY, "rolling back to deploymentId") and finishes it."""
    threshold = max(3, min(200, (desired + 1) // 2))
    ev = Events()
    out = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, desired),
                            old(running=desired, desired=desired)], ev, desired))]
    for i, n in enumerate((1, threshold - 1), start=1):
        ev.started(10 * i, 1)
        out.append(snap(10 * i + 5, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, desired, failed=n),
                                             old(running=desired, desired=desired)], ev, desired),
                        tasks=[stopped(f"t{n}", PULL)]))
    at = 60
    rollback = old("PRIMARY", "IN_PROGRESS", running=desired, desired=desired, reason=rolling_back(OLD))
    if not events_late:
        ev.failed(at).rolling_back(at + 0.5)
    for i in range(slow_failed):  # ours still ACTIVE IN_PROGRESS after the rollback PRIMARY shows
        out.append(snap(at + 5 + 5 * i, service([rollback, dep(OURS, "ACTIVE", "IN_PROGRESS", 8, desired,
                                                               failed=threshold)], ev, desired)))
    at += 5 * slow_failed
    out.append(snap(at + 5, service([rollback, dep(OURS, "ACTIVE", "FAILED", 8, desired, failed=threshold,
                                                   reason=BREAKER_FAILED)], ev, desired)))
    if events_late:
        ev.failed(at + 6).rolling_back(at + 6.5)
    if rollback_fails:
        ev.failed(at + 30, OLD)
        out.append(snap(at + 35, service([old("PRIMARY", "FAILED", running=0, desired=desired,
                                              reason=BREAKER_FAILED),
                                          dep(OURS, "ACTIVE", "FAILED", 8, desired, failed=threshold,
                                              reason=BREAKER_FAILED)], ev, desired)))
        return out
    ev.completed(at + 30, OLD)
    out.append(snap(at + 35, service([old("PRIMARY", "COMPLETED", running=desired, desired=desired)],
                                     ev, desired)))
    out.append(snap(at + 40, service([old("PRIMARY", "COMPLETED", running=desired, desired=desired)],
                                     ev, desired)))
    return out


sequence("circuit_breaker_rollback_reactivates_completed", [BREAKER, STATE_EVENTS, EVENTS, DEPLOYMENT],
         "threshold 3 at desiredCount 2; ECS re-activates the COMPLETED deployment (same id) and "
         "completes it; rolled back when it is COMPLETED",
         breaker_run(), "rolled_back_by_circuit_breaker", 4, reason_contains="app:7",
         lines_contain="CannotPullContainerError")

sequence("circuit_breaker_slow_failed_marking", [BREAKER, DEPLOYMENT],
         "the rollback PRIMARY is listed while ours is still ACTIVE IN_PROGRESS for two polls, "
         "then FAILED",
         breaker_run(slow_failed=2), "rolled_back_by_circuit_breaker", 6,
         reproduces="a rollback PRIMARY visible while ours is still IN_PROGRESS -> superseded "
                    "instead of rolled back (exit 3), sticking when ours turns FAILED")

sequence("circuit_breaker_events_after_the_state", [BREAKER, EVENTS],
         "the deployments show the rollback before the events name it",
         breaker_run(events_late=True), "rolled_back_by_circuit_breaker", 4)

sequence("circuit_breaker_rollback_itself_fails", [BREAKER, DEPLOYMENT],
         "the re-activated deployment fails too: nothing was restored, so failed (exit 1)",
         breaker_run(rollback_fails=True), "failed", 4, reason_contains="failed too")

sequence("circuit_breaker_threshold_desired_count_25", [THRESHOLD, BREAKER],
         "threshold 13 at desiredCount 25 (half, rounded up): 12 failed tasks are no verdict",
         breaker_run(desired=25), "rolled_back_by_circuit_breaker", 4,
         lines_contain="failed 12 (circuit breaker trips at 13)")

sequence("circuit_breaker_threshold_desired_count_800", [THRESHOLD, BREAKER],
         "threshold 200 at desiredCount 800 (the maximum)", breaker_run(desired=800),
         "rolled_back_by_circuit_breaker", 4, lines_contain="failed 199 (circuit breaker trips at 200)")

# desiredCount 1, the field report's timings: the breaker needs 3 failed starts and ~12 minutes.
def desired_one(start_from_service, start_ms):
    ev = Events()
    out = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, 1), old(running=1, desired=1)], ev, 1))]
    for n, at in ((1, 154), (2, 286), (2, 301), (3, 660)):
        ev.started(at - 60, 1)
        out.append(snap(at, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, 1, failed=n),
                                     old(running=1, desired=1)], ev, 1), tasks=[stopped(f"t{n}", PULL)]))
    ev.failed(704).rolling_back(704.5)
    rollback = old("PRIMARY", "IN_PROGRESS", running=1, desired=1, reason=rolling_back(OLD))
    out.append(snap(704, service([rollback, dep(OURS, "ACTIVE", "IN_PROGRESS", 8, 1, failed=3)], ev, 1)))
    out.append(snap(810, service([rollback, dep(OURS, "DRAINING", "FAILED", 8, 1, failed=3,
                                                reason=BREAKER_FAILED)], ev, 1)))
    ev.completed(830, OLD)
    out.append(snap(835, service([old("PRIMARY", "COMPLETED", running=1, desired=1)], ev, 1)))
    return out, {"start": start_ms, "start_from_service": start_from_service}


snaps, limits = desired_one(True, 300000)
sequence("desired_count_1_breaker_trips_after_12_minutes", [BREAKER, THRESHOLD, GRACE],
         "desiredCount 1 (threshold 3): the breaker trips at 11m44s, past the 5m start timeout; "
         "the start timeout derived from the service (3 failed starts) waits for it",
         snaps, "rolled_back_by_circuit_breaker", 7, timeouts=limits)

snaps, limits = desired_one(False, 300000)
sequence("desired_count_1_start_timeout_says_what_ecs_was_doing", [BREAKER, THRESHOLD],
         "an explicit 5m start timeout ends the wait first: the verdict names the timeout and the "
         "breaker's count",
         snaps, "timed_out", 3, must_roll_back=True, timeouts=limits,
         reason_contains="start timeout (5m) ended before a task of ecs-svc/4805309316123366987 "
                         "ran: running 0/1, rollout IN_PROGRESS, ECS's circuit breaker had counted "
                         "2 of 3 failed tasks")

ev = Events()
first = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev))]
ev.started(10, 2)
first.append(snap(30, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, failed=2), old()], ev)))
ev.failed(60).rolling_back(60.5)
ev.completed(100, OLD)
first.append(snap(130, service([old("PRIMARY", "COMPLETED")], ev)))
sequence("ours_pruned_events_name_it_failed", [BREAKER, EVENTS, DEPLOYMENT],
         "between two polls ours failed, ECS rolled back and pruned ours: the previous revision "
         "is PRIMARY and COMPLETED, and the events say ours failed",
         first, "rolled_back_by_circuit_breaker", 2, reason_contains="tasks failed to start",
         reproduces="ours already pruned with the previous revision PRIMARY and the events "
                    "naming ours failed -> superseded instead of rolled back")

ev = Events()
sequence("failed_without_rollback", [BREAKER, DEPLOYMENT],
         "breaker on, rollback off: ours FAILED and stays PRIMARY",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev, rollback=False)),
          snap(30, service([dep(OURS, "PRIMARY", "FAILED", 8, failed=3, reason=BREAKER_FAILED), old()],
                           ev.failed(29), rollback=False),
               tasks=[stopped("t2", "Essential container in task exited")])],
         "failed", 1, reason_contains="tasks failed to start")

ev = Events()
sequence("failed_with_no_completed_deployment_to_return_to", [BREAKER],
         "rollback on but no COMPLETED deployment: the breaker stalls, failed at once",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8)], ev)),
          snap(30, service([dep(OURS, "PRIMARY", "FAILED", 8, failed=3, reason=BREAKER_FAILED)],
                           ev.failed(29)))],
         "failed", 1)

ev = Events()
sequence("failed_and_ecs_starts_no_rollback", [BREAKER],
         "rollback on, a COMPLETED deployment listed, yet no rollback shows within the bound",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev))]
         + [snap(s, service([dep(OURS, "PRIMARY", "FAILED", 8, failed=3, reason=BREAKER_FAILED), old()], ev))
            for s in (30, 35, 40, 45)], "failed", 4, reason_contains="started no rollback")

# --- alarms ----------------------------------------------------------------------------------


def alarm_run(rollback=True):
    ev = Events()
    svc = {"alarms": ["app-5xx"], "alarm_rollback": rollback}
    out = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev, **svc),
                alarms=[alarm("app-5xx", "OK")])]
    ev.started(5, 2).add(15, "(service app) has stopped 2 running tasks: (task a) (task b).")
    # ECS's bake: ours runs 2/2, the old one is scaled in, rolloutState still IN_PROGRESS.
    out.append(snap(20, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=2), old(running=0)], ev, **svc),
                    alarms=[alarm("app-5xx", "OK")]))
    out.append(snap(40, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=2), old(running=0)], ev, **svc),
                    alarms=[alarm("app-5xx", "ALARM", "Threshold Crossed: 1 datapoint [9.0] > 5.0")]))
    ev.failed(45, why=ALARM_FAILED.removeprefix("deployment failed: "))
    if not rollback:
        out.append(snap(50, service([dep(OURS, "PRIMARY", "FAILED", 8, running=2, reason=ALARM_FAILED),
                                     old(running=0)], ev, **svc)))
        return out
    ev.rolling_back(45.5)
    out.append(snap(50, service([old("PRIMARY", "IN_PROGRESS", running=0),
                                 dep(OURS, "ACTIVE", "FAILED", 8, running=2, reason=ALARM_FAILED)], ev, **svc)))
    ev.completed(80, OLD)
    out.append(snap(85, service([old("PRIMARY", "COMPLETED")], ev, **svc)))
    return out


sequence("alarm_during_ecs_bake_rolls_back", [ALARMS, EVENTS],
         "the alarm fires during ECS's bake, before COMPLETED: ECS fails ours and rolls back",
         alarm_run(), "rolled_back_by_alarm", 4, reason_contains="alarm detected")

sequence("alarm_during_ecs_bake_without_rollback", [ALARMS],
         "the same with the alarms' rollback off: failed, nothing restored",
         alarm_run(rollback=False), "failed", 3, reason_contains="alarm detected")

ev = Events()
svc = {"alarms": ["app-5xx"]}
snaps = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev, **svc),
              alarms=[alarm("app-5xx", "OK")])]
ev.started(5, 2)
ev.completed(30)
snaps.append(snap(35, service([dep(OURS, "PRIMARY", "COMPLETED", 8, running=2)], ev, **svc),
                  alarms=[alarm("app-5xx", "OK")]))
snaps.append(snap(50, service([dep(OURS, "PRIMARY", "COMPLETED", 8, running=2)], ev, **svc),
                  alarms=[alarm("app-5xx", "ALARM", "Threshold Crossed: 1 datapoint [9.0] > 5.0")]))
sequence("alarm_during_slipway_bake_after_completed", [ALARMS],
         "after COMPLETED ECS rolls nothing back: an alarm in slipway's own bake is slipway's to "
         "act on (it points the service back)",
         snaps, "rolled_back_by_alarm", 2, must_roll_back=True, timeouts={"bake": 60000},
         reason_contains="app-5xx")

ev = Events()
snaps = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev, **svc),
              alarms=[alarm("app-5xx", "ALARM")])]
ev.started(5, 2)
snaps.append(snap(20, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=2), old(running=0)], ev, **svc),
                  alarms=[alarm("app-5xx", "ALARM")]))
ev.completed(30)
snaps.append(snap(35, service([dep(OURS, "PRIMARY", "COMPLETED", 8, running=2)], ev, **svc),
                  alarms=[alarm("app-5xx", "ALARM")]))
sequence("alarm_in_alarm_at_start_ignored_by_ecs", [ALARMS],
         "an alarm already in ALARM when the deployment starts: ECS ignores it and completes; "
         "slipway's bake sees it and points the service back",
         snaps, "rolled_back_by_alarm", 2, must_roll_back=True, timeouts={"bake": 60000})

# --- supersession ----------------------------------------------------------------------------

ev = Events()
sequence("superseded_by_a_newer_revision", [DEPLOYMENT],
         "another UpdateService after ours (a new id, created later, app:9) became PRIMARY",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1), old()], ev)),
          snap(10, service([dep(NEWER, "PRIMARY", "IN_PROGRESS", 9, created=T0 + 9),
                            dep(OURS, "ACTIVE", "IN_PROGRESS", 8, running=1), old()], ev))],
         "superseded", 1, reason_contains="app:9")

ev = Events()
newer = dep(NEWER, "PRIMARY", "IN_PROGRESS", 7, created=T0 + 9)
sequence("superseded_by_a_manual_rollback", [DEPLOYMENT, BREAKER],
         "someone points the service back at app:7 with UpdateService (a new id, created after "
         "ours): not ECS's rollback, which re-activates the old id; superseded once ECS has had "
         "the bound to say otherwise",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1), old()], ev))]
         + [snap(s, service([newer, dep(OURS, "ACTIVE", "IN_PROGRESS", 8, running=1), old()], ev))
            for s in (10, 15, 20, 25)], "superseded", 4, reason_contains=NEWER)

ev = Events()
snaps = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev))]
ev.started(5, 2).completed(20)
snaps.append(snap(25, service([dep(OURS, "PRIMARY", "COMPLETED", 8, running=2)], ev)))
snaps.append(snap(40, service([dep(NEWER, "PRIMARY", "IN_PROGRESS", 9, created=T0 + 35),
                               dep(OURS, "ACTIVE", "COMPLETED", 8, running=2)], ev)))
sequence("superseded_during_slipway_bake", [DEPLOYMENT],
         "ours COMPLETED, then a newer deployment during slipway's bake", snaps, "superseded", 2,
         timeouts={"bake": 60000})

ev = Events()
retargeted = service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, pending=2)], ev, task_definition=TD + "9")
sequence("service_retargeted_without_a_new_deployment", [DESCRIBE],
         "moto's UpdateService changes the service's taskDefinition and keeps the PRIMARY "
         "deployment (no new deployment entry): a newer deploy all the same",
         [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, pending=2)], ev)), snap(5, retargeted)],
         "superseded", 1, reason_contains="app:9")

# --- timeouts --------------------------------------------------------------------------------

ev = Events()
ev.add(2, "(service app) was unable to place a task because no container instance met all of "
          "its requirements. The closest matching (container-instance abc) has insufficient "
          "memory available.")
sequence("stuck_placement_times_out", [EVENTS],
         "tasks cannot be placed; no breaker trip without a failed task: the start timeout ends it",
         [snap(s, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, pending=2), old()], ev))
          for s in (0, 10, 20, 31)], "timed_out", 3, must_roll_back=True,
         timeouts={"start": 30000}, reason_contains="start timeout (30s)")

ev = Events()
nb = {"breaker": False}
snaps = [snap(0, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8), old()], ev, **nb))]
ev.started(5, 2)
snaps.append(snap(20, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=2), old()], ev, **nb),
                  targets=[target("10.0.1.5", "unhealthy", "Target.ResponseCodeMismatch"),
                           target("10.0.2.6", "healthy")]))
snaps.append(snap(50, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1, failed=1), old()], ev, **nb),
                  tasks=[stopped("t9", HC)],
                  targets=[target("10.0.1.5", "draining", "Target.DeregistrationInProgress"),
                           target("10.0.2.6", "healthy")]))
snaps.append(snap(81, service([dep(OURS, "PRIMARY", "IN_PROGRESS", 8, running=1, failed=2), old()], ev, **nb)))
sequence("failing_health_checks_without_breaker_times_out", [EVENTS, DEPLOYMENT],
         "no circuit breaker: ECS keeps replacing unhealthy tasks; the rollout timeout ends it",
         snaps, "timed_out", 3, must_roll_back=True, timeouts={"rollout": 60000},
         reason_contains="rollout timeout", lines_contain="failed ELB health checks")

snaps = breaker_run()[:3]
ev = Events()
rb = old("PRIMARY", "IN_PROGRESS", running=0, reason=rolling_back(OLD))
snaps += [snap(s, service([rb, dep(OURS, "ACTIVE", "FAILED", 8, failed=3, reason=BREAKER_FAILED)],
                          ev.failed(59) if s == 60 else ev)) for s in (60, 90, 200)]
sequence("rollout_timeout_while_ecs_rolls_back", [BREAKER],
         "ECS's rollback does not complete within the rollout timeout: timed out, and slipway "
         "leaves the service to ECS",
         snaps, "timed_out", 5, timeouts={"rollout": 120000}, reason_contains="still rolling back")

def rendered():
    """Every file this script owns, name -> text."""
    files = {}
    for name, body in sequences.items():
        body["deployment_id"] = OURS
        body["started_at"] = T0
        body["task_definition"] = TD + "8"
        body["previous_task_definition"] = TD + "7"
        files[name + ".json"] = json.dumps(body, indent=1) + "\n"
    files["index.json"] = json.dumps(sorted(sequences), indent=1) + "\n"
    return files


here = os.path.dirname(os.path.abspath(__file__))
files = rendered()
if sys.argv[1:] == ["--check"]:
    # CTest runs this: the committed JSON must be exactly what the script writes.
    on_disk = {os.path.basename(p) for p in glob.glob(os.path.join(here, "*.json"))}
    stale = sorted(on_disk ^ set(files))
    for name, text in files.items():
        path = os.path.join(here, name)
        if os.path.exists(path) and open(path).read() != text:
            stale.append(name)
    if stale:
        sys.exit("sequences out of date (" + ", ".join(stale) + "): run python3 " + __file__)
    print(f"{len(sequences)} sequences match {__file__}")
    sys.exit(0)
for stale in glob.glob(os.path.join(here, "*.json")):
    os.remove(stale)
for name, text in files.items():
    with open(os.path.join(here, name), "w") as f:
        f.write(text)
print(f"{len(sequences)} sequences")
