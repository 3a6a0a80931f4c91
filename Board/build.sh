#!/usr/bin/env bash
# Builds the router binaries (sprigd, sprig) for one board with Embedded
# Swift: every module under Sources/ compiled directly with swiftc, in the
# order below, the C shim with the board's own cross gcc, linked statically
# with lld and stripped. Output and sizes go to out/<board>/.
#
#   Board/build.sh BOARD        BOARD names Board/BOARD.conf
#
# Environment: OUT (default out), LINK_MODE=static|dynamic (default static),
# SWIFT_OPT (default -Osize).
set -euo pipefail

# Swift modules in dependency order: each may import only modules above it.
# Adding a module is one line here. A module whose folder has main.swift is
# an executable: main.swift is the host entry and is skipped; Board/main.c
# calls its @_cdecl("<module>_entry") function instead.
MODULES=(
    DNSWire
    Config
    Platform
    Crypto
    Fixed
    Cache
    LocalData
    Hints
    Transport
    Validator
    Resolver
    Server
    sprigd
    sprig
)

# STATIC_LIBS, SHARED_HEADERS, ARCH_HEADERS: the C libraries every executable links.
# shellcheck source=Board/libraries.sh
. "$(dirname "$0")/libraries.sh"
# C targets compiled with the board's gcc (each has an include/ folder).
C_TARGETS=(CPlatform CNettle CMbedTLS)

die() { echo "board: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: Board/build.sh BOARD"
BOARD=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# BOARD_CONF: a board file elsewhere (the OpenWrt package writes one from
# its SDK's variables, Board/openwrt/sdk-board.sh); BOARD then only names
# the output folder.
CONF=${BOARD_CONF:-"$ROOT/Board/$BOARD.conf"}
[ -f "$CONF" ] || die "no board file $CONF (have: $(cd "$ROOT/Board" && ls *.conf | sed 's/\.conf$//' | tr '\n' ' '))"
IR_RETARGET="" IR_TRIPLE="" IR_DATALAYOUT="" IR_CLANG_FLAGS="" SYSROOT_INCLUDE="" LIB_DIR="" LIB_INCLUDE=""
# shellcheck source=/dev/null
. "$CONF"

OUT_ROOT=${OUT:-out}
case "$OUT_ROOT" in /*) ;; *) OUT_ROOT="$ROOT/$OUT_ROOT" ;; esac
OUT_DIR="$OUT_ROOT/$BOARD"
OBJ="$OUT_DIR/obj"
MODS="$OUT_DIR/modules"
LINK_MODE=${LINK_MODE:-static}
SWIFT_OPT=${SWIFT_OPT:--Osize}
case "$SWIFT_OPT" in -Osize) CLANG_OPT=-Os ;; -Onone) CLANG_OPT=-O0 ;; *) CLANG_OPT=-O2 ;; esac
TOOLBIN=$(dirname "$(readlink -f "$(command -v swiftc)")")
CC="${CROSS}gcc"
# The toolchain and libraries first: a missing package is named in a second,
# not found as a compiler error after minutes of Swift.
# SKIP_PREFLIGHT=1: an SDK build, whose toolchain is not Debian's.
if [ "${SKIP_PREFLIGHT:-0}" != 1 ]; then
    bash "$ROOT/Board/preflight.sh" "$BOARD" || die "the $BOARD toolchain is incomplete (see above)"
fi
# Where the C libraries and their headers are: Debian multiarch unless the
# board file says (LIB_DIR, LIB_INCLUDE: an OpenWrt SDK's staging dir).
LIB_DIR=${LIB_DIR:-/usr/lib/$MULTIARCH}
SHARED_INCLUDE=${LIB_INCLUDE:-/usr/include}
ARCH_INCLUDE=${LIB_INCLUDE:-/usr/include/$MULTIARCH}

cd "$ROOT"
rm -rf "$OBJ" "$MODS"
mkdir -p "$OBJ" "$MODS" "$OUT_DIR/include"
for h in "${SHARED_HEADERS[@]}"; do
    [ -e "$SHARED_INCLUDE/$h" ] || die "$SHARED_INCLUDE/$h missing (run Tests/tools/deps.sh)"
    ln -sfn "$SHARED_INCLUDE/$h" "$OUT_DIR/include/$h"
done
for h in "${ARCH_HEADERS[@]}"; do
    [ -e "$ARCH_INCLUDE/$h" ] || die "$ARCH_INCLUDE/$h missing (run Tests/tools/deps.sh --all)"
    ln -sfn "$ARCH_INCLUDE/$h" "$OUT_DIR/include/$h"
done
for d in Sources/*/; do
    m=$(basename "$d")
    case " ${MODULES[*]} " in *" $m "*) continue ;; esac
    if compgen -G "$d*.swift" > /dev/null; then
        echo "board: warning: Sources/$m is not in MODULES of Board/build.sh; not built" >&2
    fi
