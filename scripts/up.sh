#!/usr/bin/env bash
# `make up`: the whole local stack, after `make release` built the binaries.
#   1. .env from .env.example on first run (local secret values; gitignored);
#   2. moto (local AWS) on 127.0.0.1:4566, with every .env entry seeded into its Secrets Manager
#      as slipway/<service>/<name> by `slipway secrets import` (values never on a command line);
#   3. `slipway up`: the image of the current commit (built if missing), HAProxy on
#      127.0.0.1:8080 and the replicas, whose secrets come from that Secrets Manager.
# Run it again at any time: what runs is reused. `build/release/src/cli/slipway down` stops the
# replicas and HAProxy; moto keeps running (kill "$(cat .state/moto.pid)").
set -euo pipefail
cd "$(dirname "$0")/.."
state="${SLIPWAY_STATE_DIR:-.state}"
mkdir -p "$state"
slipway="${SLIPWAY_BIN:-build/release/src/cli/slipway}"
[[ -x "$slipway" ]] || { echo "slipway: $slipway is not built: run make release" >&2; exit 2; }

if [[ ! -f .env ]]; then
  cp .env.example .env
  chmod 600 .env
  echo "slipway: created .env from .env.example (edit the values; it is gitignored)" >&2
fi

export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
endpoint=http://127.0.0.1:4566
if ! curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null; then
  if (exec 3<>/dev/tcp/127.0.0.1/4566) 2>/dev/null; then
    echo "slipway: 127.0.0.1:4566 is in use by something that is not moto: stop it and retry" >&2
    exit 2
  fi
  nohup python3 scripts/moto_server.py -H 127.0.0.1 -p 4566 >"$state/moto.log" 2>&1 &
  echo $! >"$state/moto.pid"
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null && break
    sleep 0.2
  done
  curl -fsS -o /dev/null "$endpoint/moto-api/" || { echo "slipway: moto did not start; see $state/moto.log" >&2; exit 1; }
  echo "slipway: moto (local AWS) on $endpoint, pid $(cat "$state/moto.pid")" >&2
fi

# Seed the secrets and export NAME_FROM=<ARN> for the task definition's ${NAME_FROM} references.
# slipway reads .env with the same parser as everywhere else; values never reach a command line.
service=$(awk -F': *' '$1=="service"{print $2; exit}' slipway.yaml)
refs=$("$slipway" --endpoint-url "$endpoint" secrets import .env --prefix "slipway/$service/" --print-env)
while read -r ref; do
  [[ -n "$ref" ]] && export "${ref?}"
done <<<"$refs"

exec "$slipway" up --allow-dirty --no-compile --endpoint-url "$endpoint" --state-dir "$state"
