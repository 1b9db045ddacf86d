#!/usr/bin/env bash
# `make monitor`: Prometheus (Debian's /usr/bin/prometheus) with the rules of ops/prometheus,
# scraping the local stack: HAProxy's exporter and the replicas the vm target lists in its file_sd
# targets files. Also Alertmanager (Debian's prometheus-alertmanager) with ops/alertmanager, when
# installed. Runs in the background; prints the URLs. Idempotent: run again and the running
# Prometheus gets the regenerated config (SIGHUP) instead of a second copy. `--stop` stops both by
# PID file. Everything listens on 127.0.0.1 only. See ops/README.md.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  cat <<EOF
usage: scripts/monitor.sh [options] [--stop | --status]
  --state-dir DIR        config, data, logs and PID files (default: \${SLIPWAY_STATE_DIR:-.state}/monitor)
  --port N               Prometheus on 127.0.0.1:N (default: SLIPWAY_PROMETHEUS_PORT of the
                         environment or of the stack's stack.env, else 9090)
  --haproxy HOST:PORT    HAProxy's Prometheus exporter (default: 127.0.0.1:SLIPWAY_STATS_PORT,
                         else 127.0.0.1:8404)
  --targets-dir DIR      where the vm target writes replica targets *.json
                         (default: \${SLIPWAY_STATE_DIR:-.state}/prometheus/targets)
  --scrape-interval DUR  scrape and rule evaluation interval (default: 15s)
  --alertmanager-port N  Alertmanager on 127.0.0.1:N (default: SLIPWAY_ALERTMANAGER_PORT, else 9093)
  --no-alertmanager      do not start Alertmanager
  --stop                 stop what a previous run started, by PID file
  --status               say what runs, exit 1 if Prometheus does not
EOF
}

die() {
  echo "monitor: $*" >&2
  exit 2
}

# Defaults follow the local stack: its state directory, and the ports `make up` recorded in its
# stack.env (the environment wins over the file).
stack_state="${SLIPWAY_STATE_DIR:-.state}"
stack_setting() {
  local name="$1" fallback="$2"
  if [[ -n "${!name:-}" ]]; then
    echo "${!name}"
  elif [[ -f "$stack_state/stack.env" ]] && grep -q "^$name=" "$stack_state/stack.env"; then
    sed -n "s/^$name=//p" "$stack_state/stack.env" | tail -n1
  else
    echo "$fallback"
  fi
}
state_dir="$stack_state/monitor"
port=$(stack_setting SLIPWAY_PROMETHEUS_PORT 9090)
haproxy="127.0.0.1:$(stack_setting SLIPWAY_STATS_PORT 8404)"
targets_dir="$stack_state/prometheus/targets"
scrape_interval="15s"
am_port=$(stack_setting SLIPWAY_ALERTMANAGER_PORT 9093)
with_alertmanager=1
action=start
while [[ $# -gt 0 ]]; do
  case "$1" in
    --state-dir) state_dir="${2:?--state-dir needs a directory}"; shift 2 ;;
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --haproxy) haproxy="${2:?--haproxy needs HOST:PORT}"; shift 2 ;;
    --targets-dir) targets_dir="${2:?--targets-dir needs a directory}"; shift 2 ;;
    --scrape-interval) scrape_interval="${2:?--scrape-interval needs a duration}"; shift 2 ;;
    --alertmanager-port) am_port="${2:?--alertmanager-port needs a number}"; shift 2 ;;
    --no-alertmanager) with_alertmanager=0; shift ;;
    --stop) action=stop; shift ;;
    --status) action=status; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