done

# --- Swift flags -----------------------------------------------------------
SWIFTFLAGS=(
    -enable-experimental-feature Embedded -wmo "$SWIFT_OPT" -parse-as-library
    -target "$SWIFT_TARGET"
    -Xfrontend -clang-target -Xfrontend "$LINUX_TRIPLE"
    -Xfrontend -function-sections
    -I "$MODS"
    -Xcc -isystem -Xcc "$OUT_DIR/include"
)
# C modules: every module map under Sources/C*/ (system libraries, CPlatform).
for map in $(find Sources -path 'Sources/C*' -name module.modulemap | LC_ALL=C sort); do
    SWIFTFLAGS+=(-I "$(dirname "$map")")
done
if [ -n "$SYSROOT_INCLUDE" ]; then
    # Cross libc headers only: no host /usr/include behind them either.
    SWIFTFLAGS+=(-Xcc -nostdlibinc -Xcc -isystem -Xcc "$SYSROOT_INCLUDE")
fi
for f in $SWIFT_CC_FLAGS; do SWIFTFLAGS+=(-Xcc "$f"); done

CFLAGS=(-Os -ffunction-sections -fdata-sections $BOARD_CFLAGS)
for t in "${C_TARGETS[@]}"; do CFLAGS+=(-I "Sources/$t/include"); done
CFLAGS+=(-isystem "$OUT_DIR/include")

# Sources of a module: every *.swift in its folder, except an executable's
# host-only main.swift.
module_sources() {
    find "Sources/$1" -maxdepth 1 -name '*.swift' ! -name main.swift | LC_ALL=C sort
}
is_executable() { [ -f "Sources/$1/main.swift" ]; }

