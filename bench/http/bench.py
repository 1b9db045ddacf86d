"""The HTTP benchmark behind bench/http/run.sh: the slipway service against nginx and Node.js on the
same machine in the same run. Each server is pinned to one CPU (taskset), wrk to another; for each
path, several wrk runs, interleaved across servers so a noisy neighbour hits all of them alike.
Reports median requests/s and median p99 per server and path, their ratios to the peers, RSS
after load, and the median time from process start to the first 200. Writes a Markdown table and
a JSON file under bench/http/results/. Traffic goes to 127.0.0.1 only."""

import argparse
import atexit
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from first_200 import median_first_200  # noqa: E402

# nginx as the reference peer: one worker, `return 200`, no access log, nothing from /etc/nginx.
# {dir} is filled in by bench.py, {port} by the start script (one config per start).
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  # nginx closes a keep-alive connection after 1000 requests by default; the other servers do not,
  # so wrk's reconnects would count against nginx alone.
  keepalive_requests 1000000;
  client_body_temp_path {dir}/client_body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:{port};
    location = /healthz { return 200 "ok"; }
    location = / { return 200 "Hello from nginx\\n"; }
  }
}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fail(msg):
    """Bad input: one line naming the thing and the fix, exit 2."""
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(2)


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class Server:
    """One server under test: how to start it on a given port (command(port) may write a config
    file first) and with which environment (PORT is added)."""

    def __init__(self, name, command, env, workdir):
        self.name, self.command, self.env, self.workdir = name, command, env, workdir
        self.proc = None
        self.port = None

    def start(self, cpu, pid_dir, nice, ready_path="/healthz", ready_method="GET", ready_tls=None):
        self.port = free_port()
        env = dict(self.env, PORT=str(self.port))
        self.stdout_path = os.path.join(self.workdir, f"{self.name}.stdout")
        with open(self.stdout_path, "wb") as out:
            self.proc = subprocess.Popen([*nice_prefix(nice), "taskset", "-c", str(cpu), *self.command(self.port)], env=env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, cwd=self.workdir)
        with open(os.path.join(pid_dir, f"{self.name}.pid"), "w") as f:
            f.write(str(self.proc.pid))
        if nice:
            set_autogroup_nice(self.proc.pid, nice)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; output in {self.stdout_path}")
            if http_status(self.port, ready_path, ready_method, ready_tls) == 200:
                return
            time.sleep(0.02)
        raise TimeoutError(f"{self.name} did not answer 200 on {ready_path} within 15 s")

    def rss_kib(self):
        """VmRSS and VmHWM (peak) from /proc/PID/status, and Pss (shared pages split between the
        processes sharing them), in KiB, summed over the server's processes (nginx has a master
        and a worker)."""
        pids = process_tree(self.proc.pid)
        rss = hwm = pss = 0
        for pid in pids:
            status = read(f"/proc/{pid}/status")
            rss += int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))
            hwm += int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
            pss += int(re.search(r"^Pss:\s+(\d+) kB", read(f"/proc/{pid}/smaps_rollup"), re.M).group(1))
        return {"rss_kib": rss, "peak_rss_kib": hwm, "pss_kib": pss, "processes": len(pids)}

    def cpu_seconds(self):
        """User + system CPU time so far of the server's processes (all threads), in seconds."""
        ticks = 0
        for pid in process_tree(self.proc.pid):
            fields = read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
        return ticks / os.sysconf("SC_CLK_TCK")

    def thread_cpu_seconds(self, name):
        """CPU time so far of the server's threads called `name` (the service names its X-Ray
        sender "xray-sender"), in seconds."""
        ticks = 0
        for pid in process_tree(self.proc.pid):
            for tid in os.listdir(f"/proc/{pid}/task"):
                try:
                    if read(f"/proc/{pid}/task/{tid}/comm").strip() != name:
                        continue
                    fields = read(f"/proc/{pid}/task/{tid}/stat").rsplit(")", 1)[1].split()
                except OSError:
                    continue  # the thread ended meanwhile
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc:
            stop_group(self.proc, timeout=10)


