# Sprig — build, run and test. `make run` and `make test` are the two
# commands a newcomer needs; both install their Debian packages first.
# Router builds: Board/README.md. The test pipeline: Tests/tools/pipeline.sh.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= Config/sprig.dev
# Board for `make board` / `make qemu-smoke`: a file Board/$(BOARD).conf.
BOARD ?= aarch64
BOARDS := $(sort $(basename $(notdir $(wildcard Board/*.conf))))
# Boards `make test` cross-builds and smoke-tests under qemu (~10 s each).
TEST_BOARDS ?= aarch64 armv7hf mipsel
# Seconds per fuzz target: `make fuzz`, and the bounded run in `make test`.
FUZZ_SECONDS ?= 30
# Executions per fuzz target instead of seconds (`make fuzz FUZZ_RUNS=10000000`).
FUZZ_RUNS ?=
TEST_FUZZ_SECONDS ?= 20
OUT ?= out
export OUT SWIFT TEST_BOARDS TEST_FUZZ_SECONDS

.PHONY: all deps deps-host build run test unit embedded-check board boards \
	qemu-smoke fuzz integration clean test-tls13

all: build

deps-host:
	@bash Tests/tools/deps.sh

deps:
	@bash Tests/tools/deps.sh --all

build: deps-host
	$(SWIFT) build -c release

# Runs sprigd in the foreground on 127.0.0.1:5353 with the development config.
run: build
	.build/release/sprigd -c $(CONFIG)

# Every stage below, with a banner and time each, ending "N passed, M failed".
test:
	@bash Tests/tools/pipeline.sh

unit: deps-host
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The TLS 1.3 path (mbedTLS 3.x, as OpenWrt ships; Debian 12 has 2.28):
# mbedTLS 3.6 built into out/mbedtls-3.6 (cached), sprigd against it in
# .build-mbedtls3, the DoT integration tests on it (Tests/tools/tls13.sh).
# ~8 min from clean on 2 cores (~2 min cached); `make test` builds it in a
# background lane and runs the tests as its `tls13` stage.
test-tls13: deps
	@bash Tests/tools/tls13.sh

# All of Sources/ in Embedded mode for the host, linked: catches Embedded
# violations in seconds (out/x86_64/).
embedded-check: deps-host
	@bash Board/build.sh x86_64

# Stripped router binaries for one board in out/$(BOARD)/ (sizes printed).
board: deps
	@bash Board/build.sh $(BOARD)

boards: deps
	@for b in $(BOARDS); do bash Board/build.sh $$b || exit 1; done

qemu-smoke: board
	@bash Board/qemu-smoke.sh $(BOARD)

fuzz: deps-host
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) bash Tests/Fuzz/run.sh

integration:
	@if [ -f Tests/Integration/run.sh ]; then bash Tests/Integration/run.sh; \
	else echo "integration: no Tests/Integration/run.sh yet"; fi

clean:
	rm -rf .build .build-* $(OUT)

# --- demo (Tests/Integration/README.md) ---------------------------------------
# A signed DNS hierarchy served by NSD on 127.53.0.0/24, a few dig answers
# through DEMO_RESOLVER, then every process stops (private network namespace).
# DEMO_RESOLVER: sprigd (recursive from the hierarchy's root hints; the
# default), sprigd-forward (sprigd forwarding to Unbound) or unbound.
DEMO_RESOLVER ?= sprigd
DEMO_USES_SPRIGD := $(filter sprigd%,$(DEMO_RESOLVER))
.PHONY: demo
demo: deps $(if $(DEMO_USES_SPRIGD),build)
	@Tests/Integration/netns.sh python3 Tests/Integration/demo.py --resolver $(DEMO_RESOLVER) \
		$(if $(DEMO_USES_SPRIGD),--sprigd $(CURDIR)/.build/release/sprigd)

# --- bench (Tests/Bench/README.md) --------------------------------------------
# Cache-hit load (dnsperf), RSS and allocations per query, binary sizes: a C
# floor, Unbound, dnsmasq, sprigd (host and Embedded builds) on 127.77.0.0/24;
# cold-cache recursive latency and recursive cache hits against Unbound on the
# integration hierarchy (127.53.x). Prints tables; writes $(OUT)/bench/results.txt
# and results.json. ~7 min.
# BENCH_BUILD=0 measures the existing .build/release/sprigd without rebuilding.
BENCH_BUILD ?= 1
.PHONY: bench
bench: deps
	@if [ "$(BENCH_BUILD)" = 1 ]; then $(SWIFT) build -c release --product sprigd || \
		echo "bench: sprigd did not build; measuring the others"; fi
	@python3 Tests/Bench/bench.py

# --- root hints (Sources/Hints/RootTables.swift) -------------------------------
# Regenerates the compiled-in root table from Config/root.hints and
# Config/root.key; commit the result. `make test` checks it is up to date
# (HintsTests.RootTableTests compares it with the parsed text files).
.PHONY: gen-root-tables
gen-root-tables:
	python3 Board/gen-root-tables.py Config/root.hints Config/root.key Sources/Hints/RootTables.swift
