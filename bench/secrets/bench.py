#!/usr/bin/env python3
"""Benchmark: resolving 20 secrets with slipway vs the AWS CLI against moto, in the same run;
and the start-up overhead of `slipway secrets exec`. A script, not a test: it prints a table and
writes results.json. Everything runs on 127.0.0.1.

  bench/secrets/bench.py [--slipway PATH] [--runs N]

Wall time is measured by hyperfine (medians); API calls are counted by a small loopback proxy
in front of moto that tallies X-Amz-Target of every request (one extra pass per command)."""

import argparse
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

import boto3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
N_SECRETS = 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


class CountingProxy:
    """Forwards every request to moto and counts them by X-Amz-Target (or Action=)."""

    def __init__(self, upstream_port):
        outer = self
        self.counts = Counter()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = self.headers.get("X-Amz-Target")
                if not target:
                    target = next((p.split("=", 1)[1] for p in body.decode().split("&")
                                   if p.startswith("Action=")), self.path)
                outer.counts[target] += 1
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                self.send_response(response.status)
                for k, v in response.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self, argv, env):
        self.counts.clear()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
        return dict(self.counts)


def hyperfine(commands, runs, env, export):
    argv = ["hyperfine", "--warmup", "2", "--runs", str(runs), "--export-json", export, "-N",
            "--style", "basic"]
    for name, command in commands:
        argv += ["-n", name, command]
    subprocess.run(argv, env=env, check=True, stdout=sys.stderr)
    with open(export) as f:
        return {r["command"]: r for r in json.load(f)["results"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--slipway", default=os.path.join(ROOT, "build/release/src/cli/slipway"))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    slipway = os.path.abspath(args.slipway)
    if not os.access(slipway, os.X_OK):
        sys.exit(f"{slipway} is not built: run `make release` (or pass --slipway)")
    aws = shutil.which("aws")

    work = tempfile.mkdtemp(prefix="slipway-bench-secrets-")
    moto_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"})
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(moto_port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_port(moto_port)
        direct = f"http://127.0.0.1:{moto_port}"
        sm = boto3.client("secretsmanager", endpoint_url=direct, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        arns = [sm.create_secret(Name=f"bench/s{i:02d}",
                                 SecretString=json.dumps({"password": f"bench-value-{i:02d}"}))["ARN"]
                for i in range(N_SECRETS)]
        taskdef = os.path.join(work, "taskdef.json")
        with open(taskdef, "w") as f:
            json.dump({"family": "bench", "containerDefinitions": [{"name": "app", "secrets": [
                {"name": f"SECRET_{i:02d}", "valueFrom": arn + ":password::"}
                for i, arn in enumerate(arns)]}]}, f)
        # The AWS CLI way of doing the same in an entrypoint: one get-secret-value per secret
        # (what `aws` offers per variable), and the batch call (one process, one request).
        loop = os.path.join(work, "aws_loop.sh")
        with open(loop, "w") as f:
            f.write("#!/bin/sh\nset -e\n")
            for i, arn in enumerate(arns):
                f.write(f"SECRET_{i:02d}=$({aws} secretsmanager get-secret-value --secret-id '{arn}'"
                        " --query SecretString --output text)\n")
        os.chmod(loop, 0o755)
        batch = os.path.join(work, "aws_batch.sh")
        with open(batch, "w") as f:
            f.write(f"#!/bin/sh\nexec {aws} secretsmanager batch-get-secret-value --secret-id-list "
                    + " ".join(f"'{a}'" for a in arns) + " --output json > /dev/null\n")
        os.chmod(batch, 0o755)

        def commands(endpoint):
            return {
                "slipway exec (20 secrets)": [slipway, "--endpoint-url", endpoint, "secrets", "exec",
                                              "--task-definition", taskdef, "--", "true"],
                "aws cli batch-get-secret-value": ["sh", batch],
                "aws cli get-secret-value x20": ["sh", loop],
            }

        timed_env = dict(env, AWS_ENDPOINT_URL=direct)
        timing = hyperfine([(n, " ".join(c)) for n, c in commands(direct).items()], args.runs,
                           timed_env, os.path.join(work, "resolve.json"))

        proxy = CountingProxy(moto_port)
        proxied = f"http://127.0.0.1:{proxy.port}"
        calls = {n: proxy.count(c, dict(env, AWS_ENDPOINT_URL=proxied))
                 for n, c in commands(proxied).items()}

        overhead = hyperfine([
            ("true (direct)", "true"),
            ("slipway secrets exec -- true", f"{slipway} secrets exec -- true"),
            ("slipway secrets exec --env A=env://HOME -- true",
             f"{slipway} secrets exec --env A=env://HOME -- true"),
        ], args.runs * 5, env, os.path.join(work, "overhead.json"))

        def ms(result):
            return result["median"] * 1000

        base = ms(timing["slipway exec (20 secrets)"])
        rows = []
        for name in commands(direct):
            rows.append({"command": name, "median_ms": round(ms(timing[name]), 1),
                         "ratio_to_slipway": round(ms(timing[name]) / base, 2),
                         "api_calls": sum(calls[name].values()), "calls_by_operation": calls[name]})
        direct_true = ms(overhead["true (direct)"])
        startup = [{"command": name, "median_ms": round(ms(r), 2),
                    "overhead_ms": round(ms(r) - direct_true, 2)} for name, r in overhead.items()]
        results = {"secrets": N_SECRETS, "runs": args.runs, "resolve": rows, "exec_startup": startup,
                   "slipway": slipway,
                   "aws_cli": subprocess.run([aws, "--version"], capture_output=True,
                                             text=True).stdout.strip() or "aws"}
        out = os.path.join(os.path.dirname(__file__), "results.json")
        with open(out, "w") as f:
            json.dump(results, f, indent=2)
        print(f"\nResolving {N_SECRETS} secrets against moto (medians of {args.runs} runs):\n")
        print("| command | median ms | vs slipway | API calls |")
        print("| --- | --- | --- | --- |")
        for row in rows:
            print(f"| {row['command']} | {row['median_ms']} | {row['ratio_to_slipway']}x | "
                  f"{row['api_calls']} ({', '.join(f'{k} {v}' for k, v in row['calls_by_operation'].items())}) |")
        print(f"\n`secrets exec` start-up (medians of {args.runs * 5} runs):\n")
        print("| command | median ms | overhead vs direct ms |")
        print("| --- | --- | --- |")
        for row in startup:
            print(f"| {row['command']} | {row['median_ms']} | {row['overhead_ms']} |")
        print(f"\nwritten to {out}")
    finally:
        os.killpg(moto.pid, 15)
        moto.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
