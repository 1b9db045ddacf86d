#!/usr/bin/env bash
# `make up`: the whole local stack, after `make release` built the binaries.
#   1. .env from .env.example on first run (local secret values; gitignored);
#   2. moto (local AWS) on 127.0.0.1:4566, with every .env entry seeded into its Secrets Manager
#      as slipway/<service>/<name> by `slipway secrets import` (values never on a command line);
#   3. `slipway up`: the image of the current commit (built if missing), HAProxy on
#      127.0.0.1:8080 and the replicas, whose secrets come from that Secrets Manager.
#   4. STATE/stack.env (0600): what every later slipway command of this stack needs and no shell
#      has to export: the secrets' references (NAME_FROM=ARN for deploy/taskdef.json), moto's
#      endpoint and test credentials, the ports. slipway's vm verbs load it (the environment wins).
#   5. STATE/replica.env (0600): what the host gives every replica besides its task definition:
#      moto's endpoint and test credentials, so that the replicas' X-Ray segments (tracing is on
#      for the local stack, every request sampled) reach the local X-Ray.
# Run it again at any time: what runs is reused. `build/release/src/cli/slipway down` stops the
# replicas and HAProxy; moto keeps running (kill "$(cat .state/moto.pid)").
# A second stack beside this one: SLIPWAY_STATE_DIR=DIR SLIPWAY_PORT=N SLIPWAY_STATS_PORT=N
# SLIPWAY_MOTO_PORT=N [SLIPWAY_PROMETHEUS_PORT=N SLIPWAY_ALERTMANAGER_PORT=N SLIPWAY_BAKE_TIME=D]
# make up, then
# SLIPWAY_STATE_DIR=DIR for its slipway commands and make monitor.
set -euo pipefail
cd "$(dirname "$0")/.."
state="${SLIPWAY_STATE_DIR:-.state}"
mkdir -p "$state"
chmod 700 "$state"
stack_env="$state/stack.env"

# A setting of the last run (its stack.env) is kept unless the environment gives another.
previous() { if [[ -f "$stack_env" ]]; then sed -n "s/^$1=//p" "$stack_env" | tail -n1; fi; }
SLIPWAY_PORT="${SLIPWAY_PORT:-$(previous SLIPWAY_PORT)}"
SLIPWAY_STATS_PORT="${SLIPWAY_STATS_PORT:-$(previous SLIPWAY_STATS_PORT)}"
SLIPWAY_MOTO_PORT="${SLIPWAY_MOTO_PORT:-$(previous SLIPWAY_MOTO_PORT)}"
SLIPWAY_PROMETHEUS_PORT="${SLIPWAY_PROMETHEUS_PORT:-$(previous SLIPWAY_PROMETHEUS_PORT)}"
SLIPWAY_ALERTMANAGER_PORT="${SLIPWAY_ALERTMANAGER_PORT:-$(previous SLIPWAY_ALERTMANAGER_PORT)}"
SLIPWAY_BAKE_TIME="${SLIPWAY_BAKE_TIME:-$(previous SLIPWAY_BAKE_TIME)}"
export SLIPWAY_PORT="${SLIPWAY_PORT:-8080}" SLIPWAY_STATS_PORT="${SLIPWAY_STATS_PORT:-8404}"
moto_port="${SLIPWAY_MOTO_PORT:-4566}"
slipway="${SLIPWAY_BIN:-build/release/src/cli/slipway}"
[[ -x "$slipway" ]] || { echo "slipway: $slipway is not built: run make release" >&2; exit 2; }

if [[ ! -f .env ]]; then
  cp .env.example .env
  chmod 600 .env
  echo "slipway: created .env from .env.example (edit the values; it is gitignored)" >&2
fi

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing  # moto's: the stack is local
export AWS_REGION="${AWS_REGION:-us-east-1}"
endpoint="http://127.0.0.1:$moto_port"
if ! curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null; then
  if (exec 3<>"/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null; then
    echo "slipway: 127.0.0.1:$moto_port is in use by something that is not moto: stop it, or set SLIPWAY_MOTO_PORT" >&2
    exit 2
  fi
  nohup python3 scripts/moto_server.py -H 127.0.0.1 -p "$moto_port" >"$state/moto.log" 2>&1 &
  echo $! >"$state/moto.pid"
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null && break
    sleep 0.2
  done
  curl -fsS -o /dev/null "$endpoint/moto-api/" || { echo "slipway: moto did not start; see $state/moto.log" >&2; exit 1; }
  echo "slipway: moto (local AWS) on $endpoint, pid $(cat "$state/moto.pid")" >&2
fi

# Seed the secrets; NAME_FROM=<ARN> lines for the task definition's ${NAME_FROM} references.
# slipway reads .env with the same parser as everywhere else; values never reach a command line.
service=$(awk -F': *' '$1=="service"{print $2; exit}' slipway.yaml)
refs=$("$slipway" --endpoint-url "$endpoint" secrets import .env --prefix "slipway/$service/" --print-env)

# stack.env holds references and settings, never a secret value (moto's test credentials are
# not one); written whole, then renamed, so a reader never sees half of it.
umask 077
{
  echo "# Written by make up (scripts/up.sh) for the local stack; slipway's vm verbs read it."
  echo "# A variable set in the environment wins over this file. Rewritten by every make up."
  echo "SLIPWAY_PORT=$SLIPWAY_PORT"
  echo "SLIPWAY_STATS_PORT=$SLIPWAY_STATS_PORT"
  echo "SLIPWAY_MOTO_PORT=$moto_port"
  echo "SLIPWAY_PROMETHEUS_PORT=${SLIPWAY_PROMETHEUS_PORT:-9090}"  # make monitor
  echo "SLIPWAY_ALERTMANAGER_PORT=${SLIPWAY_ALERTMANAGER_PORT:-9093}"
  [[ -z "$SLIPWAY_BAKE_TIME" ]] || echo "SLIPWAY_BAKE_TIME=$SLIPWAY_BAKE_TIME"  # vm.bake_time
  echo "AWS_ENDPOINT_URL=$endpoint"
  echo "AWS_REGION=$AWS_REGION"
  echo "AWS_ACCESS_KEY_ID=testing"  # moto's; never copy a shell's real credentials here
  echo "AWS_SECRET_ACCESS_KEY=testing"
  # deploy/taskdef.json's defaults leave tracing off on the vm target; the local one has an X-Ray.
  echo "XRAY_TRACING=${XRAY_TRACING:-on}"
  echo "XRAY_SAMPLING_RATE=${XRAY_SAMPLING_RATE:-100%}"
  printf '%s\n' "$refs"
} >"$stack_env.tmp"
mv "$stack_env.tmp" "$stack_env"
# Fixed values, never the shell's: a replica must not get a developer's real AWS credentials.
{
  echo "# Written by make up (scripts/up.sh): what every replica of this stack gets besides its"
  echo "# task definition's environment, as an ECS task gets its credentials from the agent."
  echo "AWS_ENDPOINT_URL=$endpoint"
  echo "AWS_ACCESS_KEY_ID=testing"  # moto's
  echo "AWS_SECRET_ACCESS_KEY=testing"
} >"$state/replica.env.tmp"
mv "$state/replica.env.tmp" "$state/replica.env"

exec "$slipway" up --allow-dirty --no-compile --state-dir "$state"
