# labels: monitoring
"""ops/ (Prometheus config, alert and recording rules, Alertmanager routing, Grafana dashboard) and
scripts/monitor.sh, checked with the real tools: promtool, amtool, HAProxy's exporter and a
running Prometheus. The replica in the live test is a stand-in (a Python exposition server) because
the test must drive the service's counters to make an alert rule match; HAProxy is the real one."""

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import threading
import time
import unittest
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slipway_testlib import SOURCE_DIR, BUILD_DIR, Process, free_port, http_get, port_open, wait_until

OPS = os.path.join(SOURCE_DIR, "ops")
RULES = sorted(glob.glob(os.path.join(OPS, "prometheus", "rules", "*.yml")))
RULE_TESTS = sorted(glob.glob(os.path.join(OPS, "prometheus", "tests", "*.yml")))
ALERTS_FILE = os.path.join(OPS, "prometheus", "rules", "alerts.yml")
ALERTMANAGER_CONFIG = os.path.join(OPS, "alertmanager", "alertmanager.yml")
DASHBOARD = os.path.join(OPS, "grafana", "dashboards", "slipway.json")
DATASOURCE = os.path.join(OPS, "grafana", "provisioning", "datasources", "prometheus.yaml")
MONITOR = os.path.join(SOURCE_DIR, "scripts", "monitor.sh")

# Grafana's variables, replaced by values Prometheus accepts so each expression can be parsed.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$replica": ".*"}

# PromQL words that look like metric names but are functions, keywords or label names.
PROMQL_WORDS = {
    "sum", "count", "rate", "increase", "changes", "count_over_time", "histogram_quantile", "by",
    "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "round", "bool",
    "offset", "max", "min", "avg", "abs", "le", "job", "instance", "replica", "route", "status", "code",
    "proxy", "server", "state", "version", "commit", "up", "inf", "nan", "absent", "vector", "scalar",
}


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kwargs)


def alert_names():
    with open(ALERTS_FILE) as f:
        return re.findall(r"^\s*- alert:\s*(\w+)\s*$", f.read(), re.M)


def dashboard_exprs():
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if query and not query.startswith("label_values("):
            exprs.append(query)
    return dashboard, exprs


def substitute_grafana_variables(expr):
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    return expr


def promql_check(exprs, workdir):
    """Runs each expression through promtool's parser as a recording rule; returns the result."""
    path = os.path.join(workdir, "exprs.yml")
    with open(path, "w") as f:
        f.write("groups:\n  - name: exprs\n    rules:\n")
        for i, expr in enumerate(exprs):
            f.write(f"      - record: check:expr_{i}\n        expr: {json.dumps(expr)}\n")
    return run(["promtool", "check", "rules", path])


def metric_names(text):
    """Metric-like identifiers of PromQL text, without label matchers, strings and durations."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    text = re.sub(r"\{[^}]*\}", "{}", text)
    text = re.sub(r"\[[^\]]*\]", "[]", text)
    names = set(re.findall(r"\b([a-zA-Z_][a-zA-Z0-9_:]*)\b", text))
    return {n for n in names if n.lower() not in PROMQL_WORDS and ":" not in n and not n.startswith("__")}


def rule_exprs():
    exprs = []
    for path in RULES:
        with open(path) as f:
            lines = f.read().splitlines()
        i = 0
        while i < len(lines):
            m = re.match(r"^(\s*)expr:\s*(.*)$", lines[i])
            if m:
                indent, value = len(m.group(1)), m.group(2)
                if value in ("|", ">"):
                    block = []
                    i += 1
                    while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                        block.append(lines[i])
                        i += 1
                    exprs.append("\n".join(block))
                    continue
                exprs.append(value)
            i += 1
    return exprs


def exposition_family_names(text):
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            names.add(parts[2])
            if parts[3] == "histogram":
                names.update({parts[2] + "_bucket", parts[2] + "_sum", parts[2] + "_count"})
        elif line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    return names


HAPROXY_CONFIG = """\
global
  stats timeout 5s
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend metrics
  bind 127.0.0.1:{metrics_port}
  http-request use-service prometheus-exporter if {{ path /metrics }}
frontend web
  bind 127.0.0.1:{web_port}
  default_backend app
backend app
  option httpchk GET /healthz
  # nothing listens on the server's port: HAProxy marks it DOWN and answers 503
  server r1 127.0.0.1:{dead_port} check inter 200 fall 1 rise 1