def stop_group(proc, timeout):
    """Stops `proc`'s process group (it was started with start_new_session): SIGTERM, and
    SIGKILL when it has not exited within `timeout` seconds."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def nice_prefix(nice):
    return ["nice", "-n", str(nice)] if nice else []


def read_autogroup_nice():
    """This process's autogroup nice value (shared with the shell that started it), or None."""
    try:
        return int(read("/proc/self/autogroup").split()[-1])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def set_autogroup_nice(pid, nice):
    """With sched_autogroup (Debian's default), a process's nice value counts only inside its
    session's autogroup, and each session competes as one: the group's own nice has to be raised
    too, for the servers (each in its own session) and for this process (wrk runs in its group)."""
    try:
        with open(f"/proc/{pid}/autogroup", "w") as f:
            f.write(str(nice))
    except FileNotFoundError:  # kernel without autogroup: nice alone does it
        pass


def read(path):
    with open(path) as f:
        return f.read()


def process_tree(pid):
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in os.listdir(f"/proc/{p}/task"):
            try:
                children = read(f"/proc/{p}/task/{task}/children").split()
            except FileNotFoundError:  # a thread that ended since the listing
                continue
            todo.extend(int(c) for c in children)
    return pids


def http_status(port, path, method="GET", tls=None):
    """The status of one request to 127.0.0.1:port, over TLS when `tls` (an ssl.SSLContext)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as plain:
            s = tls.wrap_socket(plain, server_hostname="127.0.0.1") if tls else plain
            s.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                      f"Connection: close\r\n\r\n".encode())
            line = s.recv(64).split(b"\r\n", 1)[0].split(b" ")
            return int(line[1]) if len(line) > 1 else None
    except OSError:
        return None


def wrk(port, path, args, duration):
    argv = [*nice_prefix(args.nice), "taskset", "-c", str(args.client_cpu), "wrk", f"-t{args.threads}", f"-c{args.connections}",
            f"-d{duration}s", "--latency", "-s", os.path.join(HERE, "wrk_report.lua"), f"http://127.0.0.1:{port}{path}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(l for l in out.splitlines() if l.startswith("WRK_JSON "))
    result = json.loads(line[len("WRK_JSON "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["non_2xx_or_errors"] = sum(result["errors"].values())
    # nice and taskset exec into wrk, so the child's CPU time is wrk's: near 100% of its CPU means
    # the client, not the server, set the pace of the run
    wrk_cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["wrk_cpu_share"] = wrk_cpu_s / (result["duration_us"] / 1e6)
    return result


def version_of(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def slipway_identity(app):
    port = free_port()
    proc = subprocess.Popen([app], env=dict(os.environ, PORT=str(port), BIND_ADDRESS="127.0.0.1"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while http_status(port, "/healthz") != 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        return json.loads(data.split(b"\r\n\r\n", 1)[1])
    except (OSError, ValueError, IndexError):
        return {}
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# A stand-in for AWS X-Ray for the tracing runs: nginx answering PutTraceSegments with "nothing
# unprocessed" (it reads and discards the body), so what is measured is the service's own cost of
# tracing (sampling, recording, rendering, signing, encrypting, sending), not moto's speed. It
# speaks HTTPS, as X-Ray's endpoints do, unless --xray-http. Pinned with wrk.
XRAY_SINK_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/xray-sink.pid;
error_log {dir}/xray-sink-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_max_body_size 16m;
  client_body_temp_path {dir}/sink_client_body;
  proxy_temp_path {dir}/sink_proxy;
  fastcgi_temp_path {dir}/sink_fastcgi;
  uwsgi_temp_path {dir}/sink_uwsgi;
  scgi_temp_path {dir}/sink_scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:{port}{ssl};
    location = /TraceSegments { return 200 '{"UnprocessedTraceSegments":[]}'; }
  }
}
"""

# Where the system keeps its CA certificates under hashed names (HASH.N), which podman_engine
# copies into the release image's /etc/ssl/certs (SSL_CERT_DIR).
SYSTEM_CERT_DIR = "/etc/ssl/certs"


