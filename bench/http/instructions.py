"""Instructions per request of the service, tracing off and at given X-Ray sampling rates: a
deterministic figure where requests/s is not (a shared machine, a VM without hardware counters).
Runs build/release/src/service/app under Valgrind's callgrind, pinned to one CPU like the HTTP
bench, sends a fixed number of keep-alive GETs per path from one connection, and counts the
instructions the whole process (every thread: the event loop, the segment sender's threads)
executed between the first and the last of them, divided by the number of requests. Tracing
variants send their segments to the same stand-in for X-Ray as bench.py (nginx answering
PutTraceSegments), with XRAY_FLUSH_INTERVAL=60s so that only full batches are sent, as under
real load; the segments sent in the window are reported beside the figure.

  python3 bench/http/instructions.py --requests 20000 --rates off,unsampled,5%,100% --paths /healthz,/

("unsampled" is tracing on with nothing sampled: the cost every request pays.)

`--keep DIR` keeps the callgrind files (callgrind_annotate --inclusive=yes DIR/FILE shows where
the instructions went; app.debug beside the binary gives the names). Traffic goes to 127.0.0.1
only; every process started is stopped by PID."""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from bench import XRAY_SINK_CONF, free_port, http_status  # noqa: E402


def fail(msg):
    print(f"instructions: {msg}", file=sys.stderr)
    sys.exit(2)


def wait_for(port, path, method, proc, seconds, output=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = open(output, errors="replace").read()[-2000:] if output else ""
            raise RuntimeError(f"the server for {path} exited with {proc.returncode}\n{tail}")
        if http_status(port, path, method) == 200:
            return
        time.sleep(0.05)
    raise TimeoutError(f"no 200 on 127.0.0.1:{port}{path} within {seconds} s")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def send_requests(port, path, count):
    """`count` keep-alive GETs of `path`, one at a time; returns the number of 200s."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    ok = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        buffer = b""
        for _ in range(count):
            s.sendall(request)
            while b"\r\n\r\n" not in buffer:
                buffer += s.recv(65536)
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
            while len(buffer) < length:
                buffer += s.recv(65536)
            buffer = buffer[length:]
            ok += head.startswith(b"HTTP/1.1 200")
    return ok


def metrics(port):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    text = data.decode(errors="replace")
    counts = {}
    for m in re.finditer(r'^trace_segments_(sent|dropped)_total(?:\{reason="(\w+)"\})? (\d+)$', text, re.M):
        key = m.group(1) if m.group(2) is None else f"{m.group(1)}_{m.group(2)}"
        counts[key] = int(m.group(3))
    return counts


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if m := re.match(r"^(?:summary|totals): (\d+)", line):
                return int(m.group(1))
    raise RuntimeError(f"no totals in {path}")


def measure(args, rate, sink_port, workdir):
    port = free_port()
    env = dict(os.environ, PORT=str(port), BIND_ADDRESS="127.0.0.1", SHUTDOWN_DELAY="0s")
    for name in [k for k in env if k.startswith("XRAY_") or k == "METRICS_EMF"]:
        env.pop(name)
    env["ACCESS_LOG"] = args.access_log
    if rate != "off":
        # "unsampled": tracing on, nothing sampled (no reservoir either): what every request
        # pays for tracing being on, beside the segments of those that are sampled.
        if rate == "unsampled":
            env.update(XRAY_SAMPLING_RATE="0%", XRAY_SAMPLING_RESERVOIR="0")
        else:
            env.update(XRAY_SAMPLING_RATE=rate)
        env.update(XRAY_TRACING="on", XRAY_FLUSH_INTERVAL="60s",
                   AWS_ENDPOINT_URL_XRAY=f"http://127.0.0.1:{sink_port}", AWS_REGION="us-east-1",
                   AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                   AWS_EC2_METADATA_DISABLED="true")
    label = "off" if rate == "off" else rate.replace("%", "pct")
    out_file = os.path.join(workdir, f"callgrind.{label}")
    output = os.path.join(workdir, f"app-{label}.stdout")
    with open(output, "wb") as out:
        proc = subprocess.Popen(["taskset", "-c", str(args.cpu), "valgrind", "--tool=callgrind",
                                 f"--callgrind-out-file={out_file}", args.app],
                                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    results = []
    try:
        wait_for(port, "/healthz", "GET", proc, 120, output)
        for index, path in enumerate(args.paths, start=1):
            send_requests(port, path, args.warmup)
            time.sleep(0.5)  # the warm-up's full batches leave before the window opens
            before = metrics(port)
            subprocess.run(["callgrind_control", "--zero", str(proc.pid)], check=True, capture_output=True)
            ok = send_requests(port, path, args.requests)
            time.sleep(0.5)  # a batch the last requests completed is sent inside the window
            subprocess.run(["callgrind_control", "--dump", str(proc.pid)], check=True, capture_output=True)
            after = metrics(port)
            dump = f"{out_file}.{index}"
            deadline = time.monotonic() + 30
            while not os.path.exists(dump) and time.monotonic() < deadline:
                time.sleep(0.1)
            counts = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
            results.append({"rate": rate, "path": path, "ok": ok,
                            "instructions": callgrind_total(dump), "dump": dump, "segments": counts})
    finally:
        stop(proc)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--rates", default="off,unsampled,5%,100%")
    parser.add_argument("--paths", default="/healthz,/")
    parser.add_argument("--access-log", default="on", choices=["on", "off"])
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--app", default=os.path.join(REPO, "build/release/src/service/app"))
    parser.add_argument("--keep", help="directory to keep the callgrind files in")
    args = parser.parse_args()
    args.paths = args.paths.split(",")
    for tool in ("valgrind", "callgrind_control", "taskset", "nginx"):
        if shutil.which(tool) is None:
            fail(f"{tool} is not installed: run `make deps`")
    if not os.access(args.app, os.X_OK):
        fail(f"{args.app} does not exist: run `make release` first")

    workdir = tempfile.mkdtemp(prefix="slipway-instructions.")
    sink_port = free_port()
    conf = os.path.join(workdir, "xray-sink.conf")
    with open(conf, "w") as f:
        f.write(XRAY_SINK_CONF.replace("{dir}", workdir).replace("{port}", str(sink_port)))
    sink = subprocess.Popen(["nginx", "-e", os.path.join(workdir, "xray-sink-error.log"), "-p", workdir, "-c", conf],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    rows = []
    try:
        wait_for(sink_port, "/TraceSegments", "POST", sink, 15)
        for rate in args.rates.split(","):
            rows += measure(args, rate, sink_port, workdir)
    finally:
        stop(sink)
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            for row in rows:
                shutil.copy2(row["dump"], args.keep)
        shutil.rmtree(workdir, ignore_errors=True)

    off = {row["path"]: row["instructions"] / args.requests for row in rows if row["rate"] == "off"}
    print(f"| tracing | path | instructions/request | ÷ off | 200s | segments sent / dropped |")
    print(f"| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        per_request = row["instructions"] / args.requests
        ratio = f"{per_request / off[row['path']]:.3f}×" if row["path"] in off else ""
        seg = row["segments"]
        dropped = sum(v for k, v in seg.items() if k.startswith("dropped"))
        print(f"| {row['rate']} | {row['path']} | {per_request:,.0f} | {ratio} | {row['ok']} | "
              f"{seg.get('sent', 0)} / {dropped} |")


if __name__ == "__main__":
    main()