"""


class HAProxy:
    """The real HAProxy 2.6 with its Prometheus exporter on a free loopback port."""

    def __init__(self, workdir):
        self.metrics_port, self.web_port = free_port(), free_port()
        config = os.path.join(workdir, "haproxy.cfg")
        with open(config, "w") as f:
            f.write(HAPROXY_CONFIG.format(metrics_port=self.metrics_port, web_port=self.web_port, dead_port=free_port()))
        self.process = Process(["haproxy", "-db", "-f", config])
        wait_until(lambda: port_open(self.metrics_port), timeout=10, what="haproxy metrics port")

    def metrics(self):
        return http_get(self.metrics_port, "/metrics")[2].decode()

    def stop(self):
        self.process.stop()


class StandInReplica:
    """Serves service-shaped exposition text whose 5xx counter grows with every scrape, so the
    error-ratio rule has something to match."""

    def __init__(self):
        self.scrapes = 0
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                replica.scrapes += 1
                body = replica.exposition(replica.scrapes).encode()
                self.send_response(200 if self.path == "/metrics" else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def exposition(n):
        return textwrap.dedent(f"""\
            # TYPE http_requests_total counter
            http_requests_total{{route="/",method="GET",status="200"}} {500 * n}
            http_requests_total{{route="/",method="GET",status="500"}} {500 * n}
            # TYPE process_start_time_seconds gauge
            process_start_time_seconds 1700000000
            # TYPE process_resident_memory_bytes gauge
            process_resident_memory_bytes 5242880
            """)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    def __init__(self, port):
        self.port = port

    def get(self, path, **params):
        url = f"http://127.0.0.1:{self.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.load(resp)

    def query(self, expr):
        return self.get("/api/v1/query", query=expr)["data"]["result"]


class StaticChecks(unittest.TestCase):
    def test_prometheus_config_is_valid(self):
        result = run(["promtool", "check", "config", os.path.join(OPS, "prometheus", "prometheus.yml")])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_rules_are_valid(self):
        self.assertTrue(RULES)
        result = run(["promtool", "check", "rules", *RULES])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_rule_unit_tests_pass(self):
        self.assertTrue(RULE_TESTS)
        result = run(["promtool", "test", "rules", *RULE_TESTS], cwd=os.path.join(OPS, "prometheus", "tests"))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_every_alert_is_tested_firing_and_silent(self):
        firing, silent = set(), set()
        for path in RULE_TESTS:
            with open(path) as f:
                lines = f.read().splitlines()
            for i, line in enumerate(lines):
                m = re.match(r"^\s*alertname:\s*(\w+)\s*$", line)
                if not m:
                    continue
                expectation = lines[i + 1].strip()
                (silent if expectation == "exp_alerts: []" else firing).add(m.group(1))
        for name in alert_names():
            self.assertIn(name, firing, f"no test shows {name} firing")
            self.assertIn(name, silent, f"no test shows {name} not firing")

    def test_every_alert_has_a_routed_severity(self):
        with open(ALERTS_FILE) as f:
            severities = re.findall(r"^\s*severity:\s*(\w+)\s*$", f.read(), re.M)
        self.assertEqual(len(severities), len(alert_names()), "every alert needs a severity label")
        self.assertLessEqual(set(severities), {"critical", "warning"})

    @unittest.skipUnless(shutil.which("amtool"), "amtool (Debian prometheus-alertmanager) not installed")
    def test_alertmanager_config_and_routing(self):
        result = run(["amtool", "check-config", ALERTMANAGER_CONFIG])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for labels, receiver in ((["severity=critical", "alertname=SlipwayHighErrorRate"], "critical"),
                                 (["severity=warning", "alertname=SlipwayHighCPU"], "default"),
                                 ([], "default")):
            result = run(["amtool", "config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG}", *labels])
            self.assertEqual(result.stdout.strip(), receiver, f"{labels}: {result.stdout}{result.stderr}")

    def test_dashboard_is_well_formed(self):
        dashboard, exprs = dashboard_exprs()
        ids = [p["id"] for p in dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids must be unique")
        with open(DATASOURCE) as f:
            datasource_uid = re.search(r"^\s*uid:\s*(\S+)\s*$", f.read(), re.M).group(1)
        for panel in dashboard["panels"]:
            self.assertEqual(panel["datasource"]["uid"], datasource_uid, panel["title"])
            self.assertTrue(panel["targets"], f"panel {panel['title']} has no query")
        for wanted in ("http_requests_total", "http_request_duration_seconds_bucket", "http_requests_in_flight",
                       "process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds",
                       "haproxy_backend_http_responses_total", "haproxy_backend_active_servers", "up{"):
            self.assertTrue(any(wanted in e for e in exprs), f"the dashboard shows nothing of {wanted}")

    def test_every_dashboard_expression_parses(self):
        _, exprs = dashboard_exprs()
        with tempfile.TemporaryDirectory() as workdir:
            result = promql_check([substitute_grafana_variables(e) for e in exprs], workdir)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            # the same check rejects a broken expression, so a pass above means something
            broken = promql_check([substitute_grafana_variables(exprs[0]) + " by ("], workdir)
            self.assertNotEqual(broken.returncode, 0)


class MetricNames(unittest.TestCase):
    """The names used in rules and the dashboard exist in what the exporters really serve."""

    @classmethod
    def setUpClass(cls):
        _, exprs = dashboard_exprs()
        cls.used = set().union(*(metric_names(e) for e in exprs + rule_exprs()))

    def test_haproxy_names_exist_in_the_real_exporter(self):
        used = {n for n in self.used if n.startswith("haproxy_")}
        self.assertGreaterEqual(len(used), 4)
        with tempfile.TemporaryDirectory() as workdir:
            haproxy = HAProxy(workdir)
            try:
                served = exposition_family_names(haproxy.metrics())
            finally:
                haproxy.stop()
        self.assertEqual(used - served, set(), "names the HAProxy exporter does not serve")

    def test_service_names_exist_in_the_service(self):
        app = os.path.join(BUILD_DIR, "src", "service", "app")
        if not os.access(app, os.X_OK):
            self.skipTest(f"{app} is not built")
        used = {n for n in self.used if not n.startswith("haproxy_")}
        port = free_port()
        with Process([app], env={"PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "SHUTDOWN_DELAY": "0s"}):
            wait_until(lambda: http_get(port, "/healthz")[0] == 200, timeout=10, what="the service's /healthz")
            http_get(port, "/")
            served = exposition_family_names(http_get(port, "/metrics")[2].decode())
        self.assertEqual(used - served, set(), "names the service does not serve")


class Live(unittest.TestCase):
    """scripts/monitor.sh starts Prometheus (and Alertmanager) on free loopback ports against a
    stand-in replica found through the file_sd targets file and the real HAProxy; the targets are
    up and alert rules evaluate to pending on what they scrape."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="slipway-monitor-")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)
        self.replica = StandInReplica()
        self.addCleanup(self.replica.stop)
        self.haproxy = HAProxy(self.workdir)
        self.addCleanup(self.haproxy.stop)
        self.targets_dir = os.path.join(self.workdir, "targets")
        os.makedirs(self.targets_dir)
        targets = [{"targets": [f"127.0.0.1:{self.replica.port}"], "labels": {"replica": "r1", "release": "0123abc"}}]
        # the real service as a second replica, once it is built
        self.app = None
        app = os.path.join(BUILD_DIR, "src", "service", "app")
        if os.access(app, os.X_OK):
            app_port = free_port()
            self.app = Process([app], env={"PORT": str(app_port), "BIND_ADDRESS": "127.0.0.1", "SHUTDOWN_DELAY": "0s"})
            self.addCleanup(self.app.stop)
            targets.append({"targets": [f"127.0.0.1:{app_port}"], "labels": {"replica": "r2"}})
        with open(os.path.join(self.targets_dir, "replicas.json"), "w") as f:
            json.dump(targets, f)
        self.port, self.am_port = free_port(), free_port()
        self.state_dir = os.path.join(self.workdir, "monitor")
        self.argv = [MONITOR, "--state-dir", self.state_dir, "--port", str(self.port),
                     "--alertmanager-port", str(self.am_port), "--haproxy", f"127.0.0.1:{self.haproxy.metrics_port}",
                     "--targets-dir", self.targets_dir, "--scrape-interval", "1s"]
        self.addCleanup(self.stop_monitor)

    def stop_monitor(self):
        run([MONITOR, "--state-dir", self.state_dir, "--stop"])

    def pid(self, name):
        with open(os.path.join(self.state_dir, f"{name}.pid")) as f:
            return int(f.read())

    def test_targets_up_and_alerts_evaluate(self):
        started = run(self.argv)
        self.assertEqual(started.returncode, 0, started.stderr)
        self.assertIn(f"http://127.0.0.1:{self.port}/", started.stderr)
        prometheus = Prometheus(self.port)

        def up(job):
            result = prometheus.query(f'up{{job="{job}"}} == 1')
            return result[0]["metric"] if result else None

        def replicas_up():
            return {r["metric"]["replica"] for r in prometheus.query('up{job="slipway"} == 1')}

        expected = {"r1", "r2"} if self.app else {"r1"}  # replica labels from the targets file
        wait_until(lambda: replicas_up() == expected, timeout=30, interval=0.2, what=f"replicas {expected} up")
        if self.app:
            build_info = prometheus.query('slipway_build_info{replica="r2"}')
            self.assertEqual(len(build_info), 1, "the real service's metrics are scraped")
        wait_until(lambda: up("haproxy"), timeout=30, interval=0.2, what="the HAProxy target up")

        def alert_states():
            alerts = prometheus.get("/api/v1/alerts")["data"]["alerts"]
            return {a["labels"]["alertname"]: a["state"] for a in alerts}

        # 50% 5xx from the stand-in (the real service adds a request per scrape: noise), and a DOWN
        # server behind the real HAProxy
        wait_until(lambda: {"SlipwayHighErrorRate", "HAProxyServerDown"} <= alert_states().keys(),
                   timeout=30, interval=0.2, what="error-rate and server-down alerts to be pending")
        self.assertEqual(alert_states()["SlipwayHighErrorRate"], "pending")  # `for: 2m` not yet elapsed
        ratio = prometheus.query("job:http_requests_5xx:ratio_rate5m")
        self.assertAlmostEqual(float(ratio[0]["value"][1]), 0.5, places=2)

        rules = prometheus.get("/api/v1/rules")["data"]["groups"]
        unhealthy = [r["name"] for g in rules for r in g["rules"] if r["health"] not in ("ok", "unknown")]
        self.assertEqual(unhealthy, [])
        self.assertNotIn("SlipwayHighMemory", alert_states())  # 5 MiB is fine

        # every dashboard query evaluates (not only parses), and the panels fed by what runs here
        # have data: HAProxy's and the replicas'
        _, exprs = dashboard_exprs()
        results = {e: prometheus.get("/api/v1/query", query=substitute_grafana_variables(e)) for e in exprs}
        self.assertEqual([e for e, r in results.items() if r["status"] != "success"], [])
        for needle in ("haproxy_backend_active_servers", "haproxy_server_status", "up{", "process_resident_memory_bytes"):
            self.assertTrue(any(r["data"]["result"] for e, r in results.items() if needle in e), f"no data for {needle}")

        with urllib.request.urlopen(f"http://127.0.0.1:{self.am_port}/-/ready", timeout=5) as resp:
            self.assertEqual(resp.status, 200)

    def test_rerun_reuses_the_running_prometheus_and_stop_stops_it(self):
        self.assertEqual(run(self.argv).returncode, 0)
        first = self.pid("prometheus")
        again = run(self.argv)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("already running", again.stderr)
        self.assertEqual(self.pid("prometheus"), first)
        alertmanager = self.pid("alertmanager")

        stopped = run([MONITOR, "--state-dir", self.state_dir, "--stop"])
        self.assertEqual(stopped.returncode, 0, stopped.stderr)
        for pid in (first, alertmanager):
            wait_until(lambda: not os.path.exists(f"/proc/{pid}") or _zombie(pid), timeout=10, what=f"pid {pid} gone")
        self.assertFalse(port_open(self.port))
        self.assertEqual(run([MONITOR, "--state-dir", self.state_dir, "--status"]).returncode, 1)

    def test_bad_input_is_one_line_and_changes_nothing(self):
        for argv, needle in (([*self.argv, "--port", "http"], "--port 'http'"),
                             ([*self.argv, "--haproxy", "localhost"], "--haproxy 'localhost'"),
                             ([*self.argv, "--frobnicate"], "unknown argument '--frobnicate'")):
            result = run(argv)
            self.assertEqual(result.returncode, 2, argv)
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
            self.assertIn(needle, result.stderr)
        self.assertFalse(os.path.exists(self.state_dir))

    def test_port_in_use_is_refused(self):
        with Process(["python3", "-m", "http.server", "--bind", "127.0.0.1", str(self.port)], cwd=self.workdir):
            wait_until(lambda: port_open(self.port), timeout=10, what="the squatter")
            result = run(self.argv)
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"127.0.0.1:{self.port} is in use", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, "prometheus.pid")))


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


if __name__ == "__main__":
    unittest.main()
