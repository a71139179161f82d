# Entry points. `make run` and `make test` are the two README commands; both
# install what is missing first, so they work on a fresh Debian 12 machine.
BUILD_DIR   ?= build/dev
BUILD_TYPE  ?= RelWithDebInfo
JOBS        ?= $(shell nproc)
OPENTRACK    = $(BUILD_DIR)/src/cli/opentrack

.PHONY: deps configure build run test test-asan bench release-pgo fuzz fuzz-smoke format clean

deps:
	bash scripts/install-deps.sh

# Benchmarks are built too: they must keep compiling, and the load
# generator's response parser has tests.
configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DOPENTRACK_BUILD_BENCH=ON

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Runs the collector on its local default: the built-in BigQuery emulator.
run: build
	$(OPENTRACK) serve

# Every test: fuzzers for a few seconds each, the unit suites under
# ASan+UBSan, then the whole suite (unit, emulator, end-to-end, npm clients).
test: build
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory test-asan
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600

# Unit and emulator tests under AddressSanitizer + UBSan (end-to-end tests,
# which time real processes, run in the plain build).
test-asan: deps
	cmake --preset asan-ubsan
	cmake --build --preset asan-ubsan -j $(JOBS)
	ctest --preset asan-ubsan -j $(JOBS) --timeout 900 -LE 'e2e|clients'

# Builds the libFuzzer targets with clang and runs each for a short while on
# its seed corpus: a smoke test, not a campaign.
FUZZ_SECONDS ?= 20
fuzz-smoke: fuzz
	for name in $(FUZZERS:_fuzzer=); do \
	  work=$$(mktemp -d); corpus=fuzz/corpus/$$name; \
	  build/fuzz/fuzz/$${name}_fuzzer -max_total_time=$(FUZZ_SECONDS) $$work \
	    $$( [ -d $$corpus ] && echo $$corpus ) > $$work.log 2>&1 \
	    || { tail -40 $$work.log; exit 1; }; \
	  echo "$$name: $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' $$work.log)"; \
	  rm -rf $$work $$work.log; \
	done

bench: deps
	cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DOPENTRACK_BUILD_TESTS=OFF -DOPENTRACK_BUILD_BENCH=ON
	cmake --build build/release -j $(JOBS)

# Release binaries built with GCC profile-guided optimization in
# build/release-pgo (two builds and a short training run, scripts/build-pgo.sh).
release-pgo: deps
	JOBS=$(JOBS) bash scripts/build-pgo.sh build/release-pgo

FUZZERS = segment_request_fuzzer http_api_request_fuzzer spool_reader_fuzzer warehouse_mapping_fuzzer

fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS) --target $(FUZZERS)

format:
	find src bench fuzz tests -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build