def make_sink_certificate(directory):
    """A self-signed certificate for the X-Ray stand-in (127.0.0.1), and the service's trust
    settings as the release image has them: a directory of the system's CA certificates, one file
    each named by subject hash, plus the stand-in's, and no bundle file. So the service pays for
    TLS as it would against X-Ray: a handshake per connection, every call encrypted, the CAs
    looked up as the image looks them up. Returns (cert, key, environment for the service)."""
    cert, key = os.path.join(directory, "xray-sink.crt"), os.path.join(directory, "xray-sink.key")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                           "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", key, "-out", cert], capture_output=True, text=True)
    if made.returncode != 0:
        fail(f"cannot make the X-Ray stand-in's certificate: {made.stderr.strip().splitlines()[-1]}: "
             "install openssl (`make deps`), or run with --xray-http")
    hashed = [n for n in os.listdir(SYSTEM_CERT_DIR) if re.fullmatch(r"[0-9a-f]{8}\.\d+", n)] \
        if os.path.isdir(SYSTEM_CERT_DIR) else []
    if not hashed:
        fail(f"no CA certificates named HASH.N in {SYSTEM_CERT_DIR}: install ca-certificates (`make deps`), "
             "or run with --xray-http")
    cert_dir = os.path.join(directory, "xray-trust")
    os.makedirs(cert_dir, exist_ok=True)
    for name in hashed:
        shutil.copy(os.path.join(SYSTEM_CERT_DIR, name), os.path.join(cert_dir, name))
    subject_hash = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", cert],
                                  capture_output=True, text=True, check=True).stdout.strip()
    n = 0
    while os.path.exists(os.path.join(cert_dir, f"{subject_hash}.{n}")):
        n += 1
    shutil.copy(cert, os.path.join(cert_dir, f"{subject_hash}.{n}"))
    # The image has no bundle file; here OpenSSL's default one (/usr/lib/ssl/cert.pem) would be read
    # as well, so SSL_CERT_FILE names one that does not exist.
    return cert, key, {"SSL_CERT_DIR": cert_dir, "SSL_CERT_FILE": os.path.join(directory, "no-bundle.pem")}


# Tracing variants of the service: X-Ray tracing on at a sampling rate, sending to the sink.
TRACING_SERVERS = {"slipway-trace5": "5%", "slipway-trace100": "100%"}


