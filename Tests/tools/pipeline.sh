#!/usr/bin/env bash
# The `make test` pipeline: runs every stage in order, prints a banner and
# the time of each, a summary table, and ends with the plain line
# "N passed, M failed" (stages) that CI reads. Exits non-zero if any stage
# failed. A failed stage does not stop later ones (more diagnosis per CI
# run), except `deps`: without packages nothing else can pass.
#
#   Tests/tools/pipeline.sh
#
# Environment (set by the Makefile): SWIFT, TEST_BOARDS, TEST_FUZZ_SECONDS.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SWIFT=${SWIFT:-swift}
TEST_BOARDS=${TEST_BOARDS:-aarch64}
TEST_FUZZ_SECONDS=${TEST_FUZZ_SECONDS:-20}

NAMES=() RESULTS=() TIMES=()
passed=0 failed=0
PIPELINE_START=$SECONDS

# stage NAME COMMAND...: runs one stage and records its result and time.
stage() {
    local name=$1; shift
    local start=$SECONDS rc=0
    echo
    echo "=================================================================="
    echo "== stage: $name"
    echo "==   \$ $*"
    echo "=================================================================="
    "$@" || rc=$?
    local took=$(( SECONDS - start ))
    NAMES+=("$name") TIMES+=("$took")
    if [ "$rc" -eq 0 ]; then
        RESULTS+=(passed); passed=$((passed + 1))
        echo "== stage $name: passed in ${took}s"
    else
        RESULTS+=("FAILED (exit $rc)"); failed=$((failed + 1))
        echo "== stage $name: FAILED (exit $rc) after ${took}s"
    fi
    return "$rc"
}

summary() {
    echo
    echo "=================================================================="
    echo "== test summary (total $(( SECONDS - PIPELINE_START ))s)"
    local i
    for i in "${!NAMES[@]}"; do
        printf '==   %-24s %-18s %5ss\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}"
    done
    echo "=================================================================="
    echo "$passed passed, $failed failed"
}

if ! stage deps bash Tests/tools/deps.sh --all; then
    summary
    exit 1
fi
stage unit-build "$SWIFT" build --build-tests
stage unit-test "$SWIFT" test --skip-build
# The OpenWrt package's scripts (~1 s): shellcheck, the init script under a
# procd shim, the default /etc/config/sprig through check-config.
stage openwrt-package bash Tests/Board/openwrt-init-test.sh "$ROOT/.build/debug"
# The optimised daemon: the integration suite's allocation seal runs on it.
stage release-build "$SWIFT" build -c release --product sprigd
if stage embedded-check bash Board/build.sh x86_64; then
    stage embedded-smoke env SMOKE_QUERY=1 bash Board/qemu-smoke.sh x86_64   # native, no qemu
fi
# Every test board's C toolchain and libraries, named package by package
# when one is missing, before any board stage spends minutes on Swift.
# shellcheck disable=SC2086
stage board-toolchains bash Board/preflight.sh $TEST_BOARDS
for b in $TEST_BOARDS; do
    if stage "board-$b" bash Board/build.sh "$b"; then
        stage "qemu-smoke-$b" env SMOKE_QUERY=1 bash Board/qemu-smoke.sh "$b"
    fi
done
stage fuzz env FUZZ_SECONDS="$TEST_FUZZ_SECONDS" bash Tests/Fuzz/run.sh
if [ -f Tests/Integration/run.sh ]; then
    # sprigd modes whose rows the suite checks (see Tests/Integration/README.md).
    stage integration bash Tests/Integration/run.sh --sprigd "$ROOT/.build/debug/sprigd" \
        --sprigd-ready "${SPRIGD_READY:-forward,recursive,dnssec}"
else
    echo
    echo "== stage integration: skipped (no Tests/Integration/run.sh yet)"
fi

summary
[ "$failed" -eq 0 ]