valid_port() { [[ "$1" =~ ^[0-9]+$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }
valid_port "$port" || die "--port '$port' is not a port number 1-65535"
valid_port "$am_port" || die "--alertmanager-port '$am_port' is not a port number 1-65535"
[[ "$haproxy" =~ ^[A-Za-z0-9.-]+:[0-9]+$ ]] || die "--haproxy '$haproxy' is not HOST:PORT (e.g. 127.0.0.1:8404)"
[[ "$scrape_interval" =~ ^[0-9]+(ms|s|m)$ ]] || die "--scrape-interval '$scrape_interval' is not a duration like 15s"

# Absolute paths: Prometheus resolves relative ones against its config file's directory.
abs() { [[ "$1" = /* ]] && echo "$1" || echo "$repo/$1"; }
state_dir="$(abs "$state_dir")"
targets_dir="$(abs "$targets_dir")"

prom_pid_file="$state_dir/prometheus.pid"
am_pid_file="$state_dir/alertmanager.pid"

# The PID in FILE if that process is alive and still runs with our state dir (a reused PID of an
# unrelated process is not ours to signal).
live_pid() {
  local file="$1" pid
  [[ -f "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$state_dir/" || return 1
  echo "$pid"
}

stop_one() {
  local name="$1" file="$2" pid
  if pid="$(live_pid "$file")"; then
    kill -TERM "$pid"
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "monitor: stopped $name (pid $pid)" >&2
  fi
  rm -f "$file"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_ready() {
  local url="$1" log="$2" pid="$3"
  for _ in $(seq 300); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "monitor: $url did not become ready; last lines of $log:" >&2
  tail -n 5 "$log" >&2
  return 1
}

case "$action" in
  stop)
    stop_one prometheus "$prom_pid_file"
    stop_one alertmanager "$am_pid_file"
    exit 0
    ;;
  status)
    rc=0
    if pid="$(live_pid "$prom_pid_file")"; then echo "prometheus: running (pid $pid)"; else echo "prometheus: stopped"; rc=1; fi
    if pid="$(live_pid "$am_pid_file")"; then echo "alertmanager: running (pid $pid)"; else echo "alertmanager: stopped"; fi
    exit $rc
    ;;
esac

command -v prometheus >/dev/null || die "prometheus is not installed: run 'make deps' (Debian package prometheus)"
mkdir -p "$state_dir/data" "$targets_dir"

# Generate the config from ops/prometheus/prometheus.yml: each value to replace sits on a line
# marked "# generated: ..." there.
config="$state_dir/prometheus.yml"
sed -E \
  -e "s|^(\s*scrape_interval:) [^ ]+ (# generated)|\1 $scrape_interval \2|" \
  -e "s|^(\s*evaluation_interval:) [^ ]+ (# generated)|\1 $scrape_interval \2|" \
  -e "s|^(\s*- )rules/\*\.yml (# generated)|\1$repo/ops/prometheus/rules/*.yml \2|" \
  -e "s|^(\s*- )targets/\*\.json (# generated)|\1$targets_dir/*.json \2|" \
  -e "s|^(\s*- targets: \[)\"[^\"]+\"(\] # generated: --alertmanager)|\1\"127.0.0.1:$am_port\"\2|" \
  -e "s|^(\s*- targets: \[)\"[^\"]+\"(\] # generated: --haproxy)|\1\"$haproxy\"\2|" \
  -e "s|^(\s*- targets: \[)\"[^\"]+\"(\] # generated: --port)|\1\"127.0.0.1:$port\"\2|" \
  "$repo/ops/prometheus/prometheus.yml" >"$config.new"
[[ $(grep -c '^[^#]*# generated:' "$config.new") -eq 7 ]] || die "ops/prometheus/prometheus.yml lost a '# generated' marker line; restore it"
promtool check config "$config.new" >"$state_dir/check.log" 2>&1 || {
  cat "$state_dir/check.log" >&2
  die "the generated $config.new is invalid (see above)"
}
mv "$config.new" "$config"

if pid="$(live_pid "$prom_pid_file")"; then
  kill -HUP "$pid" # reload the regenerated config and rules
  echo "monitor: prometheus already running (pid $pid), config reloaded" >&2
else
  port_busy "$port" && die "127.0.0.1:$port is in use by another program; pick another with --port N"
  setsid prometheus \
    --config.file="$config" \
    --storage.tsdb.path="$state_dir/data" \
    --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$port" \
    --web.enable-lifecycle \
    >"$state_dir/prometheus.log" 2>&1 </dev/null &
  echo $! >"$prom_pid_file"
  wait_ready "http://127.0.0.1:$port/-/ready" "$state_dir/prometheus.log" "$!" || exit 1
fi

if [[ $with_alertmanager -eq 1 ]] && command -v prometheus-alertmanager >/dev/null; then
  if pid="$(live_pid "$am_pid_file")"; then
    kill -HUP "$pid"
  elif port_busy "$am_port"; then
    echo "monitor: 127.0.0.1:$am_port is in use; Alertmanager not started (pick another with --alertmanager-port N)" >&2
  else
    mkdir -p "$state_dir/alertmanager"
    # --cluster.listen-address= turns off the HA gossip port, which would otherwise bind 0.0.0.0.
    setsid prometheus-alertmanager \
      --config.file="$repo/ops/alertmanager/alertmanager.yml" \
      --storage.path="$state_dir/alertmanager" \
      --web.listen-address="127.0.0.1:$am_port" \
      --cluster.listen-address= \
      >"$state_dir/alertmanager.log" 2>&1 </dev/null &
    echo $! >"$am_pid_file"
    wait_ready "http://127.0.0.1:$am_port/-/ready" "$state_dir/alertmanager.log" "$!" || exit 1
  fi
  echo "monitor: alertmanager on http://127.0.0.1:$am_port/" >&2
fi

echo "monitor: prometheus on http://127.0.0.1:$port/  (alerts: http://127.0.0.1:$port/alerts, targets: http://127.0.0.1:$port/targets)" >&2
echo "monitor: scraping HAProxy at $haproxy and replicas listed in $targets_dir/*.json; stop with: scripts/monitor.sh --stop" >&2
