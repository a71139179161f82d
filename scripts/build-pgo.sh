#!/usr/bin/env bash
# Builds the release binaries with GCC profile-guided optimization:
#   scripts/build-pgo.sh [build-dir]        (default build/release-pgo)
# 1. an instrumented build (OPENTRACK_PGO=GENERATE, cmake/Pgo.cmake);
# 2. a training run on the first half of the sample events: the mapper's
#    benchmark (its steady state, as the loader runs it), `opentrack
#    transform` (the planning path), then `opentrack serve` on its built-in
#    emulator driven by the load generator with /v1/track and /v1/batch
#    (HTTP API, spool, loader);
# 3. the same build directory rebuilt with the profile (OPENTRACK_PGO=USE).
# The second half of the sample is never trained on, so benchmarks can be read
# on events the profile has not seen (docs/performance.md, "Profile-guided").
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release-pgo}
EVENTS=${OPENTRACK_SAMPLE_EVENTS:-../shared/data/events-sample.ndjson}
JOBS=${JOBS:-$(nproc)}
PROFILE=$(realpath -m "$BUILD/pgo-profile")
TRAINING=$(realpath -m "$BUILD/pgo-training.ndjson")

configure() {
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DOPENTRACK_BUILD_TESTS=OFF \
    -DOPENTRACK_BUILD_BENCH=ON -DOPENTRACK_PGO="$1" -DOPENTRACK_PGO_DIR="$PROFILE" >/dev/null
}

echo "== 1/3 instrumented build in $BUILD"
rm -rf "$PROFILE"
configure GENERATE
cmake --build "$BUILD" -j "$JOBS" --target opentrack opentrack_loadgen transform_bench

echo "== 2/3 training on the first half of $EVENTS"
total=$(wc -l <"$EVENTS")
head -n $((total / 2)) "$EVENTS" >"$TRAINING"
OPENTRACK_SAMPLE_EVENTS="$TRAINING" "$BUILD/bench/transform_bench" --benchmark_min_time=1 >/dev/null
"$BUILD/src/cli/opentrack" transform <"$TRAINING" >/dev/null
OPENTRACK_SAMPLE_EVENTS="$TRAINING" REPEAT=1 bench/loadgen/run_http_bench.sh "$BUILD" 5 shared
profiles=$(find "$PROFILE" -name '*.gcda' | wc -l)
[ "$profiles" -gt 0 ] || { echo "training wrote no profile to $PROFILE" >&2; exit 1; }
echo "training wrote $profiles profiles"

echo "== 3/3 optimized build"
configure USE
cmake --build "$BUILD" -j "$JOBS"
echo "built $BUILD/src/cli/opentrack with profile-guided optimization"
