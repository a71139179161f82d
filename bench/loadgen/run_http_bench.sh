#!/usr/bin/env bash
# Durable ingest benchmark: starts `opentrack serve` (spool fsync before 200,
# loader delivering to the built-in emulator at the same time) and drives
# /v1/track and /v1/batch with the load generator. Loopback only.
#   bench/loadgen/run_http_bench.sh [build-dir] [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build/release}
SECONDS_PER_RUN=${2:-10}
OPENTRACK=$BUILD/src/cli/opentrack
LOADGEN=$BUILD/bench/loadgen/opentrack_loadgen
EVENTS=${OPENTRACK_SAMPLE_EVENTS:-../shared/data/events-sample.ndjson}
DIR=$(mktemp -d /tmp/opentrack-bench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT

OPENTRACK_DATA_DIR=$DIR/data WRITE_KEY=loadgen "$OPENTRACK" serve --port 0 \
  --port-file "$DIR/port" >"$DIR/serve.log" 2>&1 &
for _ in $(seq 100); do [ -s "$DIR/port" ] && break; sleep 0.1; done
PORT=$(cat "$DIR/port")
echo "collector on port $PORT (log $DIR/serve.log)"

"$LOADGEN" --port "$PORT" --path /v1/track --connections 64 --seconds "$SECONDS_PER_RUN" \
  --events "$EVENTS" --write-key loadgen || true
"$LOADGEN" --port "$PORT" --path /v1/batch --events-per-request 100 --connections 16 \
  --seconds "$SECONDS_PER_RUN" --events "$EVENTS" --write-key loadgen || true