# Compiles module $1 to $OBJ/$1.o (and its .swiftmodule for library modules).
compile_module() {
    local m=$1 srcs
    mapfile -t srcs < <(module_sources "$m")
    [ ${#srcs[@]} -gt 0 ] || die "module $m has no Swift sources"
    local modflags=(-module-name "$m")
    is_executable "$m" || modflags+=(-emit-module -emit-module-path "$MODS/$m.swiftmodule")
    # Diagnostics kept: a warning that Swift 6 mode makes an error (a member
    # used from a module the file does not import) fails the build now.
    local diag="$OBJ/$m.diagnostics"
    if [ -z "$IR_RETARGET" ]; then
        swiftc "${SWIFTFLAGS[@]}" "${modflags[@]}" -c "${srcs[@]}" -o "$OBJ/$m.o" 2> "$diag" \
            || { cat "$diag" >&2; die "module $m does not compile"; }
    else
        swiftc "${SWIFTFLAGS[@]}" "${modflags[@]}" -emit-ir "${srcs[@]}" -o "$OBJ/$m.ll" 2> "$diag" \
            || { cat "$diag" >&2; die "module $m does not compile"; }
        retarget_ir "$OBJ/$m.ll" "$OBJ/$m.retargeted.ll"
        clang $IR_CLANG_FLAGS "$CLANG_OPT" -ffunction-sections -fdata-sections \
            -Wno-override-module -c "$OBJ/$m.retargeted.ll" -o "$OBJ/$m.o"
    fi
    cat "$diag" >&2
    if grep -q "error in the Swift 6 language mode" "$diag"; then
        die "module $m: Embedded-mode warnings that are errors in Swift 6 (see above)"
    fi
}

# Rewrites LLVM IR made for the stand-in target so clang compiles it for the
# board: datalayout and triple, no CPU/feature attributes of the stand-in,
# and `protected` visibility (not supported for MIPS executables) as hidden.
retarget_ir() {
    IR_TRIPLE="$IR_TRIPLE" IR_DATALAYOUT="$IR_DATALAYOUT" perl -pe '
        s/^target datalayout = .*/target datalayout = "$ENV{IR_DATALAYOUT}"/;
        s/^target triple = .*/target triple = "$ENV{IR_TRIPLE}"/;
        s/ "target-(?:cpu|features|abi)"="[^"]*"//g;
        s/^((?:\@"[^"]*"|\@[-\w.\$]+) = (?:\w+ )*?)protected /$1hidden /;
        s/^((?:define|declare) (?:\w+ )*?)protected /$1hidden /;
        s/^(!\d+ = !\{i32 \d+, !")target-abi"/$1sprig-unused-target-abi"/;
    ' "$1" > "$2"
}

# --- compile ----------------------------------------------------------------
echo "board $BOARD: $BOARD_DESC"
for t in "${C_TARGETS[@]}"; do
    for c in "Sources/$t"/*.c; do
        "$CC" "${CFLAGS[@]}" -c "$c" -o "$OBJ/c-$t-$(basename "$c" .c).o"
    done
done
LIB_OBJS=("$OBJ"/c-*.o)
EXECUTABLES=()

# Modules compile in parallel (JOBS at once) as soon as the modules they
# import are built; MODULES order is a valid build order.
JOBS=${JOBS:-$(nproc)}
declare -A PID_OF=() STATUS_OF=()
running=0
imports_of() {
    module_sources "$1" | xargs cat | sed -nE 's/^[[:space:]]*(@[_A-Za-z]+[[:space:]]+)*import[[:space:]]+([A-Za-z_][A-Za-z0-9_]*).*/\2/p' | sort -u
}
reap_one() {
    local pid rc=0
    wait -n -p pid || rc=$?
    STATUS_OF[$pid]=$rc
    running=$((running - 1))
}
# Waits until module $1 is built; stops the build if it failed.
wait_for() {
    local pid=${PID_OF[$1]}
    while [ -z "${STATUS_OF[$pid]+set}" ]; do reap_one; done
    if [ "${STATUS_OF[$pid]}" -ne 0 ]; then
        cat "$OBJ/$1.log" >&2
        jobs -p | xargs -r kill 2>/dev/null || true
        die "module $1 failed to compile"
    fi
}
for m in "${MODULES[@]}"; do
    [ -d "Sources/$m" ] || die "module $m is listed in Board/build.sh but Sources/$m is missing"
    for dep in $(imports_of "$m"); do
        if [ -n "${PID_OF[$dep]+set}" ]; then wait_for "$dep"; fi
    done
    while [ "$running" -ge "$JOBS" ]; do reap_one; done
    (
        start=$SECONDS
        compile_module "$m" > "$OBJ/$m.log" 2>&1
        echo "  swiftc $m ($(( SECONDS - start ))s)" >> "$OBJ/$m.log"
    ) &
    PID_OF[$m]=$!
    running=$((running + 1))
    if is_executable "$m"; then EXECUTABLES+=("$m"); else LIB_OBJS+=("$OBJ/$m.o"); fi
done
for m in "${MODULES[@]}"; do
    wait_for "$m"
    cat "$OBJ/$m.log"
done

# Unicode data tables (String ==, switch on String, hasPrefix, String keys
# in Dictionary/Set) do not exist for MIPS: fail early on every board,
# naming the Sprig functions that need them. UNICODE_TABLES=1 links the
# toolchain's tables instead where it has them (not MIPS): a stopgap only.
UNICODE_TABLES=${UNICODE_TABLES:-0}
UNICODE_LIB="$TOOLBIN/../lib/swift/embedded/$SWIFT_TARGET/libswiftUnicodeDataTables.a"
unicode_check() {
    local bad=0 m users
    for m in "${MODULES[@]}"; do
        "$TOOLBIN/llvm-nm" -u "$OBJ/$m.o" | grep -q '_swift_stdlib_' || continue
        bad=1
        users=$("${CROSS}readelf" -rW "$OBJ/$m.o" | awk -v prefix="\$e${#m}$m" '
            /^Relocation section/ {
                sec = $3; gsub(/'"'"'/, "", sec)
                if (sec !~ /^\.rela?\.text\./) { sec = ""; next }
                sub(/^\.rela?\.text\.(unlikely\.|hot\.|startup\.|exit\.)?/, "", sec); next
            }
            sec != "" && NF >= 5 { t = $5; sub(/@.*/, "", t); sub(/^\.text\.(unlikely\.)?/, "", t); from[n] = sec; to[n++] = t }
            END {
                for (i = 0; i < n; i++) if (to[i] ~ /^_swift_stdlib_/) needs[to[i]] = 1
                do { changed = 0
                    for (i = 0; i < n; i++) if ((to[i] in needs) && !(from[i] in needs)) { needs[from[i]] = 1; changed = 1 }
                } while (changed)
                for (f in needs) if (index(f, prefix) == 1) print f
            }' | swift-demangle --simplified | sort | head -20)
        echo "board: module $m uses Unicode-normalising String operations (no tables for MIPS):" >&2
        echo "${users:-  (functions not found; look for String ==, switch on String, hasPrefix)}" | sed 's/^/    /' >&2
    done
    [ "$bad" -eq 1 ] || return 0
    if [ "$UNICODE_TABLES" = 1 ] && [ -z "$IR_RETARGET" ] && [ -f "$UNICODE_LIB" ]; then
        echo "board: warning: UNICODE_TABLES=1: linking $(basename "$UNICODE_LIB") (this cannot work for MIPS)" >&2
        EXTRA_LIBS+=("$UNICODE_LIB")
        return 0
    fi
    die "compare bytes instead, e.g. s.utf8.elementsEqual(\"-c\".utf8); see Board/README.md"
}
EXTRA_LIBS=()
unicode_check

LIBS=()
if [ -n "$LIB_INCLUDE" ] && [ "$LINK_MODE" = dynamic ]; then
    # An SDK build: the router's shared libraries (libmbedtls.so & co.).
    # OpenWrt's nettle may carry mini-gmp, with no libgmp of its own.
    LIBS+=(-L"$LIB_DIR")
    for l in "${STATIC_LIBS[@]}"; do
        name=${l#lib}
        name=${name%.a}
        if [ "$name" = gmp ] && ! compgen -G "$LIB_DIR/libgmp.*" > /dev/null; then continue; fi
        LIBS+=("-l$name")
    done
else
    for l in "${STATIC_LIBS[@]}"; do
        [ -f "$LIB_DIR/$l" ] || die "$LIB_DIR/$l missing (run Tests/tools/deps.sh --all)"
        LIBS+=("$LIB_DIR/$l")
    done
fi

# --- link, strip, report ----------------------------------------------------
# mbedTLS's calloc/free go to the TLS arena (Sources/CMbedTLS/include/CMbedTLS.h).
LDFLAGS=(-fuse-ld=lld -B"$TOOLBIN" -Wl,--gc-sections -Wl,--wrap=calloc -Wl,--wrap=free $BOARD_LDFLAGS)
# Position-dependent either way: retargeted MIPS objects are not PIC.
if [ "$LINK_MODE" = static ]; then LDFLAGS+=(-static); else LDFLAGS+=(-no-pie); fi
for exe in "${EXECUTABLES[@]}"; do
    "$CC" "${CFLAGS[@]}" -DSPRIG_ENTRY="${exe}_entry" -c Board/main.c -o "$OBJ/main-$exe.o"
    # glibc's static-link warnings (getpwnam & co. need NSS at run time)
    # are expected here; OpenWrt links musl.
    "$CC" "${LDFLAGS[@]}" -Wl,-Map="$OUT_DIR/$exe.map" -o "$OUT_DIR/$exe.unstripped" \
        "$OBJ/main-$exe.o" "$OBJ/$exe.o" "${LIB_OBJS[@]}" "${LIBS[@]}" "${EXTRA_LIBS[@]}" -lm \
        2> >(grep -v -e 'statically linked applications requires at runtime' >&2)
    "${CROSS}strip" -o "$OUT_DIR/$exe" "$OUT_DIR/$exe.unstripped"
    swift-demangle --simplified < "$OUT_DIR/$exe.map" > "$OUT_DIR/$exe.map.tmp" \
        && mv "$OUT_DIR/$exe.map.tmp" "$OUT_DIR/$exe.map"
done

# Allocation audit: which Swift functions call the allocator directly
# (swift_allocObject/swift_slowAlloc → posix_memalign, or malloc). With
# -function-sections each function has its own relocation section, named
# after it. Start-up code may allocate; the query path must not.
ALLOC_SYMS='posix_memalign|malloc|calloc|realloc|swift_allocObject|swift_slowAlloc|swift_allocBox|swift_allocEmptyBox|swift_coroFrameAlloc'
{
    echo "# Swift functions that call an allocator directly (board $BOARD)."
    echo "# module: function -> allocator. Embedded Swift's swift_allocObject and"
    echo "# swift_slowAlloc end in posix_memalign. Callers of these callers are"
    echo "# not listed: look up a function in <exe>.map or with objdump."
    for m in "${MODULES[@]}"; do
        "${CROSS}readelf" -rW "$OBJ/$m.o" | awk -v m="$m" -v syms="$ALLOC_SYMS" '
            /^Relocation section/ {
                sec = $3; gsub(/'"'"'/, "", sec)
                if (sec !~ /^\.rela?\.text\./) { sec = ""; next }
                sub(/^\.rela?\.text\.(unlikely\.|hot\.|startup\.|exit\.)?/, "", sec); next
            }
            sec != "" && NF >= 5 && $5 ~ syms && sec !~ syms {
                s = $5; sub(/@.*/, "", s); sub(/^\.text\.(unlikely\.)?/, "", s)
                if (!seen[sec "|" s]++) print m ": " sec " -> " s
            }'
    done | swift-demangle --simplified
} > "$OUT_DIR/alloc-audit.txt"

echo "board $BOARD: stripped sizes ($LINK_MODE, glibc; see Board/README.md)"
for exe in "${EXECUTABLES[@]}"; do
    bytes=$(stat -c %s "$OUT_DIR/$exe")
    printf '  %-24s %9d bytes\n' "${OUT_DIR#"$ROOT"/}/$exe" "$bytes"
done | tee "$OUT_DIR/sizes.txt"
echo "  link maps: ${OUT_DIR#"$ROOT"/}/<exe>.map; allocation audit: ${OUT_DIR#"$ROOT"/}/alloc-audit.txt ($(wc -l < "$OUT_DIR/alloc-audit.txt") lines)"
