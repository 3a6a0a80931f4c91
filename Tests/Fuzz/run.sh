#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (host only).
#
#   Tests/Fuzz/run.sh [NAME ...]     default: every Tests/Fuzz/Fuzz*.swift
#
# A target is one file Tests/Fuzz/<Name>.swift defining
# @_cdecl("LLVMFuzzerTestOneInput"). Its first line names the Sprig modules
# it needs, in dependency order (as in Board/build.sh):
#   // fuzz-modules: DNSWire Config
# (without that line: the Sources/<Module>/ folders its header comment
# names). If the target imports them (`import DNSWire`, `@testable import`),
# each is compiled as its own module; if not, the target is compiled in one
# module together with their sources. All with -sanitize=fuzzer,address.
# Seeds: Tests/Fuzz/corpus/<Name>/ (committed, read only; FuzzMessage's
# capture-* are real responses, Tests/Fuzz/capture_seeds.py); new inputs go to
# the scratch corpus out/fuzz/<Name>/corpus/. A crash, leak or timeout fails
# the run and prints the reproducer path.
#
# After the libFuzzer targets (when none are named), the daemon stream:
# Tests/Integration/tests_hostile.py sends seeded hostile queries at a
# running sprigd for FUZZ_SECONDS (needs root, NSD, BIND, ldns; the seed is
# printed, SPRIG_HOSTILE_SEED repeats a run).
#
# Environment: FUZZ_SECONDS (default 30) per target; FUZZ_RUNS (unset) stops
# a target after that many executions instead (the issue-20 bar is
# `FUZZ_RUNS=10000000`; FUZZ_SECONDS then only bounds the daemon stream,
# and FUZZ_RUNS_SECONDS_MAX, default a day, each target's time);
# OUT (default out);
# SPRIGD (default .build/debug/sprigd, built if missing).
set -euo pipefail

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
INPUT_TIMEOUT_SECONDS=10   # one input taking longer is a hang: a bug
MAX_INPUT_BYTES=65535      # the largest DNS message (TCP length prefix)
SWIFT_FUZZ_FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g)
# Swift's own crash backtracer trips ASan after a fatalError; libFuzzer's
# report is the one we want.
export SWIFT_BACKTRACE=enable=no

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT_ROOT=${OUT:-out}
FUZZ_OUT="$OUT_ROOT/fuzz"
MODS="$FUZZ_OUT/modules"

die() { echo "fuzz: FAIL: $*" >&2; exit 1; }

