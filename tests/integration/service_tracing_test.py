# labels: aws moto
"""Traces that reach (moto's) X-Ray: the service records a segment per sampled request and sends
it with PutTraceSegments from its background sender; the AWS CLI reads them back with
GetTraceSummaries and BatchGetTraces. Checked: the trace id the service logs and returns, the
caller's span as parent_id, the service's span as the segment id, HTTP status, error flag,
duration; an incoming Sampled=1/0 decision is honoured whatever the local sampling rule says."""

import json
import os
import secrets
import subprocess
import time
import unittest

from slipway_testlib import Process, binary, free_port, http_get, port_open, wait_until

APP = binary("src", "service", "app")
SOURCE_DIR = os.environ.get("SLIPWAY_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
REGION = "us-east-1"
CALLER_SPAN = "53995c3f42cd8ad8"


def aws_env(moto_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": moto_url,
                "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
                "AWS_CONFIG_FILE": "/nonexistent/config"})
    return env


def new_xray_root():
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


class TracingToMoto(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto_port = free_port()
        cls.moto_url = f"http://127.0.0.1:{cls.moto_port}"
        cls.moto = Process(["python3", os.path.join(SOURCE_DIR, "scripts", "moto_server.py"),
                            "-H", "127.0.0.1", "-p", str(cls.moto_port)],
                           env=aws_env(cls.moto_url))
        wait_until(lambda: f"Running on http://127.0.0.1:{cls.moto_port}" in cls.moto.output()[1]
                   or not cls.moto.running(), timeout=60, what="moto_server to bind")
        if not cls.moto.running():
            raise RuntimeError(f"moto_server could not start:\n{cls.moto.output()[1][-2000:]}")
        wait_until(lambda: port_open(cls.moto_port), timeout=30, what="moto to listen")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def start_app(self, **settings):
        port = free_port()
        env = aws_env(self.moto_url)
        env.update({"PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "SHUTDOWN_DELAY": "0s",
                    "WORKERS": "2", "SERVICE_NAME": "tracing-test", "XRAY_TRACING": "true",
                    "XRAY_FLUSH_INTERVAL": "100ms"})
        env.update(settings)
        proc = Process([APP], env=env)
        self.addCleanup(proc.stop)
        wait_until(lambda: port_open(port) or not proc.running(), timeout=10,
                   what="app to listen")
        self.assertTrue(proc.running(), proc.output())
        return proc, port

    def aws(self, *args):
        result = subprocess.run(["aws", "--output", "json", *args], env=aws_env(self.moto_url),
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def summaries(self):
        now = int(time.time())
        out = self.aws("xray", "get-trace-summaries", "--start-time", str(now - 3600),
                       "--end-time", str(now + 3600))
        return {s["Id"] for s in out["TraceSummaries"]}

    def segments(self, trace_ids):
        """BatchGetTraces: {trace id: [segment document]}, and the ids X-Ray does not have."""
        out = self.aws("xray", "batch-get-traces", "--trace-ids", *trace_ids)
        found = {t["Id"]: [json.loads(s["Document"]) for s in t["Segments"]]
                 for t in out["Traces"]}
        return found, set(out.get("UnprocessedTraceIds", []))

    def wait_for_traces(self, trace_ids):
        wait_until(lambda: set(trace_ids) <= self.summaries(), timeout=20,
                   what=f"traces {trace_ids} in GetTraceSummaries")

    def sampled_marker(self, port):
        root = new_xray_root()
        http_get(port, "/healthz", headers={"X-Amzn-Trace-Id": f"Root={root};Sampled=1"})
        return root

    def access_log(self, proc, trace_id):
        out, _ = proc.output()
        lines = [json.loads(l) for l in out.splitlines() if l.strip().startswith("{")]
        return [l for l in lines if l.get("msg") == "request" and l.get("trace_id") == trace_id]

    def test_every_request_traced_at_100_percent_with_parent_status_and_duration(self):
        proc, port = self.start_app(XRAY_SAMPLING_RATE="100%", XRAY_SAMPLING_RESERVOIR="0")

        # 1. With an incoming X-Ray header (the ALB's): the caller's trace, its span as parent.
        root = new_xray_root()
        status, headers, _ = http_get(port, "/", headers={
            "X-Amzn-Trace-Id": f"Root={root};Parent={CALLER_SPAN};Sampled=1"})
        self.assertEqual(status, 200)
        returned = dict(p.split("=", 1) for p in headers["x-amzn-trace-id"].split(";"))
        self.assertEqual(returned["Root"], root)
        our_span = returned["Parent"]
        self.assertNotEqual(our_span, CALLER_SPAN)

        # 2. Without any trace header, on a route that does not exist: a new trace, an error.
        status, headers, _ = http_get(port, "/no-such-route")
        self.assertEqual(status, 404)
        _, new_trace, new_span, flags = headers["traceparent"].split("-")
        self.assertEqual(flags, "01")
        new_root = f"1-{new_trace[:8]}-{new_trace[8:]}"

        # 3. The caller said "not sampled": nothing is sent, even at 100 %.
        unsampled_root = new_xray_root()
        status, headers, _ = http_get(port, "/", headers={
            "X-Amzn-Trace-Id": f"Root={unsampled_root};Parent={CALLER_SPAN};Sampled=0"})
        self.assertEqual(status, 200)
        self.assertIn("Sampled=0", headers["x-amzn-trace-id"])

        # A sampled request after it: once it arrives, anything queued before it has too (one
        # queue, one sender, in order).
        marker = self.sampled_marker(port)
        self.wait_for_traces([root, new_root, marker])
        found, missing = self.segments([root, new_root, unsampled_root])
        self.assertIn(unsampled_root, missing)

        (continued,) = found[root]
        self.assertEqual(continued["name"], "tracing-test")
        self.assertEqual(continued["trace_id"], root)
        self.assertEqual(continued["id"], our_span)
        self.assertEqual(continued["parent_id"], CALLER_SPAN)
        self.assertEqual(continued["http"]["request"]["method"], "GET")
        self.assertEqual(continued["http"]["request"]["url"], "/")
        self.assertEqual(continued["http"]["response"]["status"], 200)
        self.assertNotIn("error", continued)
        duration = continued["end_time"] - continued["start_time"]
        self.assertGreaterEqual(duration, 0)
        self.assertLess(abs(continued["start_time"] - time.time()), 300)

        (started,) = found[new_root]
        self.assertEqual(started["id"], new_span)
        self.assertNotIn("parent_id", started)
        self.assertEqual(started["http"]["response"]["status"], 404)
        self.assertTrue(started["error"])
        self.assertEqual(started["annotations"]["route"], "unmatched")

        # The same trace ids in the service's own log lines, with the same duration.
        trace_hex = root[2:10] + root[11:]
        (line,) = self.access_log(proc, trace_hex)
        self.assertEqual(line["span_id"], our_span)
        self.assertAlmostEqual(line["duration_ms"] / 1000, duration, delta=0.002)
        self.assertEqual(len(self.access_log(proc, new_trace)), 1)

        _, _, metrics = http_get(port, "/metrics")
        self.assertRegex(metrics.decode(), r"trace_segments_sent_total [1-9]")

    def test_incoming_decision_wins_over_a_zero_rate(self):
        _, port = self.start_app(XRAY_SAMPLING_RATE="0", XRAY_SAMPLING_RESERVOIR="0")
        root = new_xray_root()
        http_get(port, "/", headers={"X-Amzn-Trace-Id": f"Root={root};Sampled=1"})
        status, headers, _ = http_get(port, "/")  # no header: the local rule says no
        self.assertEqual(status, 200)
        _, local_trace, _, flags = headers["traceparent"].split("-")
        self.assertEqual(flags, "00")
        local_root = f"1-{local_trace[:8]}-{local_trace[8:]}"
        self.wait_for_traces([root, self.sampled_marker(port)])
        found, missing = self.segments([root, local_root])
        self.assertIn(root, found)
        self.assertIn(local_root, missing)

    def test_api_key_refresh_is_traced_with_its_secrets_manager_calls(self):
        self.aws("secretsmanager", "create-secret", "--name", "tracing/api-key",
                 "--secret-string", "tracing-key-4c1e")
        # Rate and reservoir 0: no request is sampled; background work is always recorded.
        _, port = self.start_app(XRAY_SAMPLING_RATE="0", XRAY_SAMPLING_RESERVOIR="0",
                                 API_KEY_SECRET_ID="tracing/api-key")
        wait_until(lambda: http_get(port, "/v1/whoami",
                                    headers={"X-Api-Key": "tracing-key-4c1e"})[0] == 200,
                   timeout=20, what="the key to load")

        def refresh_segment():
            ids = sorted(self.summaries())
            for trace in (self.segments(ids)[0] if ids else {}).values():
                for doc in trace:
                    if doc.get("annotations", {}).get("operation") == "api key refresh":
                        return doc
            return None

        wait_until(lambda: refresh_segment() is not None, timeout=20,
                   what="the refresh's segment in X-Ray")
        doc = refresh_segment()
        self.assertEqual(doc["name"], "tracing-test")
        self.assertNotIn("http", doc)
        self.assertNotIn("parent_id", doc)
        current = doc["subsegments"][0]
        self.assertEqual((current["name"], current["namespace"], current["aws"]["operation"]),
                         ("SecretsManager", "aws", "GetSecretValue"))
        self.assertNotIn("fault", current)
        self.assertNotIn("error", current)
        self.assertLessEqual(doc["start_time"], current["start_time"])
        self.assertLessEqual(current["end_time"], doc["end_time"])
        # Never rotated: the AWSPREVIOUS read is refused (4xx), an error of that call only.
        previous = doc["subsegments"][1]
        self.assertTrue(previous["error"])
        self.assertNotIn("fault", doc)


if __name__ == "__main__":
    unittest.main()