def trace_counters(port):
    """trace_segments_sent_total and trace_segments_dropped_total{reason} from /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    out = {}
    for m in re.finditer(r'^trace_segments_(sent_total|dropped_total)(?:\{reason="(\w+)"\})? (\d+)$', text, re.M):
        out[m.group(1) if not m.group(2) else f"dropped_{m.group(2)}"] = int(m.group(3))
    return out


def markdown(report):
    servers, paths = report["servers"], report["paths"]
    lines = [f"### HTTP benchmark — {report['when']}", "",
             f"{report['machine']['cpu']} ({report['machine']['cpus']} CPUs), kernel {report['machine']['kernel']}; "
             f"servers pinned to CPU {report['config']['server_cpu']}, wrk to CPU {report['config']['client_cpu']}; "
             f"nice {report['config']['nice']}; "
             f"wrk -t{report['config']['threads']} -c{report['config']['connections']} -d{report['config']['duration_s']}s, "
             f"{report['config']['runs']} runs per server and path (medians); "
             f"load average at start {report['machine']['loadavg_start']}, at end {report['machine']['loadavg_end']}."
             + (" X-Ray stand-in: nginx over " + ("plain HTTP" if report["config"].get("xray_http") else
                "HTTPS, the service trusting the system's CAs plus its certificate as the release image does "
                "(SSL_CERT_DIR)")
                + "." if any(name in TRACING_SERVERS for name in servers) else ""), ""]
    header = ("| path | server | requests/s (median) | p99 ms (median) | requests per server CPU-second (median) "
              "| server CPU share | wrk CPU share | requests/s of each run | errors |")
    lines += [header, "|---|---|---:|---:|---:|---:|---:|---|---:|"]
    for path in paths:
        for name in servers:
            r = report["results"][name][path]
            runs = " ".join(f"{x:.0f}" for x in r["rps_runs"])
            lines.append(f"| `{path}` | {name} | {r['rps_median']:.0f} | {r['p99_ms_median']:.2f} | "
                         f"{r['requests_per_cpu_s_median']:.0f} | {r['server_cpu_share_median']:.0%} | "
                         f"{r.get('wrk_cpu_share_median', 0):.0%} | {runs} | {r['errors_total']} |")
    if report["ratios"]:
        lines += ["", "| path | ratio | requests/s | p99 (lower is better) | requests per CPU-second |",
                  "|---|---|---:|---:|---:|"]
        for path in paths:
            for peer, ratio in report["ratios"].get(path, {}).items():
                lines.append(f"| `{path}` | slipway / {peer} | {ratio['rps']:.2f}× | {ratio['p99']:.2f}× | "
                             f"{ratio['requests_per_cpu_s']:.2f}× |")
    lines += ["", "| server | RSS after load | peak RSS | PSS after load | processes | first 200 after start (median) | samples ms |",
              "|---|---:|---:|---:|---:|---:|---|"]
    for name in servers:
        m, s = report["memory"][name], report["startup"].get(name)
        start = f"{s['median_ms']:.2f} ms" if s else "—"
        samples = " ".join(f"{x:.1f}" for x in s["samples_ms"]) if s else ""
        lines.append(f"| {name} | {m['rss_kib'] / 1024:.2f} MiB | {m['peak_rss_kib'] / 1024:.2f} MiB | "
                     f"{m['pss_kib'] / 1024:.2f} MiB | {m['processes']} | {start} | {samples} |")
    if report.get("tracing"):
        lines += ["", "| path | tracing | requests/s vs tracing off | run by run (median) | p99 vs tracing off "
                  "| sender CPU per segment | segments sent | dropped (queue full / send failed / rejected) |",
                  "|---|---|---:|---:|---:|---:|---:|---|"]
        for path in paths:
            for name, t in report["tracing"]["ratios"].get(path, {}).items():
                c = report["tracing"]["counters"].get(name, {})
                sender = f"{t['sender_us_per_segment']:.2f} µs" if t.get("sender_us_per_segment") else "—"
                lines.append(f"| `{path}` | {name} | {t['rps']:.3f}× | {t['rps_paired']:.3f}× | {t['p99']:.2f}× | {sender} | "
                             f"{c.get('sent_total', 0)} | "
                             f"{c.get('dropped_queue_full', 0)} / {c.get('dropped_send_failed', 0)} / {c.get('dropped_rejected', 0)} |")
    if report.get("goals"):
        lines += ["", "| goal (issue 2) | measured | met |", "|---|---|---|"]
        for g in report["goals"]:
            lines.append(f"| {g['goal']} | {g['measured']} | {'yes' if g['met'] else '**no**'} |")
    return "\n".join(lines) + "\n"


def goals(report):
    out = []
    if "slipway" not in report["servers"]:
        return out
    for path in report["paths"]:
        ratios = report["ratios"].get(path, {})
        if "nginx" in ratios:
            out.append({"goal": f"`{path}` requests/s ≥ nginx", "measured": f"{ratios['nginx']['rps']:.2f}×",
                        "met": ratios["nginx"]["rps"] >= 1.0})
            out.append({"goal": f"`{path}` p99 ≤ nginx", "measured": f"{ratios['nginx']['p99']:.2f}×",
                        "met": ratios["nginx"]["p99"] <= 1.0})
        if "node" in ratios:
            out.append({"goal": f"`{path}` requests/s ≥ 2× node", "measured": f"{ratios['node']['rps']:.2f}×",
                        "met": ratios["node"]["rps"] >= 2.0})
    rss = report["memory"]["slipway"]["rss_kib"] / 1024
    out.append({"goal": "RSS after load < 8 MiB", "measured": f"{rss:.2f} MiB", "met": rss < 8})
    for name, most_cost in (("slipway-trace5", 0.03), ("slipway-trace100", 0.15)):
        if name not in report["servers"]:
            continue
        for path, ratios in report.get("tracing", {}).get("ratios", {}).items():
            rps = ratios[name]["rps"]
            out.append({"goal": f"`{path}` {name} requests/s ≥ {1 - most_cost:.2f}× tracing off (issue 16)",
                        "measured": f"{rps:.3f}×", "met": rps >= 1 - most_cost})
        rss = report["memory"][name]["rss_kib"] / 1024
        out.append({"goal": f"{name} RSS after load < 8 MiB (issue 16)", "measured": f"{rss:.2f} MiB", "met": rss < 8})
    if "slipway" in report["startup"]:
        ms = report["startup"]["slipway"]["median_ms"]
        out.append({"goal": "first 200 within 20 ms of start", "measured": f"{ms:.2f} ms", "met": ms <= 20})
    return out


def main():
    p = argparse.ArgumentParser(prog="bench/http/run.sh", description=__doc__.split("\n\n")[0])
    p.add_argument("--app", default=os.path.join(REPO, "build", "release", "src", "service", "app"),
                   help="the slipway service binary (default: the release build)")
    p.add_argument("--servers", default="slipway,nginx,node",
                   help="comma-separated, from slipway,slipway-nolog (ACCESS_LOG=off),slipway-trace5 and "
                        "slipway-trace100 (X-Ray tracing at 5 %% and 100 %%, to a local sink),nginx,node")
    p.add_argument("--paths", default="/healthz,/", help="comma-separated paths")
    p.add_argument("--runs", type=int, default=5, help="measured wrk runs per server and path")
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    p.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load per server and path first")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--starts", type=int, default=11, help="measured starts for time-to-first-200 (0 skips)")
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--client-cpu", type=int, default=1)
    p.add_argument("--nice", type=int, default=0,
                   help="run servers, wrk and the start-up poller at this nice value (e.g. -10, as root) so other "
                        "work on a shared machine does not take their CPUs; the report shows each server's CPU share")
    p.add_argument("--xray-http", action="store_true",
                   help="the X-Ray stand-in speaks plain HTTP (as in every result up to 20261130T225839Z) instead of "
                        "HTTPS, which X-Ray's endpoints require")
    p.add_argument("--access-log", default=None,
                   help="ACCESS_LOG for slipway (default: unset, i.e. the service's own default)")
    p.add_argument("--out", default=os.path.join(HERE, "results"), help="directory for the .md and .json results")
    p.add_argument("--workdir", required=True, help="scratch directory (configs, logs, PID files)")
    args = p.parse_args()

    args.app = os.path.abspath(args.app)  # servers run with the scratch directory as cwd
    servers = [s for s in args.servers.split(",") if s]
    paths = [x for x in args.paths.split(",") if x]
    known = {"slipway", "slipway-nolog", *TRACING_SERVERS, "nginx", "node"}
    unknown = set(servers) - known
    if unknown:
        fail(f"unknown server(s) {', '.join(sorted(unknown))}: use --servers with {','.join(sorted(known))}")
    for variant in ("slipway-nolog", *TRACING_SERVERS):
        if "slipway" not in servers and variant in servers:
            fail(f"{variant} is compared with slipway: add slipway to --servers")
    if "slipway" in servers and not os.access(args.app, os.X_OK):
        fail(f"{args.app} is not built: run `make release`, or leave it out with --servers nginx,node")
    cpus = os.sched_getaffinity(0)
    for cpu in (args.server_cpu, args.client_cpu):
        if cpu not in cpus:
            fail(f"CPU {cpu} is not available here (have {sorted(cpus)}): pick others with --server-cpu/--client-cpu")
    for tool in ("wrk", "taskset", "nginx", "node"):
        if shutil.which(tool) is None and (tool not in ("nginx", "node") or tool in servers):
            fail(f"{tool} is not installed: run `make deps`")

    app_source = args.app
    if any(name.startswith("slipway") for name in servers):
        # a snapshot: a rebuild during the run must not swap the binary under the measurements
        args.app = os.path.join(args.workdir, "app")
        shutil.copy2(app_source, args.app)
    pid_dir = os.path.join(args.workdir, "pids")
    os.makedirs(pid_dir, exist_ok=True)
    nginx_dir = os.path.join(args.workdir, "nginx")
    os.makedirs(nginx_dir, exist_ok=True)

    def nginx_command(port):
        # nginx takes its port from its config file only: one file per port, written before the
        # timed start so that the start-up figure is nginx's own.
        conf = os.path.join(nginx_dir, f"nginx-{port}.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.replace("{dir}", nginx_dir).replace("{port}", str(port)))
        return ["nginx", "-e", os.path.join(nginx_dir, "nginx-error.log"), "-p", nginx_dir, "-c", conf]

    # SHUTDOWN_DELAY=0s: no need to keep serving a balancer after SIGTERM here; it only makes the
    # stop at the end quicker and changes nothing measured.
    slipway_env = dict(os.environ, BIND_ADDRESS="127.0.0.1", SHUTDOWN_DELAY="0s")
    slipway_env.pop("METRICS_EMF", None)
    for name in [k for k in slipway_env if k.startswith("XRAY_")]:
        slipway_env.pop(name)
    tracing = [name for name in servers if name in TRACING_SERVERS]
    sink = None
    sink_tls = None  # the ssl.SSLContext that trusts the stand-in, when it speaks TLS
    trust_env = {}
    if tracing and not args.xray_http:
        cert, key, trust_env = make_sink_certificate(nginx_dir)
        sink_tls = ssl.create_default_context(cafile=cert)
    if tracing:
        def sink_command(port):
            conf = os.path.join(nginx_dir, f"xray-sink-{port}.conf")
            listen_tls = f" ssl; ssl_certificate {cert}; ssl_certificate_key {key}" if sink_tls else ""
            with open(conf, "w") as f:
                f.write(XRAY_SINK_CONF.replace("{dir}", nginx_dir).replace("{port}", str(port))
                        .replace("{ssl}", listen_tls))
            return ["nginx", "-e", os.path.join(nginx_dir, "xray-sink-error.log"), "-p", nginx_dir, "-c", conf]
        sink = Server("xray-sink", sink_command, dict(os.environ), args.workdir)
        # At the servers' and wrk's nice value: a stand-in for a remote service must answer as
        # promptly as one would. At nice 0 beside wrk at -10 it got a tenth of its CPU, and the
        # service's sender waited for its answers (and dropped segments meanwhile).
        sink.start(args.client_cpu, pid_dir, args.nice, ready_path="/TraceSegments", ready_method="POST",
                   ready_tls=sink_tls)
        log(f"X-Ray sink (nginx, {'HTTPS' if sink_tls else 'plain HTTP'}) on 127.0.0.1:{sink.port} "
            f"(pid {sink.proc.pid})")
    sink_env = {}
    if sink:
        scheme = "https" if sink_tls else "http"
        sink_env = dict(AWS_ENDPOINT_URL_XRAY=f"{scheme}://127.0.0.1:{sink.port}", AWS_REGION="us-east-1",
                        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_EC2_METADATA_DISABLED="true")
        sink_env.update(trust_env)
    if args.access_log is not None:
        slipway_env["ACCESS_LOG"] = args.access_log
    else:
        slipway_env.pop("ACCESS_LOG", None)
    definitions = {
        "slipway": (lambda port: [args.app], slipway_env),
        # the same binary with the access log off, to show what logging costs
        "slipway-nolog": (lambda port: [args.app], dict(slipway_env, ACCESS_LOG="off")),
        **{name: (lambda port: [args.app],
                  dict(slipway_env, XRAY_TRACING="on", XRAY_SAMPLING_RATE=rate, **sink_env))
           for name, rate in TRACING_SERVERS.items() if name in servers},
        "nginx": (nginx_command, dict(os.environ)),
        "node": (lambda port: ["node", os.path.join(HERE, "node_server.js")], dict(os.environ, BIND_ADDRESS="127.0.0.1")),
    }
    under_test = {name: Server(name, *definitions[name], args.workdir) for name in servers}

    os.sched_setaffinity(0, {args.client_cpu})
    if args.nice:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, args.nice)
            own_autogroup_nice = read_autogroup_nice()
            set_autogroup_nice("self", args.nice)
            if own_autogroup_nice is not None:
                # the group is the calling shell's too: give it back its priority on the way out
                atexit.register(set_autogroup_nice, "self", own_autogroup_nice)
        except PermissionError:
            fail(f"--nice {args.nice} needs root (a negative nice value raises priority)")
    report = {
        "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "servers": servers, "paths": paths,
        "config": {k: getattr(args, k) for k in ("runs", "duration", "warmup", "connections", "threads", "starts",
                                                 "server_cpu", "client_cpu", "access_log", "nice",
                                                 "xray_http")},
        "machine": {"cpu": next((l.split(":", 1)[1].strip() for l in read("/proc/cpuinfo").splitlines()
                                 if l.startswith("model name")), platform.processor()),
                    "cpus": os.cpu_count(), "kernel": platform.release(),
                    "loadavg_start": read("/proc/loadavg").split()[:3]},
        "versions": {"wrk": version_of(["wrk", "-v"]), "nginx": version_of(["nginx", "-v"]),
                     "node": version_of(["node", "--version"])},
        "commands": {},
        "results": {}, "memory": {}, "startup": {}, "ratios": {},
    }
    report["config"]["duration_s"] = report["config"].pop("duration")
    if "slipway" in servers:
        report["versions"]["slipway"] = slipway_identity(args.app)
        report["versions"]["slipway_app"] = os.path.relpath(app_source, REPO)
        with open(args.app, "rb") as f:
            report["versions"]["slipway_app_sha256"] = hashlib.sha256(f.read()).hexdigest()

    try:
        for server in under_test.values():
            server.start(args.server_cpu, pid_dir, args.nice)
            env_set = "".join(f"{k}={v} " for k, v in sorted(server.env.items()) if os.environ.get(k) != v)
            command = " ".join(server.command(server.port)).replace(str(server.port), "$PORT")
            command = command.replace(args.app, os.path.relpath(app_source, REPO)).replace(args.workdir, "$WORKDIR")
            report["commands"][server.name] = (f"PORT=$PORT {env_set}" + " ".join(nice_prefix(args.nice) + [""])
                                               + f"taskset -c {args.server_cpu} {command.replace(REPO + '/', '')}")
            log(f"{server.name} on 127.0.0.1:{server.port} (pid {server.proc.pid})")
        report["commands"]["wrk"] = (" ".join(nice_prefix(args.nice) + [""]) + f"taskset -c {args.client_cpu} wrk -t{args.threads} -c{args.connections} "
                                     f"-d{args.duration}s --latency -s bench/http/wrk_report.lua http://127.0.0.1:$PORT$PATH")
        if args.warmup:
            for path in paths:
                for server in under_test.values():
                    wrk(server.port, path, args, args.warmup)
        runs = {name: {path: [] for path in paths} for name in servers}
        for i in range(args.runs):
            # Each round starts one server later: in a fixed order the same server would always
            # run first (after a change of path) and the same pairs always back to back.
            start = i % len(under_test)
            order = list(under_test.values())[start:] + list(under_test.values())[:start]
            for path in paths:
                for server in order:
                    cpu_before = server.cpu_seconds()
                    if server.name in tracing:
                        sender_before = server.thread_cpu_seconds("xray-sender")
                        sent_before = trace_counters(server.port).get("sent_total", 0)
                    r = wrk(server.port, path, args, args.duration)
                    r["server_cpu_s"] = server.cpu_seconds() - cpu_before
                    if server.name in tracing:
                        # What each delivered segment cost the sending thread (rendering, signing,
                        # the call); the segments still queued at the end are few against a run's.
                        r["sender_cpu_s"] = server.thread_cpu_seconds("xray-sender") - sender_before
                        r["segments_sent"] = trace_counters(server.port).get("sent_total", 0) - sent_before
                    # Requests per CPU-second of the server: what the server does with the CPU it
                    # gets, so less sensitive than requests/s to other load on a shared machine.
                    r["requests_per_cpu_s"] = r["requests"] / r["server_cpu_s"] if r["server_cpu_s"] else None
                    runs[server.name][path].append(r)
                    log(f"run {i + 1}/{args.runs} {server.name:13} {path:9} {r['rps']:8.0f} req/s  p99 "
                        f"{r['latency_us']['p99'] / 1000:7.2f} ms  {r['requests_per_cpu_s'] or 0:8.0f} req/CPU-s  "
                        f"errors {r['non_2xx_or_errors']}")
        for server in under_test.values():
            report["memory"][server.name] = server.rss_kib()
            report["results"][server.name] = {
                path: {"rps_median": statistics.median(r["rps"] for r in rs),
                       "p99_ms_median": statistics.median(r["latency_us"]["p99"] for r in rs) / 1000,
                       "p50_ms_median": statistics.median(r["latency_us"]["p50"] for r in rs) / 1000,
                       "requests_per_cpu_s_median": statistics.median(r["requests_per_cpu_s"] or 0 for r in rs),
                       "server_cpu_share_median": statistics.median(r["server_cpu_s"] / (r["duration_us"] / 1e6) for r in rs),
                       "wrk_cpu_share_median": statistics.median(r["wrk_cpu_share"] for r in rs),
                       "rps_runs": [r["rps"] for r in rs],
                       "p99_ms_runs": [r["latency_us"]["p99"] / 1000 for r in rs],
                       "errors_total": sum(r["non_2xx_or_errors"] for r in rs),
                       "runs": rs}
                for path, rs in runs[server.name].items()}
        if tracing:
            report["tracing"] = {"counters": {name: trace_counters(under_test[name].port) for name in tracing},
                                 "ratios": {}}
        if "slipway" in servers:
            with open(under_test["slipway"].stdout_path, "rb") as f:
                report["slipway_stdout_lines_during_load"] = sum(1 for _ in f)
    finally:
        for server in under_test.values():
            server.stop()
        if sink:
            sink.stop()

    if args.starts:
        for server in (s for s in under_test.values() if s.name not in TRACING_SERVERS):
            median, samples = median_first_200(server.command, server.env, args.starts, server_cpu=args.server_cpu,
                                               nice=args.nice)
            report["startup"][server.name] = {"median_ms": median, "samples_ms": samples}
            log(f"{server.name:8} first 200 after start: median {median:.2f} ms")

    if "slipway" in servers:
        for path in paths:
            s = report["results"]["slipway"][path]
            report["ratios"][path] = {
                peer: {"rps": s["rps_median"] / report["results"][peer][path]["rps_median"],
                       "p99": s["p99_ms_median"] / report["results"][peer][path]["p99_ms_median"],
                       "requests_per_cpu_s": s["requests_per_cpu_s_median"]
                       / report["results"][peer][path]["requests_per_cpu_s_median"]}
                for peer in servers if peer != "slipway" and peer not in TRACING_SERVERS}
            if tracing:
                report["tracing"]["ratios"][path] = {
                    name: {"rps": report["results"][name][path]["rps_median"] / s["rps_median"],
                           "p99": report["results"][name][path]["p99_ms_median"] / s["p99_ms_median"],
                           # Run i of the traced server against run i of tracing off: they ran
                           # back to back, so a machine that is slower for a while slows both.
                           "rps_paired": statistics.median(
                               t["rps"] / o["rps"] for t, o in zip(report["results"][name][path]["runs"], s["runs"])),
                           "sender_us_per_segment": statistics.median(
                               1e6 * r["sender_cpu_s"] / r["segments_sent"]
                               for r in report["results"][name][path]["runs"] if r.get("segments_sent"))
                           if any(r.get("segments_sent") for r in report["results"][name][path]["runs"]) else None}
                    for name in tracing}
    report["goals"] = goals(report)
    report["machine"]["loadavg_end"] = read("/proc/loadavg").split()[:3]

    os.makedirs(args.out, exist_ok=True)
    stamp = report["when"].replace("-", "").replace(":", "")
    base = os.path.join(args.out, f"{stamp}-{'-'.join(servers)}")
    with open(base + ".json", "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    table = markdown(report)
    with open(base + ".md", "w") as f:
        f.write(table)
    print(table)
    log(f"results: {os.path.relpath(base, REPO)}.md and .json")


if __name__ == "__main__":
    main()