if [ $# -gt 0 ]; then
    TARGETS=("$@")
else
    TARGETS=()
    for f in Tests/Fuzz/Fuzz*.swift; do
        [ -e "$f" ] && TARGETS+=("$(basename "$f" .swift)")
    done
fi
if [ ${#TARGETS[@]} -eq 0 ]; then
    echo "fuzz: no Tests/Fuzz/Fuzz*.swift targets; nothing to run"
    exit 0
fi

rm -rf "$MODS"
mkdir -p "$MODS"
# C modules: every module map under Sources/C*/.
C_MODULE_DIRS=()
for map in $(find Sources -path 'Sources/C*' -name module.modulemap | LC_ALL=C sort); do
    C_MODULE_DIRS+=(-I "$(dirname "$map")")
done
BUILT=" "   # modules compiled in this run

# Compiles Sprig module $1 into $MODS (.o and .swiftmodule), once per run.
build_module() {
    local m=$1 srcs
    case "$BUILT" in *" $m "*) return 0 ;; esac
    [ -d "Sources/$m" ] || die "fuzz-modules names $m, but Sources/$m does not exist"
    mapfile -t srcs < <(find "Sources/$m" -maxdepth 1 -name '*.swift' ! -name main.swift | LC_ALL=C sort)
    swiftc "${SWIFT_FUZZ_FLAGS[@]}" -wmo -enable-testing -module-name "$m" \
        "${C_MODULE_DIRS[@]}" -I "$MODS" \
        -emit-module -emit-module-path "$MODS/$m.swiftmodule" \
        -c "${srcs[@]}" -o "$MODS/$m.o"
    BUILT="$BUILT$m "
}

# Compiles C target $1 (Sources/$1/*.c: CPlatform, CNettle) once into
# $MODS/c-$1-*.o.
build_c_target() {
    local target=$1 c
    case "$BUILT" in *" $target "*) return 0 ;; esac
    for c in Sources/"$target"/*.c; do
        clang -O1 -g -fsanitize=fuzzer-no-link,address -I "Sources/$target/include" \
            -c "$c" -o "$MODS/c-$target-$(basename "$c" .c).o"
    done
    BUILT="$BUILT$target "
}

# Prints the Sprig modules target file $1 needs: its "// fuzz-modules: A B"
# line in the leading comment block, else the Sources/<Module>/ folders that
# block mentions.
target_modules() {
    local file=$1 header line mods
    header=$(awk '/^\/\// { print; next } { exit }' "$file")
    if line=$(grep -m1 '^// fuzz-modules:' <<< "$header"); then
        echo "${line#// fuzz-modules:}"
        return 0
    fi
    mods=$(grep -o 'Sources/[A-Za-z0-9_]*/' <<< "$header" | cut -d/ -f2 | awk '!seen[$0]++' | tr '\n' ' ' || true)
    [ -n "$mods" ] || die "$file: add a first line '// fuzz-modules: Module ...'"
    echo "fuzz: $file has no '// fuzz-modules:' line; using the Sources/ folders its header names: $mods" >&2
    echo "$mods"
}

# Builds target $1 into $FUZZ_OUT/$1/$1. If the target imports its modules,
# each is compiled as its own module; otherwise the target is compiled in
# one module together with all their sources (no import needed).
build_target() {
    local name=$1 file="Tests/Fuzz/$1.swift" mods m objs=() libs=() srcs=() imports=0
    [ -f "$file" ] || die "no fuzz target $file"
    mods=$(target_modules "$file")
    for m in $mods; do
        [ -d "Sources/$m" ] || die "$file names module $m, but Sources/$m does not exist"
        grep -qE "^[[:space:]]*(@testable[[:space:]]+)?import[[:space:]]+$m\b" "$file" && imports=1
    done
    for m in $mods; do
        if [ "$imports" = 1 ]; then
            build_module "$m"
            objs+=("$MODS/$m.o")
        else
            mapfile -t -O "${#srcs[@]}" srcs < <(find "Sources/$m" -maxdepth 1 -name '*.swift' ! -name main.swift | LC_ALL=C sort)
        fi
        if [ "$m" = Platform ]; then build_c_target CPlatform; objs+=("$MODS"/c-CPlatform-*.o); fi
        if [ "$m" = Crypto ]; then
            build_c_target CNettle
            objs+=("$MODS"/c-CNettle-*.o)
            libs+=(-lhogweed -lnettle -lgmp -lsodium)
        fi
    done
    local module_name=$name
    [ "$imports" = 1 ] || module_name=$(set -- $mods; echo "$1")
    mkdir -p "$FUZZ_OUT/$name"
    # The gold linker's "Cannot export local symbol" warnings are harmless.
    swiftc "${SWIFT_FUZZ_FLAGS[@]}" "${C_MODULE_DIRS[@]}" -I "$MODS" \
        -module-name "$module_name" "${srcs[@]}" "$file" "${objs[@]}" "${libs[@]}" \
        -o "$FUZZ_OUT/$name/$name" 2> >(grep -v 'Cannot export local symbol' >&2)
}

# Runs target $1 for FUZZ_SECONDS (or FUZZ_RUNS executions); returns
# non-zero when it found a bug.
run_target() {
    local name=$1 dir="$FUZZ_OUT/$1" seeds="Tests/Fuzz/corpus/$1" rc=0
    mkdir -p "$dir/corpus" "$dir/crashes"
    rm -f "$dir/crashes"/*
    local corpora=("$dir/corpus")
    [ -d "$seeds" ] && corpora+=("$seeds")
    local bound=(-max_total_time="$FUZZ_SECONDS")
    [ -n "${FUZZ_RUNS:-}" ] && bound=(-runs="$FUZZ_RUNS" -max_total_time="${FUZZ_RUNS_SECONDS_MAX:-86400}")
    local started=$SECONDS
    "$dir/$name" "${bound[@]}" -timeout="$INPUT_TIMEOUT_SECONDS" \
        -max_len="$MAX_INPUT_BYTES" -print_final_stats=1 \
        -artifact_prefix="$dir/crashes/" "${corpora[@]}" > "$dir/log.txt" 2>&1 || rc=$?
    local runs
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log.txt" | grep -o '[0-9]*$' || echo "?")
    if [ "$rc" -ne 0 ]; then
        echo "  $name: FAILED (exit $rc after ${runs} runs); log: $dir/log.txt"
        grep -E '^==[0-9]+==ERROR|^SUMMARY|Fatal error|deadly signal|timeout' "$dir/log.txt" | head -5 | sed 's/^/    /'
        for a in "$dir/crashes"/*; do
            [ -e "$a" ] && echo "    reproducer: $a   (re-run: $dir/$name $a)"
        done
        return 1
    fi
    echo "  $name: ok (${runs} runs in $(( SECONDS - started ))s, corpus $(ls "$dir/corpus" | wc -l) new inputs)"
}

# Hostile queries at the running daemon for FUZZ_SECONDS (at most 2,000 a
# second). Returns non-zero when the daemon died or a name changed.
run_daemon_stream() {
    local missing="" tool sprigd=${SPRIGD:-$ROOT/.build/debug/sprigd}
    local seed=${SPRIG_HOSTILE_SEED:-$(( $(date +%s) % 100000 ))}
    for tool in nsd named ldns-signzone dig unshare; do
        command -v "$tool" >/dev/null || missing="$missing $tool"
    done
    if [ "$(id -u)" -ne 0 ] || [ -n "$missing" ]; then
        echo "  daemon stream: SKIPPED (needs root and:${missing:- nothing}; Tests/tools/deps.sh --all)"
        return 0
    fi
    if [ ! -x "$sprigd" ]; then
        ${SWIFT:-swift} build --product sprigd >/dev/null
        sprigd="$ROOT/.build/debug/sprigd"
    fi
    local log="$FUZZ_OUT/daemon-stream.log" rc=0
    mkdir -p "$FUZZ_OUT"
    SPRIG_HOSTILE_SECONDS="$FUZZ_SECONDS" SPRIG_HOSTILE_QUERIES=$(( FUZZ_SECONDS * 2000 )) \
        SPRIG_HOSTILE_SEED="$seed" bash Tests/Integration/run.sh --sprigd "$sprigd" \
        --sprigd-ready forward,recursive,dnssec --filter hostile. > "$log" 2>&1 || rc=$?
    grep -E '^hostile:|^(PASS|FAIL) ' "$log" | sed 's/^/  /' || true
    if [ "$rc" -ne 0 ]; then
        echo "  daemon stream: FAILED (seed $seed); log: $log"
        return 1
    fi
    echo "  daemon stream: ok (seed $seed, ${FUZZ_SECONDS}s)"
}

failed=0
for t in "${TARGETS[@]}"; do
    echo "fuzz: building $t"
    build_target "$t"
done
for t in "${TARGETS[@]}"; do
    echo "fuzz: running $t for ${FUZZ_SECONDS}s"
    run_target "$t" || failed=$((failed + 1))
done
stages=${#TARGETS[@]}
if [ $# -eq 0 ]; then
    echo "fuzz: hostile queries at the running sprigd for ${FUZZ_SECONDS}s"
    stages=$((stages + 1))
    run_daemon_stream || failed=$((failed + 1))
fi
[ "$failed" -eq 0 ] || die "$failed of $stages fuzz stages found a bug"
echo "fuzz: $stages stages passed"
