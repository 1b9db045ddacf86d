#!/usr/bin/env python3
"""ECS deploy/rollback cost against moto, and start-up time of `slipway ecs status` against
`aws ecs describe-services` (hyperfine), in one run. See README.md for the exact commands.

Measures, on the same moto (IAM auth on, the service of tests/integration/ecs_moto_test.py):
- `slipway ecs deploy --no-wait` and `slipway ecs rollback --no-wait`: API calls (slipway's own
  count, from --output json) and wall time, median of --runs;
- the AWS CLI doing a deploy's minimum by hand (register-task-definition + update-service) as
  the peer for wall time;
- a followed deploy (moto never completes it, so it times out after --follow-seconds): API calls
  per poll;
- hyperfine: `slipway ecs status` vs `aws ecs describe-services`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slipway", default=os.path.join(SOURCE, "build", "release", "src", "cli", "slipway"),
                        help="the slipway binary to measure (a Release build)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--follow-seconds", type=float, default=3.0)
    parser.add_argument("--hyperfine-runs", type=int, default=30)
    args = parser.parse_args()
    os.environ["SLIPWAY_BUILD_DIR"] = os.path.dirname(os.path.dirname(os.path.dirname(args.slipway)))
    os.environ["SLIPWAY_SOURCE_DIR"] = SOURCE
    import ecs_moto_test as t  # after SLIPWAY_BUILD_DIR: it resolves the binary on import

    moto = t.EcsMoto().start()
    try:
        outputs = t.create_infrastructure(moto)
        spec = os.path.join(t.make_service_dir(), "slipway.yaml")
        env = moto.env()

        def slipway(*argv):
            started = time.perf_counter()
            result = subprocess.run([args.slipway, "ecs", *argv, "--spec", spec, "-o", "json"],
                                    env=env, capture_output=True, text=True, timeout=300)
            elapsed = time.perf_counter() - started
            lines = result.stdout.strip().splitlines()
            final = json.loads(lines[-1]) if lines else {}
            return result.returncode, elapsed, final.get("result", {})

        deploy_times, deploy_calls, rollback_times, rollback_calls = [], [], [], []
        for i in range(args.runs):
            sha = t.SHA1 if i % 2 == 0 else t.SHA2
            code, elapsed, result = slipway("deploy", "--image", f"{t.REGISTRY}/app:{sha}", "--no-wait",
                                            *t.var_flags(outputs))
            assert code == 0, result
            deploy_times.append(elapsed)
            deploy_calls.append(result["api_calls"])
            previous = result["previous_task_definition"].rsplit(":", 1)[1]
            code, elapsed, result = slipway("rollback", "--to", previous, "--no-wait")
            assert code == 0, result
            rollback_times.append(elapsed)
            rollback_calls.append(result["api_calls"])

        # The peer: the same two writes a deploy needs, by the AWS CLI.
        taskdef = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump({"family": "app", "networkMode": "awsvpc", "requiresCompatibilities": ["EC2"],
                   "cpu": "256", "memory": "256", "executionRoleArn": outputs["EXECUTION_ROLE_ARN"],
                   "containerDefinitions": [{"name": "app", "image": f"{t.REGISTRY}/app:{t.SHA1}",
                                             "essential": True}]}, taskdef)
        taskdef.close()
        cli_times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            arn = moto.aws("ecs", "register-task-definition", "--cli-input-json",
                           f"file://{taskdef.name}", user="deployer")["taskDefinition"]["taskDefinitionArn"]
            moto.aws("ecs", "update-service", "--cluster", "slipway-test", "--service", "app",
                     "--task-definition", arn, user="deployer")
            cli_times.append(time.perf_counter() - started)

        # A followed deploy: moto never completes it; count calls per poll until the timeout.
        code, elapsed, result = slipway("deploy", "--image", f"{t.REGISTRY}/app:{t.SHA1}",
                                        "--start-timeout", f"{int(args.follow_seconds * 1000)}ms",
                                        "--poll-interval", "500ms", *t.var_flags(outputs))
        assert code == 4, (code, result)
        followed_calls = result["api_calls"]

        # Start-up: slipway ecs status vs aws ecs describe-services, same credentials and moto.
        hyperfine_json = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
        subprocess.run(["hyperfine", "--warmup", "3", "--runs", str(args.hyperfine_runs), "-N",
                        "--export-json", hyperfine_json,
                        "-n", "slipway ecs status",
                        f"{args.slipway} ecs status --spec {spec} -o json",
                        "-n", "aws ecs describe-services",
                        f"aws --endpoint-url {moto.url} ecs describe-services --cluster slipway-test --services app"],
                       env=env, check=True, stdout=sys.stderr)
        with open(hyperfine_json) as f:
            runs = {r["command"]: r for r in json.load(f)["results"]}

        def ms(values):
            return f"{statistics.median(values) * 1000:.0f} ms"

        status = runs["slipway ecs status"]
        describe = runs["aws ecs describe-services"]
        print(f"runs: {args.runs} (medians)")
        print(f"slipway ecs deploy --no-wait:   {ms(deploy_times)}, API calls {statistics.median(deploy_calls):.0f}")
        print(f"slipway ecs rollback --no-wait: {ms(rollback_times)}, API calls {statistics.median(rollback_calls):.0f}")
        print(f"aws ecs register-task-definition + update-service (peer): {ms(cli_times)}")
        print(f"deploy ratio slipway/aws-cli: {statistics.median(deploy_times) / statistics.median(cli_times):.2f}x")
        print(f"followed deploy, {args.follow_seconds:.1f} s start timeout, 500 ms polls: "
              f"{followed_calls} API calls in {elapsed:.1f} s")
        print(f"start-up, slipway ecs status: {status['mean'] * 1000:.1f} ms ± {status['stddev'] * 1000:.1f} "
              f"(DescribeServices + ListTasks)")
        print(f"start-up, aws ecs describe-services: {describe['mean'] * 1000:.1f} ms ± {describe['stddev'] * 1000:.1f}")
        print(f"status ratio aws/slipway: {describe['mean'] / status['mean']:.1f}x")
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
