#!/usr/bin/env python3
"""bench/progressive: LINEAR, CANARY and BLUE_GREEN on the vm target, side by side with today's
ROLLING deploy in one run, on the podman engine (FROM scratch images of the release build).

A loop of requests (--threads threads, one keep-alive connection each) runs through the stack's
HAProxy during every deploy and records, per request, when it was answered, its status and which
release answered it (GET / names the commit). Scenarios, each a fresh deploy on one stack:

  bad5    a release answering 5 % of GET / with 500 (FAULT_INJECT=errors_percent=5):
          under CANARY 10 % and under ROLLING (bake_time --rolling-bake): from its first bad
          response to the last request it answered (all traffic back), the requests that failed,
          and what the canary slice alone could have seen in that window.
  slow3x  a release 3x slower (latency=30ms against 10ms, error-free) under LINEAR 10 % steps and
          under ROLLING: caught? at which step? how long after its first response?
  tail3x  a release slower only in its tail, against latency=10ms: first the latency=10ms release's
          p99 is measured under the same load (5 s, client side); the tail release is
          latency=10ms plus tail_latency=2%:D with D chosen so that its slow 2 % take 3x that p99
          (on a busy machine the p99 of a 10 ms service is not 10 ms: a nominal "2 % at 30 ms"
          is buried in the machine's own tail). Its mean stays within 1.3x. Under LINEAR 10 %
          steps (step bake 12 minutes here, so step 1 sees the tail judge's 100 responses of
          each release) and under ROLLING: caught? at which step? the judge's p50/p99 and
          HAProxy's mean for both releases, and the client-side p50/p99/mean of each.
  bgback  BLUE_GREEN whose green answers 5 % 500 in the bake: from the rollback decision
          (the deploy's rollback_started event) to the last request green answered, and the
          requests that failed for another reason than green's own 500s (the switch's cost).
  bgcmd   `slipway rollback` run during a BLUE_GREEN bake of a good release (the deploy is asked
          to switch back): from the command's start, and from the deploy's rollback decision,
          to the last request green answered; failed requests; both exit codes. Beside it,
          today's command rollback: `slipway rollback` right after a ROLLING deploy of the same
          release (a rolling redeploy of the previous one), the same figures.
  good    a good release under each strategy: failed requests and the deploy's total time.

Goals (issue 14): bad5 CANARY detected and all traffic back <= 3 s after the first bad response,
failed <= the canary slice's requests in that window; slow3x and tail3x caught at LINEAR's first
step;
bgback and bgcmd all traffic on blue <= 100 ms, 0 failed; good 0 failed under each strategy.

Usage: bench/progressive/run.py [--threads N] [--results FILE]
Needs: make release (the image's binary), a built slipway (build/dev or $SLIPWAY_BUILD_DIR),
podman, haproxy.
"""

import argparse
import http.client
import json
import math
import os
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
os.environ.setdefault("SLIPWAY_SOURCE_DIR", SOURCE)
os.environ.setdefault("SLIPWAY_BUILD_DIR", os.path.join(SOURCE, "build", "dev"))

import slipway_testlib as lib  # noqa: E402
import vm_testlib as vm  # noqa: E402

MINUTE = "500ms"  # vm.strategy_minute: one of the service file's minutes lasts this long here
STRATEGIES = {
    "ROLLING": None,
    "CANARY": {"strategy": "CANARY", "bakeTimeInMinutes": 2,
               "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": 20}},
    "LINEAR": {"strategy": "LINEAR", "bakeTimeInMinutes": 2,
               "linearConfiguration": {"stepPercent": 10, "stepBakeTimeInMinutes": 4}},
    "BLUE_GREEN": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 20},
    # LINEAR 10 % with a step long enough for vm.latency_judge.min_samples (100) responses of the
    # new release at 10 % of this loop's few hundred requests a second.
    "LINEAR_LONG_STEP": {"strategy": "LINEAR", "bakeTimeInMinutes": 2,
                         "linearConfiguration": {"stepPercent": 10, "stepBakeTimeInMinutes": 12}},
}


