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
cd "$ROOT" || exit 1
SWIFT=${SWIFT:-swift}
TEST_BOARDS=${TEST_BOARDS:-aarch64}
TEST_FUZZ_SECONDS=${TEST_FUZZ_SECONDS:-20}

NAMES=() RESULTS=() TIMES=()
passed=0 failed=0
PIPELINE_START=$SECONDS

banner() {
    echo
    echo "=================================================================="
    echo "== stage: $1"
    echo "==   \$ $2"
    echo "=================================================================="
}

# record NAME RC SECONDS: a stage's result, in the summary and on its line.
record() {
    local name=$1 rc=$2 took=$3
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

# stage NAME COMMAND...: runs one stage and records its result and time.
stage() {
    local name=$1; shift
    local start=$SECONDS rc=0
    banner "$name" "$*"
    "$@" || rc=$?
    record "$name" "$rc" $(( SECONDS - start ))
}

# Board builds (Embedded Swift, ~5 min each) are mostly one chain of
# module compiles (Resolver waits for every module below it), so a build
# keeps about one core busy: two at once, beside the fuzz stage, take half
# the time of one after another on CI's two cores. Each lane builds its
# boards in turn, logging to $BOARD_LOGS/<board>.log, and the board stages
# are reported in order once the lanes end (`report_board`).
BOARD_LOGS="${OUT:-out}/pipeline-boards"
LANES=()
# lane_item ITEM: builds a board, or tls13 (sprigd on mbedTLS 3.6);
# lane_command ITEM says how, for the stage's banner.
lane_item() {
    if [ "$1" = tls13 ]; then bash Tests/tools/tls13.sh --build-only; else bash Board/build.sh "$1"; fi
}
lane_command() {
    if [ "$1" = tls13 ]; then echo "bash Tests/tools/tls13.sh --build-only"; else echo "bash Board/build.sh $1"; fi
}
start_board_lane() {
    (
        for b in "$@"; do
            start=$SECONDS rc=0
            lane_item "$b" > "$BOARD_LOGS/$b.log" 2>&1 || rc=$?
            echo "$rc $(( SECONDS - start ))" > "$BOARD_LOGS/$b.result"
        done
    ) &
    LANES+=($!)
}

# report_board STAGE ITEM: the lane's log and result, as a stage.
report_board() {
    local rc took
    banner "$1" "$(lane_command "$2")   (in a background lane; its own time)"
    cat "$BOARD_LOGS/$2.log" 2>/dev/null
    read -r rc took < "$BOARD_LOGS/$2.result" 2>/dev/null || { rc=1; took=0; echo "no result: the lane died"; }
    record "$1" "$rc" "$took"
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
# Every test board's C toolchain and libraries, named package by package
# when one is missing, before any board stage spends minutes on Swift.
# shellcheck disable=SC2086
stage board-toolchains bash Board/preflight.sh $TEST_BOARDS
# The host's Embedded build (embedded-check), the test boards and the
# mbedTLS 3.6 build of sprigd (TLS 1.3), in two lanes, while the fuzz
# stage runs.
rm -rf "$BOARD_LOGS" && mkdir -p "$BOARD_LOGS"
read -r -a boards <<< "$TEST_BOARDS"
lane_a=(x86_64) lane_b=(tls13)
for i in "${!boards[@]}"; do
    if [ $((i % 2)) -eq 0 ]; then lane_b+=("${boards[$i]}"); else lane_a+=("${boards[$i]}"); fi
done
start_board_lane "${lane_a[@]}"
[ ${#lane_b[@]} -eq 0 ] || start_board_lane "${lane_b[@]}"
stage fuzz env FUZZ_SECONDS="$TEST_FUZZ_SECONDS" bash Tests/Fuzz/run.sh
wait "${LANES[@]}"
if report_board embedded-check x86_64; then
    stage embedded-smoke env SMOKE_QUERY=1 bash Board/qemu-smoke.sh x86_64   # native, no qemu
fi
for b in "${boards[@]}"; do
    if report_board "board-$b" "$b"; then
        stage "qemu-smoke-$b" env SMOKE_QUERY=1 bash Board/qemu-smoke.sh "$b"
    fi
done
if [ -f Tests/Integration/run.sh ]; then
    # sprigd modes whose rows the suite checks (see Tests/Integration/README.md).
    stage integration bash Tests/Integration/run.sh --sprigd "$ROOT/.build/debug/sprigd" \
        --sprigd-ready "${SPRIGD_READY:-forward,recursive,dnssec}"
    # The DoT tests again, on sprigd built against mbedTLS 3.6 (TLS 1.3;
    # strict requires it): built in a lane above, so this is the tests.
    if report_board tls13-build tls13; then
        stage tls13 bash Tests/tools/tls13.sh
    fi
else
    echo
    echo "== stage integration: skipped (no Tests/Integration/run.sh yet)"
fi

summary
[ "$failed" -eq 0 ]
