#!/usr/bin/env bash
# `make up`: runs the service from the release build on 127.0.0.1:8080 in the foreground.
# (The vm target's issue grows this into the whole local stack.)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8080}"
echo "slipway: serving on http://127.0.0.1:${port}/  (try: curl -s http://127.0.0.1:${port}/version; Ctrl-C stops)" >&2
exec env PORT="$port" BIND_ADDRESS="${BIND_ADDRESS:-127.0.0.1}" build/release/src/service/app