class Traffic:
    """Threads sending GET / over keep-alive connections; every answer is (monotonic time,
    status, commit or '', an injected fault's body?, ms from sending to the answer read)."""

    def __init__(self, port, threads):
        self.port = port
        self.answers = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.loop) for _ in range(threads)]

    def loop(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        mine = []
        while not self.stopping.is_set():
            sent = time.monotonic()
            try:
                conn.request("GET", "/")
                resp = conn.getresponse()
                body = resp.read()
                served = re.search(rb"release (\w+)", body)
                now = time.monotonic()
                mine.append((now, resp.status, served.group(1).decode() if served else "",
                             b"injected_fault" in body, 1000 * (now - sent)))
            except (OSError, http.client.HTTPException):
                now = time.monotonic()
                mine.append((now, 0, "", False, 1000 * (now - sent)))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.close()
        with self.lock:
            self.answers.extend(mine)

    def __enter__(self):
        for t in self.threads:
            t.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        time.sleep(0.5)
        self.stopping.set()
        for t in self.threads:
            t.join()
        self.answers.sort()


ORIGINAL_SERVICE = {}


def set_strategy(stack, name):
    """deploy/service.json (a template, not plain JSON) with `name`'s members added to its
    deploymentConfiguration."""
    path = os.path.join(stack.dir, "deploy", "service.json")
    if path not in ORIGINAL_SERVICE:
        with open(path) as f:
            ORIGINAL_SERVICE[path] = f.read()
    text = ORIGINAL_SERVICE[path]
    if STRATEGIES[name]:
        members = json.dumps(STRATEGIES[name])[1:-1]
        text = text.replace('"deploymentConfiguration": {', '"deploymentConfiguration": {' + members + ",")
    with open(path, "w") as f:
        f.write(text)


def deploy(stack, image, strategy, traffic_threads):
    """Deploys `image` under `strategy` with the request loop running; returns (exit code,
    events, answers, seconds)."""
    set_strategy(stack, strategy)
    offset = time.time() - time.monotonic()
    with Traffic(stack.port, traffic_threads) as traffic:
        started = time.monotonic()
        result = stack.deploy(image, "--output", "json", timeout=900)
        seconds = time.monotonic() - started
    events = []
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if "time" in event:
                event["mono"] = wall(event["time"]) - offset
            events.append(event)
    return result.returncode, events, traffic.answers, seconds, result


def wall(iso):
    import calendar
    main, fraction = iso.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) + int(fraction) / 1000


def commit_of(image):
    return image.rsplit(":", 1)[1][:40]


def fresh_answers(answers, commit):
    """The answers of `commit`: those naming it, and its injected 500s (which name no release;
    only the release under test carries a fault that answers 500)."""
    return [a for a in answers if a[2] == commit or a[3]]


def bad_release_figures(answers, commit):
    """From the first bad response of `commit` to the last request it answered."""
    bad = [a for a in answers if a[3]]
    served = fresh_answers(answers, commit)
    if not bad:
        return {"first_bad": None}
    first_bad = min(a[0] for a in bad)
    last_served = max(a[0] for a in served) if served else first_bad
    window = [a for a in answers if first_bad <= a[0] <= last_served]
    failed = [a for a in answers if a[1] != 200]
    return {
        "first_bad": first_bad,
        "back_after_s": round(last_served - first_bad, 3),
        "failed": len(failed),
        "requests_in_window": len(window),
        "new_release_requests_in_window": len([a for a in window if a[2] == commit or a[3]]),
        "requests": len(answers),
    }


def scenario_bad5(stack, base, bad, threads, report):
    rows = {}
    for strategy in ("CANARY", "ROLLING"):
        code, events, answers, seconds, result = deploy(stack, bad, strategy, threads)
        figures = bad_release_figures(answers, commit_of(bad))
        figures.update({"exit": code, "seconds": round(seconds, 2), "reason": reason_of(events)})
        if figures.get("requests_in_window"):
            # What the canary slice alone could have seen in that window: its share of the requests.
            figures["canary_slice_in_window"] = round(0.10 * figures["requests_in_window"], 1)
        rows[strategy] = figures
        restore(stack, base, code)
    report["bad5"] = rows


