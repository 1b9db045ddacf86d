# labels: vm journey
"""The README's quick start, walked as a new user would: every line of the block README.md marks
as the journey, run as written, each in a fresh shell (`env -i` with PATH, HOME and LANG only),
from the repository root, against the local stack that `make up` starts.

A command that needs something exported by hand, or a step the README does not show, fails here.
The only additions are the documented ones that keep this stack apart from a developer's own
(README, "Several stacks on one machine"): SLIPWAY_STATE_DIR for every line, and the stack's
ports (plus a short bake time) for `make up`, which records them in STATE/stack.env. The default
listener address in the README's lines (127.0.0.1:8080) is rewritten to this stack's port.
After the first `make up` the replicas' X-Ray segments are read back from the stack's moto with
the AWS CLI (tracing is on for the local stack).

Needs what `make test` builds (build/release), moto, HAProxy, and a clean work tree: the
README's `slipway build` refuses a dirty one (the test says so and is skipped then)."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import slipway_testlib as lib

SOURCE = os.path.abspath(lib.SOURCE_DIR)
MARKER = "<!-- journey:"
SLIPWAY = "build/release/src/cli/slipway"


def journey_lines():
    """The command lines of the README block after the journey marker, comments removed."""
    with open(os.path.join(SOURCE, "README.md")) as f:
        text = f.read()
    start = text.index(MARKER)
    block = re.search(r"```sh\n(.*?)```", text[start:], re.S)
    lines = []
    for line in block.group(1).splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command:
            lines.append(command)
    return lines


class ReadmeJourney(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=SOURCE, capture_output=True, text=True)
        if dirty.returncode != 0 or dirty.stdout.strip():
            raise unittest.SkipTest("the work tree has uncommitted changes and the README's `slipway build` "
                                    "refuses them: commit, then run this test")
        if not os.access(os.path.join(SOURCE, SLIPWAY), os.X_OK):
            raise AssertionError(f"{SLIPWAY} is not built: run `make release` (make test does)")
        if subprocess.run(["python3", "-c", "import moto.server"], capture_output=True).returncode != 0:
            raise AssertionError("moto is not installed: pip install 'moto[server]' (the local AWS of make up)")
        cls.work = tempfile.mkdtemp(prefix="slipway_journey_")
        cls.state = os.path.join(cls.work, "state")
        cls.ports = {name: lib.free_port() for name in ("SLIPWAY_PORT", "SLIPWAY_STATS_PORT", "SLIPWAY_MOTO_PORT",
                                                         "SLIPWAY_PROMETHEUS_PORT", "SLIPWAY_ALERTMANAGER_PORT")}
        cls.created_env_file = not os.path.exists(os.path.join(SOURCE, ".env"))
        cls.head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=SOURCE, capture_output=True, text=True,
                                  check=True).stdout.strip()

    @classmethod
    def tearDownClass(cls):
        env = cls.fresh_env()
        subprocess.run([SLIPWAY, "down"], cwd=SOURCE, env=env, capture_output=True, timeout=180)
        subprocess.run(["scripts/monitor.sh", "--stop"], cwd=SOURCE, env=env, capture_output=True, timeout=60)
        pid_file = os.path.join(cls.state, "moto.pid")
        if os.path.exists(pid_file):
            with open(pid_file) as f:
                pid = int(f.read().strip() or 0)
            if pid > 0:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        if cls.created_env_file:
            os.remove(os.path.join(SOURCE, ".env"))
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def fresh_env(cls, make_up=False):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
               "LANG": "C.UTF-8", "SLIPWAY_STATE_DIR": cls.state}
        if make_up:
            env.update({name: str(port) for name, port in cls.ports.items()})
            env["SLIPWAY_BAKE_TIME"] = "2s"
        return env

    def run_line(self, line):
        command = line.replace("127.0.0.1:8080", f"127.0.0.1:{self.ports['SLIPWAY_PORT']}")
        env = self.fresh_env(make_up=command.startswith("make up"))
        if re.search(r"\blogs\b.*\s-f\b", command):
            return self.follow(command, env)
        result = subprocess.run(["env", "-i", *[f"{k}={v}" for k, v in env.items()], "bash", "-c", command],
                                cwd=SOURCE, capture_output=True, text=True, timeout=900)
        self.assertEqual(result.returncode, 0,
                         f"README line `{line}` failed in a fresh shell (exit {result.returncode}):\n"
                         f"{result.stderr[-3000:]}\n{result.stdout[-2000:]}")
        return result

    def follow(self, command, env):
        """`logs -f` runs until stopped: it must print the replicas' lines, then Ctrl-C ends it."""
        process = subprocess.Popen(["env", "-i", *[f"{k}={v}" for k, v in env.items()], "bash", "-c", command],
                                   cwd=SOURCE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        first = process.stdout.readline()  # blocks until the first log line (or EOF on failure)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
        self.assertTrue(first.strip(), f"`{command}` printed nothing: {err[-2000:]}")
        return subprocess.CompletedProcess(command, 0, first + out, err)

    def history(self):
        result = subprocess.run(["env", "-i", *[f"{k}={v}" for k, v in self.fresh_env().items()],
                                 SLIPWAY, "history", "--output", "json"], cwd=SOURCE, capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    @staticmethod
    def log_level(release):
        container = release["task_definition"]["containerDefinitions"][0]
        return {e["name"]: e["value"] for e in container["environment"]}["LOG_LEVEL"]

    def status(self):
        return json.loads(subprocess.run(
            ["env", "-i", *[f"{k}={v}" for k, v in self.fresh_env().items()], SLIPWAY, "status",
             "--output", "json"], cwd=SOURCE, capture_output=True, text=True, check=True).stdout)

    def serving(self):
        status, _, body = lib.http_get(self.ports["SLIPWAY_PORT"], "/version")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def aws(self, *args):
        """The AWS CLI against this stack's moto, with moto's test credentials only."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
               "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['SLIPWAY_MOTO_PORT']}",
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent",
               "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
        result = subprocess.run(["aws", "--output", "json", *args], env=env, capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def check_traces_reach_local_xray(self):
        """make up's replicas send their segments to the stack's moto (X-Ray): one request that
        continues a caller's trace, one that starts its own; read back with the AWS CLI."""
        port, caller_span = self.ports["SLIPWAY_PORT"], "53995c3f42cd8ad8"
        root = f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
        status, headers, _ = lib.http_get(port, "/", headers={
            "X-Amzn-Trace-Id": f"Root={root};Parent={caller_span};Sampled=1"})
        self.assertEqual(status, 200)
        our_span = dict(p.split("=", 1) for p in headers["x-amzn-trace-id"].split(";"))["Parent"]
        status, headers, _ = lib.http_get(port, "/no-such-route")
        self.assertEqual(status, 404)
        _, new_trace, new_span, _ = headers["traceparent"].split("-")
        new_root = f"1-{new_trace[:8]}-{new_trace[8:]}"

        def summaries():
            now = int(time.time())
            out = self.aws("xray", "get-trace-summaries", "--start-time", str(now - 600), "--end-time",
                           str(now + 600))
            return {s["Id"] for s in out["TraceSummaries"]}
        lib.wait_until(lambda: {root, new_root} <= summaries(), timeout=30, interval=0.5,
                       what="the replicas' traces in moto's GetTraceSummaries")
        traces = self.aws("xray", "batch-get-traces", "--trace-ids", root, new_root)["Traces"]
        segments = {t["Id"]: [json.loads(s["Document"]) for s in t["Segments"]] for t in traces}
        (continued,), (started,) = segments[root], segments[new_root]
        self.assertEqual((continued["id"], continued["parent_id"]), (our_span, caller_span))
        self.assertEqual(continued["http"]["response"]["status"], 200)
        self.assertEqual(started["id"], new_span)
        self.assertNotIn("parent_id", started)
        self.assertEqual(started["http"]["response"]["status"], 404)

        # The same ids, and the same duration, in the replica's access log line.
        logs = subprocess.run(["env", "-i", *[f"{k}={v}" for k, v in self.fresh_env().items()], SLIPWAY, "logs",
                               "--tail", "0"], cwd=SOURCE, capture_output=True, text=True, timeout=60)
        lines = [json.loads(l.split(" | ", 1)[1]) for l in logs.stdout.splitlines() if " | {" in l]
        by_trace = {l.get("trace_id"): l for l in lines if l.get("msg") == "request"}
        line = by_trace[root[2:10] + root[11:]]
        self.assertEqual(line["span_id"], our_span)
        self.assertAlmostEqual(line["duration_ms"] / 1000, continued["end_time"] - continued["start_time"],
                               delta=0.002)
        self.assertEqual(by_trace[new_trace]["span_id"], new_span)

    def test_quick_start_as_written(self):
        lines = journey_lines()
        # What this test checks between the lines relies on these being in the block.
        for needed in ("make up", "curl -s 127.0.0.1:8080/version", f"{SLIPWAY} build", f"{SLIPWAY} rollback",
                       f"{SLIPWAY} rollback --to", f"{SLIPWAY} history", f"{SLIPWAY} status",
                       f"{SLIPWAY} logs -f", f"{SLIPWAY} scale 3", f"{SLIPWAY} down", "make monitor",
                       f"{SLIPWAY} refresh"):
            self.assertTrue(any(line.startswith(needed) for line in lines), f"README journey lacks `{needed}`")
        ups = 0
        rotated = False
        for line in lines:
            result = self.run_line(line)
            if line.startswith("make up"):
                ups += 1
                self.assertEqual(self.serving()["commit"], self.head)
                with open(os.path.join(self.state, "stack.env")) as f:
                    stack_env = f.read()
                self.assertEqual(os.stat(os.path.join(self.state, "stack.env")).st_mode & 0o777, 0o600)
                self.assertIn("DATABASE_PASSWORD_FROM=arn:aws:secretsmanager:", stack_env)
                self.assertNotIn("change-me", stack_env)  # references, never the .env values
                if ups == 1:
                    self.check_traces_reach_local_xray()
            elif line.startswith("curl"):
                self.assertEqual(json.loads(result.stdout)["commit"], self.head)
            elif " deploy " in line:
                newest = self.history()[0]
                self.assertEqual(newest["outcome"], "succeeded")
                self.assertEqual(self.log_level(newest), "debug")
            elif line.endswith(" rollback"):
                # Back to the release before, as it was recorded: its own task definition.
                newest = self.history()[0]
                self.assertEqual(newest["outcome"], "succeeded")
                self.assertEqual(newest["rollback_of"], 1)
                self.assertEqual(self.log_level(newest), "info")
                self.assertIn("no variables needed", result.stderr)
            elif " rollback --to " in line:
                newest = self.history()[0]
                self.assertEqual(self.log_level(newest), "debug")
            elif line.endswith(" scale 3"):
                self.assertEqual(len(self.history()), 4)
                status = self.status()
                self.assertEqual(sum(1 for r in status["replicas"] if r["haproxy_status"].startswith("UP")), 3)
            elif " secrets rotate " in line:
                rotated = True
                self.assertIn("rotated: version", result.stdout)
            elif line.endswith(" status") and rotated:
                # Every replica started before the rotation: all stale, and said so.
                self.assertTrue(self.status()["secrets"]["stale"])
                self.assertIn("stale", result.stdout)
            elif line.endswith(" refresh"):
                newest = self.history()[0]
                self.assertEqual(newest["outcome"], "succeeded")
                self.assertEqual(newest["refresh_of"], 4)
                self.assertFalse(self.status()["secrets"]["stale"])
            elif line == "make monitor":
                port = self.ports["SLIPWAY_PROMETHEUS_PORT"]
                lib.wait_until(lambda: lib.http_get(port, "/-/ready")[0] == 200, timeout=60, what="Prometheus")
            elif line.endswith(" down"):
                lib.wait_until(lambda: not lib.port_open(self.ports["SLIPWAY_PORT"]), timeout=30,
                               what="HAProxy stopped")
        self.assertGreaterEqual(ups, 2, "the journey brings the stack up again after `down`")


if __name__ == "__main__":
    unittest.main()
