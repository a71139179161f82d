#!/usr/bin/env bash
# Durable ingest benchmark: starts `opentrack serve` (spool fsync before 200)
# and drives /v1/track and /v1/batch with the load generator. Loopback only.
# Each run gets a fresh collector and data directory.
#   bench/loadgen/run_http_bench.sh [build-dir] [seconds] [mode]
# Modes:
#   shared    the collector (2 io threads), its loader delivering to the
#             built-in emulator, and the load generator share every core.
#   ingest    as shared, but the loader points at a dead BigQuery, so only
#             the HTTP API and the spool work.
#   per-core  ingest alone with the collector on 1 io thread pinned to CPU 0
#             and the load generator pinned to CPU 1. requests/server_cpu_s
#             is the figure per core of the collector.
# Environment: TRACK_CONNECTIONS (default "64"), BATCH_CONNECTIONS ("16"),
# REPEAT (1), PERF_DIR (record each run's collector with perf there),
# PERF_CALL_GRAPH (perf's call-graph option, default -g; "--call-graph dwarf"
# names callers in a build without frame pointers).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build/release}
SECONDS_PER_RUN=${2:-10}
MODE=${3:-shared}
OPENTRACK=$BUILD/src/cli/opentrack
LOADGEN=$BUILD/bench/loadgen/opentrack_loadgen
EVENTS=${OPENTRACK_SAMPLE_EVENTS:-../shared/data/events-sample.ndjson}
TRACK_CONNECTIONS=${TRACK_CONNECTIONS-64}
BATCH_CONNECTIONS=${BATCH_CONNECTIONS-16}
REPEAT=${REPEAT:-1}
DIR=$(mktemp -d /tmp/opentrack-bench-XXXXXX)
SERVE_PID=
trap 'stop_collector; rm -rf "$DIR"' EXIT

case "$MODE" in
  shared)
    SERVE_ENV=()
    SERVE_PIN=()
    LOADGEN_PIN=()
    ;;
  ingest)
    SERVE_ENV=(BIGQUERY_PROJECT_ID=x BIGQUERY_EMULATOR_HOST=127.0.0.1:9)
    SERVE_PIN=()
    LOADGEN_PIN=()
    ;;
  per-core)
    [ "$(nproc)" -ge 2 ] || { echo "per-core mode needs 2 CPUs" >&2; exit 1; }
    SERVE_ENV=(BIGQUERY_PROJECT_ID=x BIGQUERY_EMULATOR_HOST=127.0.0.1:9 OPENTRACK_IO_THREADS=1)
    SERVE_PIN=(taskset -c 0)
    LOADGEN_PIN=(taskset -c 1)
    ;;
  *) echo "mode must be shared, ingest or per-core, got $MODE" >&2; exit 1 ;;
esac

start_collector() {
  rm -rf "$DIR/data" "$DIR/port"
  # No grace for the final flush at shutdown: nothing is measured then.
  env OPENTRACK_DATA_DIR="$DIR/data" WRITE_KEY=loadgen OPENTRACK_SHUTDOWN_GRACE_SECONDS=0 \
    "${SERVE_ENV[@]}" "${SERVE_PIN[@]}" "$OPENTRACK" serve --port 0 --port-file "$DIR/port" \
    >"$DIR/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 100); do [ -s "$DIR/port" ] && break; sleep 0.1; done
  [ -s "$DIR/port" ] || { cat "$DIR/serve.log" >&2; exit 1; }
  PORT=$(cat "$DIR/port")
}

stop_collector() {
  [ -n "$SERVE_PID" ] || return 0
  kill "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || true
  SERVE_PID=
}

# "busy total" jiffies of every CPU, one "cpuN busy total" line each.
cpu_jiffies() {
  awk '/^cpu[0-9]/ { print $1, $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' \
    /proc/stat
}

# How busy each CPU was between two cpu_jiffies snapshots, whoever ran there:
# with other work on the machine, the collector's own share is server_cpu.
cpu_busy() {
  join <(echo "$1") <(echo "$2") |
    awk '{ printf "%s%s_busy=%.2f", sep, $1, ($4 - $2) / ($5 - $3); sep = " " } END { print "" }'
}

# run <name> <loadgen flags...>
run() {
  local name=$1
  shift
  start_collector
  local perf_pid=
  if [ -n "${PERF_DIR:-}" ]; then
    mkdir -p "$PERF_DIR"
    perf record -q ${PERF_CALL_GRAPH:--g} -p "$SERVE_PID" -o "$PERF_DIR/$name.data" -- sleep "$SECONDS_PER_RUN" \
      >/dev/null 2>&1 &
    perf_pid=$!
  fi
  echo "== $MODE $name (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  local before
  before=$(cpu_jiffies)
  "${LOADGEN_PIN[@]}" "$LOADGEN" --port "$PORT" --seconds "$SECONDS_PER_RUN" \
    --events "$EVENTS" --write-key loadgen --server-pid "$SERVE_PID" "$@" || true
  cpu_busy "$before" "$(cpu_jiffies)"
  [ -z "$perf_pid" ] || wait "$perf_pid" || true
  stop_collector
}

echo "mode $MODE, $(nproc) CPUs, ${SECONDS_PER_RUN}s per run, data in $DIR"
for _ in $(seq "$REPEAT"); do
  for c in $TRACK_CONNECTIONS; do run "track-c$c" --path /v1/track --connections "$c"; done
  for c in $BATCH_CONNECTIONS; do
    run "batch-c$c" --path /v1/batch --events-per-request 100 --connections "$c"
  done
done