def scenario_slow(stack, base10, slow30, threads, report):
    rows = {}
    assert stack.deploy(base10, timeout=900).returncode == 0
    for strategy in ("LINEAR", "ROLLING"):
        code, events, answers, seconds, result = deploy(stack, slow30, strategy, threads)
        served = fresh_answers(answers, commit_of(slow30))
        steps = [e for e in events if e.get("event") == "traffic" and not e.get("rollback")]
        rows[strategy] = {"exit": code, "caught": code == 3, "steps_taken": len(steps),
                          "seconds": round(seconds, 2), "reason": reason_of(events),
                          "slow_release_requests": len(served)}
        restore(stack, base10, code)
    report["slow3x"] = rows


def client_latency(answers, commit, since, until):
    """p50/p99/mean (ms, client side: request sent to answer read) of `commit`'s answers between
    `since` and `until` (monotonic)."""
    times = sorted(a[4] for a in answers if a[2] == commit and since <= a[0] <= until)
    if not times:
        return None
    rank = lambda q: times[max(0, math.ceil(q * len(times) - 1e-9) - 1)]  # nearest rank
    return {"n": len(times), "p50": round(rank(0.50), 1), "p99": round(rank(0.99), 1),
            "mean": round(sum(times) / len(times), 1)}


def scenario_tail(stack, base10, tail_base_image, threads, report):
    rows = {}
    if stack.version()["commit"] != commit_of(base10):
        set_strategy(stack, "ROLLING")
        assert stack.deploy(base10, timeout=900).returncode == 0
    with Traffic(stack.port, threads) as traffic:
        time.sleep(5)
    calibration = client_latency(traffic.answers, commit_of(base10), 0, float("inf"))
    delay_ms = max(20, round(3 * calibration["p99"]) - 10)
    fault = f"latency=10ms,tail_latency=2%:{delay_ms}ms"
    tail = stack.faulty_image(tail_base_image, commit_of(tail_base_image)[:39] + "c", fault)
    report["tail3x_calibration"] = {"previous": calibration, "fault": fault}
    for strategy in ("LINEAR_LONG_STEP", "ROLLING"):
        code, events, answers, seconds, result = deploy(stack, tail, strategy, threads)
        served = fresh_answers(answers, commit_of(tail))
        steps = [e for e in events if e.get("event") == "traffic" and not e.get("rollback")]
        judged = [e for e in events if e.get("event") == "step_judged"]
        first = judged[0] if judged else {}
        if served:
            # Both releases side by side while both served: from the new one's first answer to
            # its last (under ROLLING, the old one's answers in that time).
            since, until = served[0][0], served[-1][0]
        else:
            since = until = 0
        rows[strategy] = {
            "exit": code, "caught": code == 3, "steps_taken": len(steps),
            "seconds": round(seconds, 2), "reason": reason_of(events),
            "tail_release_requests": len(served),
            "judge": {k: first.get(k) for k in ("latency_samples", "p50_ms", "p99_ms",
                                                 "previous_latency_samples", "previous_p50_ms",
                                                 "previous_p99_ms", "mean_response_ms",
                                                 "previous_mean_response_ms")} if first else None,
            "client_new": client_latency(answers, commit_of(tail), since, until),
            "client_previous": client_latency(answers, commit_of(base10), since, until),
        }
        restore(stack, base10, code)
    report["tail3x"] = rows


def scenario_bgback(stack, base, bad, threads, report):
    code, events, answers, seconds, result = deploy(stack, bad, "BLUE_GREEN", threads)
    commit = commit_of(bad)
    decided = next((e["mono"] for e in events if e.get("event") == "rollback_started"), None)
    served = fresh_answers(answers, commit)
    last_green = max(a[0] for a in served) if served else None
    switch_failures = [a for a in answers if a[1] != 200 and not a[3]]
    report["bgback"] = {
        "exit": code, "reason": reason_of(events),
        "green_requests": len(served),
        "blue_serving_after_decision_ms": round(1000 * (last_green - decided), 1)
        if decided and last_green else None,
        "failed_not_green_500": len(switch_failures),
        "green_500": len([a for a in answers if a[3]]),
        "requests": len(answers),
    }
    restore(stack, base, code)


