#!/usr/bin/env bash
# The HTTP benchmark (`make bench`): wrk against the slipway service, nginx and Node.js's http
# module in one run on this machine, each server pinned to CPU 0 and wrk to CPU 1. Options are
# bench.py's (--help); e.g. a quick look: bench/http/run.sh --runs 1 --duration 3 --starts 3.
# Results: bench/http/results/<time>-<servers>.{md,json}. Every process it starts is stopped by
# PID on exit, also on Ctrl-C or an error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

for tool in python3 wrk taskset; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed: run 'make deps'" >&2; exit 2; }
done

workdir="$(mktemp -d "${TMPDIR:-/tmp}/slipway-bench-http.XXXXXX")"
cleanup() {
  # bench.py stops its servers itself; this catches any it could not (killed mid-run).
  for pid_file in "$workdir"/pids/*.pid; do
    [[ -f "$pid_file" ]] || continue
    pid="$(<"$pid_file")"
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 "$here/bench.py" --workdir "$workdir" "$@"
