#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time (first argument, seconds; default 60) from the
# committed seed corpus. New inputs go to a scratch corpus, never into the repository; a crash
# leaves its input in build/fuzz/artifacts/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
artifacts=build/fuzz/artifacts
mkdir -p "$artifacts"
for target in build/fuzz/tests/fuzz/*_fuzz; do
  name=$(basename "$target" _fuzz)
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  echo "fuzz: $name for ${seconds}s" >&2
  # Seeds: the target's own corpus, and for the HTTP target the framing corpus the nginx
  # differential test uses; a dictionary of the target's tokens when there is one.
  seeds=("tests/fuzz/corpus/$name")
  [[ "$name" == http_request ]] && seeds+=(tests/corpus/http)
  dict=()
  [[ -f "tests/fuzz/$name.dict" ]] && dict=(-dict="tests/fuzz/$name.dict")
  "$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/${name}-" -print_final_stats=1 "${dict[@]}" \
    "$scratch" "${seeds[@]}" 2>"build/fuzz/$name.log" || {
      tail -n 40 "build/fuzz/$name.log" >&2
      echo "fuzz: $name found a crash; input saved under $artifacts/" >&2
      exit 1
    }
  # Executions, and coverage as libFuzzer counts it: cov (edges) and ft (features) at the end.
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "build/fuzz/$name.log" | sed "s/^/fuzz: $name /" >&2
  grep -E '^#[0-9]+.*(DONE|cov:)' "build/fuzz/$name.log" | tail -n 1 | sed "s/^/fuzz: $name /" >&2
  rm -rf "$scratch"
done