def events_of(stdout, offset):
    events = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if "time" in event:
                event["mono"] = wall(event["time"]) - offset
            events.append(event)
    return events


def scenario_bgcmd(stack, base, green, threads, report):
    rows = {}
    commit = commit_of(green)
    # BLUE_GREEN: the rollback command in the bake.
    set_strategy(stack, "BLUE_GREEN")
    offset = time.time() - time.monotonic()
    with Traffic(stack.port, threads) as traffic:
        proc = lib.Process([vm.slipway_binary(), "deploy", "--image", green, "--output", "json"],
                           env=dict(os.environ, **stack.env), cwd=stack.dir)
        lib.wait_until(lambda: '"bake_started"' in proc.output()[0], timeout=300, what="the bake")
        time.sleep(1.0)  # green serving everything under the loop
        command = time.monotonic()
        rollback = stack.run("rollback", "--output", "json", timeout=300)
        command_seconds = time.monotonic() - command
        deploy_code = proc.wait(300)
    events = events_of(proc.output()[0], offset)
    decided = next((e["mono"] for e in events if e.get("event") == "rollback_started"), None)
    requested = next((e["mono"] for e in events_of(rollback.stdout, offset)
                      if e.get("event") == "rollback_requested"), None)
    served = [a for a in traffic.answers if a[2] == commit]
    last_green = max(a[0] for a in served) if served else None
    rows["BLUE_GREEN"] = {
        "deploy_exit": deploy_code, "rollback_exit": rollback.returncode,
        "reason": reason_of(events),
        "command_to_blue_ms": round(1000 * (last_green - command), 1) if last_green else None,
        "decision_to_blue_ms": round(1000 * (last_green - decided), 1) if last_green and decided else None,
        "command_to_request_ms": round(1000 * (requested - command), 1) if requested else None,
        "request_to_decision_ms": round(1000 * (decided - requested), 1) if requested and decided else None,
        "rollback_command_s": round(command_seconds, 2),
        "failed": len([a for a in traffic.answers if a[1] != 200]), "requests": len(traffic.answers),
    }
    restore(stack, base, 0)
    # ROLLING: the release deployed, then `slipway rollback` (a rolling redeploy of blue).
    set_strategy(stack, "ROLLING")
    assert stack.deploy(green, timeout=900).returncode == 0
    with Traffic(stack.port, threads) as traffic:
        command = time.monotonic()
        rollback = stack.run("rollback", "--output", "json", timeout=900)
        command_seconds = time.monotonic() - command
    served = [a for a in traffic.answers if a[2] == commit]
    last_green = max(a[0] for a in served) if served else None
    rows["ROLLING"] = {
        "deploy_exit": 0, "rollback_exit": rollback.returncode, "reason": "",
        "command_to_blue_ms": round(1000 * (last_green - command), 1) if last_green else None,
        "decision_to_blue_ms": None,
        "rollback_command_s": round(command_seconds, 2),
        "failed": len([a for a in traffic.answers if a[1] != 200]), "requests": len(traffic.answers),
    }
    restore(stack, base, 0)
    report["bgcmd"] = rows


def scenario_good(stack, images, threads, report):
    rows = {}
    for strategy, image in zip(("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"), images):
        code, events, answers, seconds, result = deploy(stack, image, strategy, threads)
        judged = [e for e in events if e.get("event") == "step_judged"]
        # Steps whose tail was compared: each release served vm.latency_judge.min_samples (100).
        tail_judged = [e for e in judged if e.get("tail_judge") and e.get("latency_samples", 0) >= 100
                       and e.get("previous_latency_samples", 0) >= 100]
        rows[strategy] = {"exit": code, "seconds": round(seconds, 2),
                          "failed": len([a for a in answers if a[1] != 200]), "requests": len(answers),
                          "steps_judged": len(judged), "tail_judged": len(tail_judged)}
        assert code == 0, f"{strategy}: {reason_of(events)} " + " | ".join(
            e.get("message", "") for e in events if e.get("event") in ("step_judged", "judge"))
    report["good"] = rows


def restore(stack, base, code):
    """After a scenario the base release serves again (a failed deploy restored it already)."""
    if stack.version()["commit"] != commit_of(base):
        set_strategy(stack, "ROLLING")
        assert stack.deploy(base, timeout=900).returncode == 0


def reason_of(events):
    for e in reversed(events):
        if e.get("event", "").startswith("deploy_"):
            return e.get("message", "")
    return ""


def write_results(path, report, args):
    lines = [f"# bench/progressive results ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"podman engine, 2 replicas, {args.threads} request threads (keep-alive), "
             f"vm.strategy_minute {MINUTE}", ""]
    if "bad5" in report:
        lines += ["## A release answering 5 % with 500: CANARY 10 % vs ROLLING", "",
                  "| strategy | exit | first bad -> all traffic back (s) | failed | requests in that window | "
                  "of them the new release's | canary slice (10 %) of the window | deploy (s) |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, r in report["bad5"].items():
            lines.append(f"| {name} | {r['exit']} | {r.get('back_after_s')} | {r.get('failed')} | "
                         f"{r.get('requests_in_window')} | {r.get('new_release_requests_in_window')} | "
                         f"{r.get('canary_slice_in_window')} | {r['seconds']} |")
        lines.append("")
    if "slow3x" in report:
        lines += ["## A release 3x slower (30 ms vs 10 ms), error-free: LINEAR 10 % vs ROLLING", "",
                  "| strategy | exit | caught | traffic steps taken | requests the slow release answered | "
                  "deploy (s) | reason |", "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
        for name, r in report["slow3x"].items():
            lines.append(f"| {name} | {r['exit']} | {r['caught']} | {r['steps_taken']} | "
                         f"{r['slow_release_requests']} | {r['seconds']} | {r['reason']} |")
        lines.append("")
    if "tail3x" in report:
        c = report["tail3x_calibration"]
        lines += ["## A release 3x slower at p99 only (its slow 2 % at 3x the previous release's p99), "
                  "error-free: LINEAR 10 % vs ROLLING", "",
                  f"The latency=10ms release under this load, 5 s, client side: p50/p99/mean "
                  f"{c['previous']['p50']}/{c['previous']['p99']}/{c['previous']['mean']} ms "
                  f"({c['previous']['n']} requests); the tail release: FAULT_INJECT={c['fault']}.", "",
                  "| strategy | exit | caught | traffic steps taken | requests the release answered | "
                  "deploy (s) | reason |", "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
        for name, r in report["tail3x"].items():
            lines.append(f"| {name} | {r['exit']} | {r['caught']} | {r['steps_taken']} | "
                         f"{r['tail_release_requests']} | {r['seconds']} | {r['reason']} |")
        lines += ["", "| strategy | judge: new p50/p99 (n) | judge: previous p50/p99 (n) | HAProxy mean "
                  "new / previous | client: new p50/p99/mean (n) | client: previous p50/p99/mean (n) |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for name, r in report["tail3x"].items():
            j = r["judge"] or {}
            cn = r["client_new"] or {}
            cp = r["client_previous"] or {}
            judge_new = f"{j['p50_ms']}/{j['p99_ms']} ms ({j['latency_samples']})" if j.get("p99_ms") is not None else "-"
            judge_old = (f"{j['previous_p50_ms']}/{j['previous_p99_ms']} ms ({j['previous_latency_samples']})"
                         if j.get("previous_p99_ms") is not None else "-")
            mean = (f"{j['mean_response_ms']:.0f} / {j['previous_mean_response_ms']:.0f} ms"
                    if j.get("mean_response_ms") is not None else "-")
            client = lambda c: f"{c['p50']}/{c['p99']}/{c['mean']} ms ({c['n']})" if c else "-"
            lines.append(f"| {name} | {judge_new} | {judge_old} | {mean} | {client(cn)} | {client(cp)} |")
        lines.append("")
    if "bgback" in report:
        r = report["bgback"]
        lines += ["## BLUE_GREEN, breach in the bake (green answers 5 % 500)", "",
                  f"- exit {r['exit']}: {r['reason']}",
                  f"- last request green answered, after the rollback decision: "
                  f"{r['blue_serving_after_decision_ms']} ms",
                  f"- failed requests other than green's own 500s: {r['failed_not_green_500']} of "
                  f"{r['requests']} (green's 500s: {r['green_500']})", ""]
    if "bgcmd" in report:
        lines += ["## `slipway rollback` during a BLUE_GREEN bake vs after a ROLLING deploy (good release)", "",
                  "| strategy | deploy exit | rollback exit | command -> last green answer (ms) | "
                  "of it: command -> request written (ms) | request -> deploy's decision (ms) | "
                  "decision -> last green answer (ms) | rollback command (s) | failed | requests |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, r in report["bgcmd"].items():
            lines.append(f"| {name} | {r['deploy_exit']} | {r['rollback_exit']} | {r['command_to_blue_ms']} | "
                         f"{r.get('command_to_request_ms')} | {r.get('request_to_decision_ms')} | "
                         f"{r['decision_to_blue_ms']} | {r['rollback_command_s']} | {r['failed']} | "
                         f"{r['requests']} |")
        reason = report["bgcmd"]["BLUE_GREEN"]["reason"]
        lines += ["", f"BLUE_GREEN deploy: {reason}", ""]
    if "good" in report:
        rolling = report["good"]["ROLLING"]["seconds"]
        lines += ["## A good release under each strategy", "",
                  "| strategy | exit | failed | requests | deploy (s) | time / ROLLING | steps judged "
                  "(of them on the tail, >= 100 responses each) |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, r in report["good"].items():
            lines.append(f"| {name} | {r['exit']} | {r['failed']} | {r['requests']} | {r['seconds']} | "
                         f"{r['seconds'] / rolling:.2f}x | {r.get('steps_judged', 0)} "
                         f"({r.get('tail_judged', 0)}) |")
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rolling-bake", default="5s")
    parser.add_argument("--scenarios", default="good,bad5,slow3x,tail3x,bgback,bgcmd")
    parser.add_argument("--results", default=os.path.join(HERE, "results.md"))
    args = parser.parse_args()
    stack = vm.GitStack(bake_time=args.rolling_bake, health_interval="500ms", ready_timeout="20s",
                        engine="podman", drain_delay="2s")
    stack.write_spec(bake_time=args.rolling_bake, health_interval="500ms", ready_timeout="20s",
                     drain_delay="2s", extra=f"  strategy_minute: {MINUTE}\n")
    stack.commit("strategy_minute")  # `slipway build` builds only a clean tree
    stack.env["SHUTDOWN_DELAY"] = "300ms"
    report = {}
    try:
        images = []
        for i in range(5):
            images.append(stack.build()["image"])
            stack.commit(f"release {i + 2}")
        base = images[0]
        tag = commit_of(images[-1])
        bad = stack.faulty_image(images[-1], tag[:39] + "5", "errors_percent=5")
        base10 = stack.faulty_image(images[1], commit_of(images[1])[:39] + "a", "latency=10ms")
        slow30 = stack.faulty_image(images[2], commit_of(images[2])[:39] + "b", "latency=30ms")
        set_strategy(stack, "ROLLING")
        assert stack.deploy(base, timeout=900).returncode == 0
        wanted = args.scenarios.split(",")
        if "good" in wanted:
            scenario_good(stack, images[1:5], args.threads, report)
            restore(stack, base, 0)
        if "bad5" in wanted:
            scenario_bad5(stack, base, bad, args.threads, report)
        if "bgback" in wanted:
            scenario_bgback(stack, base, bad, args.threads, report)
        if "bgcmd" in wanted:
            scenario_bgcmd(stack, base, images[1], args.threads, report)
        if "slow3x" in wanted:
            scenario_slow(stack, base10, slow30, args.threads, report)
        if "tail3x" in wanted:
            scenario_tail(stack, base10, images[3], args.threads, report)
    finally:
        write_results(args.results, report, args)
        stack.cleanup()


if __name__ == "__main__":
    main()
